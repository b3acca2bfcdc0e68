"""The map's data asked per viewport: clusters far out, points close in, only the box asked,
only the kelurahan's own published places, malformed viewports refused unread, and nearby
viewports sharing one cached copy."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kelurahan.models import Kelurahan
from tests.factories import BusinessFactory, TourismSpotFactory
from umkm import mapgrid, selectors
from umkm.models import BusinessPhoto, Status

pytestmark = pytest.mark.django_db

CITY = "kota-surakarta"
# Around Pajang and Laweyan (Surakarta), snapped at zoom 12 (unit 0.05°) and 16 (0.005°).
CITY_BOX_12 = "110.75,-7.60,110.85,-7.55"
STREET_BOX_16 = "110.790,-7.570,110.795,-7.565"


@pytest.fixture
def limit(monkeypatch):
    """Three points at most per response, so a handful of places is already "a crowd"."""
    monkeypatch.setattr(selectors, "POINT_LIMIT", 3)
    return 3


def business_at(kelurahan, lat: str, lng: str, **fields):
    return BusinessFactory(
        kelurahan=kelurahan, latitude=Decimal(lat), longitude=Decimal(lng), **fields
    )


def crowd(kelurahan, count: int, *, lat="-7.5660", lng="110.7910", step="0.0001", **fields):
    """`count` businesses a few metres apart: one cluster cell at zoom 12, one box at 16."""
    return [
        business_at(
            kelurahan,
            str(Decimal(lat) - n * Decimal(step)),
            str(Decimal(lng) + n * Decimal(step)),
            **fields,
        )  # fmt: skip
        for n in range(count)
    ]


def city_data(client, bbox=None, zoom=None, **query):
    if bbox is not None:
        query |= {"bbox": bbox, "zoom": zoom}
    return client.get(reverse("umkm:city_business_geojson", args=[CITY]), query)


def kelurahan_data(client, kelurahan, bbox=None, zoom=None, **query):
    if bbox is not None:
        query |= {"bbox": bbox, "zoom": zoom}
    return client.get(reverse("umkm:business_geojson", args=[kelurahan.slug]), query)


def collection(response) -> dict:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def counted(body: dict) -> int:
    """How many places a response stands for: its points plus its clusters' counts."""
    return sum(f["properties"].get("count", 1) for f in body["features"])


def test_a_few_places_come_as_points_even_far_out(client, kelurahan_a, limit):
    crowd(kelurahan_a, limit)

    body = collection(city_data(client, CITY_BOX_12, 12))

    assert body["clustered"] is False and body["truncated"] is False
    assert len(body["features"]) == limit
    assert all("cluster" not in f["properties"] for f in body["features"])


def test_a_crowd_far_out_comes_as_counted_clusters_per_cell(client, kelurahan_a, limit):
    crowd(kelurahan_a, 4)  # one cell
    crowd(kelurahan_a, 2, lat="-7.5960", lng="110.7600")  # another, 4 km away

    body = collection(city_data(client, CITY_BOX_12, 12))

    assert body["clustered"] is True
    assert sorted(f["properties"]["count"] for f in body["features"]) == [2, 4]
    assert all(f["properties"]["cluster"] is True for f in body["features"])
    assert all(set(f["properties"]) == {"cluster", "count"} for f in body["features"])
    # A cluster sits in the middle of its cell, which holds its places.
    (four,) = (f for f in body["features"] if f["properties"]["count"] == 4)
    cell = mapgrid.snap(110.75, -7.60, 110.85, -7.55, 12).cell
    lng, lat = four["geometry"]["coordinates"]
    assert abs(lng - 110.7912) < cell / 2 and abs(lat - (-7.5662)) < cell / 2


def test_close_in_a_crowd_comes_as_points_up_to_the_limit_with_a_zoom_in_signal(
    client, kelurahan_a, limit
):
    crowd(kelurahan_a, 5)

    body = collection(city_data(client, STREET_BOX_16, 16))

    assert body["clustered"] is False
    assert body["truncated"] is True
    assert len(body["features"]) == limit
    assert all("url" in f["properties"] for f in body["features"])


def test_only_the_places_inside_the_box_are_sent(client, kelurahan_a):
    business_at(kelurahan_a, "-7.5670", "110.7920", name="Di dalam")
    business_at(kelurahan_a, "-7.5600", "110.7920", name="Di utara")
    business_at(kelurahan_a, "-7.5670", "110.8000", name="Di timur")
    business_at(kelurahan_a, "-7.5650", "110.7920", name="Di tepi utara")  # next box's

    body = collection(kelurahan_data(client, kelurahan_a, STREET_BOX_16, 16))

    assert [f["properties"]["name"] for f in body["features"]] == ["Di dalam"]
    assert body["bbox"] == [110.79, -7.57, 110.795, -7.565]


