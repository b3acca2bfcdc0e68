"""Benchmarks for Portal Kelurahan: provisioning, public pages and UMKM/wisata; print, never judge.

    .venv/bin/python tests/bench/run.py [--sqlite] [--skip-all]
        [--only provision|pages|umkm|server|weight]

Runs on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench):
the database is dropped and created anew, migrated, then measured. --sqlite uses a temporary
SQLite file instead, for a quick look. Production-like settings: DEBUG=false, the psycopg pool,
hashed static files (collected into a temporary folder). Last comes the server benchmark
(tests/bench/server.py: gunicorn, Redis and wrk, on a database of its own; `make bench-server`).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sqlite", action="store_true", help="use a temporary SQLite file instead of PostgreSQL"
    )
    parser.add_argument(
        "--skip-all",
        action="store_true",
        help="skip provisioning all of Indonesia (and the page figures that need it)",
    )
    parser.add_argument(
        "--only",
        choices=["provision", "pages", "umkm", "server", "weight"],
        help="measure only provisioning, only pages or only UMKM/wisata (the city is still "
        "provisioned as setup), or only the server under gunicorn (tests/bench/server.py), or "
        "only page weight in Chromium (tests/bench/weight.py)",
    )
    return parser.parse_args(argv)


def configure_environment(database_url: str, static_root: Path) -> None:
    """Production-like settings from the environment, before Django reads them."""
    os.environ.pop("PYTEST_VERSION", None)  # settings would switch to test mode
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver,localhost",
        PORTAL_URL="https://portal.surakarta.go.id",
        STATIC_ROOT=str(static_root),
        PORTAL_CITY_CODE="33.72",
    )


def machine_facts(command: str, *, migrate_seconds: float) -> None:
    import django
    import psycopg
    from django.conf import settings
    from django.db import connection

    from tests.bench import database
    from tests.bench.report import load_average, table

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = next(
        (
            f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "?",
    )
    db = settings.DATABASES["default"]
    pool = "pool" in db.get("OPTIONS", {})
    table(
        "Machine",
        command,
        ["fact", "value"],
        [
            ["nproc (usable CPUs)", str(len(os.sched_getaffinity(0)))],
            ["CPU", cpu],
            ["memory", memory],
            ["OS", platform.platform()],
            ["Python", platform.python_version()],
            ["Django", django.get_version()],
            ["psycopg", psycopg.__version__],
            ["database server", database.server_version(connection)],
            ["database", f"{db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']} (pool: {pool})"],
            ["PostgreSQL autovacuum", database.autovacuum(connection)],
            ["DEBUG", str(settings.DEBUG)],
            ["migrate on an empty database", f"{migrate_seconds:.1f} s"],
            ["load average at start (1/5/15 min)", load_average()],
        ],
        align="ll",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.bench.report import command_line, load_average

    command = command_line(__file__, argv)
    from tests.bench import database, server, weight

    if args.only == "server":
        return server.main([])
    if args.only == "weight":
        return weight.main([])
    measure_provision = args.only in (None, "provision")
    measure_pages = args.only in (None, "pages")
    measure_umkm = args.only in (None, "umkm")
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        if args.sqlite:
            url = database.sqlite_url(tmp)
        else:
            url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
            print(f"Recreating database {database.postgres_recreate(url)!r}", flush=True)
        configure_environment(url, Path(tmp) / "static")

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from kelurahan.models import Kelurahan
        from tests.bench import pages, provision, umkm

        # 404s of the empty site would log a warning per request.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        try:
            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_seconds = time.perf_counter() - started
            call_command("collectstatic", interactive=False, verbosity=0)
            machine_facts(command, migrate_seconds=migrate_seconds)
            provision.bench_city(command, show=measure_provision)
            kelurahan = Kelurahan.objects.filter(kecamatan__city__code=provision.CITY_CODE).first()
            if measure_pages:
                before, before_total = pages.bench_empty_and_large(command, kelurahan)
            if not args.skip_all:
                provision.bench_all(command, show=measure_provision)
                if measure_pages:
                    started = time.perf_counter()
                    done = database.settle(connection)
                    settled = f"{done} after --all took {time.perf_counter() - started:.1f} s."
                    gc.collect()
                    pages.bench_after_all(command, kelurahan, before, before_total, settled)
            if measure_umkm:
                umkm.bench(command, kelurahan)
            print(f"Load average at the end (1/5/15 min): {load_average()}")
        finally:
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
    if args.only is None and not args.sqlite:
        weight.main([])
        return server.main([])
    return 0


if __name__ == "__main__":
    from kelurahan.tenancy import unscoped

    with unscoped("benchmark: sets up data for every page bench"):
        sys.exit(main())
