"""Letter-signing benchmark: number + PDF + store, alone and under contention; prints, never judges.

    .venv/bin/python tests/bench/letters.py [--letters 200] [--threads 8] [--sqlite]

Runs on PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_letters): the database is dropped and created
anew (scripts/pgdb.py), migrated, Kota Surakarta (33.72) provisioned, and an Operator and a
Penandatangan made for each kelurahan that signs. PDFs go to a temporary PRIVATE_ROOT. The psycopg
pool is raised to DATABASE_POOL_MAX=60 so 50 signing threads each get a connection.

Timings inside a signing come from thin wrappers this script puts around the app's functions
(render_letter_pdf, next_sequence, the private storage's _save, commit, and every SQL statement);
the app's code is not changed.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_letters"
POOL_MAX = 60
CITY_CODE = "33.72"
PAJANG = "33.72.01.1001"
CONTENTION_LETTERS = 50
CONTENTION_THREADS = (1, 2, 4, 8, 16, 50)
RENDER_SAMPLES = 10
OTHER_KINDS = ("domisili", "sktm", "usaha", "kematian", "kelahiran")
PASSWORD = "bench-Letters-password-1"
# The Lurah the signer signs as (directly), from the officials list via the signing register.
SIGNER = {"name": "Drs. Slamet Widodo", "nip": "196801011990031005"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--letters", type=int, default=200, help="letters signed one after another (default 200)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads for the two-kelurahan contention run (default 8)",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="use a temporary SQLite file instead of PostgreSQL"
    )
    return parser.parse_args(argv)


def postgres_recreate(url: str) -> str:
    """Drop and create the database the URL names, through scripts/pgdb.py; return its name."""
    from scripts import pgdb
    from tests.bench import database

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in database.PROTECTED:
        raise SystemExit(f"Refusing to drop database {name!r}: name a benchmark database.")
    pgdb.main("create", name, urlunsplit((parts.scheme, parts.netloc, "", "", "")))
    return name


# -- figures ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 200 values is the 190th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.1f}"


def spread(values: Sequence[float]) -> list[str]:
    """median, p95, min, max in milliseconds."""
    if not values:
        return ["—"] * 4
    return [
        ms(statistics.median(values)),
        ms(percentile(values, 0.95)),
        ms(min(values)),
        ms(max(values)),
    ]


# -- probes: timing wrappers around the app's functions ------------------------------------------


@dataclass
class Sample:
    """What one signing (in one thread) spent where, in seconds, and what it produced."""

    total: float = 0.0
    parts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    queries: int = 0
    pdf_bytes: int = 0


class Probe:
    """Wraps the app's functions once; each thread's current Sample collects their times.

    Also counts how many PDF renderings run at the same moment: inside one kelurahan the
    counter lock is held across rendering, so at most one can; across kelurahan, more.
    """

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.rendering = 0
        self.max_rendering = 0

    def current(self) -> Sample | None:
        return getattr(self.local, "sample", None)

    def add(self, part: str, seconds: float) -> None:
        sample = self.current()
        if sample is not None:
            sample.parts[part] += seconds

    def timed(self, part: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(part, time.perf_counter() - started)

        wrapper.__wrapped__ = function
        return wrapper

    def install(self) -> None:
        from django.db import connections

        from layanan import services
        from layanan.storage import NoURLFileSystemStorage

        render = services.render_letter_pdf

        def render_letter_pdf(*args, **kwargs):
            with self.lock:
                self.rendering += 1
                self.max_rendering = max(self.max_rendering, self.rendering)
            started = time.perf_counter()
            try:
                pdf = render(*args, **kwargs)
            finally:
                self.add("pdf", time.perf_counter() - started)
                with self.lock:
                    self.rendering -= 1
            sample = self.current()
            if sample is not None:
                sample.pdf_bytes = len(pdf)
            return pdf

        services.render_letter_pdf = render_letter_pdf
        services.next_sequence = self.timed("counter", services.next_sequence)
        NoURLFileSystemStorage._save = self.timed("storage", NoURLFileSystemStorage._save)
        wrapper_class = type(connections["default"])  # `connection` is a proxy to it
        wrapper_class.commit = self.timed("commit", wrapper_class.commit)

    def sql(self, execute, sql, params, many, context):
        """A connection.execute_wrapper: time and count every statement of the current sample."""
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sample = self.current()
            if sample is not None:
                sample.parts["sql"] += time.perf_counter() - started
                sample.queries += 1

    def run(self, function: Callable, *args, **kwargs) -> tuple[object, Sample]:
        """Call function and return its result with the Sample of where its time went."""
        from django.db import connection

        sample = Sample()
        self.local.sample = sample
        try:
            with connection.execute_wrapper(self.sql):
                started = time.perf_counter()
                result = function(*args, **kwargs)
                sample.total = time.perf_counter() - started
        finally:
            self.local.sample = None
        return result, sample


class GCWatch:
    """Python's cyclic garbage collector while it is on: collections per generation and time."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.seconds = 0.0
        self.counts = [0, 0, 0]

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.perf_counter()
            self.counts[info["generation"]] += 1
        elif self.started is not None:
            self.seconds += time.perf_counter() - self.started
            self.started = None

    def __enter__(self) -> GCWatch:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


