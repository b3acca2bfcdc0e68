"""The Redis cache backend used in production (CACHE_URL=redis://…), against the real server."""

from __future__ import annotations

import pytest

from portal.cache import RedisCache

REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS, {"KEY_PREFIX": "portal-tests"})
    cache.clear()
    yield cache
    cache.clear()


def test_it_stores_reads_counts_and_deletes_like_djangos_own(redis_cache):
    redis_cache.set("page", (b"<html>", {"Content-Type": "text/html"}), 60)
    redis_cache.set_many({"v1": 1, "v2": 2})
    assert redis_cache.get("page") == (b"<html>", {"Content-Type": "text/html"})
    assert redis_cache.get_many(["v1", "v2", "missing"]) == {"v1": 1, "v2": 2}
    assert redis_cache.add("v1", 9) is False
    assert redis_cache.incr("v2") == 3  # what rate limits rely on
    redis_cache.delete("page")
    assert redis_cache.get("page") is None


def test_it_keeps_one_client_per_connection_pool(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client() is client
    assert redis_cache._cache.get_client(write=True) is redis_cache._cache.get_client(write=True)
