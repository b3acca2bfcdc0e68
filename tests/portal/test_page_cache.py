"""The whole-page cache of public pages: a repeat visit costs no query, and an edit by an
operator shows on the very next request (the kelurahan's pages are invalidated, others not)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kelurahan.models import Article, Kelurahan
from kelurahan.services import region_provision, site_activation_set
from tests.factories import ArticleFactory, OfficialFactory


def fetch(client, address):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, address
    return response, len(queries)


def test_a_repeat_visit_is_served_from_the_cache_without_a_query(client, kelurahan_a):
    first, first_queries = fetch(client, f"/k/{kelurahan_a.slug}/")
    again, again_queries = fetch(client, f"/k/{kelurahan_a.slug}/")

    assert first_queries > 0
    assert again_queries == 0
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_an_operator_edit_in_the_admin_shows_on_the_next_visit(client, operator_a, kelurahan_a):
    ArticleFactory(kelurahan=kelurahan_a, title="Kerja bakti lama", slug="kerja-bakti")
    news = f"/k/{kelurahan_a.slug}/berita/"
    assert b"Kerja bakti lama" in fetch(client, news)[0].content
    article = Article.objects.get(slug="kerja-bakti")

    staff = client.__class__()
    staff.force_login(operator_a)
    saved = staff.post(
        reverse("admin:kelurahan_article_change", args=[article.pk]),
        {
            "kind": article.kind,
            "title": "Kerja bakti baru",
            "slug": article.slug,
            "summary": "",
            "body": "Isi.",
            "status": "published",
            "published_at_0": "2026-01-05",
            "published_at_1": "08:00:00",
        },
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors

    response, queries = fetch(client, news)
    assert b"Kerja bakti baru" in response.content
    assert queries > 0


@pytest.mark.parametrize("change", ["add", "change", "delete"])
def test_any_change_to_kelurahan_content_empties_its_cached_pages(client, kelurahan_a, change):
    official = OfficialFactory(kelurahan=kelurahan_a, name="Sri Lestari")
    page = f"/k/{kelurahan_a.slug}/struktur/"
    fetch(client, page)
    if change == "add":
        OfficialFactory(kelurahan=kelurahan_a, name="Bambang Wijaya")
    elif change == "change":
        official.name = "Bambang Wijaya"
        official.save()
    else:
        official.delete()

    content = fetch(client, page)[0].content.decode()
    assert ("Bambang Wijaya" in content) is (change != "delete")
    assert ("Sri Lestari" in content) is (change == "add")


def test_another_kelurahans_edit_leaves_the_cache_alone(client, kelurahan_a, kelurahan_b):
    fetch(client, f"/k/{kelurahan_a.slug}/")
    ArticleFactory(kelurahan=kelurahan_b)

    assert fetch(client, f"/k/{kelurahan_a.slug}/")[1] == 0


def test_renaming_a_kelurahan_updates_the_city_pages(client, kelurahan_a):
    home = f"/kecamatan/{kelurahan_a.kecamatan.slug}/"
    fetch(client, home)
    kelurahan_a.name = "Pajang Baru"
    kelurahan_a.save()

    assert b"Pajang Baru" in fetch(client, home)[0].content


def test_a_newly_activated_kelurahan_is_on_the_city_page_at_once(
    client, kecamatan_laweyan, diskominfo
):
    city_page = f"/kota/{kecamatan_laweyan.first().kecamatan.city.slug}/"
    assert b"Joyotakan" not in fetch(client, city_page)[0].content

    region_provision(codes=["33.72.02"])  # Kecamatan Serengan, bulk-created, not yet active
    assert b"Joyotakan" not in fetch(client, city_page)[0].content
    assert b"Serengan" not in fetch(client, city_page)[0].content

    serengan = Kelurahan.objects.filter(kecamatan__code="33.72.02")
    site_activation_set(
        kelurahan_ids=serengan.values_list("pk", flat=True), active=True, by=diskominfo
    )

    assert b"Joyotakan" in fetch(client, city_page)[0].content


def test_each_language_has_its_own_copy(client, kelurahan_a):
    page = f"/k/{kelurahan_a.slug}/profil/"
    indonesian = fetch(client, page)[0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = fetch(client, page)[0]

    assert indonesian["Content-Language"] == "id"
    assert english["Content-Language"] == "en"
    assert indonesian.content != english.content


def test_a_logged_in_visitor_always_gets_a_fresh_page(client, operator_a, kelurahan_a):
    page = f"/k/{kelurahan_a.slug}/"
    fetch(client, page)
    client.force_login(operator_a)

    assert fetch(client, page)[1] > 0


def test_invented_searches_are_served_but_never_kept(client, kelurahan_a):
    news = f"/k/{kelurahan_a.slug}/berita/"
    page = f"{news}?q={'x' * 90}"
    fetch(client, page)

    assert fetch(client, page)[1] > 0
    too_long = client.get(f"{news}?q={'x' * 300}")  # longer than a search may be
    assert (too_long.status_code, too_long.url) == (302, news)
