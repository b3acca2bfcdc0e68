"""Operator journey benchmark: work page to signed PDF in a real browser; prints, never judges.

    .venv/bin/python tests/bench/operator_journey.py [--letters 100000] [--loads 20] [--workers 2]
    make bench-operator

Issue 14's "Measure it": for Skuter, kematian and kelahiran, a staff member who both issues and
signs (Operator + Penandatangan, with a direct signing authority valid today) starts on the work
page (/admin/), types the NIK, presses the kind's button, fills what the register did not, saves,
signs, and fetches the signed PDF. Per letter it prints the page loads from the work page to the
signed letter page (`load` events), the fields typed (every fill/select call, the work page's NIK
included), the server time of each page and their sum, and the wall time. Then the kelurahan is
filled to a small size (~100 letters) and to the large size (100,000 letters, bulk_create, mostly
handed over or signed, some open; --mix), ANALYZEd, and the work page is loaded LOADS times at
each size: median and p90 server time, and its SQL queries (counted in this process through
django.test.Client with a connection.execute_wrapper; the browser's figures come from the
server). At the large size the journeys run once more, the journey's pages are timed in process
(SQL against the rest), and the work page's slowest statements are shown
with EXPLAIN ANALYZE.

Setup: a PostgreSQL database of its own (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/portal_bench_operator; dropped and created through
scripts/pgdb.py), migrate, collectstatic into a temporary folder, Kecamatan Laweyan (33.72.01)
provisioned, and gunicorn with gunicorn.conf.py (WORKERS workers, DEBUG=false, local-memory
cache) on a free port of 127.0.0.1, driven by Playwright with Debian's chromium (/usr/bin/chromium,
or CHROMIUM). Plain HTTP on the loopback, so no HTTPS redirect or HSTS; staff two-factor login
is switched off (STAFF_TWO_FACTOR_ROLES=""), as in local runs, since logging in is not measured.

Server time of a page comes from the browser's Navigation Timing: responseStart - requestStart
of the document, plus, for a form sent with POST and answered with a redirect, the redirect's
span (redirectEnd - redirectStart: the POST's whole round trip, which is where saving and
signing happen). On the loopback both are almost all server time. gunicorn's own figure per
request (%(D)s, its access log) is printed beside it as a check. The exit code is 1 only when
the journey itself breaks (an element missing, a page failing, no PDF); timings are never judged.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_operator"
PROVISION_CODE = "33.72.01"  # Kecamatan Laweyan, Kota Surakarta
KELURAHAN_CODE = "33.72.01.1001"  # Pajang
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
USERNAME = "lurah.pajang"
PASSWORD = "bench-Operator-password-1"
SIGNER = {"name": "Drs. Slamet Widodo", "nip": "196801011990031005"}
OFFICE = {"width": 1366, "height": 768}
KINDS = ("skuter", "kematian", "kelahiran")
SMALL = 100
LARGE = 100_000
LOADS = 20
WORK_WARMUPS = 3
BATCH = 20_000
EXPLAIN_SLOWEST = 2
# gunicorn's access log, one line per request: request line, status, microseconds.
ACCESS_FORMAT = 'BENCH "%(r)s" %(s)s %(D)s'
ACCESS_LINE = re.compile(r'BENCH "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) (?P<us>\d+)')

# The people of the journeys, all in Pajang's register (NIKs whose digits agree with the row).
PEOPLE = {
    # Skuter: a man asking for a general statement letter.
    "wahyu": ("3372011508900004", "Wahyu Hidayat", "1990-08-15", "L", "Wiraswasta"),
    # Kematian: the deceased, the reporter (his son) and two witnesses (neighbours).
    "sastro": ("3372011508500003", "Sastro Wiyono", "1950-08-15", "L", "Pensiunan"),
    "joko": ("3372011203800001", "Joko Susilo", "1980-03-12", "L", "Karyawan Swasta"),
    "bambang": ("3372012003750002", "Bambang Riyadi", "1975-03-20", "L", "Pedagang"),
    "agus": ("3372010506700005", "Agus Salim", "1970-06-05", "L", "Wiraswasta"),
    # Kelahiran: the mother (her NIK on the work page) and the father.
    "siti": ("3372015508950002", "Siti Aminah", "1995-08-15", "P", "Guru"),
    "budi": ("3372011001930006", "Budi Santoso", "1993-01-10", "L", "Karyawan Swasta"),
}
WORK_NIK = {"skuter": "wahyu", "kematian": "sastro", "kelahiran": "siti"}

# The bulk-loaded letters, spread evenly over the last LETTER_DAYS days (100,000 is about 140 a
# day): their state depends on their age, as in an office that keeps up (the default, "office"):
# (youngest age in days, weights per 200 of the states). "backlog" spreads one mix over all ages,
# so thousands of letters stay open or uncollected: a stress case for the work page's queues.
OFFICE_MIX = (
    (0, {"submitted": 60, "verified": 40, "waiting": 20, "signed": 40, "handed_over": 40}),
    (3, {"waiting": 10, "signed": 30, "handed_over": 150, "rejected": 10}),
    (15, {"signed": 1, "handed_over": 193, "rejected": 4, "void": 2}),
)
BACKLOG_MIX = (
    (
        0,
        {
            "handed_over": 168,
            "signed": 12,
            "rejected": 4,
            "void": 2,
            "submitted": 8,
            "verified": 4,
            "waiting": 2,
        },
    ),
)
MIXES = {"office": OFFICE_MIX, "backlog": BACKLOG_MIX}
LETTER_DAYS = 730
NUMBERED = ("signed", "handed_over", "void")


class JourneyBroken(Exception):
    """The journey could not go on: an element, a page or the PDF was not there."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--letters",
        type=int,
        default=LARGE,
        help=f"letters of the large kelurahan (default {LARGE:,}; the small one has {SMALL})",
    )
    parser.add_argument(
        "--loads", type=int, default=LOADS, help=f"work page loads per size (default {LOADS})"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="office",
        help="the bulk letters' states: by age, as an office that keeps up (default), or one"
        " mix over all ages, thousands open (backlog)",
    )
    return parser.parse_args(argv)


