"""One service catalog per city (kelurahan/catalog.py): Diskominfo edits the city's entries once,
each kelurahan shows them until it keeps a version of its own, and can follow the city again."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse

from kelurahan import defaults, roles
from kelurahan.catalog import catalog_entry, catalog_for, differs_from_city, service_customise
from kelurahan.models import City, CityService, Service
from kelurahan.services import region_provision
from kelurahan.tenancy import unscoped
from layanan.models import LetterType

SKUTER = "keterangan-umum"  # the catalog entry of the Skuter letter kind


def page(kelurahan, path="layanan/"):
    return f"/k/{kelurahan.slug}/{path}"


def city_entry(kelurahan, slug=SKUTER) -> CityService:
    return CityService.objects.get(city=kelurahan.kecamatan.city, slug=slug)


def skuter_type(kelurahan) -> LetterType:
    return LetterType.objects.for_kelurahan(kelurahan).get(kind="skuter")


def test_diskominfo_changes_the_city_catalog_once_and_every_kelurahan_shows_it(
    as_diskominfo, kelurahan_a, kelurahan_b
):
    resident = Client()
    entry = city_entry(kelurahan_a)
    before = resident.get(page(kelurahan_b))  # cached now
    assert before.status_code == 200

    response = as_diskominfo.post(
        reverse("admin:kelurahan_cityservice_change", args=[entry.pk]),
        {
            "name": entry.name,
            "description": entry.description,
            "requirements": "Fotokopi KTP-el pemohon\nSurat pengantar RT/RW terbaru",
            "procedure": entry.procedure,
            "service_days": 2,
            "cost": "Gratis",
            "legal_basis": entry.legal_basis,
            "rank": entry.rank,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    for kelurahan in (kelurahan_a, kelurahan_b):
        listing = resident.get(page(kelurahan))
        assert "Surat pengantar RT/RW terbaru" in listing.content.decode()
    # The letter's promise follows the city's entry too.
    assert skuter_type(kelurahan_a).catalog_entry.service_days == 2


def test_a_kelurahan_keeps_its_own_version_and_can_follow_the_city_again(
    as_operator_a, kelurahan_a, kelurahan_b
):
    resident = Client()
    entry = city_entry(kelurahan_a)
    listing = as_operator_a.get(reverse("admin:kelurahan_service_changelist"))
    assert entry.name in listing.content.decode()  # the city's entries it follows, with a button

    made = as_operator_a.post(reverse("admin:kelurahan_service_customise", args=[entry.pk]))
    version = Service.objects.for_kelurahan(kelurahan_a).get(city_service=entry)
    assert made["Location"] == reverse("admin:kelurahan_service_change", args=[version.pk])
    assert skuter_type(kelurahan_a).service == version  # its letters carry its version now
    assert skuter_type(kelurahan_b).service is None
    assert LogEntry.objects.filter(object_id=str(version.pk)).exists()

    form = as_operator_a.get(made["Location"]).content.decode()
    assert "Ikuti lagi versi kota" in form

    version.requirements = "Datang langsung ke kantor kelurahan"
    version.service_days = 3
    version.save()
    entry.requirements = "Teks baru dari Diskominfo"
    entry.save()
    shown = resident.get(page(kelurahan_a)).content.decode()
    assert "Datang langsung ke kantor kelurahan" in shown
    assert "Teks baru dari Diskominfo" not in shown
    assert "Teks baru dari Diskominfo" in resident.get(page(kelurahan_b)).content.decode()
    assert skuter_type(kelurahan_a).catalog_entry.service_days == 3

    back = as_operator_a.post(reverse("admin:kelurahan_service_follow_city", args=[version.pk]))
    assert back.status_code == 302
    assert not Service.objects.for_kelurahan(kelurahan_a).exists()
    letter_type = skuter_type(kelurahan_a)
    assert letter_type.service is None and letter_type.city_service == entry
    assert "Teks baru dari Diskominfo" in resident.get(page(kelurahan_a)).content.decode()


def test_an_operator_cannot_reach_another_citys_entries(as_operator_a, kelurahan_a):
    region_provision(codes=["33.11.01"])  # Kabupaten Sukoharjo, Kecamatan Weru
    elsewhere = CityService.objects.exclude(city=kelurahan_a.kecamatan.city).first()

    response = as_operator_a.post(reverse("admin:kelurahan_service_customise", args=[elsewhere.pk]))
    assert response.status_code == 404
    assert not Service.objects.for_kelurahan(kelurahan_a).exists()
    assert as_operator_a.get(reverse("admin:kelurahan_cityservice_changelist")).status_code == 403


def test_diskominfo_of_one_city_sees_only_its_citys_catalog(client, make_staff, kelurahan_a):
    region_provision(codes=["33.11.01"])
    sukoharjo = City.objects.get(code="33.11")
    client.force_login(make_staff("diskominfo.skh", roles.DISKOMINFO, cities=[sukoharjo]))
    theirs = CityService.objects.filter(city=sukoharjo).first()
    ours = city_entry(kelurahan_a)

    listing = client.get(reverse("admin:kelurahan_cityservice_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == len(defaults.SERVICES)
    assert {e.city_id for e in listing.context["cl"].result_list} == {sukoharjo.pk}
    assert (
        client.get(reverse("admin:kelurahan_cityservice_change", args=[theirs.pk])).status_code
        == 200
    )
    other = client.get(reverse("admin:kelurahan_cityservice_change", args=[ours.pk]))
    assert other.status_code == 302  # "not found" back to the list, as for a missing row
    posted = client.post(
        reverse("admin:kelurahan_cityservice_change", args=[ours.pk]),
        {
            "name": "Diubah dari kota lain",
            "requirements": "x",
            "service_days": 1,
            "cost": "Gratis",
            "rank": 0,
        },
    )
    assert posted.status_code == 302
    ours.refresh_from_db()
    assert ours.name != "Diubah dari kota lain"


def test_a_kelurahan_service_of_its_own_does_not_take_a_city_slug(as_operator_a, kelurahan_a):
    response = as_operator_a.post(
        reverse("admin:kelurahan_service_add"),
        {
            "name": "Keterangan Umum",  # its slug would be the city's "keterangan-umum"
            "requirements": "Fotokopi KTP-el",
            "service_days": 1,
            "cost": "Gratis",
            "rank": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    own = Service.objects.for_kelurahan(kelurahan_a).get()
    assert own.city_service is None
    assert own.slug not in set(CityService.objects.values_list("slug", flat=True))
    assert len([e for e in catalog_for(kelurahan_a) if e.slug == own.slug]) == 1


def test_the_catalog_costs_one_query_and_no_copy_per_kelurahan(
    kecamatan_laweyan, django_assert_num_queries
):
    pajang = kecamatan_laweyan.select_related("kecamatan").get(code="33.72.01.1001")
    with unscoped("count rows"):
        assert Service.objects.count() == 0
    with django_assert_num_queries(1):
        entries = catalog_for(pajang)
    assert len(entries) == len(defaults.SERVICES)

    service_customise(kelurahan=pajang, city_service=city_entry(pajang))
    with django_assert_num_queries(2):  # its own rows too, once it has some
        entries = catalog_for(pajang)
    assert len(entries) == len(defaults.SERVICES)
    assert sum(isinstance(e, Service) for e in entries) == 1


def test_the_migration_keeps_different_rows_as_versions_and_drops_equal_ones(kelurahan_a):
    """Before: every kelurahan had a copy of each default service and letter types pointed at
    the copies. After: equal copies are gone (the kelurahan follows the city), a changed copy is
    the kelurahan's version, and letter types point at the entry the kelurahan shows."""
    city = kelurahan_a.kecamatan.city
    CityService.objects.filter(city=city).delete()
    copies = {
        d.slug: Service.objects.create(
            kelurahan=kelurahan_a,
            slug=d.slug,
            name=d.name,
            description=d.description,
            requirements=d.requirements,
            procedure=d.procedure,
            service_days=d.service_days,
            cost=d.cost,
            legal_basis=d.legal_basis,
            rank=rank,
        )
        for rank, d in enumerate(defaults.SERVICES)
    }
    changed = copies["keterangan-domisili"]
    changed.service_days = 4
    changed.save()
    LetterType.objects.for_kelurahan(kelurahan_a).filter(kind="skuter").update(
        service=copies[SKUTER], city_service=None
    )
    LetterType.objects.for_kelurahan(kelurahan_a).filter(kind="domisili").update(
        service=changed, city_service=None
    )

    importlib.import_module("kelurahan.migrations.0011_city_catalog").city_catalogs(apps, None)
    importlib.import_module(
        "layanan.migrations.0012_letter_types_follow_the_city_catalog"
    ).follow_the_city(apps, SimpleNamespace(connection=connection))

    remaining = Service.objects.for_kelurahan(kelurahan_a).get()
    assert remaining.pk == changed.pk
    assert remaining.city_service == city_entry(kelurahan_a, "keterangan-domisili")
    skuter = skuter_type(kelurahan_a)
    assert skuter.service is None and skuter.city_service == city_entry(kelurahan_a)
    domisili = LetterType.objects.for_kelurahan(kelurahan_a).get(kind="domisili")
    assert domisili.service == changed and domisili.catalog_entry.service_days == 4
    assert catalog_entry(kelurahan_a, "keterangan-domisili").service_days == 4


