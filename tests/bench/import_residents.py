"""Benchmark of the resident register import: rows per second and peak memory; prints, never judges.

    .venv/bin/python tests/bench/import_residents.py [--rows 100000] [--sqlite]

Without --rows it measures 10,000 and then 100,000 rows, each in a fresh process (so the
process's peak RSS belongs to that size) on a freshly created database. Each size is imported the
way the admin does it: read the CSV into a dataset, a dry run (the preview), then the real import
from the file read again (the confirmation); then a file with every row changed (preview and
import: updates), then that file again (every row unchanged, skipped).
Timings come from a run without tracemalloc; tracemalloc peaks from a second run with it on (it
slows Python down by about half). PostgreSQL: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_import, created and dropped with scripts/pgdb.py.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_import"
SIZES = (10_000, 100_000)
HEADERS = [
    "NIK",
    "No KK",
    "Nama",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Jenis Kelamin (L/P)",
    "Agama",
    "Status Perkawinan",
    "Pekerjaan",
    "Kewarganegaraan",
    "Alamat",
    "RT",
    "RW",
]


def resident_csv(rows: int) -> bytes:
    """N valid, distinct residents of Kecamatan Laweyan (NIK region 33.72.01)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    first = datetime.date(1950, 1, 1)
    for i in range(rows):
        born = first + datetime.timedelta(days=i // 4000)
        female = i % 2 == 1
        day = born.day + 40 if female else born.day
        serial = i % 4000 + 1
        nik = f"337201{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
        writer.writerow(
            [
                nik,
                f"3372010101{i // 4 % 1_000_000:06d}",
                f"Warga Nomor {i}",
                "Surakarta",
                born.strftime("%d-%m-%Y"),
                "P" if female else "L",
                "Islam",
                "Kawin" if i % 3 else "Belum Kawin",
                "Karyawan Swasta",
                "WNI",
                f"Jl. Slamet Riyadi No. {i % 500 + 1}",
                f"{i % 12 + 1:03d}",
                f"{i % 9 + 1:03d}",
            ]
        )
    return out.getvalue().encode("utf-8")


def server_and_name(url: str) -> tuple[str, str]:
    server, _, name = url.rpartition("/")
    return server, name


def measure(rows: int, *, sqlite: bool, trace: bool) -> dict:
    """One size, in this process: set Django up on a fresh database and import three times."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from scripts.pgdb import main as pgdb
    from tests.bench import database
    from tests.bench.run import configure_environment

    tmp = tempfile.mkdtemp(prefix="portal-bench-import-")
    if sqlite:
        url = database.sqlite_url(tmp)
    else:
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
        pgdb("create", server_and_name(url)[1], server_and_name(url)[0])
    configure_environment(url, Path(tmp) / "static")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kelurahan.models import Kelurahan
    from kelurahan.services import region_provision
    from layanan.models import Resident
    from layanan.resources import ResidentResource
    from layanan.spreadsheets import SemicolonAwareCSV

    try:
        call_command("migrate", interactive=False, verbosity=0)
        region_provision(codes=["33.72.01"])
        kelurahan = Kelurahan.objects.get(code="33.72.01.1001")
        content = resident_csv(rows)
        changed = content.replace(b"Karyawan Swasta", b"Wiraswasta")  # every row an update

        def run(dry_run: bool, content: bytes):
            # As the admin: the file is read into a dataset for the preview and again for the
            # confirmation; the confirmation asks to keep instances (the resource declines).
            dataset = SemicolonAwareCSV(encoding="utf-8-sig").create_dataset(content)
            extra = {} if dry_run else {"retain_instance_in_row_result": True}
            result = ResidentResource(kelurahan=kelurahan).import_data(
                dataset, dry_run=dry_run, raise_errors=False, file_name="bench.csv", **extra
            )
            assert not result.has_errors(), result.base_errors
            assert not result.has_validation_errors(), result.invalid_rows[:3]
            return result

        figures = {"rows": rows, "csv_mb": len(content) / 1e6, "phases": []}
        measured = [
            ("preview (dry run), all new", True, content),
            ("import, all new", False, content),
            ("preview (dry run), all changed", True, changed),
            ("import, all changed", False, changed),
            ("import again, all unchanged", False, changed),
        ]
        if trace:
            tracemalloc.start()
        for label, dry_run, data in measured:
            if trace:
                tracemalloc.reset_peak()
            started = time.perf_counter()
            result = run(dry_run, data)
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if trace else None
            figures["phases"].append(
                {
                    "phase": label,
                    "seconds": seconds,
                    "rows_per_second": rows / seconds,
                    "tracemalloc_peak_mb": peak / 1e6 if peak is not None else None,
                    "totals": dict(result.totals),
                }
            )
        assert Resident.objects.for_kelurahan(kelurahan).count() == rows
        figures["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures["database"] = database.server_version(connection)
        return figures
    finally:
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
        if not sqlite:
            server, name = server_and_name(url)
            pgdb("drop", name, server)


def child(rows: int, *, sqlite: bool, trace: bool) -> dict:
    """Measure one size in a fresh process and return its figures."""
    import json

    command = [sys.executable, __file__, "--rows", str(rows), "--json"]
    command += ["--sqlite"] if sqlite else []
    command += ["--trace"] if trace else []
    # Our own interpreter running this very file: no untrusted input.
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="one size only (default: 10,000 then 100,000)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.json:  # the child process: one size, figures as JSON on the last line
        print(json.dumps(measure(args.rows, sqlite=args.sqlite, trace=args.trace)))
        return 0

    sizes = (args.rows,) if args.rows else SIZES
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"{'rows':>8}  {'phase':<32} {'seconds':>8} {'rows/s':>8} {'tracemalloc peak':>17}")
    for rows in sizes:
        timed = child(rows, sqlite=args.sqlite, trace=False)
        traced = child(rows, sqlite=args.sqlite, trace=True)
        for plain, with_trace in zip(timed["phases"], traced["phases"], strict=True):
            print(
                f"{rows:>8}  {plain['phase']:<32} {plain['seconds']:>8.1f} "
                f"{plain['rows_per_second']:>8.0f} {with_trace['tracemalloc_peak_mb']:>14.0f} MB"
            )
        print(
            f"{rows:>8}  CSV {timed['csv_mb']:.1f} MB; peak RSS of the process "
            f"{timed['maxrss_mb']:.0f} MB (with tracemalloc {traced['maxrss_mb']:.0f} MB); "
            f"{timed['database']}"
        )
    return 0


if __name__ == "__main__":
    from kelurahan.tenancy import unscoped

    with unscoped("benchmark: importing residents"):
        sys.exit(main())
