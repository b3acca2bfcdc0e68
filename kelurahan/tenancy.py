"""Tenancy: which kelurahan a user may see, and tenant querysets that fail closed.

A query on a tenant model (a row one kelurahan owns) runs only inside a scope; outside one it
raises ScopeError, so a query that forgot its kelurahan is a loud error in development and in
the tests, never another kelurahan's rows on a page. A queryset is scoped by:

- `for_kelurahan(k)`: one kelurahan's rows (public pages, an operator's own work);
- `for_city(city)`: the rows of every kelurahan of one city (Diskominfo's city-wide work);
- `for_user(user)`: what a staff user may see (their kelurahan; every kelurahan of their cities for
  Diskominfo; everything for superusers);
- `unscoped(reason)`: every row, for system work that is about no one tenant (a sweep of orphan
  files, a uniqueness check across the deployment); the reason is there to be read.

Rows reached through a relation of a tenant row (`letter.events.all()`, `kelurahan.officials`)
are in that row's scope. Code that runs many services for no request (management commands,
tasks, provisioning) opens the scope around its work: `with unscoped("demo setup"): ...`.
Each request starts closed (TenancyMiddleware), whatever scope the code around it holds.

Why our own queryset rather than django-scopes (pretix): the project already reads tenant rows
through `for_kelurahan` / `for_user` on one QuerySet class, so making those methods the scope
costs no second vocabulary (no `scope(kelurahan=...)` blocks around every view) and the scope
travels with the queryset (a queryset built in a view and evaluated in a template stays valid).

Diskominfo staff see every kelurahan of the cities they work for (CityStaffMembership rows: one
city, or several for a province-wide role; `user_city_ids`); superusers see every kelurahan; an
Operator, Penandatangan or Redaksi sees only the kelurahan of their membership; anyone else sees
nothing. `is_city_staff` says only that a user is city-level staff, never which cities.

This module imports no models (it looks StaffMembership up through the app registry), so
kelurahan/models.py can build on it without an import circle.
"""

from __future__ import annotations

import contextlib
import traceback
from contextvars import ContextVar
from pathlib import Path

from django.apps import apps
from django.db import models

from kelurahan.pagecache import PageCacheQuerySet

KELURAHAN_LABEL = "kelurahan.Kelurahan"


class ScopeError(RuntimeError):
    """A query on a tenant model outside any scope (a programming error, never a user's)."""


# The scope code around a query holds (set by `unscoped(reason)`), or None: closed.
_ambient_scope: ContextVar[str | None] = ContextVar("tenant_scope", default=None)


@contextlib.contextmanager
def unscoped(reason: str):
    """Let every tenant query inside run unscoped: system work about no single kelurahan."""
    if not reason:
        raise ValueError("unscoped() needs a reason")
    token = _ambient_scope.set(f"unscoped: {reason}")
    try:
        yield
    finally:
        _ambient_scope.reset(token)


@contextlib.contextmanager
def closed():
    """Close any ambient scope inside (a request's view must scope its own queries)."""
    token = _ambient_scope.set(None)
    try:
        yield
    finally:
        _ambient_scope.reset(token)


def current_scope() -> str | None:
    """The ambient scope's description, or None when closed."""
    return _ambient_scope.get()


def is_city_staff(user) -> bool:
    """True for Diskominfo (city-level) staff and superusers. Which cities they manage is
    `user_city_ids`: a Diskominfo account sees only the kelurahan of its own cities."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_portal_is_city_staff", None)
    if cached is None:
        from kelurahan import roles  # here: roles imports auth models, this module none

        cached = user.groups.filter(name=roles.DISKOMINFO).exists()
        user._portal_is_city_staff = cached
    return cached


def user_kelurahan_id(user) -> int | None:
    """The kelurahan a staff user belongs to, or None. Cached on the user object per request."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if not hasattr(user, "_portal_kelurahan_id"):
        membership = apps.get_model("kelurahan", "StaffMembership")
        user._portal_kelurahan_id = (
            membership.objects.unscoped("the user's own membership")
            .filter(user=user)
            .values_list("kelurahan_id", flat=True)
            .first()
        )
    return user._portal_kelurahan_id