def test_follow_city_on_a_row_that_is_not_a_version_or_not_ours_is_not_found(
    as_operator_a, kelurahan_a, kelurahan_b
):
    own = Service.objects.create(
        kelurahan=kelurahan_a, slug="pojok-baca", name="Pojok Baca", requirements="-"
    )
    theirs = service_customise(kelurahan=kelurahan_b, city_service=city_entry(kelurahan_b))
    for pk in (own.pk, theirs.pk, 999999):
        response = as_operator_a.post(reverse("admin:kelurahan_service_follow_city", args=[pk]))
        assert response.status_code == 404
    assert Service.objects.for_kelurahan(kelurahan_b).filter(pk=theirs.pk).exists()


def test_a_letter_type_is_tied_to_any_entry_of_its_kelurahans_catalog_and_no_other(
    as_operator_a, kelurahan_a, kelurahan_b
):
    own = Service.objects.create(
        kelurahan=kelurahan_a, slug="legalisir", name="Legalisir Dokumen", requirements="-"
    )
    theirs = Service.objects.create(
        kelurahan=kelurahan_b, slug="legalisir", name="Legalisir Laweyan", requirements="-"
    )
    skuter = skuter_type(kelurahan_a)
    url = reverse("admin:layanan_lettertype_change", args=[skuter.pk])
    form = as_operator_a.get(url).content.decode()
    assert f'value="kel-{own.pk}"' in form and f'value="kota-{skuter.city_service_id}"' in form
    assert f'value="kel-{theirs.pk}"' not in form
    data = {
        "name": skuter.name,
        "classification": skuter.classification,
        "online": "on",
        "is_active": "on",
    }

    saved = as_operator_a.post(url, {**data, "catalog": f"kel-{own.pk}"})
    assert saved.status_code == 302
    skuter.refresh_from_db()
    assert skuter.catalog_entry == own and skuter.city_service is None

    refused = as_operator_a.post(url, {**data, "catalog": f"kel-{theirs.pk}"})
    assert refused.status_code == 200  # not a choice: the form says so, nothing is saved
    skuter.refresh_from_db()
    assert skuter.catalog_entry == own

    as_operator_a.post(url, {**data, "catalog": f"kota-{city_entry(kelurahan_a).pk}"})
    skuter.refresh_from_db()
    assert skuter.service is None and skuter.catalog_entry == city_entry(kelurahan_a)


def test_a_version_differs_only_where_its_text_does(kelurahan_a):
    entry = city_entry(kelurahan_a)
    version = service_customise(kelurahan=kelurahan_a, city_service=entry)
    version.requirements = entry.requirements.replace("\n", "\r\n")  # as a browser sends it
    version.cost = "Rp5.000"
    assert differs_from_city(version) == ["cost"]
