"""UMKM and wisata pages as a resident without an account (or JavaScript) sees them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import BusinessFactory, ProductFactory, TourismSpotFactory
from umkm.models import BusinessCategory, Status, TourismSpot

pytestmark = pytest.mark.django_db

NOT_PUBLIC = [Status.DRAFT, Status.PENDING, Status.HIDDEN]


def list_names(response) -> list[str]:
    return [place.name for place in response.context["page_obj"]]


# --- Only published places of this kelurahan show ----------------------------------------------


@pytest.mark.parametrize("status", NOT_PUBLIC)
def test_a_business_that_is_not_published_never_shows_anywhere(client, kelurahan_a, status):
    shown = BusinessFactory(kelurahan=kelurahan_a, name="Soto Terbit")
    unseen = BusinessFactory(kelurahan=kelurahan_a, name="Soto Rahasia", status=status)

    pages = [
        reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}),
        reverse("umkm:business_geojson", kwargs={"slug": kelurahan_a.slug}),
        reverse("umkm:city_businesses", args=["kota-surakarta"]),
        reverse("umkm:city_business_geojson", args=["kota-surakarta"]),
        reverse("umkm:city_businesses", args=["kota-surakarta"]) + "?q=Rahasia",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assertNotContains(response, "Soto Rahasia")
    assertContains(client.get(pages[0]), shown.name)
    assert client.get(unseen.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("status", NOT_PUBLIC)
def test_a_tourism_spot_that_is_not_published_never_shows_anywhere(client, kelurahan_a, status):
    unseen = TourismSpotFactory(kelurahan=kelurahan_a, name="Goa Tersembunyi", status=status)

    for name in ("umkm:spots", "umkm:spot_geojson"):
        assertNotContains(client.get(reverse(name, kwargs={"slug": kelurahan_a.slug})), unseen.name)
    for name in ("umkm:city_spots", "umkm:city_spot_geojson"):
        assertNotContains(client.get(reverse(name, args=["kota-surakarta"])), unseen.name)
    assert client.get(unseen.get_absolute_url()).status_code == 404


def test_another_kelurahans_business_is_a_404_under_this_kelurahans_address(
    client, kelurahan_a, kelurahan_b
):
    theirs = BusinessFactory(kelurahan=kelurahan_b, slug="batik-laweyan")
    spot = TourismSpotFactory(kelurahan=kelurahan_b, slug="kampung-batik")

    assert client.get(theirs.get_absolute_url()).status_code == 200
    assert client.get(f"/k/{kelurahan_a.slug}/umkm/batik-laweyan/").status_code == 404
    assert client.get(f"/k/{kelurahan_a.slug}/wisata/kampung-batik/").status_code == 404
    assert client.get(spot.get_absolute_url()).status_code == 200
    listed = client.get(reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}))
    assertNotContains(listed, theirs.name)


def test_an_unknown_kelurahan_is_a_404(client, kelurahan_a):
    for path in ("umkm/", "wisata/", "umkm.geojson", "usulkan-umkm/"):
        assert client.get(f"/k/tidak-ada/{path}").status_code == 404


def test_the_same_slug_may_be_used_by_two_kelurahan(client, kelurahan_a, kelurahan_b):
    mine = BusinessFactory(kelurahan=kelurahan_a, slug="warung-sama", name="Warung Pajang")
    BusinessFactory(kelurahan=kelurahan_b, slug="warung-sama", name="Warung Laweyan")

    response = client.get(mine.get_absolute_url())

    assertContains(response, "Warung Pajang")
    assertNotContains(response, "Warung Laweyan")


# --- Lists: cards, filters, search, pagination -----------------------------------------------


def test_the_list_shows_cards_with_a_lazy_cover_thumbnail_of_fixed_size(
    client, kelurahan_a, add_photo
):
    business = BusinessFactory(kelurahan=kelurahan_a, name="Batik Pajang")
    add_photo(business, rank=0)
    cover = add_photo(business, is_cover=True, rank=5, alt_text="Kain batik parang")

    response = client.get(reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}))

    html = response.content.decode()
    (img,) = re.findall(r"<img [^>]+>", html)
    assert f'src="/media/{cover.thumbnail.name}"' in img
    assert 'width="480" height="360"' in img
    assert 'loading="lazy"' in img
    assert 'alt="Kain batik parang"' in img


def test_a_card_without_photo_alt_text_uses_the_name(client, kelurahan_a, add_photo):
    add_photo(BusinessFactory(kelurahan=kelurahan_a, name="Serabi Notosuman"))

    response = client.get(reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}))

    assertContains(response, 'alt="Serabi Notosuman"')


def test_the_list_filters_by_category_and_searches_name_and_description(client, kelurahan_a):
    craft = BusinessCategory.objects.get(slug="kerajinan")
    BusinessFactory(kelurahan=kelurahan_a, name="Soto Bu Sri")
    BusinessFactory(kelurahan=kelurahan_a, name="Batik Pak Joko", category=craft)
    BusinessFactory(
        kelurahan=kelurahan_a, name="Wayang Kulit", category=craft, description="Tatah sungging"
    )
    url = reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug})

    assert sorted(list_names(client.get(url, {"kategori": "kerajinan"}))) == [
        "Batik Pak Joko",
        "Wayang Kulit",
    ]
    assert list_names(client.get(url, {"q": "sungging"})) == ["Wayang Kulit"]
    assert list_names(client.get(url, {"q": "batik", "kategori": "kuliner"})) == []
    # An unknown category from an old link shows everything rather than an error (at the
    # list's own address, which is the one the page cache keeps).
    unknown = client.get(url, {"kategori": "tidak-ada"})
    assert unknown.status_code == 302 and unknown.url == url
    assert len(list_names(client.get(url, {"kategori": "tidak-ada"}, follow=True))) == 3


def test_tourism_spots_filter_by_their_fixed_categories(client, kelurahan_a):
    TourismSpotFactory(kelurahan=kelurahan_a, name="Masjid Tua", category="religi")
    TourismSpotFactory(kelurahan=kelurahan_a, name="Taman Sungai", category="alam")
    url = reverse("umkm:spots", kwargs={"slug": kelurahan_a.slug})

    response = client.get(url, {"kategori": "religi"})

    assert list_names(response) == ["Masjid Tua"]
    choices = dict(response.context["form"].fields["kategori"].choices)
    assert set(TourismSpot.Category.values) <= set(choices)


def test_the_list_paginates_and_keeps_the_filters_in_page_links(client, kelurahan_a):
    BusinessFactory.create_batch(15, kelurahan=kelurahan_a)
    url = reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug})

    first = client.get(url, {"kategori": "kuliner"})
    second = client.get(url, {"kategori": "kuliner", "page": 2})

    assert len(first.context["page_obj"]) == 12
    assert len(second.context["page_obj"]) == 3
    assertContains(first, 'href="?kategori=kuliner&amp;page=2"')


def test_the_city_list_filters_by_kecamatan_kelurahan_and_category(
    client, kecamatan_laweyan, kelurahan_a, kelurahan_b
):
    from kelurahan.services import region_provision

    region_provision(codes=["33.72.02.1001"])  # a kelurahan of another kecamatan (Serengan)
    other = kecamatan_laweyan.model.objects.get(code="33.72.02.1001")
    kecamatan_laweyan.model.objects.filter(pk=other.pk).update(is_active=True)
    BusinessFactory(kelurahan=kelurahan_a, name="Soto Pajang")
    BusinessFactory(kelurahan=kelurahan_b, name="Batik Laweyan")
    BusinessFactory(
        kelurahan=other,
        name="Kerajinan Serengan",
        category=BusinessCategory.objects.get(slug="kerajinan"),
    )
    url = reverse("umkm:city_businesses", args=["kota-surakarta"])

    assert sorted(list_names(client.get(url))) == [
        "Batik Laweyan",
        "Kerajinan Serengan",
        "Soto Pajang",
    ]
    laweyan = kelurahan_a.kecamatan.slug
    assert sorted(list_names(client.get(url, {"kecamatan": laweyan}))) == [
        "Batik Laweyan",
        "Soto Pajang",
    ]
    assert list_names(client.get(url, {"kelurahan": kelurahan_b.slug})) == ["Batik Laweyan"]
    assert list_names(client.get(url, {"kategori": "kerajinan"})) == ["Kerajinan Serengan"]
    response = client.get(url)
    assertContains(response, f'<option value="{other.kecamatan.slug}"')


def test_the_list_without_javascript_gives_the_address_and_directions(client, kelurahan_a):
    BusinessFactory(
        kelurahan=kelurahan_a,
        latitude="-7.561234",
        longitude="110.801234",
        address="Jl. Dr. Rajiman No. 12",
        rt=3,
        rw=4,
    )
    BusinessFactory(kelurahan=kelurahan_a, latitude=None, longitude=None, address="")

    response = client.get(reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}))

    assertContains(response, "Jl. Dr. Rajiman No. 12, RT 003/RW 004")
    google = "https://www.google.com/maps/dir/?api=1&amp;destination=-7.561234%2C110.801234"
    assertContains(response, f'href="{google}"', count=1)
    assertContains(response, "https://www.openstreetmap.org/directions?route=%3B-7.561234", 1)
    assertNotContains(response, "-7.561234, 110.801234")  # no raw coordinates on a card
    # The map is an addition fed by the GeoJSON; without JavaScript noscript.css hides its box.
    geojson = reverse("umkm:business_geojson", kwargs={"slug": kelurahan_a.slug})
    assertContains(response, f'data-geojson="{geojson}"')
    assertContains(response, '<noscript><link rel="stylesheet" href="/static/css/noscript.css">')


def test_the_map_asks_the_geojson_for_the_same_filters_as_the_list(client, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, name="Soto Bu Sri")
    url = reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug})

    response = client.get(url, {"q": "soto", "kategori": "kuliner", "page": "1"}, follow=True)

    geojson_url = re.search(r'data-geojson="([^"]+)"', response.content.decode())[1]
    geojson_url = geojson_url.replace("&amp;", "&")
    assert parse_qs(urlsplit(geojson_url).query) == {"q": ["soto"], "kategori": ["kuliner"]}


def test_leaflet_loads_only_on_pages_with_a_map(client, kelurahan_a):
    url = reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug})
    assertNotContains(client.get(url), "leaflet")  # nothing listed yet: no map

    BusinessFactory(kelurahan=kelurahan_a)
    response = client.get(url)

    assertContains(response, "vendor/leaflet/leaflet-markercluster.js")
    assertContains(response, "vendor/leaflet/leaflet-markercluster.css")
    assertNotContains(
        client.get(reverse("kelurahan:structure", args=[kelurahan_a.slug])), "leaflet"
    )


def test_the_section_nav_links_umkm_and_tourism(client, kelurahan_a):
    response = client.get(reverse("kelurahan:home", args=[kelurahan_a.slug]))

    assertContains(response, f'href="/k/{kelurahan_a.slug}/umkm/"')
    assertContains(response, f'href="/k/{kelurahan_a.slug}/wisata/"')


def test_the_city_home_links_the_city_wide_lists(client, kelurahan_a):
    response = client.get("/")

    assertContains(response, 'href="/kota/kota-surakarta/umkm/"')
    assertContains(response, 'href="/kota/kota-surakarta/wisata/"')


# --- Detail pages -----------------------------------------------------------------------------


def test_the_business_page_has_gallery_details_map_whatsapp_and_route(
    client, kelurahan_a, add_photo
):
    business = BusinessFactory(
        kelurahan=kelurahan_a,
        name="Batik Bu Endah",
        whatsapp="6281234567890",
        phone="0271 712345",
        rt=3,
        rw=4,
        nib="1234567890123",
        latitude="-7.561234",
        longitude="110.801234",
    )
    ProductFactory(
        kelurahan=kelurahan_a, place=business, name="Kain", price_min=150000, price_max=300000
    )
    cover = add_photo(business, is_cover=True)
    other = add_photo(business, rank=1, alt_text="Proses membatik")

    response = client.get(business.get_absolute_url())

    html = response.content.decode()
    assert f'src="{cover.image.url}" width="1200" height="900"' in html
    thumb = f'<img src="{other.thumbnail.url}" width="480" height="360" loading="lazy"'
    assert f'{thumb} alt="Proses membatik">' in html
    assertContains(response, "Rp150.000 – Rp300.000")
    assertContains(response, "RT 003/RW 004")
    assertContains(response, "1234567890123")
    wa = re.search(r'href="(https://wa\.me/[^"]+)"', html)[1].replace("&amp;", "&")
    assert wa.startswith("https://wa.me/6281234567890?text=")
    assert "Batik Bu Endah" in parse_qs(urlsplit(wa).query)["text"][0]
    point = "-7.561234,110.801234"
    assertContains(response, f'href="geo:{point}?q={point}(Batik%20Bu%20Endah)"')
    osm = "https://www.openstreetmap.org/directions"
    assertContains(response, f"{osm}?route=%3B-7.561234%2C110.801234")
    google = "https://www.google.com/maps/dir/?api=1&amp;destination=-7.561234%2C110.801234"
    assertContains(response, f'href="{google}"')
    assertContains(response, 'href="tel:0271712345"')
    assertContains(response, 'id="map-markers"')
    assertContains(response, "vendor/leaflet/leaflet-markercluster.js")


def test_a_place_without_a_point_says_so_and_loads_no_map(client, kelurahan_a):
    business = BusinessFactory(kelurahan=kelurahan_a, latitude=None, longitude=None)

    response = client.get(business.get_absolute_url())

    assertContains(response, "has not been marked on the map yet")
    assertNotContains(response, "leaflet")
    assertNotContains(response, "geo:")


def test_the_tourism_page_shows_price_facilities_accessibility_and_english(client, kelurahan_a):
    spot = TourismSpotFactory(
        kelurahan=kelurahan_a,
        ticket_price="Rp10.000 dewasa",
        facilities="Toilet\nMusala",
        accessibility="Ada ramp di pintu samping.",
        description_en="A riverside park.",
    )

    response = client.get(spot.get_absolute_url())

    for text in ("Rp10.000 dewasa", "<li>Toilet</li>", "<li>Musala</li>", "Ada ramp"):
        assertContains(response, text)
    assertContains(response, "A riverside park.")
    assertContains(response, 'lang="en"')


@pytest.mark.parametrize("field", ["name", "description", "owner_name", "address"])
def test_text_is_escaped_everywhere_it_shows(client, kelurahan_a, field):
    business = BusinessFactory(kelurahan=kelurahan_a, **{field: "<script>alert(1)</script>"})

    for url in (
        business.get_absolute_url(),
        reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}),
        reverse("umkm:city_businesses", args=["kota-surakarta"]),
    ):
        response = client.get(url)
        assertNotContains(response, "<script>alert(1)</script>")
    assertContains(client.get(business.get_absolute_url()), "&lt;script&gt;alert(1)&lt;/script&gt;")


# --- Queries do not grow with the number of places ---------------------------------------------


def queries(client, url) -> int:
    client.get(url)  # warm caches (content types, templates)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def fill(kelurahan, count, add_photo):
    categories = list(BusinessCategory.objects.filter(slug__in=["kuliner", "kerajinan"]))
    for n in range(count):
        business = BusinessFactory(kelurahan=kelurahan, category=categories[n % 2])
        if n % 3 == 0:
            add_photo(business)
        ProductFactory(kelurahan=kelurahan, place=business)
        TourismSpotFactory(kelurahan=kelurahan)


def test_public_pages_stay_within_six_queries_however_many_places(client, kelurahan_a, add_photo):
    slug = kelurahan_a.slug
    fill(kelurahan_a, 3, add_photo)
    business = BusinessFactory(kelurahan=kelurahan_a, slug="tetap")
    spot = TourismSpotFactory(kelurahan=kelurahan_a, slug="tetap")
    urls = [
        f"/k/{slug}/umkm/",
        f"/k/{slug}/umkm/?q=soto&kategori=kerajinan",
        f"/k/{slug}/wisata/",
        f"/k/{slug}/umkm.geojson",
        f"/k/{slug}/wisata.geojson",
        "/kota/kota-surakarta/umkm/",
        "/kota/kota-surakarta/umkm/?kecamatan=laweyan&kategori=kerajinan",
        "/kota/kota-surakarta/wisata/",
        "/kota/kota-surakarta/umkm.geojson",
        "/kota/kota-surakarta/wisata.geojson?kategori=alam",
        business.get_absolute_url(),
        spot.get_absolute_url(),
        f"/k/{slug}/usulkan-umkm/",
    ]
    few = {url: queries(client, url) for url in urls}
    fill(kelurahan_a, 30, add_photo)
    for _n in range(4):
        add_photo(business)
        ProductFactory(kelurahan=kelurahan_a, place=business)
    many = {url: queries(client, url) for url in urls}

    assert many == few
    assert max(many.values()) <= 6, many
