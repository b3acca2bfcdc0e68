"""Public page benchmarks: SQL queries and in-process server time for every public page.

Each page gets WARMUPS requests, one request under CaptureQueriesContext to count its queries,
then REQUESTS timed requests (wall time of django.test.Client.get: middleware, view, template
and database, without HTTP or network). Requests are made as HTTPS, as behind the TLS proxy.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kelurahan import defaults
from kelurahan.models import Kelurahan
from tests.bench import content
from tests.bench.report import number, table

WARMUPS = 5
REQUESTS = 50
QUERY_TARGET = 6  # DESIGN.md: at most 6 SQL queries per public page
BROAD_QUERY = "sari"  # part of thousands of desa names across Indonesia


@dataclass(frozen=True)
class Page:
    label: str
    url: str


@dataclass(frozen=True)
class Result:
    status: int
    queries: int
    median_ms: float
    p95_ms: float
    size: int
    query_log: tuple[dict, ...] = ()  # the counted request's queries: sql and time (seconds)
    content: bytes = b""


def measure(
    client: Client, url: str, *, warmups: int = WARMUPS, requests: int = REQUESTS
) -> Result:
    for _ in range(warmups):
        client.get(url, secure=True)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    # Read now: the next request's request_started signal clears the connection's query log.
    query_log = tuple(captured.captured_queries)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    return Result(
        status=response.status_code,
        queries=len(query_log),
        median_ms=statistics.median(times),
        p95_ms=statistics.quantiles(times, n=20, method="inclusive")[-1],
        size=len(response.content),
        query_log=query_log,
        content=response.content,
    )


def city_pages(kelurahan: Kelurahan) -> list[Page]:
    search = reverse("portal:search")
    return [
        Page("/", reverse("portal:home")),
        Page("/kecamatan/<kecamatan>/", kelurahan.kecamatan.get_absolute_url()),
        Page("/cari/?q=<name>", f"{search}?{urlencode({'q': kelurahan.name})}"),
        Page(f"/cari/?q={BROAD_QUERY} (broad)", f"{search}?{urlencode({'q': BROAD_QUERY})}"),
    ]


def kelurahan_pages(kelurahan: Kelurahan) -> list[Page]:
    slug = kelurahan.slug

    def url(name: str, **kwargs) -> str:
        return reverse(f"kelurahan:{name}", kwargs={"slug": slug, **kwargs})

    articles = url("articles")
    return [
        Page("/k/<slug>/", url("home")),
        Page("/k/<slug>/profil/", url("profile")),
        Page("/k/<slug>/struktur/", url("structure")),
        Page("/k/<slug>/rt-rw/", url("rt_rw")),
        Page("/k/<slug>/karang-taruna/", url("karang_taruna")),
        Page("/k/<slug>/layanan/", url("services")),
        Page("/k/<slug>/layanan/<service>/", url("service", service=defaults.SERVICES[0].slug)),
        Page("/k/<slug>/berita/", articles),
        Page(
            "/k/<slug>/berita/?q=<query>", f"{articles}?{urlencode({'q': content.ARTICLE_QUERY})}"
        ),
        Page("/k/<slug>/berita/<article>/", url("article", article=content.FIRST_ARTICLE_SLUG)),
    ]


def all_pages(kelurahan: Kelurahan) -> list[Page]:
    return [*city_pages(kelurahan), *kelurahan_pages(kelurahan), Page("/healthz", "/healthz")]


def measure_pages(pages: list[Page]) -> dict[str, Result]:
    client = Client(raise_request_exception=True)
    return {page.label: measure(client, page.url) for page in pages}


def _placeholders(kelurahan: Kelurahan) -> str:
    return (
        f"<slug>={kelurahan.slug} ({kelurahan.code} {kelurahan.name}), "
        f"<kecamatan>={kelurahan.kecamatan.slug}, <name>={kelurahan.name}, "
        f"<service>={defaults.SERVICES[0].slug}, <query>={content.ARTICLE_QUERY}, "
        f"<article>={content.FIRST_ARTICLE_SLUG}"
    )


def _flags(a: Result, b: Result) -> str:
    flags = []
    if a.status != b.status:
        flags.append(f"status {a.status} vs {b.status}")
    elif a.queries != b.queries:
        flags.append(f"QUERIES DIFFER ({b.queries - a.queries:+d})")
    if max(a.queries, b.queries) > QUERY_TARGET:
        flags.append(f"> {QUERY_TARGET} queries")
    return "; ".join(flags)


def _cells(result: Result) -> list[str]:
    return [
        str(result.status),
        str(result.queries),
        number(result.median_ms, 2),
        number(result.p95_ms, 2),
        number(result.size / 1024, 1),
    ]


def bench_empty_and_large(command: str, kelurahan: Kelurahan) -> tuple[dict[str, Result], int]:
    """Every public page with the kelurahan just provisioned, then with a large site."""
    kelurahan = Kelurahan.objects.with_regions().get(pk=kelurahan.pk)
    pages = all_pages(kelurahan)
    empty = measure_pages(pages)
    created = content.fill_large(kelurahan)
    large = measure_pages(pages)
    total = Kelurahan.objects.count()
    table(
        f"Public pages: empty vs large content ({total:,} kelurahan in the database)",
        command,
        [
            "page",
            "E st",
            "E q",
            "E med ms",
            "E p95 ms",
            "E KB",
            "L st",
            "L q",
            "L med ms",
            "L p95 ms",
            "L KB",
            "flag",
        ],
        [
            [
                page.label,
                *_cells(empty[page.label]),
                *_cells(large[page.label]),
                _flags(empty[page.label], large[page.label]),
            ]
            for page in pages
        ],
        align="l" + "r" * 10 + "l",
        notes=[
            "E = EMPTY (kelurahan just provisioned), L = LARGE content; st = HTTP status, "
            "q = SQL queries per request,",
            f"med/p95 = server time over {REQUESTS} requests after {WARMUPS} warm-ups "
            "(in-process django.test.Client, HTTPS, DEBUG=false), KB = HTML size.",
            f"LARGE = {', '.join(f'{v} {k}' for k, v in created.items())}.",
            _placeholders(kelurahan),
            "The empty site has no article, so berita/<article>/ answers 404 there.",
            "Expected +1 from empty to any content: Django skips the RT prefetch when there is "
            "no RW, and Paginator skips the page's rows when the count is 0.",
            f"Pages whose query count differs between empty and large: "
            f"{_differ(empty, large) or 'none'}; over {QUERY_TARGET} queries: "
            f"{', '.join(k for k, v in large.items() if v.queries > QUERY_TARGET) or 'none'}.",
        ],
    )
    return large, total


def _differ(a: dict[str, Result], b: dict[str, Result]) -> str:
    return ", ".join(
        label
        for label in a
        if a[label].status == b[label].status and a[label].queries != b[label].queries
    )


def bench_after_all(
    command: str,
    kelurahan: Kelurahan,
    before: dict[str, Result],
    before_total: int,
    settled: str,
) -> None:
    """The same pages (large kelurahan) with the whole of Indonesia in the database."""
    kelurahan = Kelurahan.objects.with_regions().get(pk=kelurahan.pk)
    pages = all_pages(kelurahan)
    after = measure_pages(pages)
    total = Kelurahan.objects.count()
    home_before, home_after = before["/"], after["/"]
    table(
        f"Public pages (large kelurahan): {before_total:,} vs {total:,} kelurahan in the database",
        command,
        [
            "page",
            f"{before_total:,}: q",
            f"{before_total:,}: med ms",
            f"{before_total:,}: p95 ms",
            f"{total:,}: q",
            f"{total:,}: med ms",
            f"{total:,}: p95 ms",
            "flag",
        ],
        [
            [
                page.label,
                str(before[page.label].queries),
                number(before[page.label].median_ms, 2),
                number(before[page.label].p95_ms, 2),
                str(after[page.label].queries),
                number(after[page.label].median_ms, 2),
                number(after[page.label].p95_ms, 2),
                _flags(before[page.label], after[page.label]),
            ]
            for page in pages
        ],
        align="lrrrrrrl",
        notes=[
            f"City home (/, PORTAL_CITY_CODE=33.72): {home_before.queries} queries with "
            f"{before_total:,} kelurahan, {home_after.queries} with {total:,} in the database; "
            f"{home_before.size / 1024:.1f} KB vs {home_after.size / 1024:.1f} KB of HTML.",
            settled,
            _placeholders(kelurahan),
            f"Pages whose query count differs: {_differ(before, after) or 'none'}.",
        ],
    )
