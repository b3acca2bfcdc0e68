"""Diskominfo's dashboard over all of Indonesia: server time, queries and database size; prints,
never judges.

    .venv/bin/python tests/bench/dashboard.py [--cities N] [--letter-sites 3000] [--letters 40]
                                              [--reuse]

Runs on PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_dashboard): the database is dropped and created
anew, migrated, and every kelurahan/desa of Indonesia provisioned (83,762; --cities N provisions
only the first N cities, for a quick look). Then a representative share is filled with
bulk_create: 60% of the sites activated, a quarter with profile text and office address, one in
ten with a published article, an operator and a signer account for each of --letter-sites
kelurahan spread over every province (Kota Surakarta's all among them), each with --letters
letters signed over the last twelve months (a third asked online, turnarounds of 0 to 12
working days) and two open online requests, one past its promised date. The letter tally is
rebuilt from the letters (`letter_tally_rebuild`, timed), then VACUUM (ANALYZE) and CHECKPOINT.

Each page: WARMUPS requests, one under CaptureQueriesContext (its queries, its slowest query),
then REQUESTS timed requests through django.test.Client in process (HTTPS, DEBUG=false) as a
Diskominfo account; the median and the slowest are printed.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_dashboard"
CITY_CODE = "33.72"  # Kota Surakarta: its kelurahan level is measured
PASSWORD = "bench-Dashboard-password-1"
WARMUPS, REQUESTS = 2, 7
LETTER_SITES, LETTERS = 3000, 40


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=0, help="only the first N cities")
    parser.add_argument("--letter-sites", type=int, default=LETTER_SITES)
    parser.add_argument("--letters", type=int, default=LETTERS, help="signed letters per site")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run left (no drop, provisioning or fill)",
    )
    return parser.parse_args(argv)


def provision(cities: int) -> float:
    from kelurahan import regions
    from kelurahan.services import region_provision

    started = time.perf_counter()
    if cities:
        codes = sorted({CITY_CODE, *(city.code for city in regions.cities()[:cities])})
        region_provision(codes=codes)
    else:
        region_provision(everything=True)
    return time.perf_counter() - started


def fill(*, letter_sites: int, letters_per_site: int) -> dict[str, int]:
    """The representative share (module docstring), all with bulk_create and bulk updates."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from kelurahan import roles
    from kelurahan.models import Article, Kelurahan, StaffMembership
    from layanan.models import Letter, LetterType
    from tests.layanan.sample import letter_data

    rng = random.Random(15)
    ids = list(Kelurahan.objects.order_by("code").values_list("pk", flat=True))
    surakarta = set(
        Kelurahan.objects.filter(kecamatan__city__code=CITY_CODE).values_list("pk", flat=True)
    )
    active = [pk for pk in ids if pk in surakarta or rng.random() < 0.6]
    for start in range(0, len(active), 10_000):
        Kelurahan.objects.filter(pk__in=active[start : start + 10_000]).update(
            is_active=True, activated_at=timezone.now()
        )
    profiled = ids[::4]
    for start in range(0, len(profiled), 10_000):
        Kelurahan.objects.filter(pk__in=profiled[start : start + 10_000]).update(
            welcome_text="Selamat datang", vision="Maju bersama", address="Jl. Utama 1"
        )
    Article.objects.bulk_create(
        [
            Article(
                kelurahan_id=pk,
                title="Kerja bakti",
                slug="kerja-bakti",
                body="Warga bergotong royong.",
                status=Article.Status.PUBLISHED,
            )
            for pk in ids[::10]
        ],
        batch_size=5000,
    )
    step = max(len(ids) // max(letter_sites - len(surakarta), 1), 1)
    with_letters = sorted(set(ids[::step][: max(letter_sites - len(surakarta), 0)]) | surakarta)
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(username=f"{role}.{pk}", password=password, is_staff=True)
            for pk in with_letters
            for role in ("operator", "lurah")
        ],
        batch_size=5000,
    )
    StaffMembership.objects.bulk_create(
        [
            StaffMembership(user=user, kelurahan_id=int(user.username.split(".")[1]))
            for user in users
        ],
        batch_size=5000,
    )
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL)}
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(
                user_id=user.pk,
                group_id=groups[
                    roles.OPERATOR if user.username.startswith("operator") else roles.SIGNER
                ].pk,
            )
            for user in users
        ],
        batch_size=5000,
    )
    types = dict(
        LetterType.objects.unscoped("benchmark fill")
        .filter(kelurahan_id__in=with_letters, kind="skuter")
        .values_list("kelurahan_id", "pk")
    )
    data = letter_data()
    now = timezone.now()
    created_field = Letter._meta.get_field("created_at")
    created_field.auto_now_add = False  # the fill sets each letter's creation itself
    rows, total = [], 0
    try:
        for pk in with_letters:
            sequences: dict[int, int] = {}
            for index in range(letters_per_site):
                created = now - datetime.timedelta(days=rng.uniform(1, 360), hours=2)
                signed = created + datetime.timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 16)))
                signed = min(signed, now)
                sequence = sequences[signed.year] = sequences.get(signed.year, 0) + 1
                rows.append(
                    Letter(
                        kelurahan_id=pk,
                        letter_type_id=types[pk],
                        state=Letter.State.HANDED_OVER,
                        nik=data["nik"],
                        name=data["name"],
                        data=data,
                        created_at=created,
                        signed_at=signed,
                        year=signed.year,
                        sequence=sequence,
                        number=f"400.12/{sequence:03d}/{pk}/{signed.year}",
                        pdf=f"letters/{pk}-{index}.pdf",
                        tracking_code=f"B{pk:07d}{index:02d}"[:10] if index % 3 == 0 else None,
                    )
                )
            for days_ago in (1, 40):
                rows.append(
                    Letter(
                        kelurahan_id=pk,
                        letter_type_id=types[pk],
                        state=Letter.State.SUBMITTED,
                        nik=data["nik"],
                        name=data["name"],
                        data=data,
                        created_at=now - datetime.timedelta(days=days_ago),
                    )
                )
            if len(rows) >= 20_000:
                Letter.objects.bulk_create(rows, batch_size=5000)
                total += len(rows)
                rows = []
        Letter.objects.bulk_create(rows, batch_size=5000)
        total += len(rows)
    finally:
        created_field.auto_now_add = True
    return {
        "kelurahan": len(ids),
        "active": len(active),
        "with letters": len(with_letters),
        "letters": total,
    }