def test_the_first_request_without_a_box_answers_with_the_extent_of_the_places(
    client, kelurahan_a, limit
):
    crowd(kelurahan_a, 2)
    business_at(kelurahan_a, "-7.5900", "110.8100")

    body = collection(kelurahan_data(client, kelurahan_a))

    west, south, east, north = body["bbox"]
    assert west <= 110.7910 and east > 110.8100 and south <= -7.5900 and north > -7.5660
    assert counted(body) == 3 and body["clustered"] is False

    crowd(kelurahan_a, 3, lat="-7.5800")
    body = collection(kelurahan_data(client, kelurahan_a))
    assert body["clustered"] is True and counted(body) == 6


def test_a_kelurahan_map_never_holds_another_kelurahan_s_places_nor_unpublished_ones(
    client, kelurahan_a, kelurahan_b, limit
):
    crowd(kelurahan_a, 4, name="Milik Pajang")
    crowd(kelurahan_b, 5, name="Milik Laweyan")
    for status in (Status.DRAFT, Status.PENDING, Status.HIDDEN):
        crowd(kelurahan_a, 2, status=status)

    for zoom, bbox in ((12, CITY_BOX_12), (16, STREET_BOX_16), (None, None)):
        body = collection(kelurahan_data(client, kelurahan_a, bbox, zoom))
        assert counted(body) == 4 or body["truncated"], (zoom, body)
        assert "Milik Laweyan" not in json.dumps(body)
    clusters = collection(kelurahan_data(client, kelurahan_a, CITY_BOX_12, 12))
    assert clusters["clustered"] is True and counted(clusters) == 4
    # The city's map has both kelurahan's published places, and only those.
    assert counted(collection(city_data(client, CITY_BOX_12, 12))) == 9


def test_places_of_a_site_not_yet_active_are_on_no_map(client, kelurahan_a, kelurahan_b, limit):
    crowd(kelurahan_a, 4)
    crowd(kelurahan_b, 2, name="Laweyan")
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(is_active=False)

    assert kelurahan_data(client, kelurahan_a, CITY_BOX_12, 12).status_code == 404
    body = collection(city_data(client, CITY_BOX_12, 12))
    assert counted(body) == 2 and body["clustered"] is False


def test_spots_have_their_own_map_data(client, kelurahan_a, limit):
    crowd(kelurahan_a, 5)
    TourismSpotFactory(kelurahan=kelurahan_a, name="Taman Pajang")

    response = client.get(
        reverse("umkm:spot_geojson", args=[kelurahan_a.slug]), {"bbox": CITY_BOX_12, "zoom": 12}
    )

    assert [f["properties"]["name"] for f in collection(response)["features"]] == ["Taman Pajang"]


@pytest.mark.parametrize(
    "query",
    [
        {"bbox": "110.75,-7.60,110.85", "zoom": "12"},
        {"bbox": "110.75,-7.60,110.85,-7.55,1", "zoom": "12"},
        {"bbox": "barat,selatan,timur,utara", "zoom": "12"},
        {"bbox": "nan,-7.60,110.85,-7.55", "zoom": "12"},
        {"bbox": "110.75,-inf,110.85,-7.55", "zoom": "12"},
        {"bbox": "1e400,-7.60,110.85,-7.55", "zoom": "12"},
        {"bbox": "110.85,-7.60,110.75,-7.55", "zoom": "12"},
        {"bbox": "110.75,-7.55,110.85,-7.55", "zoom": "12"},
        {"bbox": "<script>,-7.60,110.85,-7.55", "zoom": "12"},
        {"bbox": "110.75,-7.60,110.85,-7.55"},
        {"zoom": "12"},
        {"bbox": "110.75,-7.60,110.85,-7.55", "zoom": "dua belas"},
        {"bbox": "110.75,-7.60,110.85,-7.55", "zoom": "12.5"},
        {"bbox": "110.75,-7.60,110.85,-7.55", "zoom": "99999999999999999999"},
        {"bbox": "9" * 150, "zoom": "12"},
    ],
    ids=lambda q: "&".join(f"{k}={v[:30]}" for k, v in q.items()),
)
def test_a_malformed_viewport_is_refused_with_a_reason_before_any_query(
    client, kelurahan_a, query, django_assert_num_queries
):
    for url in (
        reverse("umkm:business_geojson", args=[kelurahan_a.slug]),
        reverse("umkm:city_spot_geojson", args=[CITY]),
    ):
        with django_assert_num_queries(0):
            response = client.get(url, query)
        assert response.status_code == 400
        assert json.loads(response.content)["error"]


