"""Growth benchmark: the public pages of a city that fills up, at 200, 2,000 and 20,000 UMKM.

    .venv/bin/python tests/bench/growth.py [--sizes 200,2000,20000] [--requests 15]
        [--no-server] [--explain] [--keep]
    make bench-growth

Runs on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench_growth):
the database is dropped and created anew, migrated and given the demo city (demo_setup: Kota
Surakarta, every site active, and a corner of Kabupaten Sukoharjo), then grown in steps: at each
size N there are N published businesses (2 photo rows and 3 products each), N/10 tourism spots
and N/2 published articles, half of each in the bench kelurahan (Pajang) and half spread over the
city's other kelurahan, written by the fillers the other benchmarks use (tests/bench/umkm.py,
tests/bench/content.py), then VACUUM (ANALYZE) and CHECKPOINT.

At each size every page below is requested in process (django.test.Client, HTTPS, DEBUG=false)
with the page cache off (PAGE_CACHE_SECONDS=0: every request renders), measured as
tests/bench/pages.py does: its status, SQL queries, the time those queries took, bytes raw and
gzipped, and the median and 95th percentile server time.
After the largest size, unless --no-server: the city UMKM list under gunicorn with the Redis page
cache (every request after the first a cache hit) next to a static file of about its gzipped
size, driven by wrk (tests/bench/server.py's Stack and wrk, serving this database). --explain
prints EXPLAIN ANALYZE of each list page's slowest query at the largest size.

The map data (GeoJSON) addresses are MAP_DATA, at the top: change them there when they do.
It prints figures; it judges nothing.
"""

from __future__ import annotations

import argparse
import gc
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_growth"

# The map data: (label, address); {city} is the city's slug, {slug} the bench kelurahan's.
# The map's first request (no box: the places' whole extent, clustered when they are many);
# tests/bench/map_data.py measures each zoom of a viewport.
MAP_DATA = (
    ("map: city UMKM", "/kota/{city}/umkm.geojson"),
    ("map: city wisata", "/kota/{city}/wisata.geojson"),
    ("map: kelurahan UMKM", "/k/{slug}/umkm.geojson"),
    ("map: kelurahan wisata", "/k/{slug}/wisata.geojson"),
)

SIZES = (200, 2_000, 20_000)  # businesses in the city
SPOTS_PER_BUSINESS = 0.1
ARTICLES_PER_BUSINESS = 0.5
KELURAHAN_SLUG = "pajang"
CITY_SLUG = "kota-surakarta"
SEARCHES = ("pajang", "sari")
WARMUPS = 2
REQUESTS = 15
SERVER_SECONDS = 10
SERVER_CONNECTIONS = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="businesses in the city at each step, ascending (default %(default)s)",
    )
    parser.add_argument(
        "--requests", type=int, default=REQUESTS, help="timed requests per page and size"
    )
    parser.add_argument(
        "--no-server", action="store_true", help="skip the gunicorn + wrk cache-hit measurement"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each list page's slowest query at the largest size",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the database at the largest size (not dropped)"
    )
    parser.add_argument("--redis-db", type=int, default=10, help="Redis database (emptied)")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Page:
    group: str
    label: str
    url: str


@dataclass(frozen=True)
class Result:
    status: int
    queries: int
    sql_ms: float
    slowest_sql: tuple[str, ...]  # the two slowest queries of the request
    raw: int
    gzipped: int
    median_ms: float
    p95_ms: float