def user_city_ids(user) -> set[int] | None:
    """The ids of the cities a city-level staff user works for; None means every city
    (superusers). Kelurahan staff and strangers get an empty set (their one kelurahan is
    `user_kelurahan_id`). Cached on the user object per request, like user_kelurahan_id."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    if user.is_superuser:
        return None
    if not hasattr(user, "_portal_city_ids"):
        if is_city_staff(user):
            membership = apps.get_model("kelurahan", "CityStaffMembership")
            user._portal_city_ids = set(
                membership.objects.filter(user=user).values_list("city_id", flat=True)
            )
        else:
            user._portal_city_ids = set()
    return user._portal_city_ids


def user_city_filter(user):
    """What `city_id__in=` takes for a Diskominfo user's cities: the ids when this request knows
    them already, else a subquery, so scoping a list costs no extra round trip. Only for city
    staff who are not superusers (see user_city_ids)."""
    cached = getattr(user, "_portal_city_ids", None)
    if cached is not None:
        return list(cached)
    membership = apps.get_model("kelurahan", "CityStaffMembership")
    return membership.objects.filter(user_id=user.pk).values("city_id")


def user_may_see_kelurahan(user, kelurahan_id: int | None) -> bool:
    """Whether a staff user may see this kelurahan (and its rows): their own kelurahan, one of
    their cities' for Diskominfo, any for a superuser. Cached per kelurahan on the user."""
    if kelurahan_id is None:
        return False
    city_ids = user_city_ids(user)
    if city_ids is None:
        return True
    if city_ids:
        seen = getattr(user, "_portal_kelurahan_seen", None)
        if seen is None:
            seen = user._portal_kelurahan_seen = {}
        if kelurahan_id not in seen:
            seen[kelurahan_id] = (
                apps.get_model(KELURAHAN_LABEL)
                .objects.filter(pk=kelurahan_id, kecamatan__city_id__in=city_ids)
                .exists()
            )
        if seen[kelurahan_id]:
            return True
    return user_kelurahan_id(user) == kelurahan_id


def user_kelurahan(user):
    """The Kelurahan a staff user belongs to, or None (Diskominfo, strangers)."""
    kelurahan_id = user_kelurahan_id(user)
    if kelurahan_id is None:
        return None
    return apps.get_model(KELURAHAN_LABEL).objects.get(pk=kelurahan_id)


