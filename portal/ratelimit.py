"""Where django-ratelimit counts: a small cache backend over one database table.

Why not Redis, where the page cache lives: counters there were lost or blocked with Redis (a
stopped Redis made every public form answer 500, and failing "closed" would refuse every form),
and under `allkeys-lru` a flood of cached pages evicted them, which reset every limit. Why not a
per-process local-memory fallback: each worker and each node would count apart, multiplying the
limit. The database is the one store every node shares that the portal cannot run without anyway,
and limits guard only public POSTs (requests, tracking, proposals, verification, staff login),
each of which writes to the database already: one more indexed upsert is small beside it.

django-ratelimit needs add() (start a window's counter unless it exists) and incr() (atomically);
both are single statements here. Each key names its window (django-ratelimit puts the window's
start in it), so a counter is never reused; expired rows are deleted now and then, on add().
"""

from __future__ import annotations

import datetime
import random

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connection
from django.db.models import F
from django.utils import timezone

from portal.models import RateLimitCounter

KEY = '"key"'  # quoted: a keyword in SQLite
# On about one add() in PURGE_ONE_IN, expired counters are deleted.
PURGE_ONE_IN = 200


class DatabaseCounterCache(BaseCache):
    """Counters only: add, incr, get, delete, clear. Not a general cache (values are ints)."""

    def __init__(self, location, params):
        super().__init__(params)

    @property
    def _table(self) -> str:
        return connection.ops.quote_name(RateLimitCounter._meta.db_table)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        now = timezone.now()
        expires = now + datetime.timedelta(seconds=self._seconds(timeout))
        if random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 - not security, only spreading
            RateLimitCounter.objects.filter(expires__lte=now).delete()
        with connection.cursor() as cursor:
            # One statement on both PostgreSQL and SQLite: a counter that exists but expired is
            # started afresh, one that is current is left alone (rowcount 0: not added).
            table = self._table
            cursor.execute(
                f"INSERT INTO {table} ({KEY}, count, expires) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT ({KEY}) DO UPDATE "
                "SET count = excluded.count, expires = excluded.expires "
                f"WHERE {table}.expires <= %s",
                [key, int(value), expires, now],
            )
            return cursor.rowcount == 1

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        updated = RateLimitCounter.objects.filter(key=key, expires__gt=timezone.now()).update(
            count=F("count") + delta
        )
        if not updated:
            raise ValueError(f"Key '{key}' not found.")
        return RateLimitCounter.objects.values_list("count", flat=True).get(key=key)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        count = (
            RateLimitCounter.objects.filter(key=key, expires__gt=timezone.now())
            .values_list("count", flat=True)
            .first()
        )
        return default if count is None else count

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        expires = timezone.now() + datetime.timedelta(seconds=self._seconds(timeout))
        RateLimitCounter.objects.update_or_create(
            key=key, defaults={"count": int(value), "expires": expires}
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        expires = timezone.now() + datetime.timedelta(seconds=self._seconds(timeout))
        return bool(RateLimitCounter.objects.filter(key=key).update(expires=expires))

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        deleted, _rows = RateLimitCounter.objects.filter(key=key).delete()
        return bool(deleted)

    def clear(self):
        RateLimitCounter.objects.all().delete()

    def _seconds(self, timeout) -> int:
        """A relative timeout in seconds (BaseCache.get_backend_timeout gives an absolute one)."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return 365 * 24 * 3600 if timeout is None else max(0, int(timeout))