def pages(city_slug: str, slug: str, *, last_city_page: int, last_news_page: int) -> list[Page]:
    from django.urls import reverse

    def kelurahan_url(name: str) -> str:
        return reverse(name, kwargs={"slug": slug})

    def city_url(name: str) -> str:
        return reverse(name, kwargs={"city": city_slug})

    news = reverse("kelurahan:articles", kwargs={"slug": slug})
    city_umkm = city_url("umkm:city_businesses")
    search = reverse("portal:search")
    return [
        *(
            Page("map", label, url.format(city=city_slug, slug=slug)) for label, url in MAP_DATA
        ),  # fmt: skip
        Page("list", "city UMKM", city_umkm),
        Page("list", "city UMKM, last page", f"{city_umkm}?page={last_city_page}"),
        Page("list", "city UMKM, kategori", f"{city_umkm}?kategori=kuliner"),
        Page("list", "city wisata", city_url("umkm:city_spots")),
        Page("list", "kelurahan UMKM", kelurahan_url("umkm:businesses")),
        Page("list", "kelurahan wisata", kelurahan_url("umkm:spots")),
        Page("list", "kelurahan news", news),
        Page("list", "kelurahan news, last page", f"{news}?page={last_news_page}"),
        *(
            Page("search", f"/cari/?q={query}", f"{search}?{urlencode({'q': query})}")
            for query in SEARCHES
        ),
        Page("home", "city home", reverse("portal:home")),
        Page("home", "kelurahan home", kelurahan_url("kelurahan:home")),
    ]


def measure(client, url: str, requests: int) -> Result:
    """tests/bench/pages.py's measurement, with the counted request's SQL time, its slowest
    queries and its body's gzipped size."""
    from django.utils.text import compress_string

    from tests.bench import pages

    result = pages.measure(client, url, warmups=WARMUPS, requests=requests)
    slowest = sorted(result.query_log, key=lambda q: float(q["time"]), reverse=True)[:2]
    return Result(
        status=result.status,
        queries=result.queries,
        sql_ms=sum(float(q["time"]) for q in result.query_log) * 1000,
        slowest_sql=tuple(q["sql"] for q in slowest),
        raw=result.size,
        gzipped=len(compress_string(result.content)),
        median_ms=result.median_ms,
        p95_ms=result.p95_ms,
    )


def grow(kelurahan, businesses: int) -> dict[str, int]:
    """Fill the city up to `businesses` businesses, a tenth as many spots, half as many articles;
    return the published rows of each kind in the city and in the bench kelurahan."""
    from django.db import transaction
    from django.utils import timezone

    from kelurahan.models import Article
    from tests.bench import content, umkm
    from umkm.models import Business, TourismSpot

    city = kelurahan.kecamatan.city
    umkm.fill(kelurahan, total=businesses, spots=round(businesses * SPOTS_PER_BUSINESS))
    # The demo's articles count (the regency's too are in the database): the city's, from the
    # number after them, so each size's titles and slugs are new.
    have = Article.objects.filter(kelurahan__kecamatan__city=city).count()
    target = round(businesses * ARTICLES_PER_BUSINESS)
    with transaction.atomic():
        Article.objects.bulk_create(
            content.articles(
                umkm.owners(kelurahan), range(have + 1, target + 1), now=timezone.now()
            ),
            batch_size=1000,
        )
    counts = {}
    for label, model in (("UMKM", Business), ("wisata", TourismSpot), ("articles", Article)):
        published = model.objects.filter(status="published")
        counts[f"{label} in the city"] = published.filter(kelurahan__kecamatan__city=city).count()
        counts[f"{label} in {kelurahan.slug}"] = published.filter(kelurahan=kelurahan).count()
    return counts


def last_pages(kelurahan) -> tuple[int, int]:
    """The last page number of the city UMKM list and of the kelurahan's news."""
    from django.core.paginator import Paginator

    from kelurahan import selectors as kelurahan_selectors
    from umkm import selectors
    from umkm.views import PER_PAGE

    with_cities = selectors.places_published(
        selectors.BUSINESSES, filters=selectors.Filters(), city=kelurahan.kecamatan.city
    )
    news = kelurahan_selectors.articles_for(kelurahan)
    from kelurahan.views import ARTICLES_PER_PAGE

    return (
        Paginator(with_cities, PER_PAGE).num_pages,
        Paginator(news, ARTICLES_PER_PAGE).num_pages,
    )


