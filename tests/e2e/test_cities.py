"""A portal serving two cities, in a real browser: the home lists both, a kabupaten's page says
"Kabupaten" and "Desa" and tells its two Desa Grogol apart, on a phone and at 1366×768,
axe-clean (screenshots under artifacts/e2e/)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "1366x768"])
def test_the_home_lists_both_cities_and_a_kabupaten_page_reads_right(
    page, shot, demo_cities, viewport
):
    page.set_viewport_size(viewport)
    page.goto("/")
    cities = page.locator(".city-list h2 a")
    assert cities.all_inner_texts() == ["Kabupaten Sukoharjo", "Kota Surakarta"]
    shot(page, "home-two-cities")
    assert not (violations := axe_violations(page)), describe(violations)

    cities.first.click()
    page.wait_for_url("**/kota/kabupaten-sukoharjo/")
    assert page.title().startswith("Kabupaten Sukoharjo")
    page.get_by_role("link", name="Desa Grogol (Kec. Weru)").wait_for()
    page.get_by_role("link", name="Desa Grogol (Kec. Grogol)").wait_for()
    umkm = page.get_by_role("link", name="UMKM di seluruh Kabupaten Sukoharjo")
    assert umkm.get_attribute("href") == "/kota/kabupaten-sukoharjo/umkm/"
    shot(page, "kabupaten")
    assert not (violations := axe_violations(page)), describe(violations)

    page.get_by_role("searchbox").first.fill("Grogol")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cari/?kota=kabupaten-sukoharjo&q=Grogol")
    # Kecamatan Grogol's desa match too; the two namesakes are told apart.
    results = page.locator(".search-results li a").all_inner_texts()
    assert {"Desa Grogol (Kec. Weru)", "Desa Grogol (Kec. Grogol)"} <= set(results)
    shot(page, "kabupaten-search")
    assert not (violations := axe_violations(page)), describe(violations)
