"""The map's data (umkm.geojson, wisata.geojson) in a city that has filled up: size, server time
and queries per response; prints, never judges.

    .venv/bin/python tests/bench/map_data.py [--businesses 20000] [--spots 2000]

Runs on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/h_map_bench):
the database is dropped and created anew, migrated, the demo city set up (`demo_setup
--one-city`: Kota Surakarta, every site active), then filled with bulk_create to --businesses
published businesses and --spots published tourism spots, spread at random over the city's
51 kelurahan (each place near its kelurahan's middle, a third of them with a cover photo row:
names only, no files), then VACUUM (ANALYZE). The database is dropped at the end.

Each address is what static/js/map.js asks: the first request without a box, then the viewport
of a 1366x768 map (snapped by umkm.mapgrid, as the map snaps it) over the city's middle, or
over the kelurahan's, at a low, a middle and a high zoom. Each gets WARMUPS requests, one
under CaptureQueriesContext (its queries), then REQUESTS timed ones through django.test.Client
in process (HTTPS, DEBUG=false) with the page cache off (uncached), and as many with it on
(a kept copy; local memory cache). gzip = the bytes the page cache keeps and sends.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/h_map_bench"
BUSINESSES, SPOTS = 20_000, 2_000
WARMUPS, REQUESTS = 3, 15
VIEWPORT = (1366, 768)  # pixels
ZOOMS = {"low": 12, "middle": 14, "high": 17}
BENCH_KELURAHAN = "pajang"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=BUSINESSES)
    parser.add_argument("--spots", type=int, default=SPOTS)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (to look into it)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print each request's queries with their times"
    )
    return parser.parse_args(argv)


def fill(*, businesses: int, spots: int) -> None:
    """Published places at random around each kelurahan's middle (about 1 km across)."""
    from decimal import Decimal

    from kelurahan.models import Kelurahan
    from umkm.models import Business, BusinessCategory, BusinessPhoto, Status, TourismSpot

    rng = random.Random(16)
    city = Kelurahan.objects.filter(kecamatan__city__code="33.72").order_by("code")
    kelurahan = list(city)
    # The demo gives each office a point; a kelurahan without one gets a place in the city.
    middles = {
        k.pk: (
            float(k.latitude) if k.latitude is not None else rng.uniform(-7.60, -7.53),
            float(k.longitude) if k.longitude is not None else rng.uniform(110.77, 110.86),
        )
        for k in kelurahan
    }
    categories = list(BusinessCategory.objects.all())

    def point(owner):
        lat, lng = middles[owner.pk]
        return (
            Decimal(f"{lat + rng.gauss(0, 0.004):.6f}"),
            Decimal(f"{lng + rng.gauss(0, 0.004):.6f}"),
        )

    rows = []
    for n in range(businesses):
        owner = kelurahan[n % len(kelurahan)]
        lat, lng = point(owner)
        rows.append(
            Business(
                kelurahan=owner,
                name=f"{'Soto' if n % 5 == 0 else 'Usaha'} Warga {n:05d}",
                slug=f"peta-usaha-{n:05d}",
                category=categories[n % len(categories)],
                owner_name=f"Pemilik {n}",
                description="Usaha warga: makanan, kerajinan dan jasa untuk tetangga sekitar.",
                address=f"Jl. Warga No. {n}",
                latitude=lat,
                longitude=lng,
                status=Status.PUBLISHED,
            )
        )
    Business.objects.bulk_create(rows, batch_size=2000)
    spot_rows = []
    for n in range(spots):
        owner = kelurahan[n % len(kelurahan)]
        lat, lng = point(owner)
        spot_rows.append(
            TourismSpot(
                kelurahan=owner,
                name=f"Wisata Warga {n:05d}",
                slug=f"peta-wisata-{n:05d}",
                category=TourismSpot.Category.values[n % len(TourismSpot.Category.values)],
                description="Tempat yang layak dikunjungi warga dan tamu.",
                latitude=lat,
                longitude=lng,
                status=Status.PUBLISHED,
            )
        )
    TourismSpot.objects.bulk_create(spot_rows, batch_size=2000)
    photographed = Business.objects.filter(slug__startswith="peta-usaha-").values_list(
        "pk", "kelurahan_id", "slug"
    )
    BusinessPhoto.objects.bulk_create(
        (
            BusinessPhoto(
                kelurahan_id=kelurahan_id,
                place_id=pk,
                image=f"umkm/2026/{slug}.jpg",
                width=1600,
                height=1200,
                thumbnail=f"umkm/thumbs/2026/{slug}.webp",
                is_cover=True,
            )
            for pk, kelurahan_id, slug in photographed
            if pk % 3 == 0
        ),
        batch_size=2000,
    )


def viewport_query(lat: float, lng: float, zoom: int) -> str:
    """The map's request for a VIEWPORT-sized map centred there (static/js/map.js)."""
    from urllib.parse import urlencode

    from umkm import mapgrid

    degrees = 360 / (256 * 2**zoom)  # per pixel; latitude alike this near the equator
    half_w, half_h = VIEWPORT[0] * degrees / 2, VIEWPORT[1] * degrees / 2
    snapped = mapgrid.snap(lng - half_w, lat - half_h, lng + half_w, lat + half_h, zoom)
    return urlencode({"bbox": snapped.bbox, "zoom": snapped.zoom})


