"""The portal's Prometheus metrics: the counters, histograms and gauges every app updates, and
the one-line functions they call.

Defined here, in the app every other app builds on, so the page cache (kelurahan), the letter
services (layanan) and the request middleware and cache breaker (portal) count into the same
families; portal/metrics.py serves them at /metrics with the figures read at scrape time (the task
queue) and says how the gunicorn workers' values are added up.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set before the application is imported
(gunicorn.conf.py): prometheus-client then keeps each worker's values in memory-mapped files
there, and a scrape answered by any worker adds up all of them. Without it (runserver, tests, a
management command) the values live in this process's memory.

Labels are bounded by the code, never by content: a view's URL name (not its path, which holds
slugs and ids), a status class, a letter kind, a task's name.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds; public pages are served in milliseconds, a signing (PDF) in a few hundred.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

requests_total = Counter(
    "portal_http_requests_total",
    "HTTP requests answered, by view (URL name) and status class.",
    ["view", "status"],
)
request_seconds = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it, by view and status class.",
    ["view", "status"],
    buckets=LATENCY_BUCKETS,
)
page_cache_total = Counter(
    "portal_page_cache_requests_total",
    "Cacheable public page requests, by result: hit (served from the page cache) or miss "
    "(rendered).",
    ["result"],
)
breaker_open = Gauge(
    "portal_breaker_open",
    "1 while a part's circuit breaker is open (the part is treated as down), else 0; the highest "
    "value over the live worker processes.",
    ["part"],
    multiprocess_mode="livemax",
)
task_failures_total = Counter(
    "portal_task_failures_total",
    "Background task runs that raised, by task and outcome (retry: it will run again; failed: "
    "it will not).",
    ["task", "outcome"],
)
letters_signed_total = Counter(
    "portal_letters_signed_total",
    "Letters signed (number assigned, PDF stored), by letter kind.",
    ["kind"],
)
online_requests_total = Counter(
    "portal_online_requests_total",
    "Online letter requests received from residents, by letter kind.",
    ["kind"],
)
# Read from the queue's table when scraped (portal/metrics.py), not counted here.
TASK_JOBS = "portal_task_jobs"


def page_cache_hit() -> None:
    page_cache_total.labels("hit").inc()


def page_cache_miss() -> None:
    page_cache_total.labels("miss").inc()
