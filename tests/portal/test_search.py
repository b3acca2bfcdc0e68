"""The portal's search (/cari/) forgives: typos, missing spaces, partial words and postal codes
find kelurahan, kecamatan, services, UMKM, wisata and news; only what the public may see, ranked,
grouped, and city-scoped with ?kota=. On SQLite the simpler fallback answers the same cases;
what only pg_trgm and full-text search can show is marked `postgresql`."""

import re

import pytest
from django.db import connection
from pytest_django.asserts import assertContains, assertNotContains

from kelurahan.models import Article, CityService, Kelurahan
from kelurahan.services import region_provision
from layanan.models import Resident
from tests.factories import ArticleFactory, BusinessFactory, ServiceFactory, TourismSpotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(kecamatan_laweyan):
    """Laweyan (Kota Surakarta) and Kecamatan Kartasura (Kabupaten Sukoharjo), all active."""
    region_provision(codes=["33.11.12"])
    Kelurahan.objects.filter(kecamatan__code="33.11.12").update(is_active=True)
    return Kelurahan.objects.all()


def search(client, q, **params):
    return client.get("/cari/", {"q": q, **params})


def group(response, key: str) -> list[str]:
    """The result titles of one group, in order."""
    html = response.content.decode()
    found = re.search(rf'id="results-{key}".*?</section>', html, re.S)
    if not found:
        return []
    return [
        t.strip() for t in re.findall(r'<li class="mb-2"><a href="[^"]*">([^<]*)</a>', found[0])
    ]


def test_a_typo_finds_the_kecamatan_and_its_kelurahan(client, two_cities):
    response = search(client, "kartosuro")

    assert "Kecamatan Kartasura" in group(response, "kecamatan")
    assert "Kelurahan Kartasura" in group(response, "kelurahan")


@pytest.mark.parametrize("query", ["purwasari", "Sriwidari", "sriwed", "PAJ ANG"])
def test_a_misspelt_or_partial_kelurahan_name_finds_it(client, kecamatan_laweyan, query):
    expected = {
        "purwasari": "Kelurahan Purwosari",
        "Sriwidari": "Kelurahan Sriwedari",
        "sriwed": "Kelurahan Sriwedari",
        "PAJ ANG": "Kelurahan Pajang",
    }[query]

    assert expected in group(search(client, query), "kelurahan")


def test_a_postal_code_finds_its_kelurahan(client, kecamatan_laweyan):
    response = search(client, "57146")

    assert group(response, "kelurahan") == ["Kelurahan Pajang"]
    assertContains(response, "57146")


def test_a_postal_code_shared_by_two_kelurahan_finds_both(client, kecamatan_laweyan):
    assert group(search(client, "57149"), "kelurahan") == ["Kelurahan Bumi", "Kelurahan Panularan"]


def test_a_business_is_found_by_a_word_of_its_description_and_named_with_its_kelurahan(
    client, kelurahan_a
):
    BusinessFactory(
        kelurahan=kelurahan_a, name="Griya Kain Sekar", description="Batik tulis dan cap."
    )
    BusinessFactory(kelurahan=kelurahan_a, name="Warung Soto Bu Tini")

    response = search(client, "batik")

    assert group(response, "businesses") == ["Griya Kain Sekar"]
    assertContains(response, "Kelurahan Pajang, Kec. Laweyan, Kota Surakarta")


def test_a_name_typed_without_its_space_finds_it(client, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, name="Batik Tulis Laweyan", description="")

    assert group(search(client, "batiktulis"), "businesses") == ["Batik Tulis Laweyan"]


def test_the_exact_name_comes_first_then_its_beginning_then_a_part(client, kelurahan_a):
    for name in ("Griya Kain", "Omah Batik Sekar", "Batik Tulis Laweyan", "Batik"):
        BusinessFactory(kelurahan=kelurahan_a, name=name, description="Batik khas Laweyan.")

    assert group(search(client, "batik"), "businesses") == [
        "Batik",
        "Batik Tulis Laweyan",
        "Omah Batik Sekar",
        "Griya Kain",
    ]


def test_news_spots_and_services_are_found_and_drafts_are_not(client, kelurahan_a):
    ArticleFactory(kelurahan=kelurahan_a, title="Festival Kampung Batik Laweyan")
    ArticleFactory(
        kelurahan=kelurahan_a, title="Festival Batik (draf)", status=Article.Status.DRAFT
    )
    TourismSpotFactory(kelurahan=kelurahan_a, name="Kampung Batik Laweyan")
    TourismSpotFactory(kelurahan=kelurahan_a, name="Museum Batik Lama", status="hidden")
    ServiceFactory(kelurahan=kelurahan_a, name="Izin Pameran Batik", slug="pameran-batik")

    response = search(client, "batik")

    assert group(response, "articles") == ["Festival Kampung Batik Laweyan"]
    assert group(response, "spots") == ["Kampung Batik Laweyan"]
    assert group(response, "services") == ["Izin Pameran Batik"]
    assertContains(response, f'href="/k/{kelurahan_a.slug}/layanan/pameran-batik/"')


def test_a_city_catalog_service_is_found_once_for_its_city(client, kecamatan_laweyan):
    entry = CityService.objects.filter(city__code="33.72").order_by("rank").first()

    titles = group(search(client, entry.name[:-2]), "services")

    assert titles.count(entry.name) == 1