# -- setup --------------------------------------------------------------------------------------


@dataclass
class Staff:
    kelurahan: object
    operator: object
    signer: object
    authority: int  # the signer's signing authority (direct, as the Lurah)


def staff_for(kelurahan, label: str) -> Staff:
    from kelurahan import roles
    from kelurahan.services import staff_account_create
    from kelurahan.tenancy import is_city_staff, user_kelurahan_id

    operator, signer = (
        staff_account_create(
            username=f"{role.lower()}.{label}",
            password=PASSWORD,
            role=role,
            kelurahan=kelurahan,
            full_name=f"{role} {kelurahan.name}",
        )
        for role in (roles.OPERATOR, roles.SIGNER)
    )
    # Warm the permission and membership caches, as a request would, so threads only read them.
    for user in (operator, signer):
        user.has_perm("layanan.sign_letter")
        user_kelurahan_id(user)
        is_city_staff(user)
    return Staff(kelurahan, operator, signer, signing_authority_for(signer, kelurahan))


def signing_authority_for(signer, kelurahan) -> int:
    """A direct signing authority for the signer, as the kelurahan's (named) Lurah."""
    import datetime

    from kelurahan.models import Official
    from layanan.models import SigningAuthority

    head = Official.objects.for_kelurahan(kelurahan).filter(level=Official.Level.HEAD).first()
    head.name, head.nip = SIGNER["name"], SIGNER["nip"]
    head.save()
    return SigningAuthority.objects.create(
        kelurahan=kelurahan,
        official=head,
        user=signer,
        valid_from=datetime.date(2000, 1, 1),
    ).pk


def sign(staff: Staff, letter_id: int):
    from layanan import services

    return services.letter_move(
        action="sign", letter_id=letter_id, by=staff.signer, authority=staff.authority
    )


def create_skuter(staff: Staff, n: int):
    from layanan import services
    from tests.layanan.helpers import letter_data

    return services.letter_create(
        kelurahan=staff.kelurahan,
        kind="skuter",
        by=staff.operator,
        data=letter_data(name=f"Warga Bench {n}"),
    )


# -- 1. machine facts ---------------------------------------------------------------------------


