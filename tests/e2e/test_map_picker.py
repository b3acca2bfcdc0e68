"""The admin's map picker in a real browser, and the public map of many places.

Tiles are blocked (as offline): the map still works, markers are still placed, and the two
number inputs stay the source of truth.
"""

from decimal import Decimal

import pytest

from kelurahan import roles
from kelurahan.models import Kelurahan
from tests.conftest import PASSWORD
from tests.factories import BusinessFactory
from umkm.models import Business, Status

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = (Decimal("-7.560000"), Decimal("110.790000"))


def log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def marker_center(page) -> tuple[float, float]:
    box = page.locator(".map-picker .leaflet-marker-icon").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"]  # the pin's tip


def coordinates(page) -> tuple[float, float]:
    return float(page.input_value("#id_latitude")), float(page.input_value("#id_longitude"))


def test_operator_picks_a_point_by_click_typing_and_drag_and_saves_it(
    page, shot, make_staff, kelurahan_a
):
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(latitude=OFFICE[0], longitude=OFFICE[1])
    make_staff("operator.peta", roles.OPERATOR, kelurahan_a)
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, "operator.peta", "/admin/umkm/business/add/")

    picker = page.locator(".map-picker")
    picker.wait_for(state="visible")
    assert "leaflet-container" in picker.get_attribute("class")
    assert page.locator(".map-picker .leaflet-marker-icon").count() == 0  # nothing typed yet
    picker.scroll_into_view_if_needed()
    shot(page, "empty")

    # 1. A click places the marker and fills both inputs, near the kelurahan office.
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2 + 80, "y": box["height"] / 2 - 40})
    lat, lng = coordinates(page)
    assert lat > float(OFFICE[0]) and lng > float(OFFICE[1])
    assert abs(lat - float(OFFICE[0])) < 0.01 and abs(lng - float(OFFICE[1])) < 0.01
    assert page.locator(".map-picker .leaflet-marker-icon").count() == 1
    shot(page, "clicked")

    # 2. Typing moves the marker (the map pans to it).
    before = marker_center(page)
    page.fill("#id_latitude", "-7.565000")
    page.fill("#id_longitude", "110.795000")
    page.wait_for_timeout(600)  # the pan animation
    after = marker_center(page)
    map_box = picker.bounding_box()
    assert after != before
    assert abs(after[0] - (map_box["x"] + map_box["width"] / 2)) < 3
    assert abs(after[1] - (map_box["y"] + map_box["height"] / 2)) < 3
    assert coordinates(page) == (-7.565, 110.795)

    # 3. Dragging the marker writes the new point back into the inputs.
    page.mouse.move(after[0], after[1] - 20)
    page.mouse.down()
    page.mouse.move(after[0] + 60, after[1] + 20, steps=8)
    page.mouse.up()
    dragged = coordinates(page)
    assert dragged[0] < -7.565 and dragged[1] > 110.795  # south-east of where it was
    shot(page, "dragged")

    # 4. Saving keeps exactly what the inputs say.
    page.fill("#id_name", "Warung Peta")
    page.select_option("#id_category", label="Kuliner")
    page.select_option("#id_status", value=Status.PUBLISHED)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/umkm/business/")
    saved = Business.objects.get(name="Warung Peta")
    assert saved.kelurahan == kelurahan_a
    assert (float(saved.latitude), float(saved.longitude)) == dragged
    assert saved.slug == "warung-peta"


def test_the_picker_shows_the_saved_point_and_hand_typed_numbers_still_save(
    page, shot, make_staff, kelurahan_a
):
    business = BusinessFactory(
        kelurahan=kelurahan_a, latitude=Decimal("-7.561111"), longitude=Decimal("110.791111")
    )
    make_staff("operator.ketik", roles.OPERATOR, kelurahan_a)
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, "operator.ketik", f"/admin/umkm/business/{business.pk}/change/")

    page.locator(".map-picker .leaflet-marker-icon").wait_for(state="visible")
    page.fill("#id_latitude", "-7.570001")
    page.fill("#id_longitude", "110.800002")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/umkm/business/")

    business.refresh_from_db()
    assert (business.latitude, business.longitude) == (Decimal("-7.570001"), Decimal("110.800002"))


def test_the_public_map_clusters_hundreds_of_places_from_the_geojson(page, shot, kelurahan_a):
    for n in range(300):
        BusinessFactory(
            kelurahan=kelurahan_a,
            latitude=Decimal("-7.56") - Decimal(n % 20) / 2000,
            longitude=Decimal("110.79") + Decimal(n // 20) / 2000,
        )

    page.goto(f"/k/{kelurahan_a.slug}/umkm/")

    page.locator("#places-map.leaflet-container").wait_for(state="visible")
    page.locator("#places-map .marker-cluster").first.wait_for(state="visible")
    visible = page.locator("#places-map .leaflet-marker-icon").count()
    assert 0 < visible < 60  # grouped, not 300 pins on top of each other
    assert page.locator(".place-card").count() == 12  # the list is there as well
    shot(page, "public-map")
