"""A circuit breaker for a part the portal can serve without for a while (the cache, the read
replica): open for `cooldown` seconds after a failure, then one caller probes; a success closes
it. Thread-safe (gunicorn may run threads). Subclasses say what an outage means and log it.

A breaker with a `part` name reports its state as the gauge portal_breaker_open{part} (1 while
open), set when an outage starts and when it ends (kelurahan/metrics.py)."""

from __future__ import annotations

import threading
import time

from kelurahan import metrics


class Breaker:
    def __init__(self, *, cooldown: float, clock=time.monotonic, part: str = ""):
        self.cooldown = cooldown
        self.part = part
        self.clock = clock
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down_since: float | None = None

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def allows(self) -> bool:
        """Whether to try the part now (always while it is up; once per cooldown while down)."""
        if self._down_since is None:
            return True
        with self._lock:
            now = self.clock()
            if now < self._open_until:
                return False
            self._open_until = now + self.cooldown  # this caller probes; the others skip
            return True

    def _open(self) -> bool:
        """Record a failure; True when it starts an outage. Call with the lock held."""
        now = self.clock()
        self._open_until = now + self.cooldown
        if self._down_since is not None:
            return False
        self._down_since = now
        self.report()
        return True

    def _close(self) -> float | None:
        """Record a success; the outage's length in seconds when it ends one. Call with the lock
        held, after checking `is_down` outside it."""
        if self._down_since is None:
            return None
        seconds = self.clock() - self._down_since
        self._down_since = None
        self._open_until = 0.0
        self.report()
        return seconds

    def report(self) -> None:
        """Set this process's value of portal_breaker_open for the part (also at each scrape,
        so the series exists before the first outage)."""
        if self.part:
            metrics.breaker_open.labels(self.part).set(1 if self.is_down else 0)
