"""The page cache keys only on what a view reads, and every write path, bulk ones included,
empties the pages it changes: each test caches the public page first, changes the rows the way
staff do, and reads the page again."""

from __future__ import annotations

import secrets

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kelurahan.models import RT, RW, Article, Official
from tests.factories import ArticleFactory, BusinessFactory, RTFactory, RWFactory
from tests.redis_server import redis_cache_settings
from umkm import services as umkm_services
from umkm.models import Business, Status

pytestmark = pytest.mark.django_db


def visit(client, address) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, address
    return response.content, len(queries)


def cached(client, address) -> bytes:
    """The page, once rendered and once from the cache (which costs no query)."""
    visit(client, address)
    content, queries = visit(client, address)
    assert queries == 0, f"{address} was not served from the cache"
    return content


# --- Bulk writes -------------------------------------------------------------------------------


def staff_client(user) -> Client:
    staff = Client()
    staff.force_login(user)
    return staff


@pytest.mark.parametrize(
    ("action", "start", "shown_after"),
    [("publish", Article.Status.DRAFT, True), ("unpublish", Article.Status.PUBLISHED, False)],
)
def test_publishing_articles_in_bulk_shows_on_the_next_visit(
    client, kelurahan_a, operator_a, action, start, shown_after
):
    ArticleFactory(kelurahan=kelurahan_a, title="Kabar pasar", status=Article.Status.PUBLISHED)
    article = ArticleFactory(kelurahan=kelurahan_a, title="Kabar baru", status=start)
    news = f"/k/{kelurahan_a.slug}/berita/"
    assert (b"Kabar baru" in cached(client, news)) is not shown_after

    response = staff_client(operator_a).post(
        reverse("admin:kelurahan_article_changelist"),
        {"action": action, "_selected_action": [article.pk]},
    )

    assert response.status_code == 302
    content, queries = visit(client, news)
    assert queries > 0
    assert (b"Kabar baru" in content) is shown_after


@pytest.mark.parametrize(
    ("status", "shown_after"),
    [(Status.PUBLISHED, True), (Status.HIDDEN, False)],
)
def test_moderating_places_in_bulk_shows_on_kelurahan_and_city_pages(
    client, kelurahan_a, operator_a, status, shown_after
):
    start = Status.PENDING if shown_after else Status.PUBLISHED
    BusinessFactory(kelurahan=kelurahan_a, name="Soto Lama")
    place = BusinessFactory(kelurahan=kelurahan_a, name="Batik Baru", status=start)
    pages = [
        f"/k/{kelurahan_a.slug}/umkm/",
        "/kota/kota-surakarta/umkm/",
        f"/k/{kelurahan_a.slug}/umkm.geojson",
    ]
    for page in pages:
        assert (b"Batik Baru" in cached(client, page)) is not shown_after

    changed = umkm_services.place_status_set(
        places=Business.objects.filter(pk=place.pk), status=status, by=operator_a
    )

    assert changed == 1
    assert [b"Batik Baru" in visit(client, page)[0] for page in pages] == [shown_after] * 3


def test_moving_an_rw_moves_its_rts_and_empties_both_kelurahan_pages(
    client, kelurahan_a, kelurahan_b, diskominfo
):
    rw = RWFactory(kelurahan=kelurahan_a, number=7, head_name="Pak Harjo")
    RTFactory(kelurahan=kelurahan_a, rw=rw, number=3, head_name="Bu Sumirah")
    page_a, page_b = (f"/k/{k.slug}/rt-rw/" for k in (kelurahan_a, kelurahan_b))
    assert b"Bu Sumirah" in cached(client, page_a)
    assert b"Bu Sumirah" not in cached(client, page_b)

    # The RTs follow through RT.objects.filter(...).update(kelurahan_id=...) (kelurahan/admin.py).
    RT.objects.filter(rw=rw).update(kelurahan_id=kelurahan_b.pk)
    RW.objects.filter(pk=rw.pk).update(kelurahan_id=kelurahan_b.pk)

    assert b"Bu Sumirah" not in visit(client, page_a)[0]
    assert b"Bu Sumirah" in visit(client, page_b)[0]


