"""The portal's search in a real browser: one query finds UMKM, wisata and news of the demo
city, each named with its kelurahan; a misspelt name still finds its kelurahan; on a phone and
at 1366×768, axe-clean (screenshots under artifacts/e2e/)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "1366x768"])
def test_a_search_finds_results_of_several_kinds_and_forgives_a_typo(
    page, shot, demo_city, viewport
):
    page.set_viewport_size(viewport)
    page.goto("/kota/kota-surakarta/")
    page.get_by_role("searchbox").first.fill("batik")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cari/?kota=kota-surakarta&q=batik")

    for heading in ("UMKM", "Wisata", "Berita dan pengumuman"):
        page.get_by_role("heading", name=heading).wait_for()
    business = page.locator("#results-businesses ~ ul li").first
    assert business.locator("a").inner_text().startswith("Batik Tulis")
    assert ", Kec. " in business.inner_text() and "Kota Surakarta" in business.inner_text()
    shot(page, "batik")
    assert not (violations := axe_violations(page)), describe(violations)

    page.get_by_role("searchbox").first.fill("sriwidari")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cari/?kota=kota-surakarta&q=sriwidari")
    page.get_by_role("link", name="Kelurahan Sriwedari", exact=True).wait_for()
    shot(page, "typo")
    assert not (violations := axe_violations(page)), describe(violations)

    page.get_by_role("searchbox").first.fill("?!?!")
    page.keyboard.press("Enter")
    assert "Ketik huruf atau angka" in page.locator("#search-error").inner_text()
    shot(page, "punctuation")
    assert not (violations := axe_violations(page)), describe(violations)
