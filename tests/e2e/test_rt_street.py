"""A resident finds their RT by street on the RT/RW page (phone and 1366×768), and sees an RT
head's number only once the head agreed: screenshots, axe-clean."""

from __future__ import annotations

import datetime

import pytest

from kelurahan.models import RT, RW, Kelurahan
from tests.e2e.conftest import PHONE
from tests.e2e.test_resident_public import axe_clean

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "viewport", [PHONE, {"width": 1366, "height": 768}], ids=["phone", "laptop"]
)
def test_a_resident_finds_the_rt_of_a_street(page, shot, demo_city, viewport):
    pajang = Kelurahan.objects.get(slug="pajang")
    rw = RW.objects.for_kelurahan(pajang).order_by("number").first()
    rt = RT.objects.for_kelurahan(pajang).filter(rw=rw).order_by("number").first()
    rt.streets = "Jalan Mawar Gg. 2\nKampung Sidorejo"
    rt.phone, rt.phone_public_since = "0813 3333 4444", datetime.date(2026, 11, 30)
    rt.save()
    page.set_viewport_size(viewport)

    page.goto(f"/k/{pajang.slug}/rt-rw/")
    page.get_by_label("Jalan, gang, atau kampung").fill("jl mawar")
    page.get_by_role("button", name="Cari RT").click()

    found = page.locator("#street-results").locator("xpath=..")
    assert f"{rt} / {rw}" in found.inner_text()
    assert "Jalan Mawar Gg. 2" in found.inner_text()
    assert page.locator('a[href="tel:081333334444"]').count() == 1
    axe_clean(page, "RT by street")
    shot(page, "found")

    found.get_by_role("link", name=f"{rt} / {rw}").click()
    assert page.url.endswith(f"#rw-{rw.number}")
    shot(page, "its-rw")
