"""The UMKM map in a real browser, asking per viewport: the server's clusters far out, the places
after zooming in, every address asked already snapped (never redirected), and Leaflet's
controls in Indonesian. Tiles are blocked (as offline); the map works without them."""

from decimal import Decimal

import pytest

from tests.e2e.helpers import axe_violations, describe
from tests.factories import BusinessFactory
from umkm import selectors

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1366, "height": 768}}


@pytest.fixture
def crowded(kelurahan_a, monkeypatch):
    """45 businesses: 40 a few streets apart, 5 more across town; 10 points per response at
    most (the live server runs in this process), so 45 is already a crowd."""
    monkeypatch.setattr(selectors, "POINT_LIMIT", 10)
    for n in range(40):
        BusinessFactory(
            kelurahan=kelurahan_a,
            name=f"Usaha Rapat {n:02d}",
            latitude=Decimal("-7.5660") - Decimal(n % 5) / 2000,
            longitude=Decimal("110.7910") + Decimal(n // 5) / 2000,
        )
    for n in range(5):
        BusinessFactory(
            kelurahan=kelurahan_a,
            name=f"Usaha Jauh {n}",
            latitude=Decimal("-7.6100") + Decimal(n) / 1000,
            longitude=Decimal("110.8300"),
        )
    return kelurahan_a


def map_data(response) -> bool:
    return "/umkm.geojson?bbox=" in response.url


def assert_axe_clean(page):
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("size", SIZES)
def test_the_map_shows_clusters_far_out_and_places_close_in_in_indonesian(
    page, shot, crowded, size
):
    page.set_viewport_size(SIZES[size])
    with page.expect_response(map_data) as first:
        page.goto(f"/k/{crowded.slug}/umkm/")
    assert first.value.status == 200  # the viewport asked was already on the grid
    assert first.value.json()["clustered"] is True

    cluster = page.locator("#places-map .map-cluster").first
    cluster.wait_for(state="visible")
    assert "tempat di sini; perbesar peta untuk melihatnya" in cluster.get_attribute("title")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Perbesar"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Perkecil"
    leaflet = page.locator(".leaflet-control-attribution a[href='https://leafletjs.com']")
    assert leaflet.get_attribute("title") == "Pustaka JavaScript untuk peta interaktif"
    assert page.locator(".place-card").count() == 12  # the list is there as well
    shot(page, f"{size}-clusters")
    assert_axe_clean(page)

    # Clicking a cluster zooms in on it, until the places themselves come.
    for _ in range(4):
        biggest = max(
            page.locator("#places-map .map-cluster").all(),
            key=lambda marker: int(marker.inner_text()),
        )
        with page.expect_response(map_data) as answer:
            biggest.click()
        assert answer.value.status == 200
        body = answer.value.json()
        if not body["clustered"]:
            break
        page.wait_for_timeout(300)  # the zoom's animation
    assert body["clustered"] is False
    assert body["zoom"] >= selectors.POINTS_ZOOM
    page.locator("#places-map .map-cluster").first.wait_for(state="detached")
    page.locator("#places-map img.leaflet-marker-icon, #places-map .marker-cluster").first.wait_for(
        state="visible"
    )
    if body["truncated"]:
        notice = page.locator(".map-notice")
        assert notice.inner_text().startswith("Tidak semua tempat di sini tampil di peta.")
    shot(page, f"{size}-places")
    assert_axe_clean(page)


def test_a_place_s_popup_closes_with_an_indonesian_label(page, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, name="Soto Bu Sri")

    page.goto(f"/k/{kelurahan_a.slug}/umkm/")
    page.locator("#places-map img.leaflet-marker-icon").click()

    close = page.locator(".leaflet-popup-close-button")
    close.wait_for(state="visible")
    assert close.get_attribute("aria-label") == "Tutup"
    assert page.locator(".leaflet-popup-content a").inner_text() == "Soto Bu Sri"
