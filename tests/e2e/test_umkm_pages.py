"""UMKM pages on a phone: the detail page draws its map and offers WhatsApp and route links."""

from decimal import Decimal

import pytest

from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_business_page_on_a_phone_has_its_map_whatsapp_and_route(
    page, shot, live_server, settings, kelurahan_a
):
    business = BusinessFactory(
        kelurahan=kelurahan_a,
        name="Serabi <b>Notosuman</b>",
        whatsapp="6281234567890",
        latitude=Decimal("-7.561234"),
        longitude=Decimal("110.801234"),
    )

    # English, the source language: the assertions below read its link texts.
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    page.goto(business.get_absolute_url())

    page.locator("#map.leaflet-container .leaflet-marker-icon").wait_for(state="visible")
    assert page.get_by_role("heading", level=1).inner_text() == "Serabi <b>Notosuman</b>"
    whatsapp = page.get_by_role("link", name="Chat WhatsApp").first
    assert whatsapp.get_attribute("href").startswith("https://wa.me/6281234567890?text=")
    route = page.get_by_role("link", name="Route", exact=True).first
    assert route.get_attribute("href").startswith("geo:-7.561234,110.801234")
    shot(page, "business")


LAYOUT_SHIFT = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) { if (!entry.hadRecentInput) total += entry.value; }
    }).observe({type: 'layout-shift', buffered: true});
    setTimeout(() => resolve(total), 300);
})"""


@pytest.mark.parametrize(
    "address", ["/", "/kecamatan/laweyan/", "/k/pajang/umkm/", "/kota/kota-surakarta/umkm/"]
)
def test_a_map_appearing_moves_nothing_on_the_page(page, demo_city, address):
    page.goto(address)
    page.locator(".map .leaflet-marker-icon").first.wait_for(state="visible")

    # Lighthouse counts 0.1 as the edge of "good"; the reserved map box keeps it near 0.
    assert page.evaluate(LAYOUT_SHIFT) < 0.01


def test_without_javascript_no_empty_map_box_shows(browser, live_server, demo_city):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, base_url=live_server.url
    )
    try:
        page = context.new_page()
        for address in ("/", "/k/pajang/umkm/"):
            page.goto(address)
            assert page.locator(".map").count() == 1
            assert not page.locator(".map").is_visible()
            assert page.locator("#content .place-card, #content a[href^='/k/']").count()
    finally:
        context.close()


def test_a_map_with_nothing_to_draw_takes_no_room(page, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, latitude=None, longitude=None)

    page.goto(f"/k/{kelurahan_a.slug}/umkm/")
    page.wait_for_load_state("networkidle")

    assert page.locator("#places-map").count() == 1
    assert not page.locator("#places-map").is_visible()
