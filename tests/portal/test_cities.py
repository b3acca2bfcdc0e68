"""A portal serving several cities: the home lists them, each city's pages link its own lists,
kecamatan and search, "Kabupaten" and "Desa" are said where they apply, and names that repeat
within a city carry their kecamatan."""

from __future__ import annotations

import json
import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from kelurahan import roles
from kelurahan.models import City, Kelurahan
from kelurahan.services import region_provision
from tests.factories import BusinessFactory

SURAKARTA, SUKOHARJO = "kota-surakarta", "kabupaten-sukoharjo"


@pytest.fixture
def two_cities(kecamatan_laweyan):
    """Kecamatan Laweyan of Kota Surakarta, and Kecamatan Weru and Grogol of Kabupaten
    Sukoharjo (each with a Desa Grogol), every site live."""
    region_provision(codes=["33.11.01", "33.11.09"])
    Kelurahan.objects.filter(kecamatan__city__code="33.11").update(is_active=True)
    return City.objects.get(code="33.72"), City.objects.get(code="33.11")


def page(response) -> str:
    return response.content.decode()


def city_links(response) -> set[str]:
    return set(re.findall(r'href="/kota/([^/"]+)/"', page(response)))


def test_the_home_lists_every_city_the_portal_serves(client, two_cities):
    response = client.get("/")

    assert [city.slug for city in response.context["cities"]] == [SUKOHARJO, SURAKARTA]
    assert city_links(response) == {SURAKARTA, SUKOHARJO}
    assertContains(response, "Kabupaten Sukoharjo")
    assertContains(response, "Kota Surakarta")
    assertContains(response, "11 kelurahan/desa aktif")  # Laweyan's eleven


def test_a_city_with_no_live_site_yet_is_not_listed(client, two_cities):
    Kelurahan.objects.filter(kecamatan__city__code="33.11").update(is_active=False)

    response = client.get("/")

    assert response.context["city"].slug == SURAKARTA  # straight to the one city served
    assert "cities" not in response.context


def test_with_one_city_the_home_is_that_citys_page(client, kecamatan_laweyan):
    response = client.get("/")

    assert response.context["city"].slug == SURAKARTA
    assertContains(response, f'href="/kota/{SURAKARTA}/umkm/"')


@pytest.mark.parametrize(("mine", "other"), [(SURAKARTA, SUKOHARJO), (SUKOHARJO, SURAKARTA)])
def test_each_city_page_links_its_own_lists_kecamatan_and_search(client, two_cities, mine, other):
    response = client.get(f"/kota/{mine}/")

    city = City.objects.get(slug=mine)
    assertContains(response, f'href="/kota/{mine}/umkm/"')
    assertContains(response, f'href="/kota/{mine}/wisata/"')
    assertNotContains(response, f"/kota/{other}/umkm/")
    assertNotContains(response, f"/kota/{other}/wisata/")
    assertContains(response, f'<input type="hidden" name="kota" value="{mine}">')
    for kecamatan in city.kecamatan_set.all():
        assertContains(response, f'href="{kecamatan.get_absolute_url()}"')
    for kecamatan in City.objects.get(slug=other).kecamatan_set.all():
        assertNotContains(response, f'href="{kecamatan.get_absolute_url()}"')


def test_a_kecamatan_page_links_its_own_citys_lists_and_search(client, two_cities):
    response = client.get("/kecamatan/weru/")

    assertContains(response, f'href="/kota/{SUKOHARJO}/umkm/"')
    assertContains(response, f'href="/kota/{SUKOHARJO}/wisata/"')
    assertContains(response, f'name="kota" value="{SUKOHARJO}"')
    assertContains(response, f'href="/kota/{SUKOHARJO}/">Kabupaten Sukoharjo</a>')
    assertNotContains(response, SURAKARTA)


def test_a_kabupaten_page_says_kabupaten_and_desa_never_kota(client, two_cities):
    response = client.get(f"/kota/{SUKOHARJO}/")

    text = page(response)
    assert "<title>Kabupaten Sukoharjo" in text
    assertContains(response, "UMKM di seluruh Kabupaten Sukoharjo")
    assertContains(response, "Wisata di seluruh Kabupaten Sukoharjo")
    assertContains(response, "Desa Pandeyan")
    assert "Kelurahan Pandeyan" not in text
    assert not re.search(r"\bkota\b", re.sub(r"<[^>]+>", " ", text), re.IGNORECASE), (
        "a kabupaten's page calls it a kota"
    )


def test_two_desa_of_one_name_carry_their_kecamatan_on_the_city_page(client, two_cities):
    response = client.get(f"/kota/{SUKOHARJO}/")

    assertContains(response, "Desa Grogol (Kec. Weru)")
    assertContains(response, "Desa Grogol (Kec. Grogol)")
    assertContains(response, ">Desa Pandeyan<")  # a name of its own needs no kecamatan
    assertNotContains(response, ">Desa Grogol<")


