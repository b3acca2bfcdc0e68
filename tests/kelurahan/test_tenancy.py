"""Tenant queries fail closed: outside a scope a query raises; scopes open them, one way each."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.http import HttpResponse
from django.test import RequestFactory

from kelurahan.models import RW, Kelurahan, Official, StaffMembership
from kelurahan.tenancy import (
    ScopeError,
    TenancyMiddleware,
    closed,
    current_scope,
    tenant_models,
    unscoped,
)
from tests.factories import OfficialFactory, RTFactory

pytestmark = pytest.mark.django_db

# Every way a queryset reaches the database.
QUERIES = {
    "list": lambda qs: list(qs),
    "count": lambda qs: qs.count(),
    "exists": lambda qs: qs.exists(),
    "get": lambda qs: qs.get(pk=1),
    "first": lambda qs: qs.first(),
    "iterator": lambda qs: list(qs.iterator()),
    "aggregate": lambda qs: qs.aggregate(n=models.Count("pk")),
    "values_list": lambda qs: list(qs.values_list("pk", flat=True)),
    "update": lambda qs: qs.update(pk=models.F("pk")),
    "delete": lambda qs: qs.delete(),
    "subquery": lambda qs: list(Kelurahan.objects.filter(pk__in=qs.values("kelurahan_id"))),
}


def _owned_by_a_kelurahan(model) -> bool:
    """A non-null `kelurahan` (DESIGN: every kelurahan-owned row has one); a staff invitation
    names the kelurahan it invites to, or none for Diskominfo, and belongs to no kelurahan; a
    city's letter texts have none, a kelurahan's own version names it (layanan.letter_texts reads
    and writes them by city and kelurahan, tests/layanan/test_letter_texts.py holds them to it)."""
    return any(
        field.related_model is Kelurahan and not field.null
        for field in model._meta.fields
        if field.name == "kelurahan"
    )


def test_every_model_with_a_kelurahan_is_a_tenant_model():
    owned = {m for m in apps.get_models() if _owned_by_a_kelurahan(m)}
    assert owned  # the walk below is over something
    assert owned == set(tenant_models())


@pytest.mark.parametrize("query", QUERIES, ids=list(QUERIES))
@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_a_query_on_a_tenant_model_outside_a_scope_raises(model, query):
    with closed(), pytest.raises(ScopeError, match=model._meta.label):
        QUERIES[query](model.objects.all())


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_each_scope_opens_a_tenant_model(model, kelurahan_a, operator_a):
    city = kelurahan_a.kecamatan.city
    with closed():
        assert model.objects.for_kelurahan(kelurahan_a).count() >= 0
        assert model.objects.for_city(city).count() >= 0
        assert model.objects.for_user(operator_a).count() >= 0
        assert model.objects.unscoped("this test").count() >= 0


def test_a_scope_survives_chaining_and_keeps_to_its_kelurahan(kelurahan_a, kelurahan_b):
    own = OfficialFactory(kelurahan=kelurahan_a, name="Sri Lestari")
    OfficialFactory(kelurahan=kelurahan_b, name="Sri Lestari")
    with closed():
        chained = (
            Official.objects.for_kelurahan(kelurahan_a)
            .filter(name="Sri Lestari")
            .order_by("rank")
            .select_related("kelurahan")
        )
        assert [o.pk for o in chained] == [own.pk]
        assert list(chained.values_list("pk", flat=True)) == [own.pk]
        city = Official.objects.for_city(kelurahan_a.kecamatan.city).filter(name="Sri Lestari")
        assert city.count() == 2


def test_a_stranger_gets_nothing_and_a_city_staff_member_everything(
    kelurahan_a, kelurahan_b, make_staff, diskominfo
):
    OfficialFactory(kelurahan=kelurahan_a)
    OfficialFactory(kelurahan=kelurahan_b)
    stranger = get_user_model().objects.create_user("stranger", password="x" * 20)
    with closed():
        assert Official.objects.for_user(stranger).count() == 0
        assert (
            Official.objects.for_user(diskominfo).count()
            == Official.objects.unscoped("the whole table, to compare").count()
        )


def test_rows_reached_from_a_tenant_row_are_in_its_scope(kelurahan_a):
    rt = RTFactory(kelurahan=kelurahan_a)
    with closed():
        kelurahan = Kelurahan.objects.get(pk=kelurahan_a.pk)
        assert kelurahan.memberships.count() == 0  # from the tenant itself
        rw = RW.objects.for_kelurahan(kelurahan).get()
        assert list(rw.rts.all()) == [rt]  # from one of its rows


def test_rows_reached_from_a_user_are_not_in_any_scope(operator_a):
    with closed(), pytest.raises(ScopeError):
        StaffMembership.objects.filter(user=operator_a).exists()


def test_unscoped_needs_a_reason():
    with pytest.raises(ValueError):
        Official.objects.unscoped("")
    with pytest.raises(ValueError), unscoped(""):
        pass


def test_the_ambient_scope_opens_and_closes():
    with closed():
        assert current_scope() is None
        with unscoped("system work"):
            assert current_scope() == "unscoped: system work"
            assert Official.objects.count() == 0
        with pytest.raises(ScopeError):
            Official.objects.count()


def test_every_request_starts_closed_whatever_scope_the_caller_holds():
    seen = {}

    def view(request):
        seen["scope"] = current_scope()
        with pytest.raises(ScopeError):
            Official.objects.count()
        return HttpResponse("ok")

    with unscoped("a test around the request"):
        response = TenancyMiddleware(view)(RequestFactory().get("/"))
    assert response.status_code == 200
    assert seen == {"scope": None}


def test_a_page_whose_view_scopes_its_queries_renders_inside_the_closed_request(
    client, kelurahan_a
):
    OfficialFactory(kelurahan=kelurahan_a, name="Budi Santoso")
    response = client.get(f"/k/{kelurahan_a.slug}/struktur/")
    assert response.status_code == 200
    assert "Budi Santoso" in response.text


def test_a_form_checks_uniqueness_across_kelurahan_without_a_scope(kelurahan_a):
    """Uniqueness and constraint checks of one row read the whole table on purpose."""
    with closed():
        membership = StaffMembership(kelurahan=kelurahan_a)
        membership.validate_constraints()
        membership.validate_unique(exclude=["user"])


@pytest.mark.parametrize(
    "command,args",
    [
        ("provision", ["33.72.01.1003"]),
        ("letters_sweep", []),
        ("demo_setup", []),
    ],
)
def test_management_commands_open_their_own_scope(command, args, kecamatan_laweyan):
    with closed():
        call_command(command, *args, verbosity=0)