# -- figures ------------------------------------------------------------------------------------


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile (p90 of 20 values is the 18th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the project's gunicorn.conf.py on this process's environment; its access
    log gives each request's own time (%(D)s µs)."""

    def __init__(self, tmp: Path, port: int, workers: int) -> None:
        self.port = port
        self.workers = workers
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = tmp / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.offset = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env.update(
            BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY=str(self.workers),
            GUNICORN_CONTROL_SOCKET="off",
            PYTHONDONTWRITEBYTECODE="1",
        )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own server
            [
                GUNICORN,
                "-c",
                "gunicorn.conf.py",
                "--access-logformat",
                ACCESS_FORMAT,
                "portal.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def mark(self) -> None:
        """From here on, requests() reads only what the log gets after now."""
        self.offset = self.log_path.stat().st_size

    def requests(self) -> list[tuple[str, str, int, float]]:
        """(method, path, status, ms) of each request logged since mark(), static files left out."""
        time.sleep(0.05)  # the access log is written after the response has gone
        with self.log_path.open("rb") as handle:
            handle.seek(self.offset)
            text = handle.read().decode(errors="replace")
        found = []
        for line in ACCESS_LINE.finditer(text):
            if line["path"].startswith("/static/"):
                continue
            found.append(
                (line["method"], line["path"], int(line["status"]), int(line["us"]) / 1000)
            )
        return found

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- data ---------------------------------------------------------------------------------------


@dataclass
class Setup:
    kelurahan: object
    user: object


def people_create(kelurahan) -> None:
    from layanan.models import Resident

    for nik, name, born, sex, occupation in PEOPLE.values():
        Resident.objects.create(
            kelurahan=kelurahan,
            nik=nik,
            name=name,
            birth_place="Surakarta",
            birth_date=datetime.date.fromisoformat(born),
            sex=sex,
            religion="Islam",
            marital_status="Kawin",
            occupation=occupation,
            address="Jl. Pajang No. 7",
            rt="3",
            rw="5",
        )


def staff_create(kelurahan):
    """A small kelurahan's Lurah who issues and signs: Operator and Penandatangan, with a direct
    signing authority (as the head) valid from 2000 until further notice."""
    from django.contrib.auth.models import Group

    from kelurahan import roles
    from kelurahan.models import Official
    from kelurahan.services import staff_account_create
    from layanan.models import SigningAuthority

    user = staff_account_create(
        username=USERNAME,
        password=PASSWORD,
        role=roles.OPERATOR,
        kelurahan=kelurahan,
        full_name="Slamet Widodo",
    )
    user.groups.add(Group.objects.get(name=roles.SIGNER))
    head = Official.objects.for_kelurahan(kelurahan).filter(level=Official.Level.HEAD).first()
    if head is None:
        head = Official(kelurahan=kelurahan, level=Official.Level.HEAD, position="Lurah")
    head.name, head.nip = SIGNER["name"], SIGNER["nip"]
    head.save()
    SigningAuthority.objects.create(
        kelurahan=kelurahan, official=head, user=user, valid_from=datetime.date(2000, 1, 1)
    )
    return user


def bench_nik(i: int) -> str:
    """A NIK of Laweyan whose birth date digits are a real date (born 1950–1999)."""
    day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 50 + (i // 336) % 50
    return f"337201{day:02d}{month:02d}{year:02d}{i % 10_000:04d}"


def letters_fill(kelurahan, user, count: int, *, start: int, mix: str) -> float:
    """Add `count` letters of the mix over the last LETTER_DAYS days, numbered per year
    after what the counter already gave; the counters are moved on past them. bulk_create in
    batches of BATCH, then created_at set (auto_now_add stamps now) with one UPDATE per batch."""
    from django.db import connection, transaction
    from django.utils import timezone

    from layanan import services
    from layanan.models import Letter, NumberCounter
    from layanan.tracking import tracking_code_new

    started = time.perf_counter()
    types = list(services.letter_types_ensure(kelurahan=kelurahan).values())
    cycles = [
        (youngest, [state for state, weight in weights.items() for _ in range(weight)])
        for youngest, weights in reversed(MIXES[mix])
    ]
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    counters = {c.year: c.last for c in NumberCounter.objects.for_kelurahan(kelurahan)}
    highest: dict[int, int] = dict(counters)
    table = Letter._meta.db_table
    for first in range(start, start + count, BATCH):
        made, stamps = [], []
        for i in range(first, min(first + BATCH, start + count)):
            age = i % LETTER_DAYS
            at = now - datetime.timedelta(days=age, hours=i % 7)
            cycle = next(states for youngest, states in cycles if age >= youngest)
            state = cycle[(i * 7919) % len(cycle)]  # consecutive letters: states apart
            numbered = state in NUMBERED
            letter_type = types[i % len(types)]
            nik = bench_nik(i)
            name = f"Warga Bench {i:06d}"
            sequence = None
            if numbered:
                sequence = highest.get(at.year, 0) + 1
                highest[at.year] = sequence
            online = state in ("submitted", "waiting")
            made.append(
                Letter(
                    kelurahan=kelurahan,
                    letter_type=letter_type,
                    state=state,
                    nik=nik,
                    name=name,
                    data={"nik": nik, "name": name, "purpose": "melamar pekerjaan"},
                    created_by=None if online else user,
                    tracking_code=tracking_code_new() if online else None,
                    year=at.year if numbered else None,
                    sequence=sequence,
                    number=f"{letter_type.classification}/{sequence:04d}/{kelurahan.code}/{at.year}"
                    if numbered
                    else "",
                    verification_token=secrets.token_urlsafe(32) if numbered else None,
                    signed_at=at + datetime.timedelta(hours=2) if numbered else None,
                    signed_by=user if numbered else None,
                    signer_name=SIGNER["name"] if numbered else "",
                    signer_position="Lurah" if numbered else "",
                    signer_nip=SIGNER["nip"] if numbered else "",
                    pdf=f"letters/{at.year}/bench-{i}.pdf" if numbered else "",
                    pdf_sha256="0" * 64 if numbered else "",
                    reason="Berkas tidak lengkap"
                    if state in ("rejected", "void", "waiting")
                    else "",
                    voided_at=at + datetime.timedelta(days=1) if state == "void" else None,
                )
            )
            stamps.append(at)
        with transaction.atomic():
            Letter.objects.bulk_create(made)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS l SET created_at = v.at"  # noqa: S608 - our table name
                    " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE l.id = v.id",
                    [[letter.pk for letter in made], stamps],
                )
    for year, last in highest.items():
        if last != counters.get(year):
            NumberCounter.objects.update_or_create(
                kelurahan=kelurahan, year=year, defaults={"last": last}
            )
    return time.perf_counter() - started


def mix_text(mix: str) -> str:
    parts = []
    for youngest, weights in MIXES[mix]:
        total = sum(weights.values())
        shares = ", ".join(f"{state} {weight / total:.1%}" for state, weight in weights.items())
        parts.append(f"from {youngest} days old: {shares}")
    return "; ".join(parts)


def letter_counts(kelurahan) -> str:
    from django.db.models import Count

    from layanan.models import Letter

    rows = (
        Letter.objects.for_kelurahan(kelurahan)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    total = sum(row["n"] for row in rows)
    return f"{total:,} letters (" + ", ".join(f"{r['state']} {r['n']:,}" for r in rows) + ")"


# -- the browser journey --------------------------------------------------------------------------

SERVER_TIME_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const redirect = n.redirectStart > 0 ? n.redirectEnd - n.redirectStart : 0;
  const fetches = performance.getEntriesByType('resource')
    .filter(e => e.initiatorType === 'fetch')
    .map(e => ({url: e.name, server: e.responseStart - e.requestStart}));
  return {url: location.pathname, type: n.type, redirects: n.redirectCount, redirect: redirect,
          document: n.responseStart - n.requestStart,
          wall: n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : n.duration,
          fetches: fetches};
}"""


@dataclass
class PageTiming:
    label: str
    path: str
    document_ms: float
    redirect_ms: float
    fetches: list[float] = field(default_factory=list)

    @property
    def server_ms(self) -> float:
        return self.document_ms + self.redirect_ms


@dataclass
class Journey:
    kind: str
    loads: int = 0
    typed: int = 0
    defaults_kept: list[str] = field(default_factory=list)
    pages: list[PageTiming] = field(default_factory=list)
    wall_s: float = 0.0
    pdf_ms: float = 0.0
    pdf_bytes: int = 0
    number: str = ""
    letter_path: str = ""
    gunicorn: list[tuple[str, str, int, float]] = field(default_factory=list)

    @property
    def server_ms(self) -> float:
        return sum(p.server_ms for p in self.pages)

    @property
    def lookup_ms(self) -> float:
        return sum(sum(p.fetches) for p in self.pages)


class Typist:
    """fill/select on the page, counted."""

    def __init__(self, page) -> None:
        self.page = page
        self.count = 0

    def fill(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)
        self.count += 1

    def select(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self.count += 1

    def person(self, prefix: str, who: str) -> None:
        """A person block by NIK alone: the register fills the rest (letter_nik_fill.js)."""
        self.fill(f"#id_{prefix}_nik", PEOPLE[who][0])
        status = self.page.locator(f"fieldset[data-person={prefix}] .lookup-status")
        self.page.wait_for_function(
            "el => el.textContent.trim() !== ''", arg=status.element_handle(), timeout=10_000
        )
        name = self.page.input_value(f"#id_{prefix}_name")
        if name != PEOPLE[who][1]:
            raise JourneyBroken(f"{prefix}: the register lookup filled {name!r}")


def days_ago(days: int) -> str:
    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def fill_form(kind: str, typist: Typist) -> list[str]:
    """What the operator types beyond the register's prefill; returns the choices left at their
    (non-empty) default."""
    page = typist.page
    if kind == "skuter":
        typist.fill("#id_purpose", "melamar pekerjaan")
        typist.fill("#id_statement", "Yang bersangkutan benar warga kami dan berkelakuan baik.")
        return []
    if kind == "kematian":
        typist.fill("#id_purpose", "mengurus akta kematian")
        typist.fill("#id_death_date", days_ago(3))
        typist.fill("#id_death_time", "04:30")
        typist.fill("#id_death_place", "RSUD Dr. Moewardi, Surakarta")
        typist.fill("#id_cause", "Sakit")
        typist.fill("#id_certified_by", "dr. Andi Wijaya, RSUD Dr. Moewardi")
        typist.person("reporter", "joko")
        typist.person("witness1", "bambang")
        typist.person("witness2", "agus")
        return []
    # kelahiran: the mother's block came from the register with the work page's NIK.
    if page.input_value("#id_mother_name") != PEOPLE["siti"][1]:
        raise JourneyBroken("kelahiran: the mother's block was not prefilled")
    typist.fill("#id_name", "Ayu Lestari")
    typist.select("#id_sex", "P")
    typist.fill("#id_birth_place", "RS PKU Muhammadiyah Surakarta")
    typist.fill("#id_birth_date", days_ago(5))
    typist.fill("#id_birth_time", "08:15")
    typist.fill("#id_birth_order", "1")
    typist.select("#id_attendant", "Bidan/Perawat")
    typist.fill("#id_weight_kg", "3.10")
    typist.fill("#id_length_cm", "49.5")
    typist.person("father", "budi")
    typist.person("reporter", "budi")
    typist.person("witness1", "bambang")
    typist.person("witness2", "agus")
    kept = []
    for name in ("place_kind", "birth_kind"):
        kept.append(f"{name}={page.input_value(f'#id_{name}')}")
    if page.input_value("#id_purpose") == "":
        raise JourneyBroken("kelahiran: purpose has no initial value")
    kept.append("purpose (initial)")
    return kept


def timing(page, label: str) -> PageTiming:
    found = page.evaluate(SERVER_TIME_JS)
    return PageTiming(
        label=label,
        path=found["url"],
        document_ms=found["document"],
        redirect_ms=found["redirect"],
        fetches=[f["server"] for f in found["fetches"]],
    )


def journey(page, server: Server, kind: str) -> Journey:
    """One letter of `kind` from the work page (loaded, not counted) to the signed PDF."""
    result = Journey(kind)
    page.goto("/admin/")
    page.locator("#work-nik").wait_for()
    loads: list[str] = []

    def on_load(loaded) -> None:
        loads.append(loaded.url)

    page.on("load", on_load)
    server.mark()
    typist = Typist(page)
    started = time.perf_counter()
    try:
        # 1: the NIK and the kind's button: the issue form, prefilled from the register.
        typist.fill("#work-nik", PEOPLE[WORK_NIK[kind]][0])
        page.locator(f"button[name=kind][value={kind}]").click()
        page.locator("#letter-form").wait_for()
        page.wait_for_load_state("load")
        form_timing = timing(page, "form")
        if kind != "kelahiran" and page.input_value("#id_name") != PEOPLE[WORK_NIK[kind]][1]:
            raise JourneyBroken(f"{kind}: the form was not prefilled from the register")
        result.defaults_kept = fill_form(kind, typist)
        # Lookups made on this page are resource entries of this document.
        form_timing.fetches = timing(page, "form").fetches
        result.pages.append(form_timing)

        # 2: saved: the letter page with its sign form.
        page.locator("#letter-form input[type=submit]").click()
        page.wait_for_url("**/admin/layanan/letter/*/change/")
        sign_form = page.locator("form[action$='/move/sign/']")
        try:
            sign_form.wait_for(timeout=15_000)
        except Exception as exc:
            errors = page.locator(".errornote, .errorlist").all_inner_texts()
            raise JourneyBroken(f"{kind}: no sign form after saving; {errors}") from exc
        page.wait_for_load_state("load")
        result.pages.append(timing(page, "saved"))

        # 3: signed: the confirmation, the next steps and the PDF link.
        sign_form.locator("input[type=submit]").click()
        page.locator("#next-heading").wait_for()
        page.wait_for_load_state("load")
        result.pages.append(timing(page, "signed"))
        result.wall_s = time.perf_counter() - started
        link = page.locator(".letter-next a[href^='/staf/surat/']").first
        href = link.get_attribute("href")
        pdf_started = time.perf_counter()
        pdf = page.request.get(href)
        result.pdf_ms = (time.perf_counter() - pdf_started) * 1000
        body = pdf.body()
        if pdf.status != 200 or not body.startswith(b"%PDF"):
            raise JourneyBroken(f"{kind}: the signed PDF answered {pdf.status}")
        result.pdf_bytes = len(body)
        result.number = signed_number(page.url)
        result.letter_path = page.url.removeprefix(server.base_url)
    finally:
        page.remove_listener("load", on_load)
    result.loads = len(loads)
    result.typed = typist.count
    result.gunicorn = server.requests()
    return result


def signed_number(url: str) -> str:
    """The number of the letter whose page is open, checked to be signed (from the database)."""
    from layanan.models import Letter

    found = re.search(r"/admin/layanan/letter/(\d+)/change/", url)
    if not found:
        raise JourneyBroken(f"not a letter page: {url}")
    letter = Letter.objects.get(pk=int(found[1]))
    if letter.state != Letter.State.SIGNED or not letter.number:
        raise JourneyBroken(f"letter {letter.pk} is {letter.state}, not signed")
    return letter.number


def journeys(page, server: Server, label: str) -> list[Journey]:
    done = []
    for kind in KINDS:
        done.append(journey(page, server, kind))
        print(f"   … {kind} ({label}): {done[-1].wall_s:.1f} s", flush=True)
    return done


def is_document(row: tuple[str, str, int, float]) -> bool:
    """A staff page's request (GET or POST), not a register lookup, the PDF or a favicon."""
    return row[1].startswith("/admin/") and "/issue/lookup/" not in row[1]


def journey_table(command: str, label: str, records: list[Journey], notes: list[str]) -> None:
    from tests.bench.report import table

    rows = []
    for r in records:
        by_label = {p.label: p for p in r.pages}
        gunicorn_total = sum(row[3] for row in r.gunicorn if is_document(row))
        rows.append(
            [
                r.kind,
                str(r.loads),
                str(r.typed),
                ms(by_label["form"].server_ms),
                ms(by_label["saved"].redirect_ms) + " + " + ms(by_label["saved"].document_ms),
                ms(by_label["signed"].redirect_ms) + " + " + ms(by_label["signed"].document_ms),
                ms(r.server_ms),
                f"{len(by_label['form'].fetches)} / {ms(r.lookup_ms)}",
                ms(gunicorn_total),
                f"{r.wall_s:.2f}",
                f"{ms(r.pdf_ms)} / {r.pdf_bytes:,}",
                r.number,
            ]
        )
    for r in records:
        steps = ", ".join(
            f"{method} {path.split('?')[0].removeprefix('/admin/layanan/letter/')} {took:.0f}"
            for method, path, _status, took in r.gunicorn
            if is_document((method, path, _status, took))
        )
        notes = [*notes, f"gunicorn, {r.kind} (ms): {steps}"]
        if r.defaults_kept:
            notes.append(f"{r.kind}: left as the form offered them: {', '.join(r.defaults_kept)}")
    table(
        f"Operator journey, work page to signed PDF ({label})",
        command,
        [
            "kind",
            "page loads",
            "fields typed",
            "form ms",
            "save ms (POST + GET)",
            "sign ms (POST + GET)",
            "server ms/letter",
            "lookups n / ms",
            "gunicorn ms",
            "wall s",
            "PDF ms / bytes",
            "number",
        ],
        rows,
        align="lrrrrrrrrrrl",
        notes=notes,
    )


# -- the work page --------------------------------------------------------------------------------


@dataclass
class WorkPage:
    label: str
    browser_ms: list[float]
    gunicorn_ms: list[float]
    queries: int
    sql_ms: float
    slowest: list[tuple[float, str, object]]


def work_page(page, server: Server, client, label: str, loads: int) -> WorkPage:
    from django.db import connection

    for _ in range(WORK_WARMUPS):
        page.goto("/admin/")
    server.mark()
    times = []
    for _ in range(loads):
        page.goto("/admin/")
        page.locator("#issue-heading").wait_for()
        times.append(timing(page, "work").document_ms)
    logged = [row[3] for row in server.requests() if row[1] == "/admin/"]
    client.get("/admin/")  # warm this process's caches (permissions, templates)
    statements: list[tuple[float, str, object]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql, params))

    with connection.execute_wrapper(record):
        response = client.get("/admin/")
    if response.status_code != 200:
        raise JourneyBroken(f"work page in process answered {response.status_code}")
    # The letter table is what grows: its statements are the ones to read the plans of.
    slowest = sorted(
        (row for row in statements if '"layanan_letter"' in row[1]),
        key=lambda row: row[0],
        reverse=True,
    )
    return WorkPage(
        label,
        times,
        logged,
        len(statements),
        sum(row[0] for row in statements),
        slowest[:EXPLAIN_SLOWEST],
    )


def in_process(client, path: str, repeat: int = 5) -> list[str]:
    """[queries, SQL ms, median ms of `repeat` GETs] of a staff page, through django.test.Client
    in this process (after a warm-up GET), the statements counted by an execute_wrapper."""
    from django.db import connection

    client.get(path)
    statements: list[float] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started) * 1000)

    with connection.execute_wrapper(record):
        response = client.get(path)
    if response.status_code != 200:
        raise JourneyBroken(f"{path} in process answered {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return [str(len(statements)), ms(sum(statements)), ms(statistics.median(times))]


def pages_table(command: str, client, records: list[Journey], label: str) -> None:
    from tests.bench.report import table

    rows = []
    for r in records:
        nik = PEOPLE[WORK_NIK[r.kind]][0]
        rows.append([f"{r.kind}: issue form", *in_process(client, issue_path(r.kind, nik))])
        rows.append([f"{r.kind}: signed letter page", *in_process(client, r.letter_path)])
    table(
        f"The journey's pages in process ({label}): where the server time goes",
        command,
        ["page (GET)", "SQL queries", "SQL ms", "median ms"],
        rows,
        notes=[
            "django.test.Client in this process, same settings and database as gunicorn; median"
            " of 5 GETs after a warm-up; SQL ms = the statements of one GET, timed by an"
            " execute_wrapper; the rest of the median is Python (views, forms, templates).",
        ],
    )


def issue_path(kind: str, nik: str) -> str:
    return f"/admin/layanan/letter/issue/?nik={nik}&kind={kind}"


def work_table(command: str, results: list[WorkPage], notes: list[str]) -> None:
    from tests.bench.report import table

    rows = [
        [
            r.label,
            str(len(r.browser_ms)),
            ms(statistics.median(r.browser_ms)),
            ms(percentile(r.browser_ms, 0.9)),
            ms(min(r.browser_ms)),
            ms(max(r.browser_ms)),
            ms(statistics.median(r.gunicorn_ms)) if r.gunicorn_ms else "—",
            ms(percentile(r.gunicorn_ms, 0.9)) if r.gunicorn_ms else "—",
            str(r.queries),
            ms(r.sql_ms),
            ms(r.slowest[0][0]) if r.slowest else "—",
        ]
        for r in results
    ]
    table(
        "The work page (/admin/) of the Lurah who issues and signs",
        command,
        [
            "kelurahan",
            "loads",
            "server med ms",
            "server p90 ms",
            "min",
            "max",
            "gunicorn med ms",
            "gunicorn p90 ms",
            "SQL queries",
            "SQL ms",
            "slowest q ms",
        ],
        rows,
        align="lrrrrrrrrrr",
        notes=notes,
    )


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


# -- main ---------------------------------------------------------------------------------------


def configure(url: str, tmp: Path, port: int) -> None:
    from tests.bench.run import configure_environment

    configure_environment(url, tmp / "static")
    os.environ.update(
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        PORTAL_URL=f"http://127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        STAFF_TWO_FACTOR_ROLES="",
        VAR_DIR=str(tmp / "var"),
        PRIVATE_ROOT=str(tmp / "private"),
        MEDIA_ROOT=str(tmp / "media"),
        EMAIL_URL="consolemail://",
        CACHE_URL="locmemcache://portal-bench-operator",
        DJANGO_ALLOW_ASYNC_UNSAFE="true",  # Playwright's sync API runs a loop in this thread
    )


def recreate(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    from scripts import pgdb
    from tests.bench import database

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in database.PROTECTED:
        raise SystemExit(f"Refusing to drop database {name!r}: name a benchmark database.")
    pgdb.main("create", name, urlunsplit((parts.scheme, parts.netloc, "", "", "")))
    return name


def log_in(page) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.locator("#issue-heading").wait_for()


JOURNEY_NOTES = [
    "page loads = `load` events of the page from the work page (loaded before, not counted) to"
    " the signed letter page; the PDF is fetched apart (page.request), no page load.",
    "fields typed = fill/select calls: the work page's NIK, what the register did not prefill,"
    " and one NIK per person block (reporter, witnesses, father), which the register lookup"
    " (letter_nik_fill.js) completes.",
    "form/save/sign ms = server time from the browser's Navigation Timing: responseStart -"
    " requestStart of the document; save and sign are a POST answered 302 (its round trip,"
    " redirectEnd - redirectStart) + the letter page's GET. server ms/letter = their sum.",
    "lookups = the register lookups (fetch) on the form and their summed server time (Resource"
    " Timing), not in server ms/letter; gunicorn ms = gunicorn's own %(D)s of the same five"
    " document requests, summed (a check of the browser's figure).",
    "wall s = from typing the NIK on the work page to the signed page loaded; PDF ms = fetching"
    " the signed PDF (already rendered at signing, read from PRIVATE_ROOT).",
]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tests.bench.report import command_line, load_average

    command = command_line(__file__, argv)
    if not Path(CHROMIUM).exists():
        print(f"chromium not found at {CHROMIUM}; nothing was measured.")
        return 1
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    with tempfile.TemporaryDirectory(prefix="portal-bench-operator-") as folder:
        tmp = Path(folder)
        port = free_port()
        print(f"Recreating database {recreate(url)!r}", flush=True)
        configure(url, tmp, port)

        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from kelurahan.models import Kelurahan
        from kelurahan.services import region_provision
        from tests.bench import database

        logging.getLogger("axes").setLevel(logging.WARNING)
        server = Server(tmp, port, args.workers)
        broken = None
        try:
            from tests.bench.run import machine_facts

            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0)
            machine_facts(command, migrate_seconds=time.perf_counter() - started)
            call_command("collectstatic", interactive=False, verbosity=0)
            region_provision(codes=[PROVISION_CODE])
            kelurahan = Kelurahan.objects.get(code=KELURAHAN_CODE)
            user = staff_create(kelurahan)
            people_create(kelurahan)
            database.settle(connection)
            connection.close()
            server.start()
            print(
                f"Ready in {time.perf_counter() - started:.0f} s: {server.base_url}, "
                f"{args.workers} gunicorn workers, {database.server_version(connection)}",
                flush=True,
            )
            client = Client()
            client.force_login(user)

            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        "--no-sandbox",
                        "--headless",
                        "--disable-gpu",
                        "--disable-background-networking",
                    ],
                )
                context = browser.new_context(
                    viewport=OFFICE, locale="id-ID", base_url=server.base_url
                )
                page = context.new_page()
                page.set_default_timeout(30_000)
                problems: list[str] = []
                page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
                page.on(
                    "console",
                    lambda m: m.type == "error" and problems.append(f"console: {m.text}"),
                )
                log_in(page)

                try:
                    # A first journey of each kind warms gunicorn's workers (templates, fonts).
                    journeys(page, server, "warm-up")
                    first = journeys(page, server, "empty register")
                    journey_table(
                        command,
                        f"{letter_counts(kelurahan)} before the first measured one",
                        first,
                        JOURNEY_NOTES,
                    )
                    pages_table(command, client, first, letter_counts(kelurahan))

                    results = []
                    have = 2 * len(KINDS)
                    fill_small = letters_fill(kelurahan, user, SMALL - have, start=0, mix=args.mix)
                    settled = database.settle(connection)
                    small_rows = letter_counts(kelurahan)
                    results.append(work_page(page, server, client, "small", args.loads))
                    print(f"   … small: {small_rows} ({fill_small:.1f} s)", flush=True)

                    fill_large = letters_fill(
                        kelurahan, user, args.letters - SMALL, start=SMALL, mix=args.mix
                    )
                    settle_started = time.perf_counter()
                    settled = database.settle(connection)
                    settle_s = time.perf_counter() - settle_started
                    large_rows = letter_counts(kelurahan)
                    print(f"   … large: {large_rows} ({fill_large:.1f} s)", flush=True)
                    results.append(work_page(page, server, client, "large", args.loads))
                    work_table(
                        command,
                        results,
                        [
                            f"small: {small_rows}.",
                            f"large: {large_rows}; bulk_create in batches of {BATCH:,} in"
                            f" {fill_large:.1f} s, then {settled} in {settle_s:.1f} s.",
                            f"Letters spread evenly over {LETTER_DAYS} days; mix {args.mix!r}:"
                            f" {mix_text(args.mix)}.",
                            f"server = responseStart - requestStart of the document (Navigation"
                            f" Timing), {args.loads} loads after {WORK_WARMUPS} warm-ups;"
                            " gunicorn = its %(D)s for the same requests.",
                            "SQL queries = the statements of one request through"
                            " django.test.Client in this process (force_login, same settings and"
                            " database), counted and timed by a connection.execute_wrapper after"
                            " a warm-up request; SQL ms = their sum; slowest q = the slowest"
                            " on the letter table (EXPLAIN ANALYZE below).",
                        ],
                    )
                    print(
                        "== The work page's slowest statements on the letter table, large"
                        f" kelurahan ({large_rows})",
                        flush=True,
                    )
                    for took, sql, params in results[-1].slowest:
                        print(f"\n-- {took:.1f} ms in the request:\n{sql}\n-- {params}\n")
                        if sql.lstrip().upper().startswith("SELECT"):
                            print(explain(sql, params))
                    print(flush=True)

                    large = journeys(page, server, "large")
                    journey_table(
                        command,
                        f"{letter_counts(kelurahan)} after it",
                        large,
                        ["As the first table, with the large kelurahan."],
                    )
                    pages_table(command, client, large, large_rows)
                except JourneyBroken as exc:
                    broken = str(exc)
                except Exception as exc:  # Playwright's timeouts: the journey broke
                    if type(exc).__module__.startswith("playwright"):
                        broken = f"{type(exc).__name__}: {exc}"
                    else:
                        raise
                if problems:
                    print("Browser problems seen:\n  " + "\n  ".join(problems[:20]))
                context.close()
                browser.close()
            print(f"Load average at the end (1/5/15 min): {load_average()}")
        finally:
            server.stop()
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        if broken:
            print(f"\nThe journey broke: {broken}\n--- gunicorn log tail:\n{server.tail()}")
            return 1
    return 0


if __name__ == "__main__":
    from kelurahan.tenancy import unscoped

    with unscoped("benchmark: the operator's journey and the work page"):
        sys.exit(main())
