"""The GeoJSON behind the maps: its shape, its filters (those of the list page) and caching."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import BusinessFactory, TourismSpotFactory
from umkm.models import BusinessCategory, Status

pytestmark = pytest.mark.django_db


def features(response) -> list[dict]:
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    return body["features"]


def names(response) -> list[str]:
    return sorted(f["properties"]["name"] for f in features(response))


def test_a_feature_is_a_point_lng_lat_with_small_properties(client, kelurahan_a, add_photo):
    business = BusinessFactory(
        kelurahan=kelurahan_a,
        name="Soto Bu Sri",
        latitude=Decimal("-7.561234"),
        longitude=Decimal("110.801234"),
    )
    cover = add_photo(business, is_cover=True)

    response = client.get(reverse("umkm:business_geojson", kwargs={"slug": kelurahan_a.slug}))

    (feature,) = features(response)
    assert feature == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [110.801234, -7.561234]},
        "properties": {
            "name": "Soto Bu Sri",
            "url": business.get_absolute_url(),
            "category": "kuliner",
            "thumb": cover.thumbnail.url,
        },
    }


def test_a_place_without_a_photo_has_no_thumb_and_one_without_a_point_is_left_out(
    client, kelurahan_a
):
    TourismSpotFactory(kelurahan=kelurahan_a, name="Taman", category="alam")
    TourismSpotFactory(kelurahan=kelurahan_a, name="Tanpa Titik", latitude=None, longitude=None)

    (feature,) = features(client.get(reverse("umkm:spot_geojson", args=[kelurahan_a.slug])))

    assert feature["properties"] == {
        "name": "Taman",
        "url": f"/k/{kelurahan_a.slug}/wisata/{feature['properties']['url'].split('/')[-2]}/",
        "category": "alam",
    }


def test_the_response_is_geojson_and_publicly_cacheable_for_a_few_minutes(client, kelurahan_a):
    for url in (
        reverse("umkm:business_geojson", args=[kelurahan_a.slug]),
        reverse("umkm:spot_geojson", args=[kelurahan_a.slug]),
        reverse("umkm:city_business_geojson", args=["kota-surakarta"]),
        reverse("umkm:city_spot_geojson", args=["kota-surakarta"]),
    ):
        response = client.get(url)
        assert response["Content-Type"] == "application/geo+json"
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert "public" in directives
        max_age = next(int(d.split("=")[1]) for d in directives if d.startswith("max-age="))
        assert 60 <= max_age <= 900


def test_only_published_places_of_the_kelurahan_are_in_its_geojson(
    client, kelurahan_a, kelurahan_b
):
    BusinessFactory(kelurahan=kelurahan_a, name="Terbit")
    for status in (Status.DRAFT, Status.PENDING, Status.HIDDEN):
        BusinessFactory(kelurahan=kelurahan_a, name=f"Tidak {status}", status=status)
    BusinessFactory(kelurahan=kelurahan_b, name="Milik Laweyan")

    assert names(client.get(reverse("umkm:business_geojson", args=[kelurahan_a.slug]))) == [
        "Terbit"
    ]
    assert names(client.get(reverse("umkm:city_business_geojson", args=["kota-surakarta"]))) == [
        "Milik Laweyan",
        "Terbit",
    ]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kategori": "kerajinan"},
        {"q": "batik"},
        {"q": "BATIK", "kategori": "kuliner"},
        {"kecamatan": "laweyan"},
        {"kelurahan": "laweyan"},
        {"kelurahan": "pajang", "kategori": "kerajinan"},
        {"kategori": "tidak-ada"},
        {"kecamatan": "tidak-ada"},
    ],
    ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()) or "none",
)
def test_the_city_geojson_filters_exactly_like_the_city_list(
    client, kelurahan_a, kelurahan_b, query
):
    craft = BusinessCategory.objects.get(slug="kerajinan")
    BusinessFactory(kelurahan=kelurahan_a, name="Soto Pajang")
    BusinessFactory(kelurahan=kelurahan_a, name="Batik Pajang", category=craft)
    BusinessFactory(kelurahan=kelurahan_b, name="Batik Laweyan", category=craft)
    BusinessFactory(kelurahan=kelurahan_b, name="Warung Laweyan", description="dekat pasar batik")

    # An unknown filter value redirects to the list without it; both end on the same places.
    listed = client.get(
        reverse("umkm:city_businesses", args=["kota-surakarta"]), query, follow=True
    ).context["page_obj"]
    mapped = names(
        client.get(
            reverse("umkm:city_business_geojson", args=["kota-surakarta"]), query, follow=True
        )
    )

    assert mapped == sorted(place.name for place in listed)


def test_the_kelurahan_geojson_filters_by_category_and_text(client, kelurahan_a):
    TourismSpotFactory(kelurahan=kelurahan_a, name="Masjid Tua", category="religi", description="")
    TourismSpotFactory(kelurahan=kelurahan_a, name="Taman Sungai", category="alam", description="")
    url = reverse("umkm:spot_geojson", args=[kelurahan_a.slug])

    assert names(client.get(url, {"kategori": "religi"})) == ["Masjid Tua"]
    assert names(client.get(url, {"q": "sungai"})) == ["Taman Sungai"]


def test_a_name_with_markup_stays_a_json_string(client, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, name='<img src=x onerror="alert(1)">')

    response = client.get(reverse("umkm:business_geojson", args=[kelurahan_a.slug]))

    (feature,) = features(response)
    assert feature["properties"]["name"] == '<img src=x onerror="alert(1)">'
    assert response["X-Content-Type-Options"] == "nosniff"