def test_a_name_repeated_only_in_another_city_needs_no_kecamatan(client, two_cities):
    laweyan = Kelurahan.objects.get(code="33.72.01.1001")
    Kelurahan.objects.filter(pk=laweyan.pk).update(name="Pandeyan")

    response = client.get(f"/kota/{SURAKARTA}/")

    assertContains(response, ">Kelurahan Pandeyan<")


def test_search_results_tell_namesakes_apart(client, two_cities):
    response = client.get("/cari/", {"q": "grogol"})

    assertContains(response, "Desa Grogol (Kec. Weru)")
    assertContains(response, "Desa Grogol (Kec. Grogol)")


def _cities_of_kelurahan_found(client, **query) -> set[str]:
    """The cities named on the kelurahan/desa results of a search ("…, Kota Surakarta")."""
    results = client.get("/cari/", query).context["results"]
    found = [hit for group in results.groups if group.key == "kelurahan" for hit in group.hits]
    assert found
    return {hit.where.rsplit(", ", 1)[1].split(" · ")[0] for hit in found}


def test_a_city_pages_search_finds_only_that_citys_kelurahan_and_desa(client, two_cities):
    solo, sukoharjo = "Kota Surakarta", "Kabupaten Sukoharjo"
    assert _cities_of_kelurahan_found(client, q="ang", kota=SUKOHARJO) == {sukoharjo}
    assert _cities_of_kelurahan_found(client, q="ang", kota=SURAKARTA) == {solo}
    assert _cities_of_kelurahan_found(client, q="ang") == {solo, sukoharjo}
    response = client.get("/cari/", {"q": "pajang", "kota": SUKOHARJO})
    assert not response.context["results"]
    assertContains(response, '<h1 class="h2">Cari di Kabupaten Sukoharjo</h1>', html=False)
    assertContains(response, 'href="/cari/?q=pajang"')  # the way back to every city


def test_each_citys_umkm_list_shows_only_its_own_places(client, two_cities):
    pajang = Kelurahan.objects.get(code="33.72.01.1001")
    grogol = Kelurahan.objects.get(code="33.11.01.2001")
    BusinessFactory(kelurahan=pajang, name="Soto Pajang", status="published")
    BusinessFactory(kelurahan=grogol, name="Jamu Grogol", status="published")

    solo = client.get(f"/kota/{SURAKARTA}/umkm/")
    sukoharjo = client.get(f"/kota/{SUKOHARJO}/umkm/")

    assertContains(solo, "Soto Pajang")
    assertNotContains(solo, "Jamu Grogol")
    assertContains(sukoharjo, "Jamu Grogol")
    assertContains(sukoharjo, "Desa Grogol, Kec. Weru")  # the card
    assertNotContains(sukoharjo, "Soto Pajang")
    assertContains(sukoharjo, f'href="/kota/{SUKOHARJO}/wisata/"')
    assertContains(sukoharjo, f'href="/kota/{SUKOHARJO}/">Kabupaten Sukoharjo</a>')
    # The filter's choices tell the two Desa Grogol apart.
    assertContains(sukoharjo, ">Desa Grogol (Kec. Weru)</option>")
    assertContains(sukoharjo, ">Desa Grogol (Kec. Grogol)</option>")
    geojson = json.loads(client.get(f"/kota/{SUKOHARJO}/umkm.geojson").content)
    assert [f["properties"]["name"] for f in geojson["features"]] == ["Jamu Grogol"]


@pytest.mark.parametrize("address", ["umkm/", "wisata/", "umkm.geojson", "wisata.geojson"])
def test_a_citys_list_of_an_unknown_city_is_not_found(client, two_cities, address):
    assert client.get(f"/kota/nowhere/{address}").status_code == 404


@pytest.mark.parametrize("address", ["umkm/", "wisata/", "umkm.geojson", "wisata.geojson"])
def test_the_old_city_wide_addresses_lead_to_the_one_city(client, kecamatan_laweyan, address):
    response = client.get(f"/{address}", {"kategori": "kuliner"})

    assert response.status_code == 301
    assert response["Location"] == f"/kota/{SURAKARTA}/{address}?kategori=kuliner"


def test_with_several_cities_the_old_address_leads_to_the_list_of_cities(client, two_cities):
    assertRedirects(client.get("/umkm/"), "/", fetch_redirect_response=False)


def test_staff_selects_tell_namesakes_apart(client, two_cities, make_staff):
    staff = make_staff("diskominfo.dua", roles.DISKOMINFO, cities=list(two_cities))
    client.force_login(staff)

    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "umkm",
            "model_name": "business",
            "field_name": "kelurahan",
            "term": "grogol",
        },
    )

    assert response.status_code == 200
    names = sorted(item["text"] for item in response.json()["results"])
    assert names == ["Desa Grogol (Kec. Grogol)", "Desa Grogol (Kec. Weru)"]


def test_the_demo_serves_kota_surakarta_and_kabupaten_sukoharjo(client, demo_cities):
    home = client.get("/")
    sukoharjo = client.get(f"/kota/{SUKOHARJO}/")

    assert city_links(home) == {SURAKARTA, SUKOHARJO}
    assertContains(sukoharjo, "Desa Grogol (Kec. Weru)")
    assertContains(sukoharjo, "Desa Grogol (Kec. Grogol)")
