"""The cache accelerates and is never a dependency: with Redis stopped or black-holed, public
pages render uncached, forms and the admin work, rate limits keep limiting, one warning is logged
per outage, and a change made while Redis was unreachable never leaves a stale page behind."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.functional import empty

from kelurahan.models import Article
from layanan.models import Letter
from layanan.storage import private_storage
from tests.factories import ArticleFactory
from tests.layanan.online import request_form, request_url
from tests.redis_server import redis_cache_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_files(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    yield
    private_storage._wrapped = empty


TRACKED = {"code": "ABCDE-FGHJK", "nik_last4": "1234"}
PUBLIC_PAGES = [
    "/",
    "/k/pajang/",
    "/k/pajang/berita/",
    "/kota/kota-surakarta/umkm/",
    "/k/pajang/umkm.geojson",
]


def cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "portal.cache"]


@pytest.mark.parametrize("outage", ["stopped_redis", "black_hole"])
def test_public_pages_render_uncached_without_redis(request, client, kelurahan_a, outage):
    redis = request.getfixturevalue(outage)
    ArticleFactory(kelurahan=kelurahan_a, title="Kerja bakti RW 03")

    with redis_cache_settings(redis.url):
        responses = {page: client.get(page) for page in PUBLIC_PAGES}
        again = client.get("/k/pajang/berita/")

    assert {page: r.status_code for page, r in responses.items()} == dict.fromkeys(
        PUBLIC_PAGES, 200
    )
    assert b"Kerja bakti RW 03" in again.content


def test_a_black_holed_redis_is_tried_once_per_cooldown_not_once_per_request(
    client, kelurahan_a, black_hole, caplog
):
    caplog.set_level(logging.WARNING, logger="portal.cache")
    with redis_cache_settings(black_hole.url, breaker_seconds=60):
        statuses = {client.get(page).status_code for page in PUBLIC_PAGES * 4}

    assert statuses == {200}
    assert black_hole.accepted == 1  # the first request found out; the other 19 skipped Redis
    assert len(cache_warnings(caplog)) == 1
    assert "unavailable" in cache_warnings(caplog)[0]


def test_one_warning_when_an_outage_starts_and_one_when_it_ends(
    client, kelurahan_a, redis_server, caplog
):
    caplog.set_level(logging.WARNING, logger="portal.cache")
    with redis_cache_settings(redis_server.url, breaker_seconds=0.2):
        assert client.get("/k/pajang/").status_code == 200
        redis_server.freeze()
        try:
            for _ in range(3):
                for page in PUBLIC_PAGES:
                    assert client.get(page).status_code == 200
                time.sleep(0.25)  # past the cooldown: the next request probes again
        finally:
            redis_server.thaw()
        time.sleep(0.25)
        assert client.get("/k/pajang/").status_code == 200

    messages = cache_warnings(caplog)
    assert len(messages) == 2, messages
    assert "unavailable" in messages[0]
    assert "available again" in messages[1]


def test_an_edit_made_while_redis_was_unreachable_shows_once_it_answers_again(
    client, kelurahan_a, operator_a, redis_server
):
    article = ArticleFactory(kelurahan=kelurahan_a, title="Judul lama", slug="kabar")
    news, detail = "/k/pajang/berita/", "/k/pajang/berita/kabar/"
    with redis_cache_settings(redis_server.url, breaker_seconds=0.2):
        for page in (news, detail):
            assert b"Judul lama" in client.get(page).content  # now kept in Redis
        redis_server.freeze()
        try:
            assert b"Judul lama" in client.get(news).content  # finds Redis gone: breaker opens
            # The version bump is skipped, never sent (a command already sent to a frozen
            # Redis would still run when it thaws).
            Article.objects.filter(pk=article.pk).update(title="Judul baru")
        finally:
            redis_server.thaw()
        time.sleep(0.25)
        pages = [client.get(page) for page in (news, detail, news, detail)]

    assert [b"Judul baru" in page.content for page in pages] == [True] * 4


def test_forms_tracking_login_and_admin_saves_work_with_redis_stopped(
    client, kelurahan_a, operator_a, stopped_redis, private_files
):
    article = ArticleFactory(kelurahan=kelurahan_a, title="Lama", slug="lama")
    with redis_cache_settings(stopped_redis.url):
        requested = client.post(request_url(kelurahan_a), request_form())
        tracked = client.post(reverse("layanan:track"), TRACKED)
        staff = Client()
        logged_in = staff.post(
            reverse("admin:login"),
            {"username": operator_a.username, "password": "a-Strong-test-password-1"},
        )
        saved = staff.post(
            reverse("admin:kelurahan_article_change", args=[article.pk]),
            {
                "kind": article.kind,
                "title": "Baru",
                "slug": article.slug,
                "summary": "",
                "body": "Isi.",
                "status": "published",
                "published_at_0": "2026-01-05",
                "published_at_1": "08:00:00",
            },
        )
        shown = client.get("/k/pajang/berita/")

    assert requested.status_code == 302, requested.content.decode()[-1500:]
    assert Letter.objects.filter(kelurahan=kelurahan_a).count() == 1
    assert tracked.status_code == 200
    assert logged_in.status_code == 302
    assert saved.status_code == 302
    assert b"Baru" in shown.content


def test_rate_limits_keep_limiting_with_redis_stopped(client, stopped_redis):
    with redis_cache_settings(stopped_redis.url):
        statuses = [client.post(reverse("layanan:track"), TRACKED) for _ in range(31)]

    assert {r.status_code for r in statuses[:30]} == {200}
    assert statuses[30].status_code == 429


def test_page_copies_never_evict_rate_limit_counters(client, redis_server):
    """Counters are in the database: emptying Redis (as eviction would) forgets no limit."""
    with redis_cache_settings(redis_server.url):
        for _ in range(30):
            client.post(reverse("layanan:track"), TRACKED)
        cache.clear()
        limited = client.post(reverse("layanan:track"), {"code": "ABCDE-FGHJK", "nik_last4": "1"})

    assert limited.status_code == 429