def test_a_malformed_viewport_is_explained_in_indonesian(client, settings, kelurahan_a):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"

    response = kelurahan_data(client, kelurahan_a, "110.85,-7.60,110.75,-7.55", 12)

    assert response.status_code == 400
    assert "barat" in json.loads(response.content)["error"]


@pytest.mark.parametrize(
    ("bbox", "zoom", "canonical_bbox", "canonical_zoom"),
    [
        ("110.7612,-7.5987,110.8433,-7.5512", "12", CITY_BOX_12, "12"),  # snapped outward
        ("110.75,-7.6,110.85,-7.55", "12", CITY_BOX_12, "12"),  # printed the one way
        ("110.75,-7.60,110.85,-7.55", "012", CITY_BOX_12, "12"),
        ("110.7912,-7.5699,110.7931,-7.5651", "25", "110.7910,-7.5700,110.7935,-7.5650", "19"),
        ("50,-80,200,80", "1", "80,-20,160,20", "4"),  # clamped to Indonesia and to zoom 4
    ],
)
def test_a_viewport_off_the_grid_or_out_of_range_redirects_to_its_snapped_clamped_address(
    client, kelurahan_a, bbox, zoom, canonical_bbox, canonical_zoom
):
    response = kelurahan_data(client, kelurahan_a, bbox, zoom, kategori="kuliner")

    assert response.status_code == 302
    expected = kelurahan_data(client, kelurahan_a, canonical_bbox, canonical_zoom)
    location = response["Location"]
    assert f"bbox={canonical_bbox.replace(',', '%2C')}" in location
    assert f"zoom={canonical_zoom}" in location and "kategori=kuliner" in location
    assert expected.status_code == 200


def test_nearby_viewports_share_one_cached_copy_and_other_parameters_add_none(
    client, kelurahan_a, limit, django_assert_num_queries
):
    crowd(kelurahan_a, 5)
    near = [
        mapgrid.snap(110.7612, -7.5987, 110.8433, -7.5512, 12),
        mapgrid.snap(110.7701, -7.5811, 110.8399, -7.5602, 12),
    ]
    assert near[0] == near[1]  # what the map asks for both
    first = collection(city_data(client, near[0].bbox, near[0].zoom))

    with django_assert_num_queries(0):
        again = city_data(client, near[1].bbox, near[1].zoom, acak="12345", foo="bar")
    assert json.loads(again.content) == first
    # Another zoom is another copy (its clusters differ), rendered once and then kept too.
    other = mapgrid.snap(110.7612, -7.5987, 110.8433, -7.5512, 13)
    with CaptureQueriesContext(connection) as rendered:
        collection(city_data(client, other.bbox, other.zoom))
    assert len(rendered) > 0
    with django_assert_num_queries(0):
        collection(city_data(client, other.bbox, other.zoom))


def test_an_edit_shows_on_the_map_at_once(client, kelurahan_a, limit):
    crowd(kelurahan_a, 5)
    before = counted(collection(city_data(client, CITY_BOX_12, 12)))

    business_at(kelurahan_a, "-7.5661", "110.7911")

    assert counted(collection(city_data(client, CITY_BOX_12, 12))) == before + 1


def test_thumbnail_urls_take_one_storage_call_per_response(
    client, kelurahan_a, add_photo, monkeypatch
):
    businesses = crowd(kelurahan_a, 3)
    for business in businesses:
        add_photo(business, is_cover=True)
    storage = BusinessPhoto._meta.get_field("thumbnail").storage
    real_url, calls = storage.url, []
    monkeypatch.setattr(storage, "url", lambda name: calls.append(name) or real_url(name))

    body = collection(kelurahan_data(client, kelurahan_a, STREET_BOX_16, 16))

    assert len(calls) == 1
    covers = {b.photos.get(is_cover=True).thumbnail.name for b in businesses}
    assert sorted(f["properties"]["thumb"] for f in body["features"]) == sorted(
        real_url(name) for name in covers
    )


@pytest.mark.parametrize("zoom", range(mapgrid.MIN_ZOOM, mapgrid.MAX_ZOOM + 1))
def test_a_snapped_viewport_snaps_to_itself_so_the_map_is_never_redirected(zoom):
    rng = random.Random(zoom)
    for _ in range(500):
        lng, lat = rng.uniform(95, 141), rng.uniform(-11, 6)
        span = 1366 * 360 / (256 * 2**zoom)
        viewport = mapgrid.snap(lng, lat, lng + span, lat + span / 2, zoom)
        again = mapgrid.snap(*(float(edge) for edge in viewport.bbox.split(",")), zoom)
        assert again.bbox == viewport.bbox
