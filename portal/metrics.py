"""/metrics for Diskominfo's IT: the portal's figures in Prometheus' text format, behind the
loopback address or a bearer token, and the middleware that times every request.

The families are defined in kelurahan/metrics.py (the apps count into them where things happen);
here a scrape adds what is read at that moment: the task queue's jobs per status (PostgreSQL) and
each circuit breaker's state in this process.

Workers: gunicorn forks several worker processes, and a scrape reaches one of them. With
PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it before the app is loaded), every worker
writes its values to files there and a scrape adds up all the files, so counters count every
worker's requests; gunicorn's child_exit hook drops a dead worker's gauges. Without it (runserver,
tests, a management command) the scrape reads this process's own values.

Access: from the loopback address when no proxy relayed the request (a proxy on the same machine
adds X-Forwarded-For, and then only the token opens it), or with `Authorization: Bearer
<METRICS_TOKEN>`, compared in constant time. Anyone else gets the portal's ordinary 404, as for an
address that does not exist: no hint that there is something here.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from kelurahan import background, metrics
from portal import db

logger = logging.getLogger(__name__)

# Headers a proxy adds when it relays a request: with one of them the peer's loopback address is
# the proxy's, not the scraper's.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class RequestMetricsMiddleware:
    """Counts and times every request by the view that answered it (its URL name, e.g.
    `kelurahan:home`, a page-cache hit under the view of its copy; `unresolved` when no URL
    matched or another middleware answered first, static files included) and the response's
    status class (2xx...5xx). First in MIDDLEWARE, so the time includes every other middleware;
    a streaming response is timed to its first byte."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # A page-cache hit is answered before any URL is resolved: its copy names its view.
        view = match.view_name if match is not None else "unresolved"
        view = getattr(request, "page_cache_view", "") or view
        status = f"{response.status_code // 100}xx"
        metrics.requests_total.labels(view, status).inc()
        metrics.request_seconds.labels(view, status).observe(time.perf_counter() - started)
        return response


def _from_loopback(request) -> bool:
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return peer.is_loopback and not any(request.META.get(h) for h in FORWARDING_HEADERS)


def _token_matches(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _space, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def allowed(request) -> bool:
    return _token_matches(request) or _from_loopback(request)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class ScrapeCollector:
    """What is read when scraped rather than counted as it happens."""

    def collect(self):
        jobs = GaugeMetricFamily(
            metrics.TASK_JOBS,
            "Jobs in the task queue (PostgreSQL) by status: todo (waiting), doing (running), "
            "failed (kept for the admin). Empty on SQLite, where tasks run in-process.",
            labels=["status"],
        )
        for status, count in _queue_depth().items():
            jobs.add_metric([status], count)
        yield jobs


def _queue_depth() -> dict[str, int]:
    if connection.vendor != "postgresql":
        return {}  # tasks run in the web process (kelurahan/background.py): there is no queue
    try:
        with transaction.atomic():  # a failure here must not break the request's transaction
            return background.queue_depth()
    except DatabaseError as exc:
        logger.warning("metrics: the task queue could not be counted (%s)", exc)
        return {}


def _breakers_report() -> None:
    """This process's breakers' state now, so each part's series exists from the first scrape."""
    breaker = getattr(cache, "breaker", None)
    if breaker is not None:
        breaker.report()
    if "replica" in settings.DATABASES:
        db.breaker.report()


class _Scrape:
    """The figures one scrape shows: all workers' files in multiprocess mode, else this process's
    registry, plus what is read now."""

    def collect(self):
        if multiprocess():
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from ScrapeCollector().collect()


def exposition() -> bytes:
    _breakers_report()
    return generate_latest(_Scrape())


@never_cache
def metrics_view(request):
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
