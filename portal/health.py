"""Liveness (/healthz) and readiness (/readyz) for load balancers and orchestrators.

/healthz says only that this process answers: it touches nothing, so a database outage never
makes an orchestrator restart every web node at once. /readyz checks each part the portal leans
on and answers JSON per part; 503 only when the database is unreachable (without it no page can
be served), 200 with "degraded" when the cache, storage or read replica is down (pages still
render without the cache; public pages need no storage; reads fall back to the primary), or when
background tasks wait with no worker to run them. Each part's change of state is logged once,
not per probe.
"""

from __future__ import annotations

import logging
import os
import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from kelurahan import background
from layanan.storage import private_storage
from portal.db import replica_probe

logger = logging.getLogger(__name__)

# The last state logged per part, in this process.
_last_ok: dict[str, bool] = {}


@never_cache
def healthz(request):
    """200 while this process can answer at all (liveness)."""
    return HttpResponse("ok\n", content_type="text/plain")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()  # Redis: bypasses the breaker, so the answer is the truth now
        return
    cache.set("readyz", 1, 5)  # local memory: always answers
    cache.get("readyz")


def _storage_usable(storage) -> None:
    if isinstance(storage, FileSystemStorage):
        location = storage.location
        os.makedirs(location, exist_ok=True)  # as the storage itself would on its first save
        if not os.access(location, os.W_OK | os.X_OK):
            raise PermissionError(f"{location} is not writable")
        return
    storage.exists("readyz")  # object storage: one HEAD request


def _storage() -> None:
    _storage_usable(private_storage)
    _storage_usable(default_storage)


CHECKS = {"database": _database, "cache": _cache, "storage": _storage}
if apps.is_installed("procrastinate.contrib.django"):
    # The task queue (PostgreSQL): jobs waiting with no worker alive is "degraded" (e-mail and
    # imports stand still; pages do not).
    CHECKS["tasks"] = background.queue_probe
if "replica" in settings.DATABASES:
    # Reported like the other parts; never required: without it reads go to the primary.
    CHECKS["replica"] = replica_probe  # with PostgreSQL, its lag: "lag_seconds"
# Parts without which this node serves nothing.
REQUIRED = {"database"}


def _check(name: str, check) -> dict:
    started = time.perf_counter()
    try:
        details = check()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", said in the answer
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    else:
        result = {"ok": True, **(details or {})}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if _last_ok.get(name) != result["ok"]:
        if result["ok"]:
            if name in _last_ok:
                logger.warning("readyz: %s is available again", name)
        else:
            logger.warning("readyz: %s is unavailable (%s)", name, result["error"])
        _last_ok[name] = result["ok"]
    return result


@never_cache
def readyz(request):
    """JSON per part: {"status": "ok"|"degraded"|"unavailable", "checks": {part: {...}}}."""
    checks = {name: _check(name, check) for name, check in CHECKS.items()}
    failed = {name for name, result in checks.items() if not result["ok"]}
    if failed & REQUIRED:
        status, code = "unavailable", 503
    elif failed:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