def size_table(
    command: str, size: int, counts: dict[str, int], results, settled: str, requests: int
) -> None:
    from tests.bench.report import load_average, number, table

    table(
        f"Growth: {size:,} UMKM in the city, page cache off",
        command,
        ["group", "page", "st", "q", "sql ms", "KB", "KB gz", "med ms", "p95 ms", "url"],
        [
            [
                page.group,
                page.label,
                str(result.status),
                str(result.queries),
                number(result.sql_ms, 1),
                number(result.raw / 1024, 1),
                number(result.gzipped / 1024, 1),
                number(result.median_ms, 1),
                number(result.p95_ms, 1),
                page.url,
            ]
            for page, result in results
        ],
        align="llrrrrrrrl",
        notes=[
            "Rows (published): " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + ".",
            f"st = HTTP status, q = SQL queries of one request, sql ms = their time (one "
            f"request), KB / KB gz = body raw / gzipped (level 6, as the page cache keeps it), "
            f"med / p95 ms = server time over {requests} requests after {WARMUPS} warm-ups "
            "(in-process django.test.Client, HTTPS, DEBUG=false, PAGE_CACHE_SECONDS=0).",
            f"{settled} Load average (1/5/15 min): {load_average()}.",
        ],
    )


def summary_table(command: str, sizes: list[int], by_size: dict[int, list]) -> None:
    from tests.bench.report import number, table

    labels = [page.label for page, _result in by_size[sizes[0]]]
    rows = []
    for i, label in enumerate(labels):
        row = [label]
        for size in sizes:
            page, result = by_size[size][i]
            row += [
                str(result.queries),
                number(result.median_ms, 1),
                number(result.gzipped / 1024, 1),
            ]
        rows.append(row)
    table(
        "Growth: median server time (ms), queries and gzipped KB by size, page cache off",
        command,
        ["page", *(f"{size:,} {what}" for size in sizes for what in ("q", "ms", "KB gz"))],
        rows,
        notes=[
            "A last page is the list's last page at each size (its number in the tables above)."
        ],
    )


def explain(command: str, results) -> None:
    from django.db import connection

    for page, result in results:
        if page.group != "list":
            continue
        for rank, sql in enumerate(result.slowest_sql, start=1):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}")
                plan = "\n".join(f"   {row[0]}" for row in cursor.fetchall())
            print(f"\n== EXPLAIN ANALYZE: slowest query {rank} of {page.label} ({page.url})")
            print(f"   $ {command}\n   {sql}\n{plan}", flush=True)