def facts(command: str, *, migrate_seconds: float, provision_seconds: float, tmp: str) -> None:
    import pydyf
    import weasyprint
    from django.conf import settings
    from django.db import connection

    from tests.bench.report import table
    from tests.bench.run import machine_facts

    machine_facts(command, migrate_seconds=migrate_seconds)
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    pool_line = (
        f"psycopg pool min {pool['min_size']} / max {pool['max_size']}"
        f" / timeout {pool['timeout']} s"
        f" (DATABASE_POOL_MAX={os.environ['DATABASE_POOL_MAX']} set by this script; default 10)"
        if pool
        else "no pool (SQLite)"
    )
    table(
        "Letters setup",
        command,
        ["fact", "value"],
        [
            ["WeasyPrint", weasyprint.__version__],
            ["pydyf", pydyf.__version__],
            ["Pango", pango_version()],
            ["database connections", pool_line],
            ["PostgreSQL max_connections", max_connections(connection)],
            ["PRIVATE_ROOT", f"{settings.PRIVATE_ROOT} (temporary, under {tmp})"],
            ["provision 33.72 (Kota Surakarta)", f"{provision_seconds:.1f} s"],
        ],
        align="ll",
    )


def pango_version() -> str:
    from weasyprint.text.ffi import pango

    number = pango.pango_version()  # major * 10000 + minor * 100 + micro
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def max_connections(connection) -> str:
    if connection.vendor != "postgresql":
        return "—"
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        return cursor.fetchone()[0]


# -- 2. sequential signing ----------------------------------------------------------------------


def bench_sequential(command: str, probe: Probe, staff: Staff, count: int) -> list:
    from tests.bench.report import table

    warm_letter = create_skuter(staff, 0)
    started = time.perf_counter()
    sign(staff, warm_letter.pk)
    warm_seconds = time.perf_counter() - started

    creates, letters = [], []
    for n in range(1, count + 1):
        started = time.perf_counter()
        letters.append(create_skuter(staff, n))
        creates.append(time.perf_counter() - started)

    samples: list[Sample] = []
    signed = []
    with GCWatch() as collector:
        for letter in letters:
            result, sample = probe.run(sign, staff, letter.pk)
            samples.append(sample)
            signed.append(result)

    def part(name: str) -> list[float]:
        return [s.parts[name] for s in samples]

    others = [
        s.total - sum(s.parts[p] for p in ("pdf", "sql", "storage", "commit")) for s in samples
    ]
    sizes = [s.pdf_bytes for s in samples]
    queries = [s.queries for s in samples]
    totals = [s.total for s in samples]
    medians = statistics.median(totals)
    rows = [
        ["letter_create (not signing)", *spread(creates)],
        ["letter_move(sign), total", *spread([s.total for s in samples])],
        ["  PDF: render_letter_pdf", *spread(part("pdf"))],
        ["  SQL statements (all)", *spread(part("sql"))],
        ["  counter: next_sequence (its SQL + ORM)", *spread(part("counter"))],
        ["  storage write (_save)", *spread(part("storage"))],
        ["  COMMIT", *spread(part("commit"))],
        ["  other (Python: ORM, number, hash, QR…)", *spread(others)],
    ]
    pdf_share = statistics.median(part("pdf")) / medians
    table(
        f"Sequential signing: {count} Skuter letters in Pajang, one after another (ms)",
        command,
        ["measure", "median", "p95", "min", "max"],
        rows,
        notes=[
            f"Warm-up signing (first of the process, not counted): {ms(warm_seconds)} ms.",
            f"SQL statements per signing: median {statistics.median(queries):.0f}"
            f" (min {min(queries)}, max {max(queries)}).",
            f"PDF size: median {statistics.median(sizes):,.0f} bytes"
            f" (min {min(sizes):,}, max {max(sizes):,}).",
            f"Python GC during the {count} signings: {collector.counts[2]} gen-2,"
            f" {collector.counts[1]} gen-1, {collector.counts[0]} gen-0 collections,"
            f" {ms(collector.seconds)} ms in all ({collector.seconds / sum(totals):.0%} of"
            " signing time); a gen-2 collection inside a signing makes most of the p95 tail.",
            f"Rendering is {pdf_share:.0%} of the median signing; signings/s one at a time:"
            f" {count / sum(s.total for s in samples):.1f}.",
            "Parts are measured inside each signing; a part's median need not add up with the"
            " others' to the total's median. other = total - PDF - SQL - storage - COMMIT; the"
            " counter row overlaps SQL and other.",
        ],
    )
    return signed