def test_bulk_created_and_bulk_updated_rows_show_on_the_next_visit(client, kelurahan_a):
    structure = f"/k/{kelurahan_a.slug}/struktur/"
    assert b"Sutarni Wulandari" not in cached(client, structure)

    Official.objects.bulk_create(
        [Official(kelurahan=kelurahan_a, position="Kasi Pelayanan", name="Sutarni Wulandari")]
    )
    assert b"Sutarni Wulandari" in cached(client, structure)

    official = Official.objects.get(name="Sutarni Wulandari")
    official.name = "Sutarni Handayani"
    Official.objects.bulk_update([official], ["name"])
    assert b"Sutarni Handayani" in visit(client, structure)[0]


def test_a_bulk_write_to_another_kelurahan_leaves_this_one_cached(client, kelurahan_a, kelurahan_b):
    ArticleFactory(kelurahan=kelurahan_b, title="Kabar B", status=Article.Status.DRAFT)
    cached(client, f"/k/{kelurahan_a.slug}/")

    Article.objects.filter(kelurahan=kelurahan_b).update(status=Article.Status.PUBLISHED)

    assert visit(client, f"/k/{kelurahan_a.slug}/")[1] == 0


# --- Keys: only the parameters a view reads ----------------------------------------------------


def test_parameters_a_view_does_not_read_are_served_from_the_same_copy(client, kelurahan_a):
    home = f"/k/{kelurahan_a.slug}/"
    first = cached(client, home)

    for junk in ("?utm_source=wa", "?x=1&y=2", f"?{secrets.token_hex(8)}=1"):
        content, queries = visit(client, home + junk)
        assert (content, queries) == (first, 0)


def test_the_order_of_the_parameters_a_view_reads_does_not_matter(client, kelurahan_a):
    for n in range(15):
        BusinessFactory(kelurahan=kelurahan_a, name=f"Usaha {n:02d}")
    cached(client, "/kota/kota-surakarta/umkm/?kategori=kuliner&page=2")

    content, queries = visit(client, "/kota/kota-surakarta/umkm/?page=2&kategori=kuliner&ref=x")

    assert queries == 0
    assert b"Usaha" in content


@pytest.mark.parametrize(
    "address",
    [
        "/kota/kota-surakarta/umkm/?kategori=tidak-ada",
        "/kota/kota-surakarta/umkm/?page=999",
        "/kota/kota-surakarta/umkm/?page=1",
        "/kota/kota-surakarta/umkm/?page=abc",
        "/k/pajang/berita/?jenis=gosip",
        "/k/pajang/berita/?page=42",
        "/k/pajang/umkm.geojson?kategori=zzz",
    ],
)
def test_values_that_are_not_canonical_redirect_and_are_never_kept(client, kelurahan_a, address):
    response = client.get(address)

    assert response.status_code == 302
    assert "?" not in response.url or response.url.endswith(("?page=1", ""))
    assert client.get(response.url).status_code == 200


def test_a_search_is_answered_fresh_and_never_kept(client, kelurahan_a):
    BusinessFactory(kelurahan=kelurahan_a, name="Batik Sekar")

    first, second = (visit(client, "/kota/kota-surakarta/umkm/?q=batik") for _ in range(2))

    assert b"Batik Sekar" in first[0]
    assert second[1] > 0


def test_a_flood_of_random_query_strings_adds_no_page_copies(client, demo_city, redis_server):
    pages = [
        "/",
        "/k/pajang/",
        "/k/pajang/berita/",
        "/kota/kota-surakarta/umkm/",
        "/kota/kota-surakarta/wisata/",
        "/k/pajang/umkm/",
    ]
    with redis_cache_settings(redis_server.url):
        for page in pages:
            client.get(page)
        keys_before = redis_server.dbsize()
        for n in range(600):
            junk = secrets.token_urlsafe(12)
            page = pages[n % len(pages)]
            response = client.get(f"{page}?{junk}={junk}&kategori={junk}&page={n}")
            assert response.status_code in (200, 302)
        keys_after = redis_server.dbsize()

    assert keys_after - keys_before <= 2  # e.g. /umkm/?page=2 if the demo has that many