def measure(client, url: str) -> dict:
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils.text import compress_string

    def timed() -> float:
        times = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times)

    with override_settings(PAGE_CACHE_SECONDS=0):
        for _ in range(WARMUPS):
            client.get(url, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, secure=True)
        queries = len(captured.captured_queries)
        database_ms = sum(float(query["time"]) for query in captured.captured_queries) * 1000
        if os.environ.get("MAP_BENCH_EXPLAIN"):
            print(url)
            for query in captured.captured_queries:
                print(f"  {query['time']} s  {query['sql'][:400]}")
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
        body = response.json()
        uncached = timed()
    client.get(url, secure=True)  # kept now
    cached = timed()
    features = body["features"]
    return {
        "kind": "clusters" if body.get("clustered") else "points",
        "features": len(features),
        "places": sum(f["properties"].get("count", 1) for f in features),
        "truncated": body.get("truncated", False),
        "raw": len(response.content),
        "gzip": len(compress_string(response.content)),
        "uncached": uncached,
        "cached": cached,
        "queries": queries,
        "database": database_ms,
    }


def reference_ms() -> float:
    """A fixed piece of database work, timed (best of three), to read the figures against."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM generate_series(1, 1000000)")
            cursor.fetchone()
            times.append((time.perf_counter() - started) * 1000)
    return min(times)


def bench(command: str) -> None:
    from django.db.models import Avg
    from django.test import Client
    from django.urls import reverse

    from kelurahan.models import Kelurahan
    from tests.bench.report import load_average, number, table
    from umkm.models import Business

    city = Kelurahan.objects.filter(kecamatan__city__code="33.72")
    centre = Business.objects.unscoped("benchmark").aggregate(
        lat=Avg("latitude"), lng=Avg("longitude")
    )
    kelurahan = city.get(slug=BENCH_KELURAHAN)
    own = (
        Business.objects.for_kelurahan(kelurahan)
        .published()
        .aggregate(lat=Avg("latitude"), lng=Avg("longitude"))
    )
    city_slug = kelurahan.kecamatan.city.slug
    targets = [
        ("city", "umkm", reverse("umkm:city_business_geojson", args=[city_slug]), centre),
        ("city", "wisata", reverse("umkm:city_spot_geojson", args=[city_slug]), centre),
        ("kelurahan", "umkm", reverse("umkm:business_geojson", args=[kelurahan.slug]), own),
    ]
    client = Client(raise_request_exception=True)
    rows = []
    for level, kind, base, middle in targets:
        asks = [("first (no box)", base)] + [
            (
                f"{label} z{zoom}",
                f"{base}?{viewport_query(float(middle['lat']), float(middle['lng']), zoom)}",
            )
            for label, zoom in ZOOMS.items()
        ]
        for label, url in asks:
            result = measure(client, url)
            rows.append(
                [
                    f"{level} {kind}",
                    label,
                    result["kind"] + (" (truncated)" if result["truncated"] else ""),
                    number(result["features"]),
                    number(result["places"]),
                    number(result["raw"] / 1024, 1),
                    number(result["gzip"] / 1024, 1),
                    number(result["uncached"], 2),
                    number(result["cached"], 2),
                    str(result["queries"]),
                    number(result["database"], 1),
                ]
            )
    table(
        "Map data per response in a full city",
        command,
        [
            "data",
            "request",
            "answer",
            "features",
            "places",
            "raw KB",
            "gzip KB",
            "uncached ms",
            "cached ms",
            "queries",
            "db ms",
        ],
        rows,
        align="lll" + "r" * 8,
        notes=[
            f"Kota Surakarta with {Business.objects.unscoped('benchmark').count():,} published "
            f"businesses and their spots; kelurahan = {kelurahan.slug} "
            f"({Business.objects.for_kelurahan(kelurahan).count():,} businesses).",
            f"Viewport {VIEWPORT[0]}x{VIEWPORT[1]} px over the city's (or kelurahan's) middle, "
            "snapped by umkm.mapgrid as static/js/map.js snaps it.",
            f"ms = median of {REQUESTS} in-process requests (django.test.Client, HTTPS, "
            f"DEBUG=false) after {WARMUPS} warm-ups; uncached = page cache off; cached = the "
            "kept copy (local memory cache). places = points plus the clusters' counts; db ms "
            "= the queries' own time in the counted request.",
            f"Machine load: counting a million generate_series() rows took {reference_ms():.0f} "
            f"ms (a yardstick: compare runs by it); load average {load_average()}.",
        ],
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.bench import database
    from tests.bench.report import command_line, load_average
    from tests.bench.run import configure_environment

    command = command_line(__file__, argv)
    if args.explain:
        os.environ["MAP_BENCH_EXPLAIN"] = "1"
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    print(f"Recreating database {database.postgres_recreate(url)!r}", flush=True)
    with tempfile.TemporaryDirectory(prefix="portal-bench-map-") as tmp:
        configure_environment(url, Path(tmp) / "static")
        os.environ["CACHE_URL"] = "locmemcache://map-bench"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from kelurahan.tenancy import unscoped

        logging.getLogger("django.request").setLevel(logging.ERROR)
        try:
            with unscoped("benchmark: fills and measures the city's map data"):
                call_command("migrate", interactive=False, verbosity=0)
                call_command("collectstatic", interactive=False, verbosity=0)
                call_command("demo_setup", "--one-city", verbosity=0)
                started = time.perf_counter()
                fill(businesses=args.businesses, spots=args.spots)
                print(f"Filled in {time.perf_counter() - started:.1f} s", flush=True)
                database.settle(connection)
                print(database.server_version(connection))
                bench(command)
            print(f"Load average at the end (1/5/15 min): {load_average()}")
        finally:
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
            if not args.keep:
                _drop(url)  # nothing is left behind
    return 0


def _drop(url: str) -> None:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    name = params["dbname"]
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


if __name__ == "__main__":
    sys.exit(main())