def bench_rendering(command: str, signed: list) -> None:
    """render_letter_pdf called apart from signing, on a few signed letters: HTML vs WeasyPrint."""
    from layanan.models import Letter
    from layanan.pdf import render_letter_html, render_letter_pdf
    from tests.bench.report import table
    from tests.layanan.helpers import SITE_URL

    step = max(1, len(signed) // RENDER_SAMPLES)
    picked = signed[::step][:RENDER_SAMPLES]
    letters = Letter.objects.select_related("letter_type", "kelurahan__kecamatan__city").filter(
        pk__in=[letter.pk for letter in picked]
    )
    html_times, pdf_times = [], []
    for letter in letters:
        verify_url = SITE_URL + letter.get_verification_url()
        started = time.perf_counter()
        render_letter_html(letter, verify_url=verify_url, paper="A4")
        html_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_letter_pdf(letter, verify_url=verify_url, paper="A4")
        pdf_times.append(time.perf_counter() - started)
    weasy = [pdf - html for pdf, html in zip(pdf_times, html_times, strict=True)]
    table(
        f"PDF rendering alone: render_letter_pdf on {len(pdf_times)} signed letters (ms)",
        command,
        ["measure", "median", "p95", "min", "max"],
        [
            ["render_letter_pdf (whole)", *spread(pdf_times)],
            ["  render_letter_html (template + QR SVG)", *spread(html_times)],
            ["  WeasyPrint HTML -> PDF (whole - html)", *spread(weasy)],
        ],
        notes=["Outside any transaction: no counter lock, no storage, no SQL."],
    )


def kind_data() -> dict[str, dict[str, str]]:
    """Form input (as typed) for every letter kind, beyond the identity block where it has one."""
    from tests.layanan.helpers import NIK_BUDI, NIK_SITI, letter_data

    identity = {k: v for k, v in letter_data().items() if k != "statement"}
    witnesses = {}
    for prefix, nik, name, born in (
        ("reporter", NIK_BUDI, "Budi Santoso", "1995-08-15"),
        ("witness1", NIK_SITI, "Siti Aminah", "1995-08-15"),
        ("witness2", "3372010203800004", "Agus Prasetyo", "1980-02-03"),
    ):
        witnesses |= {
            f"{prefix}_nik": nik,
            f"{prefix}_name": name,
            f"{prefix}_birth_date": born,
            f"{prefix}_occupation": "Wiraswasta",
            f"{prefix}_address": "Jl. Slamet Riyadi No. 10, Pajang",
        }
    return {
        "skuter": letter_data(),
        "domisili": identity | {"since": "2015-03-01"},
        "sktm": identity | {"household_income": "1500000", "dependants": "3"},
        "usaha": identity
        | {
            "business_name": "Warung Soto Pak Budi",
            "business_kind": "Warung makan",
            "business_address": "Jl. Dr. Rajiman No. 45, Pajang",
            "business_since": "2018",
        },
        "kematian": identity
        | {
            "nik": "3372011203500003",
            "name": "Suparman",
            "birth_date": "1950-03-12",
            "marital_status": "Kawin",
            "occupation": "Pensiunan",
            "purpose": "Pengurusan akta kematian",
            "death_date": "2024-05-02",
            "death_time": "14:30",
            "death_place": "RSUD Dr. Moewardi, Surakarta",
            "cause": "Sakit",
            "certified_by": "dr. Andi Wijaya, RSUD Dr. Moewardi",
            "father_name": "Karto Sumarto",
            "mother_name": "Sumirah",
        }
        | witnesses,
        "kelahiran": {
            "nik": NIK_SITI,
            "name": "Ayu Lestari",
            "sex": "P",
            "place_kind": "Rumah Sakit",
            "birth_place": "RS PKU Muhammadiyah Surakarta",
            "birth_date": "2024-06-10",
            "birth_time": "08:15",
            "birth_kind": "Tunggal",
            "birth_order": "1",
            "attendant": "Dokter",
            "weight_kg": "3.10",
            "length_cm": "49.5",
            "mother_nik": NIK_SITI,
            "mother_name": "Siti Aminah",
            "mother_birth_date": "1995-08-15",
            "mother_occupation": "Guru",
            "mother_address": "Jl. Slamet Riyadi No. 10, Pajang",
            "father_nik": NIK_BUDI,
            "father_name": "Budi Santoso",
            "father_birth_date": "1995-08-15",
            "father_occupation": "Karyawan Swasta",
            "father_address": "Jl. Slamet Riyadi No. 10, Pajang",
            "purpose": "Pengurusan akta kelahiran",
        }
        | witnesses,
    }


def bench_kinds(command: str, probe: Probe, staff: Staff) -> None:
    from layanan import services
    from layanan.kinds import KINDS
    from tests.bench.report import table
    from tests.layanan.helpers import pdf_bytes, pdf_page_sizes

    inputs = kind_data()
    rows, notes = [], []
    for key in ("skuter", *OTHER_KINDS):
        form = KINDS[key].form(data=inputs[key])
        if not form.is_valid():
            notes.append(f"{key}: form refused the sample data: {form.errors.as_json()}")
            rows.append([key, "form invalid", "", "", "", "", ""])
            continue
        letter = services.letter_create(
            kelurahan=staff.kelurahan, kind=key, by=staff.operator, data=form.letter_data()
        )
        signed, sample = probe.run(sign, staff, letter.pk)
        pages = len(pdf_page_sizes(pdf_bytes(signed)))
        rows.append(
            [
                key,
                ms(sample.total),
                ms(sample.parts["pdf"]),
                ms(sample.total - sample.parts["pdf"]),
                f"{sample.pdf_bytes:,}",
                str(pages),
                signed.number,
            ]
        )
    table(
        "Each letter kind signed once (data validated through the kind's form), Pajang",
        command,
        ["kind", "sign ms", "PDF ms", "rest ms", "PDF bytes", "pages", "number"],
        rows,
        align="lrrrrrl",
        notes=[*notes, "One signing each: a single sample, so ±10–20 % is noise."],
    )


# -- 3. contention ------------------------------------------------------------------------------


@dataclass
class ContentionRun:
    label: str
    threads: int
    wall: float
    cpu: float
    samples: list[Sample]
    errors: list[str]
    max_rendering: int
    checks: list[Check]


def sign_at_once(probe: Probe, jobs: list[tuple[Staff, int]], threads: int) -> tuple:
    """Sign every (staff, letter_id) with `threads` threads released together by a barrier."""
    from django.db import connection

    shares = [jobs[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads + 1)
    samples: list[Sample] = []
    errors: list[str] = []

    def work(share: list[tuple[Staff, int]]) -> None:
        try:
            barrier.wait()
            for staff, letter_id in share:
                try:
                    _result, sample = probe.run(sign, staff, letter_id)
                    samples.append(sample)
                except Exception as exc:  # reported, not raised: the run goes on
                    errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    with probe.lock:
        probe.max_rendering = 0
    barrier.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return wall, cpu, samples, errors, probe.max_rendering


@dataclass
class Check:
    text: str
    distinct: bool
    consecutive: bool


def numbering_check(kelurahan, expected: int) -> Check:
    """Are this kelurahan's signed numbers distinct and its sequences exactly 1..expected?"""
    from layanan.models import Letter, NumberCounter

    signed = list(
        Letter.objects.filter(kelurahan=kelurahan, state=Letter.State.SIGNED).values_list(
            "sequence", "number", "year"
        )
    )
    distinct = len({row[1] for row in signed}) == len(signed)  # among those signed
    consecutive = sorted(row[0] for row in signed) == list(range(1, expected + 1))
    years = sorted({row[2] for row in signed})
    last = list(
        NumberCounter.objects.filter(kelurahan=kelurahan, year__in=years).values_list(
            "last", flat=True
        )
    )
    text = (
        f"{kelurahan.name}: {len(signed)} of {expected} signed,"
        f" numbers distinct: {'yes' if distinct else 'no'},"
        f" consecutive 1..{expected}: {'yes' if consecutive else 'no'},"
        f" counter.last {last} for year {years}"
    )
    return Check(text, distinct, consecutive)


def contention_run(
    probe: Probe, label: str, staffs: list[Staff], per_kelurahan: int, threads: int
) -> ContentionRun:
    letters = {id(s): [create_skuter(s, n) for n in range(per_kelurahan)] for s in staffs}
    # Interleave the kelurahan so every thread signs for each of them.
    jobs = [(staff, letters[id(staff)][n].pk) for n in range(per_kelurahan) for staff in staffs]
    wall, cpu, samples, errors, max_rendering = sign_at_once(probe, jobs, threads)
    checks = [numbering_check(s.kelurahan, per_kelurahan) for s in staffs]
    return ContentionRun(label, threads, wall, cpu, samples, errors, max_rendering, checks)


def contention_rows(runs: list[ContentionRun]) -> list[list[str]]:
    rows = []
    for run in runs:
        totals = [s.total for s in run.samples]
        waits = [s.parts["counter"] for s in run.samples]
        pdfs = [s.parts["pdf"] for s in run.samples]
        signed = len(run.samples)
        rows.append(
            [
                run.label,
                str(run.threads),
                f"{run.wall:.2f}",
                f"{signed / run.wall:.1f}" if signed else "—",
                f"{run.cpu / run.wall:.2f}",
                ms(statistics.median(totals)) if totals else "—",
                ms(percentile(totals, 0.95)) if totals else "—",
                ms(statistics.median(waits)) if waits else "—",
                ms(max(waits)) if waits else "—",
                ms(statistics.median(pdfs)) if pdfs else "—",
                str(run.max_rendering),
                str(len(run.errors)),
                "yes" if all(c.distinct for c in run.checks) else "no",
                "yes" if all(c.consecutive for c in run.checks) else "no",
            ]
        )
    return rows


CONTENTION_HEADERS = [
    "run",
    "threads",
    "wall s",
    "signed/s",
    "py CPU/wall",
    "sign med ms",
    "sign p95 ms",
    "counter wait med ms",
    "counter wait max ms",
    "PDF med ms",
    "max PDFs at once",
    "errors",
    "distinct",
    "1..N",
]


def contention_notes(runs: list[ContentionRun]) -> list[str]:
    notes = [
        "counter wait = time in next_sequence (INSERT … ON CONFLICT DO NOTHING + SELECT … FOR"
        " UPDATE), i.e. mostly waiting for the lock another signer holds until it commits.",
        "max PDFs at once = most renderings in progress at the same moment; the counter lock is"
        " held across rendering, so in one kelurahan it can only be 1.",
        "py CPU/wall = CPU time of this Python process / wall time (PostgreSQL runs apart); one"
        " process shares one GIL, so > 1 only where WeasyPrint's C libraries run in parallel.",
    ]
    for run in runs:
        notes.extend(f"{run.label}, {run.threads} threads: {check.text}" for check in run.checks)
        if run.errors:
            notes.append(f"{run.label}: {len(run.errors)} error(s); first: {run.errors[0][:300]}")
    return notes


def bench_contention(command: str, probe: Probe, spare: list, threads_two: int) -> None:
    from django.db import connection

    from tests.bench.report import table

    pool = getattr(connection, "pool", None)  # only PostgreSQL's wrapper has one
    if connection.vendor == "sqlite":
        pool_note = (
            "SQLite: no pool, one writer at a time; a signer that cannot upgrade its read"
            " transaction to a write gets 'database is locked' at once, so errors are expected"
            " here. Use PostgreSQL for these figures."
        )
    elif pool is not None:
        pool_note = (
            f"psycopg pool max_size {pool.max_size} (DATABASE_POOL_MAX={POOL_MAX} set"
            f" by this script; the default 10 would make up to 40 of 50 threads wait for a"
            f" connection, {pool.timeout:.0f} s at most)."
        )
    else:
        pool_note = "No pool (DATABASE_POOL=false)."
    runs = []
    for threads in CONTENTION_THREADS:
        kelurahan = spare.pop(0)
        staff = staff_for(kelurahan, f"t{threads}")
        runs.append(contention_run(probe, kelurahan.name, [staff], CONTENTION_LETTERS, threads))
        print(f"   … {threads} thread(s) in {kelurahan.name}: {runs[-1].wall:.1f} s", flush=True)
    table(
        f"Contention: {CONTENTION_LETTERS} letters in ONE kelurahan (a fresh one per run),"
        " signed by T threads at once",
        command,
        CONTENTION_HEADERS,
        contention_rows(runs),
        notes=[pool_note, *contention_notes(runs)],
    )

    half = CONTENTION_LETTERS // 2
    two = [staff_for(k, f"two{i}") for i, k in enumerate(spare[:2])]
    del spare[:2]
    pair = contention_run(probe, "2 kelurahan", two, half, threads_two)
    one = [staff_for(spare.pop(0), "one")]
    single = contention_run(probe, "1 kelurahan", one, 2 * half, threads_two)
    table(
        f"Contention across kelurahan: {half} letters in each of two kelurahan vs"
        f" {2 * half} in one, {threads_two} threads",
        command,
        CONTENTION_HEADERS,
        contention_rows([pair, single]),
        notes=[
            "Each kelurahan has its own counter row, so signings of two kelurahan overlap (max"
            " PDFs at once 2 vs 1). Threads of one process still share one GIL, so overlapping"
            " renders each take longer and the rate stays about that of one core; separate"
            " processes (gunicorn workers) are what turn the overlap into throughput. With 8"
            " threads on 2 counters, about 4 still queue behind each counter.",
            *contention_notes([pair, single]),
        ],
    )


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.bench.report import command_line, load_average

    command = command_line(__file__, argv)
    from tests.bench import database
    from tests.bench.run import configure_environment

    with tempfile.TemporaryDirectory(prefix="portal-bench-letters-") as tmp:
        if args.sqlite:
            url = database.sqlite_url(tmp)
        else:
            url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
            print(f"Recreating database {postgres_recreate(url)!r}", flush=True)
        configure_environment(url, Path(tmp) / "static")
        os.environ.update(
            PRIVATE_ROOT=str(Path(tmp) / "private"),
            MEDIA_ROOT=str(Path(tmp) / "media"),
            DATABASE_POOL_MAX=str(POOL_MAX),
        )

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from kelurahan.models import Kelurahan
        from kelurahan.services import region_provision

        try:
            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_seconds = time.perf_counter() - started
            started = time.perf_counter()
            region_provision(codes=[CITY_CODE])
            provision_seconds = time.perf_counter() - started
            facts(
                command,
                migrate_seconds=migrate_seconds,
                provision_seconds=provision_seconds,
                tmp=tmp,
            )

            probe = Probe()
            probe.install()
            pajang = staff_for(Kelurahan.objects.get(code=PAJANG), "pajang")
            signed = bench_sequential(command, probe, pajang, args.letters)
            bench_rendering(command, signed)
            bench_kinds(command, probe, pajang)

            spare = list(
                Kelurahan.objects.filter(kecamatan__city__code=CITY_CODE)
                .exclude(code=PAJANG)
                .order_by("code")
            )
            bench_contention(command, probe, spare, args.threads)
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

    with unscoped("benchmark: letters of many kelurahan"):
        sys.exit(main())
