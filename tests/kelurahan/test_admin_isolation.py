"""Tenant isolation in the Django admin: another kelurahan's rows are never seen nor touched.

A sweep over every admin model registered for kelurahan content (get.gov's URL-sweep idea): each
one must be listed in TENANTS below, so a newly registered tenant model fails the suite until its
isolation is tested too.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.db import IntegrityError, models, transaction
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from kelurahan import roles
from kelurahan.models import (
    RT,
    RW,
    Article,
    KarangTaruna,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Kelurahan,
    Official,
    Service,
)
from kelurahan.tenancy import owner_kelurahan_id
from tests.factories import (
    ArticleFactory,
    KarangTarunaActivityFactory,
    KarangTarunaOfficerFactory,
    OfficialFactory,
    RTFactory,
    RWFactory,
    ServiceFactory,
)
from tests.isolation import (
    admin_url,
    assert_answers_like_a_missing_row,
    assert_lists_own_rows_only,
    form_payload,
    listed_rows,
    snapshot,
)

INLINE_RT_MANAGEMENT = {
    "rts-TOTAL_FORMS": "0",
    "rts-INITIAL_FORMS": "0",
    "rts-MIN_NUM_FORMS": "0",
    "rts-MAX_NUM_FORMS": "1000",
}


@dataclass(frozen=True)
class Tenant:
    """How the sweep makes, edits and adds rows of one admin model."""

    make: Callable[[Kelurahan], models.Model]  # a row owned by the given kelurahan
    text_field: str  # a free-text field every role that may change the row can edit
    add_data: dict[str, str] = field(default_factory=dict)  # a valid add form; {} = no adding
    one_per_kelurahan: bool = False


TENANTS: dict[type[models.Model], Tenant] = {
    Kelurahan: Tenant(make=lambda k: k, text_field="history"),
    Official: Tenant(
        make=lambda k: OfficialFactory(kelurahan=k),
        text_field="name",
        add_data={"position": "Kasi Baru", "name": "Sri Lestari", "level": "3", "rank": "5"},
    ),
    RW: Tenant(
        make=lambda k: RWFactory(kelurahan=k, number=90),
        text_field="head_name",
        add_data={"number": "42", "head_name": "Pak RW", "phone": "", **INLINE_RT_MANAGEMENT},
    ),
    KarangTaruna: Tenant(
        make=lambda k: KarangTaruna.objects.get(kelurahan=k),
        text_field="name",
        add_data={"name": "Karang Taruna Baru"},
        one_per_kelurahan=True,
    ),
    KarangTarunaOfficer: Tenant(
        make=lambda k: KarangTarunaOfficerFactory(kelurahan=k),
        text_field="name",
        add_data={"position": "Sekretaris", "name": "Dewi", "rank": "1"},
    ),
    KarangTarunaActivity: Tenant(
        make=lambda k: KarangTarunaActivityFactory(kelurahan=k),
        text_field="title",
        add_data={"title": "Lomba tujuhbelasan", "date": "", "description": ""},
    ),
    Article: Tenant(
        make=lambda k: ArticleFactory(kelurahan=k),
        text_field="title",
        add_data={
            "kind": "berita",
            "title": "Posyandu balita",
            "slug": "posyandu-balita",
            "summary": "",
            "body": "Isi berita.",
            "status": "draft",
            "published_at_0": "2025-01-15",
            "published_at_1": "08:00:00",
            "location": "",
        },
    ),
    Service: Tenant(
        make=lambda k: ServiceFactory(kelurahan=k),
        text_field="name",
        add_data={
            "name": "Surat Keterangan Baru",
            "slug": "surat-keterangan-baru",
            "requirements": "KTP-el",
            "service_days": "2",
            "cost": "Gratis",
            "rank": "9",
            "is_active": "on",
        },
    ),
}


def _is_tenant_model(model) -> bool:
    return model._meta.app_label == "kelurahan" and (
        model is Kelurahan or any(f.name == "kelurahan" for f in model._meta.fields)
    )


TENANT_MODELS = sorted(
    (m for m in admin.site._registry if _is_tenant_model(m)), key=lambda m: m._meta.model_name
)
OWNED_MODELS = [m for m in TENANT_MODELS if m is not Kelurahan]
by_name = pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.model_name)
owned_by_name = pytest.mark.parametrize("model", OWNED_MODELS, ids=lambda m: m._meta.model_name)


def tenant(model) -> Tenant:
    if model not in TENANTS:
        pytest.fail(f"{model.__name__} is registered in the admin but not covered by TENANTS")
    return TENANTS[model]


@pytest.fixture
def rows(kelurahan_a, kelurahan_b):
    """One row of each tenant model for kelurahan A and for kelurahan B."""

    def make(model):
        spec = tenant(model)
        return spec.make(kelurahan_a), spec.make(kelurahan_b)

    return make


# --- The sweep covers every tenant model --------------------------------------------------------


def test_every_tenant_model_in_the_admin_is_covered_by_the_sweep():
    registered = set(TENANT_MODELS)
    assert Kelurahan in registered and Official in registered
    assert not registered - set(TENANTS), "add the new admin model to TENANTS"


def test_the_sweep_describes_no_model_the_admin_does_not_register():
    assert not set(TENANTS) - set(TENANT_MODELS)


# --- Lists, detail URLs and POSTs ----------------------------------------------------------------


@by_name
def test_operator_lists_own_rows_and_none_of_another_kelurahan(
    as_operator_a, rows, kelurahan_a, model
):
    mine, theirs = rows(model)

    listed = assert_lists_own_rows_only(as_operator_a, model, mine, theirs)

    assert {owner_kelurahan_id(row) for row in listed} == {kelurahan_a.pk}


@by_name
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_kelurahans_row_answers_like_a_row_that_does_not_exist(
    as_operator_a, rows, model, view
):
    _mine, theirs = rows(model)
    # A kelurahan is never deletable: its delete page is a 403 for every id alike.
    status = 403 if view == "delete" and model is Kelurahan else 404
    url_of = functools.partial(admin_url, model, view)

    assert_answers_like_a_missing_row(as_operator_a, "get", url_of, theirs, status=status)


@by_name
def test_post_to_another_kelurahans_change_url_changes_nothing(
    client, diskominfo, operator_a, rows, model
):
    _mine, theirs = rows(model)
    spec = tenant(model)
    client.force_login(diskominfo)
    data = form_payload(client.get(admin_url(model, "change", theirs.pk)))
    data[spec.text_field] = "Diubah oleh orang lain"
    client.force_login(operator_a)
    url_of = functools.partial(admin_url, model, "change")

    assert_answers_like_a_missing_row(client, "post", url_of, theirs, data)


@by_name
def test_post_to_another_kelurahans_delete_url_deletes_nothing(as_operator_a, rows, model):
    _mine, theirs = rows(model)
    status = 403 if model is Kelurahan else 404  # a kelurahan is never deletable
    url_of = functools.partial(admin_url, model, "delete")

    assert_answers_like_a_missing_row(
        as_operator_a, "post", url_of, theirs, {"post": "yes"}, status=status
    )
    assert model._default_manager.filter(pk=theirs.pk).exists()


@by_name
def test_operator_edits_own_row(as_operator_a, rows, model):
    mine, _theirs = rows(model)
    spec = tenant(model)
    data = form_payload(as_operator_a.get(admin_url(model, "change", mine.pk)))
    data[spec.text_field] = "Diubah oleh operator"

    response = as_operator_a.post(admin_url(model, "change", mine.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert getattr(model._default_manager.get(pk=mine.pk), spec.text_field) == (
        "Diubah oleh operator"
    )


# --- Bulk actions and bulk edits -----------------------------------------------------------------


@by_name
def test_delete_selected_with_another_kelurahans_ids_deletes_only_own_rows(
    as_operator_a, rows, model
):
    mine, theirs = rows(model)
    data = {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"}

    as_operator_a.post(admin_url(model, "changelist"), data)

    assert model._default_manager.filter(pk=theirs.pk).exists()
    # Kelurahan are never deleted; every other row of one's own is.
    assert model._default_manager.filter(pk=mine.pk).exists() == (model is Kelurahan)


@by_name
def test_delete_selected_across_all_rows_spares_another_kelurahan(as_operator_a, rows, model):
    _mine, theirs = rows(model)
    theirs_before = model._default_manager.filter(pk=theirs.pk).count()
    data = {"action": "delete_selected", "_selected_action": [theirs.pk], "select_across": "1"}

    as_operator_a.post(admin_url(model, "changelist"), {**data, "post": "yes"})

    assert model._default_manager.filter(pk=theirs.pk).count() == theirs_before == 1


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("publish", Article.Status.DRAFT, Article.Status.PUBLISHED),
        ("unpublish", Article.Status.PUBLISHED, Article.Status.DRAFT),
    ],
)
def test_article_actions_never_touch_another_kelurahans_articles(
    as_operator_a, kelurahan_a, kelurahan_b, action, start, end
):
    mine = ArticleFactory(kelurahan=kelurahan_a, status=start)
    theirs = ArticleFactory(kelurahan=kelurahan_b, status=start)

    response = as_operator_a.post(
        admin_url(Article, "changelist"),
        {"action": action, "_selected_action": [mine.pk, theirs.pk]},
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (end, start)


@pytest.mark.parametrize(
    ("model", "make", "edits"),
    [
        (Official, OfficialFactory, {"rank": "77"}),
        (KarangTarunaOfficer, KarangTarunaOfficerFactory, {"rank": "77"}),
        (Service, ServiceFactory, {"rank": "77", "is_active": ""}),
    ],
    ids=["official", "karangtarunaofficer", "service"],
)
def test_list_editable_post_naming_another_kelurahans_row_changes_and_creates_nothing(
    as_operator_a, kelurahan_a, kelurahan_b, model, make, edits
):
    theirs = make(kelurahan=kelurahan_b)
    before = snapshot(theirs)
    count_a = model.objects.for_kelurahan(kelurahan_a).count()
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(theirs.pk),
        **{f"form-0-{name}": value for name, value in edits.items()},
        "_save": "1",
    }

    as_operator_a.post(admin_url(model, "changelist"), data)

    assert snapshot(theirs) == before
    assert model.objects.for_kelurahan(kelurahan_a).count() == count_a


def test_list_editable_post_naming_a_row_works_for_diskominfo(as_diskominfo, kelurahan_b):
    theirs = OfficialFactory(kelurahan=kelurahan_b, rank=3)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(theirs.pk),
        "form-0-rank": "77",
        "_save": "1",
    }

    response = as_diskominfo.post(admin_url(Official, "changelist"), data)

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.rank == 77


def test_list_editable_still_saves_own_rows(as_operator_a, kelurahan_a):
    mine = OfficialFactory(kelurahan=kelurahan_a, rank=3)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(mine.pk),
        "form-0-rank": "8",
        "_save": "1",
    }

    response = as_operator_a.post(admin_url(Official, "changelist"), data)

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.rank == 8


# --- Foreign-key choices and adding --------------------------------------------------------------


@owned_by_name
def test_kelurahan_field_on_add_forms_is_fixed_to_the_operators_kelurahan(
    as_operator_a, kelurahan_a, model
):
    response = as_operator_a.get(admin_url(model, "add"))

    assert response.status_code == 200
    kelurahan_field = response.context["adminform"].form.fields["kelurahan"]
    assert kelurahan_field.disabled
    assert kelurahan_field.initial == kelurahan_a.pk
    assert list(kelurahan_field.queryset) == [kelurahan_a]


@owned_by_name
def test_adding_a_row_stamps_the_operators_kelurahan_whatever_the_post_names(
    as_operator_a, kelurahan_a, kelurahan_b, model
):
    spec = tenant(model)
    assert spec.add_data, f"give TENANTS[{model.__name__}] a valid add form"
    if spec.one_per_kelurahan:
        model.objects.filter(kelurahan=kelurahan_a).delete()
    before_b = model.objects.filter(kelurahan=kelurahan_b).count()

    response = as_operator_a.post(
        admin_url(model, "add"), {**spec.add_data, "kelurahan": kelurahan_b.pk}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    added = model.objects.latest("pk")
    assert added.kelurahan_id == kelurahan_a.pk
    assert getattr(added, spec.text_field) == spec.add_data[spec.text_field]
    assert model.objects.filter(kelurahan=kelurahan_b).count() == before_b


def test_add_form_prefilled_with_another_kelurahan_cannot_be_saved_for_it(
    as_operator_a, kelurahan_a, kelurahan_b
):
    # ?kelurahan=<id> prefills admin add forms; the field stays disabled and out of reach.
    response = as_operator_a.get(admin_url(RW, "add") + f"?kelurahan={kelurahan_b.pk}")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.get_initial_for_field(form.fields["kelurahan"], "kelurahan") == kelurahan_a.pk

    as_operator_a.post(
        admin_url(RW, "add") + f"?kelurahan={kelurahan_b.pk}",
        {**TENANTS[RW].add_data, "kelurahan": kelurahan_b.pk},
    )

    assert not RW.objects.filter(kelurahan=kelurahan_b).exists()
    assert RW.objects.filter(kelurahan=kelurahan_a).exists()


def test_an_rw_moved_by_diskominfo_takes_its_rts_along(as_diskominfo, kelurahan_a, kelurahan_b):
    rw = RWFactory(kelurahan=kelurahan_b)
    rt = RTFactory(kelurahan=kelurahan_b, rw=rw)
    data = rw_change_data(
        as_diskominfo, rw, [{"id": rt.pk, "rw": rw.pk, "number": rt.number, "head_name": "X"}], 1
    )
    data["kelurahan"] = kelurahan_a.pk

    response = as_diskominfo.post(admin_url(RW, "change", rw.pk), data)

    assert response.status_code == 302
    rt.refresh_from_db()
    assert rt.kelurahan_id == kelurahan_a.pk == RW.objects.get(pk=rw.pk).kelurahan_id


def test_diskominfo_chooses_among_every_kelurahan(as_diskominfo, kelurahan_a, kelurahan_b):
    response = as_diskominfo.get(admin_url(RW, "add"))

    kelurahan_field = response.context["adminform"].form.fields["kelurahan"]
    assert not kelurahan_field.disabled
    assert {kelurahan_a, kelurahan_b} <= set(kelurahan_field.queryset)


def test_rt_inline_offers_only_the_operators_rws(operator_a, kelurahan_a, kelurahan_b):
    mine, theirs = RWFactory(kelurahan=kelurahan_a), RWFactory(kelurahan=kelurahan_b)
    own_rt, their_rt = RTFactory(kelurahan=kelurahan_a), RTFactory(kelurahan=kelurahan_b)
    request = RequestFactory().get("/")
    request.user = operator_a
    rw_admin = admin.site._registry[RW]
    [rt_inline] = [i for i in rw_admin.get_inline_instances(request, mine) if i.model is RT]

    rw_field = rt_inline.formfield_for_foreignkey(RT._meta.get_field("rw"), request)

    assert set(rw_field.queryset) == {mine, own_rt.rw}
    assert theirs not in rw_field.queryset and their_rt.rw not in rw_field.queryset
    assert list(rt_inline.get_queryset(request)) == [own_rt]


def rw_change_data(client, rw, rts: list[dict], initial: int = 0) -> dict:
    data = form_payload(client.get(admin_url(RW, "change", rw.pk)))
    data = {k: v for k, v in data.items() if not k.startswith("rts-")}
    data.update(
        {
            "rts-TOTAL_FORMS": str(len(rts)),
            "rts-INITIAL_FORMS": str(initial),
            "rts-MIN_NUM_FORMS": "0",
            "rts-MAX_NUM_FORMS": "1000",
        }
    )
    for i, rt in enumerate(rts):
        data.update({f"rts-{i}-{name}": value for name, value in rt.items()})
    return data


def test_rt_added_under_own_rw_belongs_to_own_kelurahan(as_operator_a, kelurahan_a):
    rw = RWFactory(kelurahan=kelurahan_a)
    data = rw_change_data(
        as_operator_a, rw, [{"rw": str(rw.pk), "number": "3", "head_name": "Bu RT"}]
    )

    response = as_operator_a.post(admin_url(RW, "change", rw.pk), data)

    assert response.status_code == 302
    rt = RT.objects.get(rw=rw)
    assert (rt.number, rt.kelurahan_id) == (3, kelurahan_a.pk)


def test_rt_cannot_be_attached_to_another_kelurahans_rw(as_operator_a, kelurahan_a, kelurahan_b):
    mine, theirs = RWFactory(kelurahan=kelurahan_a), RWFactory(kelurahan=kelurahan_b)
    data = rw_change_data(as_operator_a, mine, [{"rw": str(theirs.pk), "number": "4"}])

    response = as_operator_a.post(admin_url(RW, "change", mine.pk), data)

    assert response.status_code == 200  # the inline reports the tampered parent
    assert not RT.objects.exists()


def test_rt_of_another_kelurahan_cannot_be_edited_through_own_rw(
    as_operator_a, kelurahan_a, kelurahan_b
):
    mine = RWFactory(kelurahan=kelurahan_a)
    theirs = RTFactory(kelurahan=kelurahan_b, number=5, head_name="Asli")
    before = snapshot(theirs)
    data = rw_change_data(
        as_operator_a,
        mine,
        [{"id": str(theirs.pk), "rw": str(mine.pk), "number": "6", "head_name": "Diganti"}],
        initial=1,
    )

    as_operator_a.post(admin_url(RW, "change", mine.pk), data)

    assert snapshot(theirs) == before
    assert not RT.objects.filter(rw=mine).exists()


def test_rts_posted_under_another_kelurahans_rw_are_not_created(as_operator_a, kelurahan_b):
    theirs = RWFactory(kelurahan=kelurahan_b)
    data = {
        **TENANTS[RW].add_data,
        "rts-TOTAL_FORMS": "1",
        "rts-0-rw": str(theirs.pk),
        "rts-0-number": "7",
    }

    response = as_operator_a.post(admin_url(RW, "change", theirs.pk), data)

    assert response.status_code == 404
    assert not RT.objects.exists()


@pytest.mark.parametrize(
    ("model", "existing", "data"),
    [
        (RW, {"number": 42}, TENANTS[RW].add_data),
        # Article and Service slugs are made from the title, with "-2" on a clash, never typed
        # (tests/kelurahan/test_article_content.py), so a duplicate slug is no form error.
    ],
    ids=["rw-number"],
)
def test_duplicate_within_own_kelurahan_is_a_form_error(
    as_operator_a, kelurahan_a, model, existing, data
):
    {RW: RWFactory, Article: ArticleFactory, Service: ServiceFactory}[model](
        kelurahan=kelurahan_a, **existing
    )
    count = model.objects.count()

    response = as_operator_a.post(admin_url(model, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert model.objects.count() == count


def test_second_karang_taruna_is_a_form_error(as_operator_a):
    count = KarangTaruna.objects.count()

    response = as_operator_a.post(admin_url(KarangTaruna, "add"), TENANTS[KarangTaruna].add_data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert KarangTaruna.objects.count() == count


def test_same_rw_number_in_another_kelurahan_is_allowed(as_operator_a, kelurahan_a, kelurahan_b):
    RWFactory(kelurahan=kelurahan_b, number=42)

    response = as_operator_a.post(admin_url(RW, "add"), TENANTS[RW].add_data)

    assert response.status_code == 302
    assert RW.objects.get(kelurahan=kelurahan_a).number == 42


@pytest.mark.parametrize("stale_page", [False, True], ids=["fresh-page", "stale-page"])
def test_duplicate_rt_number_under_one_rw_is_a_form_error(as_operator_a, kelurahan_a, stale_page):
    rw = RWFactory(kelurahan=kelurahan_a)
    existing = {"rw": str(rw.pk), "number": "1", "head_name": "Lama", "phone": ""}
    if stale_page:  # opened before another operator added RT 1
        data = rw_change_data(as_operator_a, rw, [{"rw": str(rw.pk), "number": "1"}])
        RTFactory(kelurahan=kelurahan_a, rw=rw, number=1)
    else:
        rt = RTFactory(kelurahan=kelurahan_a, rw=rw, number=1, head_name="Lama")
        rts = [{**existing, "id": str(rt.pk)}, {"rw": str(rw.pk), "number": "1"}]
        data = rw_change_data(as_operator_a, rw, rts, initial=1)

    response = as_operator_a.post(admin_url(RW, "change", rw.pk), data)

    assert response.status_code == 200
    assert RT.objects.filter(rw=rw).count() == 1


# --- Diskominfo and accounts without a kelurahan -------------------------------------------------


@by_name
def test_diskominfo_lists_rows_of_every_kelurahan(as_diskominfo, rows, model):
    mine, theirs = rows(model)

    listed = listed_rows(as_diskominfo, model)

    assert mine in listed and theirs in listed


@by_name
@pytest.mark.parametrize("which", ["a", "b"])
def test_diskominfo_edits_rows_of_any_kelurahan(as_diskominfo, rows, model, which):
    row = dict(zip("ab", rows(model), strict=True))[which]
    spec = tenant(model)
    before = snapshot(row)
    data = form_payload(as_diskominfo.get(admin_url(model, "change", row.pk)))
    data[spec.text_field] = "Diubah oleh Diskominfo"

    response = as_diskominfo.post(admin_url(model, "change", row.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    after = snapshot(row)
    assert after[spec.text_field] == "Diubah oleh Diskominfo"
    assert after.get("kelurahan_id") == before.get("kelurahan_id")


@by_name
def test_staff_with_a_role_but_no_kelurahan_sees_no_rows(client, make_staff, rows, model):
    _mine, theirs = rows(model)
    client.force_login(make_staff("tanpa.kelurahan", roles.OPERATOR))

    assert listed_rows(client, model) == []
    url_of = functools.partial(admin_url, model, "change")
    assert_answers_like_a_missing_row(client, "get", url_of, theirs)


def test_staff_with_a_role_but_no_kelurahan_cannot_add(client, make_staff, kelurahan_a):
    client.force_login(make_staff("tanpa.kelurahan", roles.OPERATOR))

    response = client.post(
        admin_url(RW, "add"), {**TENANTS[RW].add_data, "kelurahan": kelurahan_a.pk}
    )

    assert response.status_code == 200
    assert "kelurahan" in response.context["adminform"].form.errors
    assert not RW.objects.exists()


@by_name
def test_staff_without_role_or_kelurahan_is_refused_every_list(client, make_staff, model):
    user = make_staff("tanpa.peran", roles.OPERATOR)
    user.groups.clear()
    client.force_login(user)

    assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(reverse("admin:index")).context["app_list"] == []


# --- Roles ---------------------------------------------------------------------------------------


def admin_models_shown(client) -> set[str]:
    app_list = client.get(reverse("admin:index")).context["app_list"]
    return {f"{app['app_label']}.{m['object_name']}" for app in app_list for m in app["models"]}


def test_operator_cannot_add_or_delete_a_kelurahan(as_operator_a, kelurahan_a):
    assert as_operator_a.get(admin_url(Kelurahan, "add")).status_code == 403
    assert as_operator_a.post(admin_url(Kelurahan, "add"), {"name": "Baru"}).status_code == 403
    assert as_operator_a.get(admin_url(Kelurahan, "delete", kelurahan_a.pk)).status_code == 403
    assert as_operator_a.post(
        admin_url(Kelurahan, "delete", kelurahan_a.pk), {"post": "yes"}
    ).status_code == (403)
    assert Kelurahan.objects.filter(pk=kelurahan_a.pk).exists()


def test_operator_cannot_reach_the_provision_screen(as_operator_a):
    provision = reverse("admin:kelurahan_kelurahan_provision")
    assert provision == "/admin/kelurahan/kelurahan/provision/"
    count = Kelurahan.objects.count()

    assert as_operator_a.get(provision).status_code == 404
    assert as_operator_a.post(provision, {"codes": "33.72.02"}).status_code == 404
    assert Kelurahan.objects.count() == count
    assert provision not in as_operator_a.get(admin_url(Kelurahan, "changelist")).content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "admin:kelurahan_city_changelist",
        "admin:kelurahan_kecamatan_changelist",
        "admin:auth_user_changelist",
        "admin:auth_user_add",
        "admin:auth_group_changelist",
    ],
)
def test_operator_cannot_open_region_or_account_screens(as_operator_a, path):
    assert as_operator_a.get(reverse(path)).status_code == 403


def test_operator_index_shows_content_but_not_regions_or_accounts(as_operator_a):
    shown = admin_models_shown(as_operator_a)

    assert "kelurahan.Article" in shown and "kelurahan.Kelurahan" in shown
    assert not shown & {"kelurahan.City", "kelurahan.Kecamatan", "auth.User", "auth.Group"}


def test_diskominfo_index_shows_regions_and_accounts(as_diskominfo):
    shown = admin_models_shown(as_diskominfo)

    assert {"kelurahan.City", "kelurahan.Kecamatan", "auth.User"} <= shown


def test_redaksi_edits_content_of_own_kelurahan_only(client, make_staff, kelurahan_a, kelurahan_b):
    client.force_login(make_staff("redaksi.a", roles.REDAKSI, kelurahan_a))
    mine = ArticleFactory(kelurahan=kelurahan_a)
    theirs = ArticleFactory(kelurahan=kelurahan_b, title="Asli")
    data = form_payload(client.get(admin_url(Article, "change", mine.pk)))
    data["title"] = "Judul baru"

    assert client.post(admin_url(Article, "change", mine.pk), data).status_code == 302
    assert client.post(admin_url(Article, "change", theirs.pk), data).status_code == 404

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.title, theirs.title) == ("Judul baru", "Asli")


def test_penandatangan_views_but_cannot_change(client, make_staff, kelurahan_a):
    client.force_login(make_staff("lurah.a", roles.SIGNER, kelurahan_a))
    article = ArticleFactory(kelurahan=kelurahan_a, title="Asli")

    response = client.get(admin_url(Article, "change", article.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert (
        client.post(admin_url(Article, "change", article.pk), {"title": "Baru"}).status_code == 403
    )
    assert client.get(admin_url(Article, "add")).status_code == 403
    assert client.get(admin_url(Article, "delete", article.pk)).status_code == 403
    article.refresh_from_db()
    assert article.title == "Asli"


# --- The kelurahan's own profile -----------------------------------------------------------------


def profile_payload(client, kelurahan, **changes) -> dict:
    response = client.get(admin_url(Kelurahan, "change", kelurahan.pk))
    assert response.status_code == 200
    return {**form_payload(response), **changes}


def test_operator_edits_own_profile_but_not_name_slug_or_code(as_operator_a, kelurahan_a):
    original = snapshot(kelurahan_a)
    data = profile_payload(
        as_operator_a,
        kelurahan_a,
        history="Berdiri sejak 1950.",
        phone="0271 123456",
        name="Nama Lain",
        slug="nama-lain",
        code="33.72.01.1002",
    )
    form = (
        as_operator_a.get(admin_url(Kelurahan, "change", kelurahan_a.pk)).context["adminform"].form
    )
    assert not {"name", "slug", "code", "kind", "kecamatan"} & set(form.fields)

    response = as_operator_a.post(admin_url(Kelurahan, "change", kelurahan_a.pk), data)

    assert response.status_code == 302
    after = snapshot(kelurahan_a)
    assert (after["history"], after["phone"]) == ("Berdiri sejak 1950.", "0271 123456")
    for name in ("name", "slug", "code", "kind", "kecamatan_id"):
        assert after[name] == original[name]


@pytest.mark.parametrize(
    ("changes", "field_in_error"),
    [
        ({"phone": "telepon kantor"}, "phone"),
        ({"whatsapp": "08-abc"}, "whatsapp"),
        ({"latitude": "40.000000", "longitude": "110.000000"}, "latitude"),
        ({"latitude": "-7.500000", "longitude": "150.000000"}, "longitude"),
        ({"latitude": "-7.500000", "longitude": ""}, None),
        ({"latitude": "", "longitude": "110.800000"}, None),
    ],
    ids=["phone", "whatsapp", "latitude", "longitude", "latitude-only", "longitude-only"],
)
def test_invalid_profile_input_is_a_form_error_and_saves_nothing(
    as_operator_a, kelurahan_a, changes, field_in_error
):
    before = snapshot(kelurahan_a)
    data = profile_payload(as_operator_a, kelurahan_a, history="Tidak boleh tersimpan", **changes)

    response = as_operator_a.post(admin_url(Kelurahan, "change", kelurahan_a.pk), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors
    if field_in_error:
        assert field_in_error in errors
    assert snapshot(kelurahan_a) == before


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [("-7.5", None), (None, "110.8"), ("40.0", "110.8"), ("-7.5", "150.0")],
)
def test_database_refuses_a_lone_or_foreign_office_coordinate(kelurahan_a, latitude, longitude):
    with pytest.raises(IntegrityError), transaction.atomic():
        Kelurahan.objects.filter(pk=kelurahan_a.pk).update(latitude=latitude, longitude=longitude)


def test_valid_office_coordinates_are_saved(as_operator_a, kelurahan_a):
    data = profile_payload(as_operator_a, kelurahan_a, latitude="-7.566000", longitude="110.790000")

    assert (
        as_operator_a.post(admin_url(Kelurahan, "change", kelurahan_a.pk), data).status_code == 302
    )

    kelurahan_a.refresh_from_db()
    assert kelurahan_a.has_location


# --- Officials' photos ---------------------------------------------------------------------------


def image_bytes(image_format: str, size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif.tobytes())
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "image_format", "content_type"),
    [("photo.jpg", "JPEG", "image/jpeg"), ("lurah.png", "PNG", "image/png")],
)
def test_official_photo_is_stored_reencoded_as_jpeg(
    as_operator_a, kelurahan_a, media_root, name, image_format, content_type
):
    official = OfficialFactory(kelurahan=kelurahan_a)
    data = form_payload(as_operator_a.get(admin_url(Official, "change", official.pk)))
    data["photo"] = upload(name, image_bytes(image_format), content_type)

    response = as_operator_a.post(admin_url(Official, "change", official.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    official.refresh_from_db()
    assert official.photo.name.startswith("officials/")
    assert official.photo.name.endswith(".jpg")
    assert not official.photo.name.endswith(name)
    [stored] = stored_files(media_root)
    assert stored == media_root / official.photo.name
    with Image.open(stored) as saved:
        assert saved.format == "JPEG"
        assert saved.size == (64, 48)
        assert not saved.getexif()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"Ini bukan foto, hanya teks biasa.\n"),
        ("photo.jpg", b"<?php system($_GET['c']); ?>"),
        ("photo.jpg", image_bytes("JPEG")[:200]),  # truncated
    ],
    ids=["text", "php", "truncated-jpeg"],
)
def test_official_photo_that_is_not_an_image_is_refused(
    as_operator_a, kelurahan_a, media_root, name, content
):
    official = OfficialFactory(kelurahan=kelurahan_a)
    data = form_payload(as_operator_a.get(admin_url(Official, "change", official.pk)))
    data["photo"] = upload(name, content, "image/jpeg")

    response = as_operator_a.post(admin_url(Official, "change", official.pk), data)

    assert response.status_code == 200
    assert "photo" in response.context["adminform"].form.errors
    official.refresh_from_db()
    assert not official.photo
    assert stored_files(media_root) == []