def server_cache_hits(command: str, database_url: str, path: str, redis_db: int) -> None:
    """One page under gunicorn with the page cache (hits after the first request) next to a
    hashed static file of about its gzipped size, both driven by wrk (tests/bench/server.py)."""
    import gzip
    import urllib.request

    from tests.bench import server
    from tests.bench.report import load_average, number, table

    if not shutil.which("wrk"):
        print(server.wrk_missing_message())
        return
    pg_server, name = database_url.rsplit("/", 1)
    extra = {"PAGE_CACHE_SECONDS": "600"}  # this process runs with the page cache off
    with server.Stack(
        database=name, redis_db=redis_db, pg_server=pg_server, existing=True, extra_env=extra
    ) as stack:
        headers = ("Accept-Encoding: gzip",)
        gzip_ok = {"Accept-Encoding": "gzip"}
        request = urllib.request.Request(stack.url(path), headers=gzip_ok)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our server
            status, wire = response.status, response.read()
            encoding = response.headers.get("Content-Encoding", "")
        raw = len(gzip.decompress(wire)) if encoding == "gzip" else len(wire)
        static = server.closest_static(stack.tmp / "static", len(wire))
        rows = []
        for label, target in (("page (cache hits)", path), ("static file", static)):
            server.wrk(stack.url(target), seconds=2, connections=4, threads=1, headers=headers)
            result = server.wrk(
                stack.url(target),
                seconds=SERVER_SECONDS,
                connections=SERVER_CONNECTIONS,
                threads=2,
                headers=headers,
            )
            rows.append((label, target, result))
        ceiling = rows[-1][2]["rate"]
        table(
            "Growth: page-cache hits vs a static file under gunicorn, largest size",
            command,
            ["what", "path", "req/s", "p50", "p99", "% static", "non-2xx", "sock err"],
            [
                [
                    label,
                    target,
                    number(result["rate"]),
                    server.milliseconds(result["p50"]),
                    server.milliseconds(result["p99"]),
                    f"{100 * result['rate'] / ceiling:.0f}%",
                    number(result["status"]),
                    number(result["socket_errors"]),
                ]
                for label, target, result in rows
            ],
            align="llrrrrrr",
            notes=[
                f"{path} answered {status}: {raw:,} bytes, {len(wire):,} gzipped on the wire; "
                f"the static file is the hashed one closest to that size.",
                f"wrk -t2 -c{SERVER_CONNECTIONS} -d{SERVER_SECONDS}s, Accept-Encoding: gzip; "
                f"gunicorn ({stack.workers} sync workers, gunicorn.conf.py), Redis page cache "
                f"{stack.cache_url}, DEBUG=false. Load average (1/5/15 min): {load_average()}.",
            ],
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.bench import database
    from tests.bench.report import command_line, load_average
    from tests.bench.run import configure_environment, machine_facts

    command = command_line(__file__, argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    with tempfile.TemporaryDirectory(prefix="portal-bench-growth-") as tmp:
        print(f"Recreating database {database.postgres_recreate(url)!r}", flush=True)
        configure_environment(url, Path(tmp) / "static")
        os.environ.update(
            PAGE_CACHE_SECONDS="0",
            PRIVATE_ROOT=str(Path(tmp) / "private"),
            MEDIA_ROOT=str(Path(tmp) / "media"),
        )

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from kelurahan.models import Kelurahan

        logging.getLogger("django.request").setLevel(logging.ERROR)
        by_size: dict[int, list] = {}
        try:
            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_seconds = time.perf_counter() - started
            call_command("collectstatic", interactive=False, verbosity=0)
            machine_facts(command, migrate_seconds=migrate_seconds)
            call_command("demo_setup", stdout=io.StringIO())
            kelurahan = Kelurahan.objects.with_regions().get(slug=KELURAHAN_SLUG)
            client = Client(raise_request_exception=True)
            for size in sizes:
                started = time.perf_counter()
                counts = grow(kelurahan, size)
                filled = time.perf_counter() - started
                settled = f"Filled in {filled:.0f} s, then {database.settle(connection)}."
                gc.collect()
                last_city, last_news = last_pages(kelurahan)
                results = [
                    (page, measure(client, page.url, args.requests))
                    for page in pages(
                        kelurahan.kecamatan.city.slug,
                        kelurahan.slug,
                        last_city_page=last_city,
                        last_news_page=last_news,
                    )
                ]
                by_size[size] = results
                size_table(command, size, counts, results, settled, args.requests)
            summary_table(command, sizes, by_size)
            if args.explain:
                explain(command, by_size[sizes[-1]])
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
            if not args.no_server:
                city_list = next(p.url for p, _r in by_size[sizes[-1]] if p.label == "city UMKM")
                server_cache_hits(command, url, city_list, args.redis_db)
        finally:
            if args.keep:
                print(f"Kept database {url}")
            else:
                print(f"Dropping database {database.postgres_drop(url)!r}")
        print(f"Load average at the end (1/5/15 min): {load_average()}")
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:  # run as a script: the project is not on the path yet
        sys.path.insert(0, str(ROOT))
    from kelurahan.tenancy import unscoped

    with unscoped("benchmark: fills the demo city and reads its public pages"):
        sys.exit(main())
