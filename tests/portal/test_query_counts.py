"""The SQL queries of every public page, pinned: a change that adds one fails here and says so.

Counted with the page cache off (a cached page takes none) on the demo city, after one warm-up
request. That the counts do not grow with content or with the number of kelurahan is shown in
test_public_pages.py and tests/umkm, and measured at scale by `make bench`.
"""

from __future__ import annotations

import pytest

from umkm.models import Business, TourismSpot

# The map data (*.geojson) asks the extent and count of the places first, then their points
# (umkm.selectors.places_map_data); the numbers below are its first, unbounded request.
PINNED = {
    "/": 3,
    # One query per kind of result: kecamatan, kelurahan, services (city and own), UMKM, wisata,
    # news, RT by street (portal/search.py); a ?kota= scope adds the city.
    "/cari/?q=pajang": 7,
    "/kota/kota-surakarta/": 3,
    "/kecamatan/laweyan/": 3,
    "/k/pajang/": 4,
    "/k/pajang/profil/": 1,
    "/k/pajang/struktur/": 2,
    "/k/pajang/rt-rw/": 3,
    "/k/pajang/karang-taruna/": 4,
    "/k/pajang/layanan/": 4,
    "/k/pajang/berita/": 3,
    "/k/pajang/umkm/": 4,
    "business page": 4,
    "/k/pajang/umkm.geojson": 4,
    "/k/pajang/wisata/": 3,
    "spot page": 3,
    "/k/pajang/wisata.geojson": 3,
    "/kota/kota-surakarta/umkm/": 5,
    "/kota/kota-surakarta/wisata/": 4,
    "/kota/kota-surakarta/umkm.geojson": 5,
    "/kota/kota-surakarta/wisata.geojson": 4,
    "/k/pajang/usulkan-umkm/": 3,
    "/k/pajang/layanan/ajukan/skuter/": 4,
    "/lacak/": 0,
}


def address(page: str) -> str:
    models = {"business page": Business, "spot page": TourismSpot}
    if page not in models:
        return page
    place = models[page].objects.filter(kelurahan__slug="pajang", status="published").first()
    return place.get_absolute_url()


@pytest.mark.parametrize("page", PINNED)
def test_each_public_page_takes_its_pinned_number_of_queries(
    page, client, demo_city, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    url = address(page)
    assert client.get(url).status_code == 200  # warm-up: per-process lookups are made once

    with django_assert_num_queries(PINNED[page]):
        assert client.get(url).status_code == 200

    # The design's ceiling for a public page; the search is one query per kind of result.
    assert PINNED[page] <= (7 if page.startswith("/cari/") else 6)
