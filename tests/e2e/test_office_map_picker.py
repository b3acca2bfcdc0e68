"""The kelurahan office on the map, in a real browser: the same picker as UMKM places.

Tiles are blocked (as offline): the map still works, the marker is still placed, and the two
number inputs stay the source of truth; without JavaScript they are all there is.
"""

import re
from decimal import Decimal

import pytest

from kelurahan import roles
from kelurahan.models import Kelurahan
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEIGHBOUR = (Decimal("-7.560000"), Decimal("110.790000"))


def log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def coordinates(page) -> tuple[float, float]:
    return float(page.input_value("#id_latitude")), float(page.input_value("#id_longitude"))


def test_operator_places_the_office_by_a_click_near_the_neighbours_and_saves_it(
    page, shot, make_staff, kelurahan_a, kelurahan_b
):
    # The office has no point yet; the map starts at a neighbour's office in the kecamatan.
    Kelurahan.objects.filter(pk=kelurahan_b.pk).update(
        latitude=NEIGHBOUR[0], longitude=NEIGHBOUR[1]
    )
    make_staff("operator.kantor", roles.OPERATOR, kelurahan_a)
    page.set_viewport_size({"width": 1280, "height": 1000})
    change_url = f"/admin/kelurahan/kelurahan/{kelurahan_a.pk}/change/"
    log_in(page, "operator.kantor", change_url)

    picker = page.locator(".map-picker")
    picker.wait_for(state="visible")
    assert "leaflet-container" in picker.get_attribute("class")
    assert page.locator(".map-picker .leaflet-marker-icon").count() == 0
    assert page.locator(".map-picker-help").is_visible()
    picker.scroll_into_view_if_needed()
    shot(page, "empty")

    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2 + 80, "y": box["height"] / 2 - 40})
    lat, lng = coordinates(page)
    assert lat > float(NEIGHBOUR[0]) and lng > float(NEIGHBOUR[1])
    assert abs(lat - float(NEIGHBOUR[0])) < 0.05 and abs(lng - float(NEIGHBOUR[1])) < 0.05
    assert page.locator(".map-picker .leaflet-marker-icon").count() == 1
    shot(page, "clicked")

    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/kelurahan/kelurahan/(\?.*)?$"))
    kelurahan_a.refresh_from_db()
    assert (float(kelurahan_a.latitude), float(kelurahan_a.longitude)) == (lat, lng)


def test_the_saved_office_point_is_shown_and_typed_numbers_move_the_marker(
    page, make_staff, kelurahan_a
):
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(
        latitude=Decimal("-7.561111"), longitude=Decimal("110.791111")
    )
    make_staff("operator.ketik", roles.OPERATOR, kelurahan_a)
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, "operator.ketik", f"/admin/kelurahan/kelurahan/{kelurahan_a.pk}/change/")

    marker = page.locator(".map-picker .leaflet-marker-icon")
    marker.wait_for(state="visible")
    before = marker.bounding_box()
    page.fill("#id_latitude", "-7.565000")
    page.fill("#id_longitude", "110.795000")
    page.wait_for_timeout(600)  # the pan animation
    assert marker.bounding_box() != before
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/kelurahan/kelurahan/(\?.*)?$"))

    kelurahan_a.refresh_from_db()
    assert (kelurahan_a.latitude, kelurahan_a.longitude) == (
        Decimal("-7.565000"),
        Decimal("110.795000"),
    )


def test_without_javascript_the_office_numbers_are_typed_and_saved(
    browser, live_server, make_staff, kelurahan_a
):
    make_staff("operator.tanpajs", roles.OPERATOR, kelurahan_a)
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    context.route(re.compile(r"^(?!" + re.escape(live_server.url) + r").*"), lambda r: r.abort())
    page = context.new_page()
    try:
        log_in(page, "operator.tanpajs", f"/admin/kelurahan/kelurahan/{kelurahan_a.pk}/change/")
        assert not page.locator(".map-picker").is_visible()  # hidden until the script runs
        page.fill("#id_latitude", "-7.566000")
        page.fill("#id_longitude", "110.796000")
        page.click("input[name=_save]")
        page.wait_for_url(re.compile(r".*/admin/kelurahan/kelurahan/(\?.*)?$"))
    finally:
        context.close()

    kelurahan_a.refresh_from_db()
    assert (kelurahan_a.latitude, kelurahan_a.longitude) == (
        Decimal("-7.566000"),
        Decimal("110.796000"),
    )
