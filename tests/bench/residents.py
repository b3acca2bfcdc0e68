"""Staff screens with 100 vs 100,000 residents: SQL queries and server time; prints, never judges.

    .venv/bin/python tests/bench/residents.py [--large 100000] [--sqlite]

Runs on PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_residents): the database is dropped and created
anew, migrated, and one kelurahan provisioned (33.72.01.1001 Pajang, Kota Surakarta) with an
Operator and a Diskominfo account. The register is filled to the small size (100 residents,
20 letters, 50 access-log rows), every staff page measured, then filled to the large size
(100,000 residents, 20,000 letters over the last year, 50,000 access-log rows; --large changes
the residents, the rest scale with it) and measured again. Rows are written with bulk_create
(tests/layanan/staff_pages.py, which also lists the pages, the same ones
tests/layanan/test_staff_query_counts.py pins), then VACUUM (ANALYZE) and CHECKPOINT.

Each page: WARMUPS requests, one request under CaptureQueriesContext (its queries, and its
slowest query), then REQUESTS timed requests (django.test.Client in process, HTTPS, DEBUG=false,
logged in with force_login), as tests/bench/pages.py. The resident export answers with the whole
register, so it gets fewer requests. --sqlite uses a temporary SQLite file, for a quick look.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_residents"
KELURAHAN_CODE = "33.72.01.1001"  # Pajang, Laweyan, Kota Surakarta
PASSWORD = "bench-Residents-password-1"
SMALL = 100
LARGE = 100_000
LETTERS_PER_RESIDENT = 0.2
ACCESS_LOGS_PER_RESIDENT = 0.5
WARMUPS, REQUESTS = 5, 50
HEAVY_WARMUPS, HEAVY_REQUESTS = 1, 5  # pages that answer with the whole register


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--large",
        type=int,
        default=LARGE,
        help=f"residents of the large register (default {LARGE:,}; small is {SMALL})",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="use a temporary SQLite file instead of PostgreSQL"
    )
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Result:
    status: int
    queries: int
    slowest_query_ms: float
    median_ms: float
    p95_ms: float
    requests: int


@dataclass(frozen=True)
class Size:
    residents: int
    letters: int
    access_logs: int

    @classmethod
    def of(cls, residents: int) -> Size:
        return cls(
            residents,
            max(20, round(residents * LETTERS_PER_RESIDENT)),
            round(residents * ACCESS_LOGS_PER_RESIDENT),
        )

    def label(self) -> str:
        return (
            f"{self.residents:,} residents, {self.letters:,} letters, "
            f"{self.access_logs:,} access-log rows"
        )


def measure(page, client) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warmups, requests = (
        (HEAVY_WARMUPS, HEAVY_REQUESTS) if page.whole_register else (WARMUPS, REQUESTS)
    )
    for _ in range(warmups):
        page.request(client)
    with CaptureQueriesContext(connection) as captured:
        response = page.request(client)
    # Read now: the next request's request_started signal clears the connection's query log.
    queries = len(captured.captured_queries)
    slowest = max((float(q["time"]) for q in captured.captured_queries), default=0.0)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        page.request(client)
        times.append((time.perf_counter() - started) * 1000)
    return Result(
        status=response.status_code,
        queries=queries,
        slowest_query_ms=slowest * 1000,
        median_ms=statistics.median(times),
        p95_ms=statistics.quantiles(times, n=20, method="inclusive")[-1],
        requests=requests,
    )


def measure_all(pages) -> dict[str, Result]:
    results = {}
    for page, client in pages:
        results[page.label] = measure(page, client)
        gc.collect()
    return results


ANCHORS = Size(residents=1, letters=2, access_logs=0)  # staff_pages.anchors_create


def fill(kelurahan, operator, have: Size, want: Size) -> float:
    """Add rows to go from `have` to `want`; numbered from have.residents, so none clash."""
    from tests.layanan.staff_pages import register_fill

    started = time.perf_counter()
    register_fill(
        kelurahan,
        by=operator,
        residents=want.residents - have.residents,
        letters=want.letters - have.letters,
        access_logs=want.access_logs - have.access_logs,
        start=have.residents,
    )
    return time.perf_counter() - started


def counts(kelurahan) -> str:
    from layanan.models import AccessLog, Letter, LetterEvent, Resident

    models = (
        ("residents", Resident),
        ("letters", Letter),
        ("letter events", LetterEvent),
        ("access-log rows", AccessLog),
    )
    return ", ".join(
        f"{model.objects.for_kelurahan(kelurahan).count():,} {label}" for label, model in models
    )


def flag(a: Result, b: Result) -> str:
    if a.status != b.status or a.status != 200:
        return f"status {a.status} vs {b.status}"
    if a.queries != b.queries:
        return f"QUERIES DIFFER ({b.queries - a.queries:+d})"
    return ""


def report(command: str, small: Size, large: Size, before, after, notes: list[str]) -> None:
    from tests.bench.report import number, table

    s, lg = f"{small.residents:,}", f"{large.residents:,}"
    table(
        f"Staff pages of one kelurahan: {s} vs {lg} residents",
        command,
        [
            "page",
            f"{s}: q",
            f"{s}: med ms",
            f"{s}: p95 ms",
            f"{lg}: q",
            f"{lg}: med ms",
            f"{lg}: p95 ms",
            f"{lg}: slowest q ms",
            "flag",
        ],
        [
            [
                label,
                str(before[label].queries),
                number(before[label].median_ms, 1),
                number(before[label].p95_ms, 1),
                str(after[label].queries),
                number(after[label].median_ms, 1),
                number(after[label].p95_ms, 1),
                number(after[label].slowest_query_ms, 1),
                flag(before[label], after[label]),
            ]
            for label in before
        ],
        align="l" + "r" * 7 + "l",
        notes=notes,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.bench.report import command_line, load_average

    command = command_line(__file__, argv)
    from tests.bench import database
    from tests.bench.run import configure_environment, machine_facts

    small, large = Size.of(SMALL), Size.of(args.large)
    with tempfile.TemporaryDirectory(prefix="portal-bench-residents-") as tmp:
        if args.sqlite:
            url = database.sqlite_url(tmp)
        else:
            url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
            print(f"Recreating database {database.postgres_recreate(url)!r}", flush=True)
        configure_environment(url, Path(tmp) / "static")
        os.environ.update(
            PRIVATE_ROOT=str(Path(tmp) / "private"), MEDIA_ROOT=str(Path(tmp) / "media")
        )

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from kelurahan import roles
        from kelurahan.models import Kelurahan
        from kelurahan.services import region_provision, staff_account_create
        from tests.layanan.staff_pages import anchors_create, city_staff_pages, operator_pages

        logging.getLogger("django.request").setLevel(logging.ERROR)
        logging.getLogger("axes").setLevel(logging.WARNING)  # a line per force_login
        try:
            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_seconds = time.perf_counter() - started
            call_command("collectstatic", interactive=False, verbosity=0)
            machine_facts(command, migrate_seconds=migrate_seconds)

            region_provision(codes=[KELURAHAN_CODE])
            kelurahan = Kelurahan.objects.get(code=KELURAHAN_CODE)
            operator, diskominfo = (
                staff_account_create(
                    username=username, password=PASSWORD, role=role, kelurahan=where
                )
                for username, role, where in (
                    ("operator.pajang", roles.OPERATOR, kelurahan),
                    ("diskominfo", roles.DISKOMINFO, None),
                )
            )
            as_operator, as_city = Client(), Client()
            as_operator.force_login(operator)
            as_city.force_login(diskominfo)
            anchors = anchors_create(kelurahan, by=operator)
            pages = [(page, as_operator) for page in operator_pages(anchors)]
            pages += [(page, as_city) for page in city_staff_pages()]

            small_seconds = fill(kelurahan, operator, ANCHORS, small)
            database.settle(connection)
            small_rows = counts(kelurahan)
            print(f"Small register: {small_rows} ({small_seconds:.1f} s)", flush=True)
            before = measure_all(pages)

            large_seconds = fill(kelurahan, operator, small, large)
            started = time.perf_counter()
            settled = database.settle(connection)
            settle_seconds = time.perf_counter() - started
            large_rows = counts(kelurahan)
            print(f"Large register: {large_rows} ({large_seconds:.1f} s)", flush=True)
            after = measure_all(pages)

            differ = [label for label in before if flag(before[label], after[label])]
            report(
                command,
                small,
                large,
                before,
                after,
                [
                    f"Small: {small_rows}. Large: {large_rows}.",
                    f"Large loaded with bulk_create in {large_seconds:.1f} s, then {settled} "
                    f"in {settle_seconds:.1f} s ({database.server_version(connection)}, "
                    f"autovacuum {database.autovacuum(connection)}).",
                    "q = SQL queries of one request (after warm-ups), with the session, user, "
                    "permission and membership lookups of a logged-in staff request;",
                    f"med/p95 = server time over {REQUESTS} requests after {WARMUPS} warm-ups "
                    f"({HEAVY_REQUESTS} after {HEAVY_WARMUPS} for the whole-register export), "
                    "in-process django.test.Client, HTTPS, DEBUG=false;",
                    "slowest q = the slowest single SQL statement of the counted request.",
                    "Letter and resident pages and the exports write one access-log row per "
                    "request, so that table grows a little while measuring.",
                    f"<full NIK> = Budi Santoso's, in the register at both sizes; <name> = "
                    f"'lestari' (one resident in 20); kelurahan {kelurahan.code} "
                    f"{kelurahan.name}.",
                    f"Pages whose query count differs: {', '.join(differ) or 'none'}.",
                ],
            )
            print(f"Load average at the end (1/5/15 min): {load_average()}")
        finally:
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:  # run as a script: the project is not on the path yet
        sys.path.insert(0, str(ROOT))
    from kelurahan.tenancy import unscoped

    with unscoped("benchmark: resident register pages"):
        sys.exit(main())
