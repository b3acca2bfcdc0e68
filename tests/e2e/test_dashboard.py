"""Diskominfo's city dashboard in the browser: on an office screen and a phone, axe-clean, its
sorting and drill-down as plain links (no JavaScript needed)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django.utils.functional import empty

from kelurahan import roles
from layanan.storage import private_storage
from layanan.tally import letter_tally_rebuild
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, log_in
from tests.portal.test_dashboard import letter

OFFICE = {"width": 1366, "height": 768}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield
    private_storage._wrapped = empty


@pytest.fixture
def city_with_letters(make_staff, kelurahan_a, kelurahan_b):
    make_staff("diskominfo.solo", roles.DISKOMINFO, cities=[kelurahan_a.kecamatan.city])
    make_staff("operator.pajang", roles.OPERATOR, kelurahan_a)
    today = timezone.localdate()
    for days_ago, took in ((40, 2), (20, 0), (9, 5), (3, 1)):
        created = today - datetime.timedelta(days=days_ago)
        letter(kelurahan_a, created=created, signed=created + datetime.timedelta(days=took))
    letter(kelurahan_b, created=today - datetime.timedelta(days=5), online=True)
    letter_tally_rebuild()
    return kelurahan_a


def assert_clean_and_fitting(page, width):
    violations = axe_violations(page)
    assert not violations, describe(violations)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"page is {overflow}px wide on a {width}px screen"


def test_the_dashboard_on_an_office_screen(page, shot, city_with_letters):
    page.set_viewport_size(OFFICE)
    log_in(page, "diskominfo.solo")
    page.locator("#totals-heading").wait_for()
    shot(page, "dashboard-cities-office")
    assert_clean_and_fitting(page, OFFICE["width"])
    page.get_by_role("link", name="Kota Surakarta").click()  # drill down: its kecamatan
    page.locator(".dash-chart").wait_for()
    assert page.locator(".dash-chart tbody tr").count() >= 2  # Laweyan and the total
    page.get_by_role("link", name="Laweyan").first.click()  # its kelurahan
    page.locator(".dash-table th a", has_text="Pajang").wait_for()
    page.locator("thead th a", has_text="Surat tahun ini").click()  # sort by letters this year
    page.locator("thead th a", has_text="Surat tahun ini").click()  # and turn it round
    assert "sort=-letters_year" in page.url
    first = page.locator(".dash-table tbody tr").first
    assert "Pajang" in first.inner_text()
    shot(page, "dashboard-kelurahan-office")
    assert_clean_and_fitting(page, OFFICE["width"])


def test_the_dashboard_on_a_phone(page, shot, city_with_letters):
    page.set_viewport_size(PHONE)
    log_in(page, "diskominfo.solo")
    page.locator("#totals-heading").wait_for()
    shot(page, "dashboard-cities-phone")
    assert_clean_and_fitting(page, PHONE["width"])
    page.goto(page.url + "?level=kelurahan")
    page.locator(".dash-table").wait_for()
    shot(page, "dashboard-kelurahan-phone")
    assert_clean_and_fitting(page, PHONE["width"])
