"""Helpers for the sweeps proving that another kelurahan's rows answer exactly like rows that do
not exist: a 404, never a redirect or a 403 that would tell a stranger the row is there.

Used by the admin sweeps of each app (tests/kelurahan/test_admin_isolation.py,
tests/layanan/test_letter_admin.py, tests/umkm/test_admin.py) and by other admin tests that post
a form as a browser would (`form_payload`).
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.messages import get_messages
from django.urls import reverse

MISSING_PK = 999999  # an id no row has


def admin_url(model, view: str, *args) -> str:
    """The admin URL of a model's view ("changelist", "add", "change", "delete", "history")."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def snapshot(obj) -> dict:
    """Every stored field of a row, fresh from the database."""
    obj = type(obj)._default_manager.get(pk=obj.pk)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def form_payload(response) -> dict:
    """What a browser submits for the admin form in `response`, unchanged (files aside)."""
    context = response.context
    all_forms = [context["adminform"].form]
    for inline in context.get("inline_admin_formsets", []):
        all_forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in all_forms:
        for bound in form:
            widget = bound.field.widget
            while isinstance(widget, RelatedFieldWidgetWrapper):
                widget = widget.widget
            if bound.field.disabled or isinstance(widget, forms.FileInput):
                continue
            rendered = widget.get_context(bound.html_name, bound.value(), {})["widget"]
            for part in rendered.get("subwidgets", [rendered]):
                value = part["value"]
                if isinstance(widget, forms.CheckboxInput):
                    if part["attrs"].get("checked"):
                        data[part["name"]] = "on"
                elif isinstance(value, list):
                    data[part["name"]] = value[0] if len(value) == 1 else value
                else:
                    data[part["name"]] = "" if value is None else value
    return data


def outcome(client, method: str, path: str, pk, data=None) -> tuple:
    """Status, redirect and messages of one request, with the object's id masked out."""
    client.cookies.pop("messages", None)  # only this request's messages
    response = getattr(client, method)(path, data or {})
    shown = [(m.level, str(m).replace(str(pk), "?")) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)
    return response.status_code, response.get("Location"), shown


def listed_rows(client, model) -> list:
    """Every row the model's admin list shows the client (its whole queryset, past paging)."""
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return list(response.context["cl"].queryset)


def assert_lists_own_rows_only(client, model, mine, theirs) -> list:
    """The model's admin list has `mine` and neither `theirs` nor a link to it; returns the rows
    it lists."""
    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    listed = list(response.context["cl"].queryset)
    assert mine in listed
    assert theirs not in listed
    assert set(response.context["cl"].result_list) <= set(listed)
    assert admin_url(model, "change", theirs.pk) not in response.content.decode()
    return listed


def assert_answers_like_a_missing_row(
    client, method: str, url_of: Callable[[object], str], theirs, data=None, *, status: int = 404
) -> None:
    """A request about `theirs` (another kelurahan's row) answers exactly as one about an id no
    row has: `status` (404 unless the view refuses every id alike with a 403), no redirect, no
    message, and the row unchanged."""
    before = snapshot(theirs)

    real = outcome(client, method, url_of(theirs.pk), theirs.pk, data)
    missing = outcome(client, method, url_of(MISSING_PK), MISSING_PK, data)

    assert real == missing
    assert real == (status, None, []), real
    assert snapshot(theirs) == before
