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
