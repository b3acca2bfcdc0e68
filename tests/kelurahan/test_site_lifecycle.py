"""A site's lifecycle: provisioned "belum aktif", activated (or deactivated) by Diskominfo after
a readiness checklist, every change in the admin log; an inactive site shows only its "being
prepared" page, is left out of city lists, search and maps, and takes no requests."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from kelurahan import roles
from kelurahan.models import Kelurahan, Official
from kelurahan.services import region_provision, site_activation_set
from layanan.models import Letter, RequirementDocument
from tests.factories import BusinessFactory
from tests.layanan.online import request_form, request_url
from umkm.models import Business, BusinessCategory

pytestmark = pytest.mark.django_db

PREPARING = "sedang disiapkan"
CHANGELIST = reverse("admin:kelurahan_kelurahan_changelist")


@pytest.fixture
def pajang(kelurahan_a):
    """Pajang, provisioned as it would be now: not yet active."""
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(is_active=False)
    kelurahan_a.refresh_from_db()
    return kelurahan_a


def action(client, name: str, kelurahan, **extra):
    pks = [k.pk for k in (kelurahan if isinstance(kelurahan, list) else [kelurahan])]
    return client.post(CHANGELIST, {"action": name, ACTION_CHECKBOX_NAME: pks, **extra})


def test_a_provisioned_kelurahan_starts_not_active(db):
    region_provision(codes=["33.72.02"])
    provisioned = Kelurahan.objects.filter(kecamatan__code="33.72.02")
    assert provisioned.exists()
    assert not provisioned.filter(is_active=True).exists()
    assert not provisioned.filter(activated_at__isnull=False).exists()


def test_existing_sites_are_active_after_the_migration(kecamatan_laweyan):
    Kelurahan.objects.update(is_active=False)
    migration = importlib.import_module("kelurahan.migrations.0009_site_lifecycle")
    migration.existing_sites_activate(apps, None)
    assert not Kelurahan.objects.filter(is_active=False).exists()


def test_the_demo_city_is_active(demo_city):
    assert demo_city.exists()
    assert not demo_city.filter(is_active=False).exists()


@pytest.mark.parametrize(
    "path",
    ["", "profil/", "struktur/", "layanan/", "berita/", "umkm/", "wisata/"],
)
def test_every_page_of_an_inactive_site_says_it_is_being_prepared(client, pajang, path):
    Kelurahan.objects.filter(pk=pajang.pk).update(address="Jl. Pajang Raya 1", phone="0271 123456")
    response = client.get(f"/k/{pajang.slug}/{path}")
    assert response.status_code == 200
    assertContains(response, f"Situs Kelurahan Pajang {PREPARING}")
    assertContains(response, '<meta name="robots" content="noindex">', html=False)
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # Where to ask meanwhile: the kecamatan and city, and the office if it is filled in.
    assertContains(response, "Laweyan")
    assertContains(response, "Kota Surakarta")
    assertContains(response, "0271 123456")


@pytest.mark.parametrize("path", ["sitemap.xml", "umkm.geojson", "wisata.geojson"])
def test_the_sitemap_and_map_data_of_an_inactive_site_are_not_found(client, pajang, path):
    BusinessFactory(kelurahan=pajang, name="Soto Pajang Tersembunyi")
    response = client.get(f"/k/{pajang.slug}/{path}")
    assert response.status_code == 404
    assertNotContains(response, "Soto Pajang Tersembunyi", status_code=404)
    assertNotContains(response, "<urlset", status_code=404)


def test_an_inactive_site_is_left_out_of_city_pages_search_and_maps(client, pajang, kelurahan_b):
    BusinessFactory(kelurahan=pajang, name="Soto Pajang Tersembunyi")
    BusinessFactory(kelurahan=kelurahan_b, name="Soto Laweyan Terbuka")
    city = pajang.kecamatan.city
    for url in (city.get_absolute_url(), pajang.kecamatan.get_absolute_url()):
        response = client.get(url)
        assertNotContains(response, f"/k/{pajang.slug}/")
        assertContains(response, f"/k/{kelurahan_b.slug}/")
    response = client.get(reverse("portal:search"), {"q": "Pajang"})
    assertNotContains(response, f"/k/{pajang.slug}/")
    response = client.get(reverse("portal:search"), {"q": "Laweyan"})
    assertContains(response, f"/k/{kelurahan_b.slug}/")
    assertNotContains(response, f"/k/{pajang.slug}/")
    for name in ("umkm:city_businesses", "umkm:city_business_geojson"):
        response = client.get(reverse(name, args=["kota-surakarta"]))
        assertNotContains(response, "Soto Pajang Tersembunyi")
        assertContains(response, "Soto Laweyan Terbuka")


def test_an_online_request_to_an_inactive_site_is_refused_and_nothing_is_stored(client, pajang):
    response = client.post(request_url(pajang), request_form())
    assertContains(response, PREPARING)
    assert not Letter.objects.unscoped("test").exists()
    assert not RequirementDocument.objects.unscoped("test").exists()


def test_a_umkm_proposal_to_an_inactive_site_is_refused_and_nothing_is_stored(client, pajang):
    category = BusinessCategory.objects.get(slug="kuliner")
    data = {
        "name": "Keripik Tempe Bu Sum",
        "category": str(category.pk),
        "owner_name": "Sumarni",
        "description": "Keripik tempe renyah.",
        "whatsapp": "0812-3456-7890",
        "address": "Jl. Pajang Baru 7",
        "proposer_name": "Budi",
        "proposer_contact": "0813 1111 2222",
        "website": "",
    }
    response = client.post(reverse("umkm:business_propose", args=[pajang.slug]), data)
    assertContains(response, PREPARING)
    assert not Business.objects.unscoped("test").exists()


def test_diskominfo_activates_after_a_confirmation_page_with_warnings(as_diskominfo, pajang):
    client = as_diskominfo
    response = action(client, "sites_activate", pajang)
    assert response.status_code == 200
    assertContains(response, "Belum ada akun Operator.")
    assertContains(response, "Belum ada akun staf dengan peran Penandatangan.")
    assertContains(response, "Belum ada pejabat dengan nama dan NIP")
    assertContains(response, "Alamat kantor masih kosong.")
    pajang.refresh_from_db()
    assert not pajang.is_active  # nothing changes before the confirm button

    response = action(client, "sites_activate", pajang, confirm="yes")
    assert response.status_code == 302
    pajang.refresh_from_db()
    assert pajang.is_active
    assert pajang.activated_at is not None
    entry = LogEntry.objects.get(object_id=str(pajang.pk), change_message="Situs diaktifkan.")
    assert entry.user.username == "diskominfo"
    response = Client().get(f"/k/{pajang.slug}/")
    assertNotContains(response, PREPARING)
    assert "X-Robots-Tag" not in response


def test_a_ready_site_shows_no_warnings(as_diskominfo, make_staff, pajang):
    make_staff("operator.pajang", roles.OPERATOR, pajang)
    make_staff("lurah.pajang", roles.SIGNER, pajang)
    Official.objects.filter(kelurahan=pajang, level=Official.Level.HEAD).update(
        name="Budi Santoso", nip="198001012005011001"
    )
    Kelurahan.objects.filter(pk=pajang.pk).update(address="Jl. Pajang Raya 1")
    response = action(as_diskominfo, "sites_activate", pajang)
    assertContains(response, "Siap.")
    assertNotContains(response, "Belum ada")


def test_diskominfo_activates_many_at_once(as_diskominfo, kecamatan_laweyan):
    kecamatan_laweyan.update(is_active=False)
    chosen = list(kecamatan_laweyan[:4])
    response = action(as_diskominfo, "sites_activate", chosen, confirm="yes")
    assert response.status_code == 302
    assert Kelurahan.objects.filter(is_active=True).count() == 4
    assert LogEntry.objects.filter(change_message="Situs diaktifkan.").count() == 4


def test_diskominfo_deactivates_and_the_cached_pages_go(client, as_diskominfo, kelurahan_a):
    visitor = Client()
    assertNotContains(visitor.get(f"/k/{kelurahan_a.slug}/"), PREPARING)
    assertContains(visitor.get(kelurahan_a.kecamatan.city.get_absolute_url()), kelurahan_a.slug)
    response = action(as_diskominfo, "sites_deactivate", kelurahan_a)
    assert response.status_code == 200  # the confirmation page first
    response = action(as_diskominfo, "sites_deactivate", kelurahan_a, confirm="yes")
    assert response.status_code == 302
    kelurahan_a.refresh_from_db()
    assert not kelurahan_a.is_active
    assert kelurahan_a.activated_at is None
    assert LogEntry.objects.filter(
        object_id=str(kelurahan_a.pk), change_message="Situs dinonaktifkan (belum aktif)."
    ).exists()
    assertContains(visitor.get(f"/k/{kelurahan_a.slug}/"), PREPARING)
    city_page = visitor.get(kelurahan_a.kecamatan.city.get_absolute_url())
    assertNotContains(city_page, f"/k/{kelurahan_a.slug}/")


@pytest.mark.parametrize("name", ["sites_activate", "sites_deactivate"])
def test_an_operator_cannot_change_the_site_state(as_operator_a, kelurahan_a, name):
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(is_active=name == "sites_deactivate")
    before = Kelurahan.objects.get(pk=kelurahan_a.pk).is_active
    action(as_operator_a, name, kelurahan_a, confirm="yes")
    assert Kelurahan.objects.get(pk=kelurahan_a.pk).is_active == before
    assert not LogEntry.objects.filter(object_id=str(kelurahan_a.pk)).exists()


def test_the_service_refuses_anyone_but_diskominfo(operator_a, kelurahan_a):
    with pytest.raises(PermissionDenied):
        site_activation_set(kelurahan_ids=[kelurahan_a.pk], active=False, by=operator_a)


def test_an_operator_sees_the_state_of_their_site_but_no_action(as_operator_a, pajang):
    response = as_operator_a.get(reverse("admin:kelurahan_kelurahan_change", args=[pajang.pk]))
    assertContains(response, "Situs belum aktif: Diskominfo yang mengaktifkannya")
    response = as_operator_a.get(CHANGELIST)
    assertNotContains(response, "sites_activate")


def test_diskominfo_filters_the_list_by_site_status(as_diskominfo, pajang, kelurahan_b):
    response = as_diskominfo.get(CHANGELIST, {"situs": "belum"})
    names = [k.name for k in response.context["cl"].result_list]
    assert names == ["Pajang"]
    assertContains(response, "Aktifkan situs")
    assertContains(response, "Nonaktifkan situs")