class TenantQuerySet(PageCacheQuerySet):
    """QuerySet for rows owned by one kelurahan (a non-null `kelurahan` foreign key): it runs only
    inside a scope (see the module's docstring). Bulk writes empty the public pages they change
    (kelurahan/pagecache.py)."""

    kelurahan_lookup = "kelurahan"
    city_lookup = "kelurahan__kecamatan__city"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope: str | None = None

    @classmethod
    def as_manager(cls):
        manager = TenantManager.from_queryset(cls)()
        manager._built_with_as_manager = True
        return manager

    as_manager.queryset_only = True

    def _clone(self):
        clone = super()._clone()
        clone._scope = self._scope
        return clone

    def _in_scope(self, scope: str) -> TenantQuerySet:
        clone = self._chain()
        clone._scope = scope
        return clone

    def _check_scope(self) -> None:
        if self._scope is None and _ambient_scope.get() is None:
            raise ScopeError(
                f"A query on {self.model._meta.label} outside a tenant scope{_caller()}: read "
                "it through .for_kelurahan(k), .for_city(city), .for_user(user) or "
                ".unscoped(reason)."
            )

    # -- Scopes --

    def for_kelurahan(self, kelurahan) -> TenantQuerySet:
        """One kelurahan's rows (a Kelurahan or its id)."""
        kelurahan_id = getattr(kelurahan, "pk", kelurahan)
        return self._in_scope(f"kelurahan {kelurahan_id}").filter(
            **{f"{self.kelurahan_lookup}_id": kelurahan_id}
        )

    def for_city(self, city) -> TenantQuerySet:
        """The rows of every kelurahan of one city (a City or its id)."""
        city_id = getattr(city, "pk", city)
        return self._in_scope(f"city {city_id}").filter(**{f"{self.city_lookup}_id": city_id})

    def for_user(self, user) -> TenantQuerySet:
        """What a staff user may see: every row for a superuser, the rows of their cities for
        Diskominfo, their kelurahan's otherwise."""
        if is_city_staff(user):
            if user.is_superuser:
                return self._in_scope(f"superuser {user.pk}")
            return self._in_scope(f"cities of {user.pk}").filter(
                **{f"{self.city_lookup}_id__in": user_city_filter(user)}
            )
        kelurahan_id = user_kelurahan_id(user)
        if kelurahan_id is None:
            return self._in_scope("nobody").none()
        return self.for_kelurahan(kelurahan_id)

    def none(self) -> TenantQuerySet:
        """No rows: in every scope, since it asks the database nothing."""
        clone = super().none()
        clone._scope = clone._scope or "nothing"
        return clone

    def unscoped(self, reason: str) -> TenantQuerySet:
        """Every row, for system work about no single kelurahan; say why."""
        if not reason:
            raise ValueError("unscoped() needs a reason")
        return self._in_scope(f"unscoped: {reason}")

    # -- Every way a query reaches the database checks the scope first --

    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def iterator(self, *args, **kwargs):
        self._check_scope()
        return super().iterator(*args, **kwargs)

    def count(self):
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scope()
        return super().update(**kwargs)

    def _update(self, values):
        self._check_scope()
        return super()._update(values)

    def delete(self):
        self._check_scope()
        return super().delete()

    def explain(self, *args, **kwargs):
        self._check_scope()
        return super().explain(*args, **kwargs)

    def resolve_expression(self, *args, **kwargs):
        # Used as a subquery (`nik__in=Letter.objects.values("nik")`).
        self._check_scope()
        return super().resolve_expression(*args, **kwargs)


def _caller() -> str:
    """' (at app/module.py:42)': the project's line that made the query, for the error."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        path = Path(frame.filename)
        if path.is_relative_to(_PROJECT) and not path.is_relative_to(_PROJECT / ".venv"):
            return f" (at {path.relative_to(_PROJECT)}:{frame.lineno})"
    return ""


_PROJECT = Path(__file__).resolve().parent.parent


class TenantManager(models.Manager):
    """A related manager of a tenant row (`letter.events`, `kelurahan.officials`) is in that
    row's scope: the row was itself read in a scope. From any other row (a user's) it is not."""

    def get_queryset(self):
        queryset = super().get_queryset()
        instance = getattr(self, "instance", None)
        if instance is not None and hasattr(self, "core_filters") and _is_tenant_row(instance):
            queryset._scope = f"related to {instance._meta.label} {instance.pk}"
        return queryset


def _is_tenant_row(obj) -> bool:
    return obj._meta.label == KELURAHAN_LABEL or isinstance(
        type(obj)._default_manager, TenantManager
    )


def tenant_models() -> list[type[models.Model]]:
    """Every model whose rows one kelurahan owns (their default manager fails closed)."""
    return [m for m in apps.get_models() if isinstance(m._default_manager, TenantManager)]


def owner_kelurahan_id(obj) -> int | None:
    """The id of the kelurahan that owns a tenant row (the kelurahan itself for a Kelurahan)."""
    if obj._meta.label == KELURAHAN_LABEL:
        return obj.pk
    return getattr(obj, "kelurahan_id", None)


def user_can_access(user, obj) -> bool:
    """Whether a user may see a tenant row at all (callers answer 404 when not)."""
    return user_may_see_kelurahan(user, owner_kelurahan_id(obj))


class TenancyMiddleware:
    """Each request starts closed: a view scopes its own queries, whatever scope the code that
    handles the request holds (a test's setup, a management command serving a page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with closed():
            return self.get_response(request)
