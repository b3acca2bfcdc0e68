"""The city's service catalog in a real browser: Diskominfo changes a city entry once and the
kelurahan's public page shows it; an operator makes the kelurahan's own version, sees where it
differs, and follows the city again. On an office screen and a phone, axe-clean."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kelurahan.models import CityService, Service
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, log_in

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = {"width": 1366, "height": 768}


def assert_clean(page):
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_diskominfo_edits_the_city_catalog_and_the_site_shows_it(
    page, shot, kelurahan_a, diskominfo
):
    entry = CityService.objects.get(city=kelurahan_a.kecamatan.city, slug="keterangan-domisili")
    log_in(page, diskominfo.username)
    page.set_viewport_size(OFFICE)
    page.goto(reverse("admin:kelurahan_cityservice_changelist"))
    shot(page, "city-catalog-office")
    assert_clean(page)
    page.get_by_role("link", name=entry.name).click()
    page.wait_for_load_state("load")
    page.fill("#id_service_days", "2")
    page.fill("#id_requirements", "Fotokopi KTP-el pemohon\nSurat pengantar RT/RW")
    shot(page, "city-service-office")
    assert_clean(page)
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/kelurahan/cityservice/")
    page.set_viewport_size(PHONE)
    shot(page, "city-catalog-phone")
    assert_clean(page)

    page.context.clear_cookies()  # as a resident
    page.goto(f"/k/{kelurahan_a.slug}/layanan/{entry.slug}/")
    assert page.get_by_text("Surat pengantar RT/RW", exact=True).is_visible()


def test_an_operator_makes_an_own_version_and_follows_the_city_again(
    page, shot, kelurahan_a, operator_a
):
    log_in(page, operator_a.username)
    page.set_viewport_size(OFFICE)
    page.goto(reverse("admin:kelurahan_service_changelist"))
    shot(page, "kelurahan-catalog-office")
    assert_clean(page)
    entry = CityService.objects.get(city=kelurahan_a.kecamatan.city, slug="keterangan-domisili")
    button = page.locator(f"form[action$='/kota/{entry.pk}/sesuaikan/'] button")
    # The button names its service for a screen reader (a visually hidden part).
    assert button.text_content() == "Buat versi kelurahan sendiri: Surat Keterangan Domisili"
    button.click()
    page.wait_for_url("**/change/")
    version = Service.objects.for_kelurahan(kelurahan_a).get()
    page.fill("#id_service_days", "3")
    page.locator("input[name=_continue]").click()
    page.get_by_text("waktu pelayanan (hari kerja)", exact=False).first.wait_for()
    # Only what was changed is named (the browser sent every textarea back with CRLF lines).
    assert "Bedanya dengan versi kota: waktu pelayanan (hari kerja)." in page.content()
    shot(page, "kelurahan-version-office")
    assert_clean(page)
    page.set_viewport_size(PHONE)
    shot(page, "kelurahan-version-phone")
    assert_clean(page)

    page.get_by_role("button", name="Ikuti lagi versi kota").click()
    page.wait_for_url("**/admin/kelurahan/service/")
    assert not Service.objects.for_kelurahan(kelurahan_a).filter(pk=version.pk).exists()
    shot(page, "kelurahan-catalog-phone")
    assert_clean(page)