def test_an_inactive_site_and_its_content_are_left_out(client, kelurahan_a, kelurahan_b):
    BusinessFactory(kelurahan=kelurahan_b, name="Batik Laweyan Lama")
    Kelurahan.objects.filter(pk=kelurahan_b.pk).update(is_active=False)

    response = search(client, "laweyan")

    assert "Kelurahan Laweyan" not in group(response, "kelurahan")
    assert "Kelurahan Pajang" in group(response, "kelurahan")  # by its kecamatan
    assertNotContains(response, "Batik Laweyan Lama")


def test_a_city_scope_leaves_other_cities_out(client, two_cities):
    scoped = search(client, "kartasura", kota="kota-surakarta")
    everywhere = search(client, "kartasura")

    assert group(scoped, "kelurahan") == [] and group(scoped, "kecamatan") == []
    assert "Kelurahan Kartasura" in group(everywhere, "kelurahan")


def test_a_repeated_kelurahan_name_is_told_apart_by_its_kecamatan(client, two_cities):
    laweyan, kartasura = (
        Kelurahan.objects.get(code="33.72.01.1002"),
        Kelurahan.objects.get(code="33.11.12.1002"),
    )
    Kelurahan.objects.filter(pk=laweyan.pk).update(name="Pajang")  # two Pajang in Surakarta
    BusinessFactory(kelurahan=laweyan, name="Batik Sekar Arum")
    BusinessFactory(kelurahan=kartasura, name="Batik Sekar Jagad")

    response = search(client, "batik sekar")

    assertContains(response, "Kelurahan Pajang (Kec. Laweyan), Kec. Laweyan, Kota Surakarta")
    assertContains(response, f"{kartasura}, Kec. Kartasura, Kabupaten Sukoharjo")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("batik " * 30, "Pencarian terlalu panjang"),
        ("!!! ??? ...---", "Ketik huruf atau angka"),
        ("«»—", "Ketik huruf atau angka"),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_looked_up(
    client, kelurahan_a, query, message, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = search(client, query)

    assertContains(response, 'id="search-error"')
    assertContains(response, message)
    assert "results-" not in response.content.decode()


def test_the_queries_do_not_grow_with_the_content(client, kelurahan_a, kelurahan_b):
    def queries() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            search(client, "batik")
        return len(captured.captured_queries)

    few = queries()
    for n in range(15):
        BusinessFactory(kelurahan=kelurahan_b if n % 2 else kelurahan_a, name=f"Batik {n}")
        ArticleFactory(kelurahan=kelurahan_a, title=f"Batik {n}", slug=f"batik-{n}")

    assert queries() == few
    assert len(group(search(client, "batik"), "businesses")) == 10  # one page


# What only PostgreSQL shows: pg_trgm's similarity and full-text search, served by indexes.


@pytest.mark.postgresql(reason="trigram similarity of a typo that shares no four letters")
def test_a_typo_early_in_the_word_finds_it_by_trigram_similarity(client, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, name="Batik Tulis Laweyan", description="")

    assert group(search(client, "bqtik tulis"), "businesses") == ["Batik Tulis Laweyan"]


@pytest.mark.postgresql(reason="full-text prefix matching of the 'simple' configuration")
def test_the_beginning_of_a_word_in_the_text_finds_the_article(client, kelurahan_a):
    ArticleFactory(
        kelurahan=kelurahan_a,
        title="Kabar RW 03",
        summary="",
        body="Warga mengikuti pelatihan membatik dan pewarnaan alami.",
    )

    assert group(search(client, "pewarna alam"), "articles") == ["Kabar RW 03"]


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


# model: (field matched by name, text fields, the indexes the plan must use)
INDEXED = {
    "business": (
        "name",
        ("name", "description"),
        ("business_name_upper_trgm", "business_document"),
    ),
    "article": (
        "title",
        ("title", "summary", "body"),
        ("article_title_upper_trgm", "article_document"),
    ),
    "kelurahan": ("name", (), ("kelurahan_name_upper_trgm",)),
}


@pytest.mark.postgresql(reason="GIN indexes exist on PostgreSQL only")
@pytest.mark.parametrize("model", INDEXED)
def test_the_search_queries_are_served_by_their_indexes(kelurahan_a, model):
    from kelurahan.search import Terms, match
    from umkm.models import Business

    name, text, indexes = INDEXED[model]
    rows = {"business": Business, "article": Article, "kelurahan": Kelurahan}[model].objects.all()
    plan = _plan(match(rows, Terms.of("batik tulis"), name=name, text=text))

    for index in indexes:
        assert index in plan, plan


@pytest.mark.postgresql(reason="the trigram index on the resident's name is PostgreSQL's")
def test_the_staff_name_search_can_be_served_by_the_trigram_index():
    """The admin's `name__icontains` is the indexed expression (an empty table would rather use
    the kelurahan index, so none is asked for here; tests/bench/residents.py measures it with
    100,000 residents in one kelurahan)."""
    residents = Resident.objects.unscoped("the plan of the name search alone")
    plan = _plan(residents.filter(name__icontains="lestari"))

    assert "resident_name_upper_trgm" in plan, plan
