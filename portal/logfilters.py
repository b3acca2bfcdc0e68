"""Log filters: one line per database outage, not a traceback per request.

While PostgreSQL is unreachable every request ends in the 503 page (portal/errors.py), and
Django's request logger writes the whole traceback of each one: thousands of identical tracebacks
that bury the one line an operator needs. This filter keeps the first of them as one line without
the traceback, drops the rest for QUIET_SECONDS, then says how many it dropped.
"""

from __future__ import annotations

import logging
import threading
import time

QUIET_SECONDS = 30.0


class DatabaseOutageFilter(logging.Filter):
    def __init__(self, name: str = "", *, clock=time.monotonic):
        super().__init__(name)
        self.clock = clock
        self._lock = threading.Lock()
        self._last = None
        self._dropped = 0

    def forget(self) -> None:
        """Start afresh, as if no outage had been logged yet."""
        with self._lock:
            self._last, self._dropped = None, 0

    def filter(self, record: logging.LogRecord) -> bool:
        from portal.errors import database_unreachable  # not at import: logging comes first

        exception = record.exc_info[1] if record.exc_info else None
        if not database_unreachable(exception):
            return True
        with self._lock:
            now = self.clock()
            if self._last is not None and now - self._last < QUIET_SECONDS:
                self._dropped += 1
                return False
            dropped, self._dropped, self._last = self._dropped, 0, now
        record.msg = "Database unreachable, answering 503 (%s: %s)%s"
        record.args = (
            type(exception).__name__,
            str(exception).strip().splitlines()[0][:200] if str(exception).strip() else "",
            f"; {dropped} such requests in the last {QUIET_SECONDS:g} s not logged"
            if dropped
            else "",
        )
        record.exc_info = None
        record.exc_text = None
        return True


class ReplicaPoolFilter(logging.Filter):
    """Drops psycopg's pool warnings about the read replica's pool (named "replica" in
    settings): while the replica is away the pool retries in the background and warns at every
    attempt, and portal/db.py already logs the outage once, with its end."""

    POOL_NAME = "replica"

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno <= logging.WARNING
            and isinstance(record.args, tuple)
            and record.args[:1] == (self.POOL_NAME,)
        )
