"""Provisioning benchmarks: one city on an empty database and again, then all of Indonesia."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection

from kelurahan import regions
from kelurahan.models import (
    City,
    CityService,
    KarangTaruna,
    Kecamatan,
    Kelurahan,
    Official,
    Service,
)
from kelurahan.services import CityReport, ProvisionReport, region_provision
from tests.bench import database
from tests.bench.report import megabytes, number, table

CITY_CODE = "33.72"
PROGRESS_EVERY = 50  # cities

TABLES = (
    ("cities", City),
    ("kecamatan", Kecamatan),
    ("kelurahan", Kelurahan),
    ("officials", Official),
    ("city services", CityService),  # the one catalog per city (kelurahan/catalog.py)
    ("kelurahan services", Service),  # versions and services of its own: none at first
    ("karang taruna", KarangTaruna),
)


def row_counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in TABLES}


@dataclass
class Run:
    label: str
    seconds: float
    cpu_seconds: float  # this (Python) process; the rest of the wall time is mostly PostgreSQL
    report: ProvisionReport
    before: dict[str, int]
    after: dict[str, int]

    def written(self, label: str) -> int:
        return self.after[label] - self.before[label]

    @property
    def rows_written(self) -> int:
        return sum(self.written(label) for label, _model in TABLES)


def timed_provision(label: str, **kwargs) -> Run:
    before = row_counts()
    started, cpu_started = time.perf_counter(), time.process_time()
    report = region_provision(**kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return Run(label, seconds, cpu, report, before, row_counts())


def _run_rows(runs: list[Run]) -> list[list[str]]:
    rows = []
    for run in runs:
        rows.append(
            [
                run.label,
                number(run.seconds, 3),
                number(run.cpu_seconds, 3),
                number(run.report.created_count),
                number(run.report.existing_count),
                *(number(run.written(label)) for label, _model in TABLES),
                number(run.rows_written / run.seconds) if run.rows_written else "—",
            ]
        )
    return rows


def _cpu_note() -> str:
    where = (
        "SQLite runs inside it"
        if connection.vendor == "sqlite"
        else "the rest is mostly PostgreSQL"
    )
    return f"py CPU = CPU time of this Python process ({where})."


RUN_HEADERS = [
    "step",
    "time (s)",
    "py CPU (s)",
    "created",
    "existed",
    *(f"+{label}" for label, _model in TABLES),
    "rows/s",
]


def bench_city(command: str, *, show: bool) -> None:
    """Provision Kota Surakarta on the freshly migrated database, then once more (no-op)."""
    runs = [
        timed_provision(f"{CITY_CODE} on an empty database", codes=[CITY_CODE]),
        timed_provision(f"{CITY_CODE} again (idempotent)", codes=[CITY_CODE]),
    ]
    if show:
        table(
            f"Provisioning one city: {CITY_CODE} Kota Surakarta (region_provision(codes=[...]))",
            command,
            RUN_HEADERS,
            _run_rows(runs),
            align="l" + "r" * (len(RUN_HEADERS) - 1),
            notes=[
                "created/existed = kelurahan/desa; +table = rows written to that table.",
                _cpu_note(),
                f"database size after: {megabytes(database.database_size(connection))}",
            ],
        )


def _progress_printer(total_cities: int):
    started = time.perf_counter()
    state = {"cities": 0, "created": 0}

    def progress(city: CityReport, _done: int, _total: int) -> None:
        state["cities"] += 1
        state["created"] += len(city.created)
        done = state["cities"]
        if done % PROGRESS_EVERY and done != total_cities:
            return
        elapsed = time.perf_counter() - started
        print(
            f"   [{done:>3}/{total_cities} cities] up to {city.code} {city.name}: "
            f"{state['created']:,} kelurahan/desa created, {elapsed:,.1f} s "
            f"({state['created'] / elapsed:,.0f}/s)",
            flush=True,
        )

    return progress


def bench_all(command: str, *, show: bool) -> None:
    """Provision every kelurahan/desa of Indonesia, then once more (nothing to create)."""
    total_cities = len(regions.cities())
    print(
        f"\n-- region_provision(everything=True): {total_cities} cities, "
        f"progress every {PROGRESS_EVERY} cities",
        flush=True,
    )
    first = timed_provision(
        "--all (every kelurahan/desa)",
        everything=True,
        progress=_progress_printer(total_cities),
    )
    print(f"   done in {first.seconds:,.1f} s; now the rerun", flush=True)
    runs = [first, timed_provision("--all again (idempotent)", everything=True)]
    if show:
        size = database.database_size(connection)
        table(
            "Provisioning all of Indonesia (region_provision(everything=True))",
            command,
            RUN_HEADERS,
            _run_rows(runs),
            align="l" + "r" * (len(RUN_HEADERS) - 1),
            notes=[
                _cpu_note(),
                f"total kelurahan/desa in the database: {number(runs[-1].after['kelurahan'])} "
                f"(existed before --all: {number(first.report.existing_count)}).",
                f"--all: {number(first.report.created_count / first.seconds)} kelurahan/desa "
                f"per second; target (DESIGN.md): <= 10 minutes on 2 cores, "
                f"took {first.seconds / 60:.1f} min.",
                f"database size afterwards ({database.SIZE_SOURCE[connection.vendor]}): "
                f"{megabytes(size)}",
            ],
        )
        sizes = [(label, model._meta.db_table) for label, model in TABLES]
        if connection.vendor == "postgresql":
            table(
                "Size per table after --all (pg_total_relation_size: heap + indexes + TOAST)",
                command,
                ["table", "rows", "size", "bytes/row"],
                [
                    [
                        f"{label} ({db_table})",
                        number(runs[-1].after[label]),
                        megabytes(database.table_size(connection, db_table)),
                        number(
                            database.table_size(connection, db_table)
                            / max(runs[-1].after[label], 1)
                        ),
                    ]
                    for label, db_table in sizes
                ],
                notes=[f"whole database: {megabytes(size)}"],
            )
