"""Django's Redis cache backend made an accelerator, never a dependency: short timeouts, a
circuit breaker, and one client per connection pool.

Everything the portal keeps in Redis can be rebuilt (whole public pages and their versions;
rate-limit counters live in the database, portal/ratelimit.py), so when Redis is stopped,
black-holed or slow the portal goes on without it: a read is a miss, a write is skipped, and the
page is rendered afresh. Connect and read timeouts are short (CACHE_TIMEOUT_SECONDS, default
0.25 s), and after a failure the breaker skips Redis altogether for CACHE_BREAKER_SECONDS
(default 5 s) instead of letting every request wait; then one request tries again. One warning
is logged when an outage starts and one line when the cache answers again.

A write skipped during an outage may have been a page-cache invalidation. Redis that only looked
down from this process (a partition, a black hole) still holds the old copies, so when it
answers again after skipped writes, `writes_lost` is sent; the portal's receiver empties every
cached page (portal/apps.py), which costs one fresh render per page.

Django's RedisCacheClient.get_client() also builds a new redis.Redis object on every cache
operation (about 70 µs with redis-py 8, measured under the server benchmark); the client is only a
thin wrapper around the connection pool, which Django already keeps, so one per pool is enough.
"""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.core.cache.backends import redis as django_redis
from django.dispatch import Signal

from portal.breaker import Breaker as BaseBreaker

logger = logging.getLogger(__name__)

# Sent (sender: the backend) when the cache answers again after writes were skipped.
writes_lost = Signal()

DEFAULT_TIMEOUT_SECONDS = 0.25
DEFAULT_BREAKER_SECONDS = 5.0
# What counts as "the cache is unavailable". Anything else (a bug, a bad value) still raises.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError, OSError)


class Breaker(BaseBreaker):
    """The breaker of one cache. A write skipped or failed while Redis is away is remembered:
    the success that ends the outage says so, and the pages are then emptied (portal/apps.py)."""

    def __init__(self, *, name: str, cooldown: float, clock=time.monotonic):
        super().__init__(cooldown=cooldown, clock=clock, part="cache")
        self.name = name
        self._writes_lost = False

    def skipped(self, *, write: bool) -> None:
        if write:
            self._writes_lost = True

    def failed(self, exc: BaseException, *, write: bool) -> None:
        with self._lock:
            if write:
                self._writes_lost = True
            if not self._open():
                return
        logger.warning(
            "Cache %s unavailable (%s: %s); serving without it, trying again every %g s",
            self.name,
            type(exc).__name__,
            exc,
            self.cooldown,
        )

    def succeeded(self) -> bool:
        """Record a success; True when it ended an outage during which writes were lost."""
        if not self.is_down:
            return False
        with self._lock:
            seconds = self._close()
            if seconds is None:
                return False
            lost, self._writes_lost = self._writes_lost, False
        logger.warning("Cache %s available again after %.1f s", self.name, seconds)
        return lost


class ResilientRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, *, breaker: Breaker, **options):
        super().__init__(servers, **options)
        self.breaker = breaker
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client

    def _call(self, operation, *args, miss, write: bool):
        """Run one cache operation through the breaker; while Redis is unavailable, `miss`."""
        if not self.breaker.allows():
            self.breaker.skipped(write=write)
            return miss
        try:
            result = operation(*args)
        except UNAVAILABLE as exc:
            self.breaker.failed(exc, write=write)
            return miss
        if self.breaker.succeeded():
            # Writes were skipped: what this read found may be what they would have replaced.
            writes_lost.send(sender=self.__class__)
            if not write:
                return miss
        return result

    def add(self, key, value, timeout):
        return self._call(super().add, key, value, timeout, miss=False, write=True)

    def get(self, key, default):
        return self._call(super().get, key, default, miss=default, write=False)

    def set(self, key, value, timeout):
        return self._call(super().set, key, value, timeout, miss=None, write=True)

    def touch(self, key, timeout):
        return self._call(super().touch, key, timeout, miss=False, write=True)

    def delete(self, key):
        return self._call(super().delete, key, miss=False, write=True)

    def get_many(self, keys):
        return self._call(super().get_many, keys, miss=None, write=False) or {}

    def has_key(self, key):
        return self._call(super().has_key, key, miss=False, write=False)

    def set_many(self, data, timeout):
        return self._call(super().set_many, data, timeout, miss=None, write=True)

    def delete_many(self, keys):
        return self._call(super().delete_many, keys, miss=None, write=True)

    def clear(self):
        return self._call(super().clear, miss=False, write=True)

    # incr() is left unguarded: a counter that silently "worked" would be a lie. Nothing of
    # ours counts in Redis (rate limits count in the database).

    def ping(self) -> None:
        """Raise if Redis does not answer (for /readyz). Bypasses the breaker, so the probe
        always tells the truth, and closes it when Redis answers."""
        self.get_client().ping()
        if self.breaker.succeeded():
            writes_lost.send(sender=self.__class__)


class RedisCache(django_redis.RedisCache):
    """CACHE_URL=redis://...: Django's RedisCache with ResilientRedisCacheClient.

    OPTIONS (besides redis-py's pool options): BREAKER_SECONDS; socket_connect_timeout and
    socket_timeout default to DEFAULT_TIMEOUT_SECONDS.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        cooldown = float(options.pop("BREAKER_SECONDS", DEFAULT_BREAKER_SECONDS))
        options.setdefault("socket_connect_timeout", DEFAULT_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", DEFAULT_TIMEOUT_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self.breaker = Breaker(name=self._servers[0].rsplit("@", 1)[-1], cooldown=cooldown)
        self._class = functools.partial(ResilientRedisCacheClient, breaker=self.breaker)

    def ping(self) -> None:
        self._cache.ping()