def existing_counts() -> dict[str, int]:
    """What an earlier run filled (--reuse)."""
    from kelurahan.models import Kelurahan, StaffMembership
    from layanan.models import Letter

    return {
        "kelurahan": Kelurahan.objects.count(),
        "active": Kelurahan.objects.filter(is_active=True).count(),
        "with letters": StaffMembership.objects.values("kelurahan_id").distinct().count(),
        "letters": Letter.objects.count(),
    }


def measure(client, url: str) -> tuple[int, int, float, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUPS):
        client.get(url, secure=True)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    queries = len(captured.captured_queries)
    slowest = max((float(q["time"]) for q in captured.captured_queries), default=0.0) * 1000
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    return (
        response.status_code,
        queries,
        statistics.median(times),
        max(times),
        slowest,
        len(response.content),
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tests.bench import database
    from tests.bench.report import command_line, load_average, megabytes, number, table
    from tests.bench.run import configure_environment, machine_facts

    command = command_line(__file__, argv)
    with tempfile.TemporaryDirectory(prefix="portal-bench-dashboard-") as tmp:
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
        if not args.reuse:
            print(f"Recreating database {database.postgres_recreate(url)!r}", flush=True)
        configure_environment(url, Path(tmp) / "static")
        os.environ.update(
            PRIVATE_ROOT=str(Path(tmp) / "private"),
            MEDIA_ROOT=str(Path(tmp) / "media"),
            # The account logs in with force_login; the two-factor step is not what is measured.
            STAFF_TWO_FACTOR_ROLES="",
        )
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from kelurahan import roles
        from kelurahan.models import City, CityStaffMembership, Kecamatan
        from kelurahan.services import staff_account_create
        from layanan.models import LetterTally
        from layanan.tally import letter_tally_rebuild

        logging.getLogger("django.request").setLevel(logging.ERROR)
        logging.getLogger("axes").setLevel(logging.WARNING)
        try:
            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_seconds = time.perf_counter() - started
            call_command("collectstatic", interactive=False, verbosity=0)
            machine_facts(command, migrate_seconds=migrate_seconds)
            if args.reuse:
                provision_seconds = fill_seconds = 0.0
                filled = existing_counts()
            else:
                print("Provisioning ...", flush=True)
                provision_seconds = provision(args.cities)
                database.settle(connection)
                print(
                    "Database size after provisioning, before the fill "
                    f"({database.SIZE_SOURCE[connection.vendor]}): "
                    f"{megabytes(database.database_size(connection))}",
                    flush=True,
                )
                started = time.perf_counter()
                filled = fill(letter_sites=args.letter_sites, letters_per_site=args.letters)
                fill_seconds = time.perf_counter() - started
            started = time.perf_counter()
            rebuilt = letter_tally_rebuild()
            rebuild_seconds = time.perf_counter() - started
            settled = database.settle(connection)
            print(
                f"Provisioned in {provision_seconds:.0f} s, filled {filled} in "
                f"{fill_seconds:.0f} s, tally rebuilt in {rebuild_seconds:.1f} s",
                flush=True,
            )
            # A national Diskominfo role: every city is one of its cities (a Diskominfo
            # account without cities sees nothing, so its pages would measure an empty table).
            diskominfo = User.objects.filter(username="diskominfo").first() or (
                staff_account_create(
                    username="diskominfo",
                    password=PASSWORD,
                    role=roles.DISKOMINFO,
                    kelurahan=None,
                    cities=list(City.objects.all()),
                )
            )
            CityStaffMembership.objects.bulk_create(
                [CityStaffMembership(user=diskominfo, city=city) for city in City.objects.all()],
                ignore_conflicts=True,  # an earlier run's account (--reuse) has them already
            )
            client = Client()
            client.force_login(diskominfo)
            city = City.objects.get(code=CITY_CODE)
            kecamatan = Kecamatan.objects.filter(city=city).order_by("code").first()
            index = "/admin/"
            pages = [
                ("every city (city level)", index),
                ("every city, sorted by p90", f"{index}?sort=-p90"),
                ("all of Indonesia per kecamatan", f"{index}?level=kecamatan"),
                (f"{city.name}: per kecamatan", f"{index}?city={city.pk}"),
                (f"{city.name}: per kelurahan", f"{index}?city={city.pk}&level=kelurahan"),
                (
                    f"{city.name}, {kecamatan.name}, sorted by median",
                    f"{index}?city={city.pk}&kecamatan={kecamatan.pk}&sort=-median",
                ),
                ("all of Indonesia per kelurahan (by name)", f"{index}?level=kelurahan"),
                ("  the same, page 1,000", f"{index}?level=kelurahan&page=1000"),
                (
                    "all of Indonesia per kelurahan, page 3 by letters",
                    f"{index}?level=kelurahan&sort=-letters_year&page=3",
                ),
                (
                    "all of Indonesia per kelurahan, by completeness",
                    f"{index}?level=kelurahan&sort=completeness",
                ),
                (
                    "all of Indonesia per kelurahan, by last change",
                    f"{index}?level=kelurahan&sort=-last_change",
                ),
                (
                    f"CSV: {city.name} per kelurahan",
                    f"{index}dasbor/unduh/csv/?city={city.pk}&level=kelurahan",
                ),
                ("CSV: every city", f"{index}dasbor/unduh/csv/"),
                (
                    f"XLSX: {city.name} per kecamatan",
                    f"{index}dasbor/unduh/xlsx/?city={city.pk}",
                ),
            ]
            results = []
            for label, page in pages:
                status, queries, median, slowest, slowest_query, size = measure(client, page)
                results.append(
                    [
                        label,
                        str(status),
                        str(queries),
                        number(median, 1),
                        number(slowest, 1),
                        number(slowest_query, 1),
                        number(size / 1024, 1),
                    ]
                )
            size = database.database_size(connection)
            tally_size = megabytes(database.table_size(connection, LetterTally._meta.db_table))
            table(
                "Diskominfo's dashboard over all of Indonesia (admin index, as Diskominfo)",
                command,
                ["page", "status", "q", "med ms", "max ms", "slowest q ms", "KB"],
                results,
                align="l" + "r" * 6,
                notes=[
                    f"{number(filled['kelurahan'])} kelurahan/desa "
                    f"({number(filled['active'])} active); "
                    f"{number(filled['with letters'])} with staff and letters, "
                    f"{number(filled['letters'])} letters ({args.letters} signed + 2 open each).",
                    f"Letter tally: {number(rebuilt.rows)} rows from {number(rebuilt.letters)} "
                    f"signed letters, rebuilt in {rebuild_seconds:.1f} s; table {tally_size}.",
                    f"Provisioning {provision_seconds:.0f} s, fill {fill_seconds:.0f} s, then "
                    f"{settled} ({database.server_version(connection)}).",
                    "q = SQL queries of one request (session, user and role lookups included);",
                    f"med/max = server time over {REQUESTS} requests after {WARMUPS} warm-ups, "
                    "in-process django.test.Client, HTTPS, DEBUG=false.",
                    f"database size ({database.SIZE_SOURCE[connection.vendor]}): {megabytes(size)}",
                    f"load average (1/5/15 min): {load_average()}",
                ],
            )
        finally:
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kelurahan.tenancy import unscoped

    with unscoped("benchmark: Diskominfo's dashboard"):
        sys.exit(main())
