"""The city home opens on a phone-sized screen with no console errors."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_city_home_opens_on_a_phone_and_finds_a_kelurahan(page, shot, demo_city):
    page.goto("/")
    shot(page, "home")
    page.get_by_role("searchbox").first.fill("Pajang")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cari/?kota=kota-surakarta&q=Pajang")  # the city page: its city only
    shot(page, "search")
    page.get_by_role("link", name="Pajang").first.click()
    page.wait_for_url("**/k/pajang/")
    assert "Pajang" in page.title()
