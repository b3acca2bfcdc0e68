"""Copies a process keeps in its own memory, against a real Redis: a change made through one
node is seen by another node's copies within 1 s (they are checked every 0.25 s), a hit in
between sends Redis nothing, and with Redis down no kept copy is served: pages render fresh."""

from __future__ import annotations

import time

import pytest
import redis
from django.test import Client

from kelurahan import pagecache
from kelurahan.models import Article
from portal.cache import RedisCache
from tests.factories import ArticleFactory
from tests.redis_server import redis_cache_settings

pytestmark = pytest.mark.django_db

NEWS = "/k/pajang/berita/"
BOUND = 1.0  # what the portal promises: a change shows on every node within a second


def other_node(url: str) -> pagecache.LocalCopies:
    """Another web node: its own Redis client and connection pool, its own copies."""
    backend = RedisCache(url, {"OPTIONS": {"socket_timeout": 0.25, "BREAKER_SECONDS": 0.2}})
    return pagecache.LocalCopies(cache=backend, max_bytes=10_000_000)


def kept_page_keys(server) -> list[str]:
    """The page copies in Redis, as the cache names them (without Django's ":1:" prefix)."""
    client = redis.Redis(port=server.port)
    return [key.decode().split(":", 2)[2] for key in client.keys(":1:pages:2:*")]


def commands_processed(server) -> int:
    return redis.Redis(port=server.port).info("stats")["total_commands_processed"]


def node_b_with_the_news_page(server):
    node_b = other_node(server.url)
    (key,) = kept_page_keys(server)
    copy = pagecache.Copy.from_kept(node_b.cache.get(key))
    node_b.put(key, copy)
    assert node_b.get(key) is copy  # confirmed against Redis: node B serves it
    return node_b, key


def test_an_edit_on_one_node_is_seen_by_the_other_within_a_second(
    client, kelurahan_a, redis_server
):
    article = ArticleFactory(kelurahan=kelurahan_a, title="Judul lama", slug="kabar")
    with redis_cache_settings(redis_server.url):
        assert b"Judul lama" in client.get(NEWS).content  # node A renders and keeps it
        node_b, key = node_b_with_the_news_page(redis_server)

        article.title = "Judul baru"
        article.save()  # through node A: bumps the kelurahan's version in Redis
        shown_on_a = client.get(NEWS)
        time.sleep(BOUND)
        seen_on_b = node_b.get(key)

    assert b"Judul baru" in shown_on_a.content  # node A: at the next request
    assert seen_on_b is None  # node B: its copy is stale within the bound, and dropped


def test_hits_within_the_check_interval_send_redis_nothing(client, kelurahan_a, redis_server):
    with redis_cache_settings(redis_server.url):
        client.get(NEWS)
        node_b, key = node_b_with_the_news_page(redis_server)
        baseline = commands_processed(redis_server)
        idle = commands_processed(redis_server) - baseline  # INFO itself
        before = commands_processed(redis_server)
        hits = [node_b.get(key) for _ in range(100)]
        sent = commands_processed(redis_server) - before - idle

    assert all(hit is not None for hit in hits)
    assert node_b.check_seconds() == pagecache.CHECK_SECONDS < BOUND
    # At most one version check, should the interval have passed during the loop.
    assert sent <= 1


@pytest.mark.parametrize("outage", ["stop", "freeze"])
def test_with_redis_down_no_kept_copy_is_served(client, kelurahan_a, redis_server, outage):
    ArticleFactory(kelurahan=kelurahan_a, title="Judul lama", slug="kabar")
    with redis_cache_settings(redis_server.url, breaker_seconds=0.2):
        client.get(NEWS)
        node_b, key = node_b_with_the_news_page(redis_server)
        getattr(redis_server, outage)()
        try:
            time.sleep(pagecache.CHECK_SECONDS + 0.05)  # past the last confirmation
            on_b = node_b.get(key)
            Article.objects.filter(slug="kabar").update(title="Judul baru")  # bump skipped
            on_a = client.get(NEWS)
        finally:
            if outage == "freeze":
                redis_server.thaw()

    assert on_b is None
    assert on_a.status_code == 200
    assert on_a.templates  # rendered afresh
    assert b"Judul baru" in on_a.content


def test_a_copy_kept_before_an_outage_is_not_served_once_redis_answers_again(
    client, kelurahan_a, redis_server
):
    """The breaker's writes_lost still empties every page: the edit made while Redis did not
    answer was a version bump that never reached it."""
    ArticleFactory(kelurahan=kelurahan_a, title="Judul lama", slug="kabar")
    with redis_cache_settings(redis_server.url, breaker_seconds=0.2):
        client.get(NEWS)
        redis_server.freeze()
        try:
            time.sleep(pagecache.CHECK_SECONDS + 0.05)
            assert b"Judul lama" in client.get(NEWS).content  # finds Redis gone: breaker opens
            Article.objects.filter(slug="kabar").update(title="Judul baru")
        finally:
            redis_server.thaw()
        time.sleep(0.25)  # past the breaker's cooldown
        other = Client()
        pages = [other.get(NEWS), client.get(NEWS), other.get(NEWS)]

    assert [b"Judul baru" in page.content for page in pages] == [True] * 3


def test_a_process_keeps_at_most_its_memory_budget_least_recently_used_first():
    copies = pagecache.LocalCopies(max_bytes=2_500)
    copy = pagecache.Copy(
        version_keys=(), versions=(), gzipped=b"g" * 500, brotli=b"b" * 500, headers={}
    )
    copies.put("a", copy)
    copies.put("b", copy)
    assert copies.get("a") is copy  # served since: "b" is now the least recently used
    copies.put("c", copy)  # 3,000 bytes would be over the budget

    assert [copies.get(key) is copy for key in "abc"] == [True, False, True]
