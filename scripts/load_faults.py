"""Load and faults: 200 concurrent clients for 60 s, then the same with PostgreSQL restarted, then
with a gunicorn worker killed; prints what failed and how fast the portal recovered.

    .venv/bin/python scripts/load_faults.py [--scenario steady db-restart worker-kill]
                                            [--clients 200] [--seconds 60] [--at 20]

Same production-like server as tests/bench/server.py (fresh PostgreSQL database, demo city,
Redis db 14 emptied first, gunicorn with gunicorn.conf.py and 2 workers, DEBUG=false); wrk drives
the clients with a Lua script rotating over public pages (city home, kecamatan, kelurahan pages and
sections, search, UMKM and the online request form where this version has them: GETs only; a POST
flood would only measure the rate limit). Scenarios:

  steady       load only: every response should be 2xx/3xx, no socket errors.
  db-restart   at --at seconds `pg_ctlcluster --skip-systemctl-redirect <ver> main restart`, while
               another process signs letters (layanan.services.letter_move) in a loop; reports the
               errors, when /readyz and a database-backed page answered 200 again, and checks
               that no letter is half-signed (a number without its PDF or the reverse, or a PDF
               whose SHA-256 differs) and which orphan PDFs letters_sweep would remove.
               It restarts the machine's PostgreSQL cluster: other sessions on it are cut too.
  worker-kill  at --at seconds SIGKILL one gunicorn worker (letters signed meanwhile too);
               reports the errors and the worker pids before and after.

It prints figures and facts; it judges nothing. Everything it made is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.report import number, table  # noqa: E402
from tests.bench.server import (  # noqa: E402
    PYTHON,
    Stack,
    http_get,
    milliseconds,
    wrk_missing_message,
)

KELURAHAN = "pajang"
OTHER_KELURAHAN = "kerten"
SCENARIOS = ("steady", "db-restart", "worker-kill")

# Rotates over the paths given after "--"; counts statuses per second (wrk has no such figure).
LOAD_LUA = r"""
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = args
  n = id * 7
  counts = {}
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function response(status, headers, body)
  -- A flat table: wrk's thread:get cannot copy nested ones.
  local key = os.time() .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("counts")) do
      io.write(string.format("WRK_BUCKET %s %d\n", key, count))
    end
  end
end
"""


# --- inside the stack's environment (Django set up): paths, the signing loop, the check ---------


def _django():
    import django

    django.setup()


def task_paths() -> list[str]:
    """Public GET paths for the load, from this version's URL patterns and the demo data."""
    _django()
    from django.urls import NoReverseMatch, reverse

    from kelurahan.models import Article, Kelurahan

    kelurahan = Kelurahan.objects.select_related("kecamatan__city").get(slug=KELURAHAN)
    slug = {"slug": KELURAHAN}
    paths = ["/", kelurahan.kecamatan.get_absolute_url(), f"/cari/?q={KELURAHAN}"]
    paths += [
        reverse(f"kelurahan:{name}", kwargs=slug)
        for name in ("home", "profile", "structure", "rt_rw", "karang_taruna", "services")
    ]
    paths.append(reverse("kelurahan:home", kwargs={"slug": OTHER_KELURAHAN}))
    paths.append(reverse("kelurahan:articles", kwargs=slug))
    article = Article.objects.for_kelurahan(kelurahan).order_by("-published_at").first()
    if article is not None:
        paths.append(article.get_absolute_url())
    for name, kwargs in (
        ("umkm:businesses", slug),
        ("umkm:business_geojson", slug),
        ("umkm:spots", slug),
        ("umkm:city_businesses", {"city": kelurahan.kecamatan.city.slug}),
        ("layanan:request", {**slug, "kind": "skuter"}),
        ("layanan:track", {}),
    ):
        try:
            paths.append(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            pass
    return paths


LETTER_DATA = {
    # The demo register's resident (portal/demo.py, DEMO_NIK); fictional.
    "nik": "3372011708900001",
    "name": "Budi Santoso",
    "birth_place": "Surakarta",
    "birth_date": "1990-08-17",
    "sex": "L",
    "religion": "Islam",
    "marital_status": "Kawin",
    "occupation": "Wiraswasta",
    "citizenship": "WNI",
    "address": "Jl. Pajang Baru No. 12",
    "rt": "3",
    "rw": "4",
    "purpose": "uji beban",
    "statement": "Yang bersangkutan benar warga kami.",
}


def task_sign_loop(seconds: float) -> dict:
    """Issue and sign Skuter letters in Pajang, one after another, until time is up.

    Each round starts as a request would (close_old_connections), so a connection broken by a
    database restart is dropped and the next round asks the pool for a good one.
    """
    _django()
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from kelurahan.models import Kelurahan
    from layanan import services
    from layanan.models import SigningAuthority

    users = get_user_model().objects
    kelurahan = Kelurahan.objects.get(slug=KELURAHAN)
    operator = users.get(username=f"operator.{KELURAHAN}")
    signer = users.get(username=f"lurah.{KELURAHAN}")
    # The demo Lurah's direct signing authority (portal/demo.py records it).
    authority = (
        SigningAuthority.objects.for_kelurahan(kelurahan)
        .filter(user=signer)
        .values_list("pk", flat=True)
        .first()
    )
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    sign_ms: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        close_old_connections()
        step = "create"
        try:
            letter = services.letter_create(
                kelurahan=kelurahan, kind="skuter", by=operator, data=LETTER_DATA
            )
            outcomes["created"] += 1
            step = "sign"
            started = time.perf_counter()
            services.letter_move(
                action="sign",
                letter_id=letter.pk,
                by=signer,
                authority=authority,
            )
            sign_ms.append((time.perf_counter() - started) * 1000)
            outcomes["signed"] += 1
        except Exception as error:  # noqa: BLE001 - counted and reported, the loop goes on
            outcomes[f"{step} failed"] += 1
            failures.append(f"{time.strftime('%H:%M:%S')} {step}: {type(error).__name__}: {error}")
            time.sleep(0.2)
    sign_ms.sort()
    return {
        "outcomes": dict(outcomes),
        "failures": failures[:12],
        "failure_count": len(failures),
        "sign_median_ms": sign_ms[len(sign_ms) // 2] if sign_ms else None,
    }


def task_check() -> dict:
    """Every letter whole: verified without number or PDF, or signed with number, PDF on disk and
    matching SHA-256; PDFs on disk that no letter points to; what letters_sweep would remove."""
    _django()
    import datetime
    import hashlib

    from layanan.models import Letter
    from layanan.services import letter_files_sweep

    storage = Letter._meta.get_field("pdf").storage
    unsigned = {Letter.State.SUBMITTED, Letter.State.VERIFIED, Letter.State.REJECTED}
    states: Counter[str] = Counter()
    broken: list[str] = []
    numbers: Counter[str] = Counter()
    for letter in Letter.objects.order_by("pk"):
        states[letter.state] += 1
        if letter.state in unsigned:
            if letter.number or letter.pdf or letter.sequence is not None or letter.pdf_sha256:
                broken.append(f"#{letter.pk} {letter.state} but number/PDF set")
            continue
        numbers[letter.number] += 1
        if not (letter.number and letter.sequence and letter.pdf and letter.pdf_sha256):
            broken.append(f"#{letter.pk} {letter.state} without number or PDF")
        elif not storage.exists(letter.pdf.name):
            broken.append(f"#{letter.pk} {letter.state}: PDF file missing")
        else:
            with storage.open(letter.pdf.name, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != letter.pdf_sha256:
                    broken.append(f"#{letter.pk} {letter.state}: PDF SHA-256 differs")
    duplicates = [n for n, count in numbers.items() if count > 1]
    referenced = set(Letter.objects.exclude(pdf="").values_list("pdf", flat=True))
    on_disk = []
    root = Path(storage.location)
    if (root / "letters").exists():
        on_disk = [p.relative_to(root).as_posix() for p in (root / "letters").rglob("*.pdf")]
    orphans = sorted(set(on_disk) - referenced)
    # Our own throwaway storage: sweep now rather than after the usual hour.
    swept = letter_files_sweep(older_than=datetime.timedelta(0))
    return {
        "states": dict(states),
        "broken": broken,
        "duplicate_numbers": duplicates,
        "pdf_files": len(on_disk),
        "orphans": orphans,
        "swept": swept,
    }


def run_task(stack: Stack, *args: str) -> dict:
    out = stack.run(PYTHON, __file__, "_task", *args, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def start_task(stack: Stack, *args: str, output: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this very script
        [PYTHON, __file__, "_task", *args],
        cwd=ROOT,
        env=stack.env,
        stdout=output.open("w"),
        stderr=subprocess.STDOUT,
    )


# --- the load and the faults --------------------------------------------------------------------


@dataclass
class Probe:
    """Polls one path every interval from its own thread: (seconds since start, status, ms)."""

    stack: Stack
    path: str
    started: float
    interval: float = 0.1
    samples: list[tuple[float, int, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            sent = time.monotonic()
            status, _body = http_get(self.stack.url(self.path), timeout=15)
            self.samples.append((sent - self.started, status, (time.monotonic() - sent) * 1000))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def failures(self) -> list[tuple[float, int, float]]:
        return [s for s in self.samples if s[1] != 200]

    def outage(self, fault_at: float) -> str:
        """When this path failed after the fault, and when it answered 200 again."""
        bad = [s for s in self.failures() if s[0] >= fault_at - 1]
        if not bad:
            sent, _status, took = max(self.samples, key=lambda s: s[2])
            return (
                f"always 200 ({len(self.samples)} probes; slowest {took:,.0f} ms, sent at "
                f"t{sent - fault_at:+.1f} s)"
            )
        first, last = bad[0], bad[-1]
        recovered = next((s for s in self.samples if s[0] > last[0] and s[1] == 200), None)
        statuses = Counter(s[1] for s in bad)
        kinds = ", ".join(
            f"{count}x {status or 'no answer'}" for status, count in sorted(statuses.items())
        )
        back = (
            f"200 again from t+{recovered[0] - fault_at:.1f} s"
            if recovered
            else "never 200 again during the run"
        )
        return f"{kinds} from t+{first[0] - fault_at:.1f} s to t+{last[0] - fault_at:.1f} s; {back}"

    def slowest(self) -> float:
        return max((s[2] for s in self.samples), default=0)


def start_wrk(
    stack: Stack,
    paths: list[str],
    *,
    clients: int,
    seconds: float,
    threads: int,
    lua: str = LOAD_LUA,
):
    script = stack.tmp / "load.lua"
    script.write_text(lua)
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds:g}s",
        "--timeout=10s",
        "-H",
        "Accept-Encoding: gzip",  # as browsers ask; wrk.format() in the script sends it too
        "-s",
        str(script),
        stack.url(paths[0]),
        "--",
        *paths,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603


def finish_wrk(process: subprocess.Popen) -> dict:
    stdout, stderr = process.communicate()
    summary = None
    buckets: dict[int, Counter[int]] = {}
    for line in stdout.splitlines():
        if line.startswith("WRK_JSON "):
            summary = json.loads(line.removeprefix("WRK_JSON "))
        elif line.startswith("WRK_BUCKET "):
            _tag, second, status, count = line.split()
            buckets.setdefault(int(second), Counter())[int(status)] += int(count)
    if summary is None:
        raise SystemExit(f"wrk gave no summary:\n{stdout}\n{stderr}")
    summary["rate"] = summary["requests"] / (summary["duration_us"] / 1e6)
    statuses: Counter[int] = Counter()
    for bucket in buckets.values():
        statuses.update(bucket)
    summary["statuses"] = statuses
    summary["buckets"] = buckets
    return summary


def postgres_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])
    return versions[-1]


def restart_postgres() -> tuple[float, str]:
    command = [
        shutil.which("pg_ctlcluster") or "/usr/bin/pg_ctlcluster",
        "--skip-systemctl-redirect",
        postgres_version(),
        "main",
        "restart",
    ]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    took = time.monotonic() - started
    note = shlex.join(command) + f" -> exit {result.returncode}"
    if result.returncode:
        note += f": {(result.stdout + result.stderr).strip()[:300]}"
    return took, note


def kill_worker(stack: Stack) -> tuple[list[int], int, list[int], float | None]:
    """SIGKILL one worker; return pids before, the victim, pids after, seconds to a replacement."""
    before = stack.worker_pids()
    victim = before[0]
    started = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    replaced = None
    while time.monotonic() - started < 30:
        now = stack.worker_pids()
        if len(now) == stack.workers and victim not in now:
            replaced = time.monotonic() - started
            break
        time.sleep(0.05)
    return before, victim, stack.worker_pids(), replaced


ACCESS_LINE = re.compile(r'"(?:GET|POST|HEAD) (\S+) HTTP/1\.[01]" (\d{3}) ')


def access_errors(stack: Stack, offset: int) -> str:
    """Answers with status >= 400 per path and status, from the access log since `offset`."""
    with stack.log_path.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    errors: Counter[str] = Counter()
    for path, status in ACCESS_LINE.findall(text):
        if int(status) >= 400:
            errors[f"{status} {path}"] += 1
    return ", ".join(f"{key}: {count:,}" for key, count in errors.most_common()) or "none"


def timeline(buckets: dict[int, Counter[int]], fault_epoch: float) -> str:
    """Answers per second from 3 s before the fault to 12 s after (wrk's clock, whole seconds)."""
    start = int(fault_epoch)
    cells = []
    for second in range(start - 3, start + 13):
        answered = sum(buckets.get(second, Counter()).values())
        cells.append(f"{second - start:+d}:{answered}")
    return "answers per second around the fault (s:count): " + " ".join(cells)


def fault_seconds(buckets: dict[int, Counter[int]], fault_epoch: float) -> list[str]:
    """Per second around the fault: which seconds saw anything but 2xx/3xx (429 apart)."""
    lines = []
    for second in sorted(buckets):
        bad = {s: c for s, c in buckets[second].items() if s >= 400}
        if bad:
            total = sum(buckets[second].values())
            lines.append(
                f"t{second - fault_epoch:+.0f} s: {total:,} answers, "
                + ", ".join(f"{count:,}x {status}" for status, count in sorted(bad.items()))
            )
    return lines


def run_scenario(stack: Stack, name: str, paths: list[str], args) -> dict:
    print(f"\n-- {name}: {args.clients} clients for {args.seconds:g} s", flush=True)
    signer = None
    if name != "steady":
        signer_out = stack.tmp / f"sign-{name}.json"
        signer = start_task(stack, "sign-loop", str(args.seconds - 5), output=signer_out)
    log_offset = stack.log_path.stat().st_size
    started = time.monotonic()
    load = start_wrk(stack, paths, clients=args.clients, seconds=args.seconds, threads=args.threads)
    probes = [Probe(stack, "/readyz", started), Probe(stack, f"/cari/?q={KELURAHAN}", started)]
    facts: list[str] = []
    fault_at = fault_epoch = None
    if name != "steady":
        time.sleep(max(0.0, args.at - (time.monotonic() - started)))
        fault_at, fault_epoch = time.monotonic() - started, time.time()
        if name == "db-restart":
            took, note = restart_postgres()
            facts.append(f"PostgreSQL restart at t={fault_at:.1f} s took {took:.1f} s ({note}).")
        else:
            before, victim, after, replaced = kill_worker(stack)
            facts.append(
                f"SIGKILL worker {victim} at t={fault_at:.1f} s; workers before {before}, "
                f"after {after}; "
                + (
                    f"replacement up {replaced:.2f} s later."
                    if replaced is not None
                    else "NO replacement within 30 s."
                )
            )
    result = finish_wrk(load)
    for probe in probes:
        probe.stop()
    facts.append(f"gunicorn workers at the end: {stack.worker_pids()}")
    facts.append(
        "answers >= 400 by path (gunicorn access log): " + access_errors(stack, log_offset)
    )
    if fault_at is not None:
        for probe in probes:
            facts.append(f"probe {probe.path} (every 0.1 s): {probe.outage(fault_at)}")
        facts.append(timeline(result["buckets"], fault_epoch))
        facts.extend(fault_seconds(result["buckets"], fault_epoch) or ["no second with 4xx/5xx"])
    else:
        for probe in probes:
            bad = len(probe.failures())
            facts.append(
                f"probe {probe.path}: {len(probe.samples)} probes, {bad} not 200, slowest "
                f"{probe.slowest():,.0f} ms"
            )
    if signer is not None:
        signer.wait()
        try:
            signing = json.loads(signer_out.read_text().strip().splitlines()[-1])
        except (ValueError, IndexError):
            signing = {"error": signer_out.read_text()[-2000:]}
        check = run_task(stack, "check")
        result["signing"], result["check"] = signing, check
    result["facts"] = facts
    return result


def report(name: str, result: dict, args, command: str) -> None:
    statuses = result["statuses"]
    ok = sum(c for s, c in statuses.items() if 200 <= s < 400)
    limited = statuses.get(429, 0)
    client_errors = sum(c for s, c in statuses.items() if 400 <= s < 500 and s != 429)
    server_errors = sum(c for s, c in statuses.items() if s >= 500)
    socket = {k: result[k] for k in ("connect", "read", "write", "timeout")}
    rows = [
        ["requests answered", number(result["requests"])],
        ["requests/s", number(result["rate"])],
        [
            "latency p50 / p90 / p99 / max",
            " / ".join(milliseconds(result[k]) for k in ("p50", "p90", "p99", "max")),
        ],
        ["2xx/3xx", number(ok)],
        ["429 (rate limit, expected)", number(limited)],
        ["other 4xx", number(client_errors)],
        ["5xx", number(server_errors)],
        ["socket errors (connect/read/write/timeout)", " / ".join(str(v) for v in socket.values())],
        ["statuses seen", ", ".join(f"{s}: {c:,}" for s, c in sorted(statuses.items()))],
    ]
    if "signing" in result:
        signing, check = result["signing"], result["check"]
        outcomes = signing.get("outcomes", signing)
        rows += [
            ["signing loop (separate process)", ", ".join(f"{k} {v}" for k, v in outcomes.items())],
            ["signing median", milliseconds((signing.get("sign_median_ms") or 0) * 1000)],
            ["letters by state", ", ".join(f"{k} {v}" for k, v in check["states"].items())],
            [
                "half-signed letters",
                str(len(check["broken"]))
                + (f" ({'; '.join(check['broken'][:5])})" if check["broken"] else ""),
            ],
            ["duplicate numbers", str(len(check["duplicate_numbers"]))],
            [
                "PDF files / orphans / removed by sweep",
                (f"{check['pdf_files']} / {len(check['orphans'])} / {check['swept']}"),
            ],
        ]
    notes = [
        f"wrk -t{args.threads} -c{args.clients} -d{args.seconds:g}s --timeout=10s, GETs rotating "
        f"over {len(args.paths)} paths: {' '.join(args.paths)}",
        *result["facts"],
    ]
    if result.get("signing", {}).get("failures"):
        notes.append("signing failures: " + " | ".join(result["signing"]["failures"][:6]))
    table(f"Load and faults: {name}", command, ["figure", "value"], rows, align="ll", notes=notes)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--at", type=float, default=20, help="seconds into the load for faults")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--redis-db", type=int, default=14, help="Redis database (emptied)")
    parser.add_argument("--database", default="portal_load_faults")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["_task"]:
        task, *rest = sys.argv[2:]
        if task == "paths":
            result = task_paths()
        elif task == "sign-loop":
            result = task_sign_loop(float(rest[0]))
        else:
            result = task_check()
        print(json.dumps(result))
        return 0
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print(wrk_missing_message())
        return 1
    command = shlex.join(["scripts/load_faults.py", *(sys.argv[1:] if argv is None else argv)])
    if "db-restart" in args.scenario:
        print(
            "Note: the db-restart scenario restarts this machine's PostgreSQL cluster; other "
            "sessions on it (test runs) lose their connections for a moment."
        )
    with Stack(database=args.database, redis_db=args.redis_db) as stack:
        args.paths = run_task(stack, "paths")
        for path in args.paths:
            status, _body = http_get(stack.url(path))
            if not 200 <= status < 400:
                print(f"Warning: {path} answers {status} before the load.")
        for name in args.scenario:
            result = run_scenario(stack, name, args.paths, args)
            report(name, result, args, command)
            time.sleep(3)
        errors = [
            line
            for line in stack.log_path.read_text(errors="replace").splitlines()
            if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line
        ]
        print(f"{len(errors)} error lines in the gunicorn log; the first ones:")
        for line in errors[:8]:
            print("   ", line[:200])
    return 0


if __name__ == "__main__":
    from kelurahan.tenancy import unscoped

    with unscoped("load test: demo data and checks across the city"):
        sys.exit(main())
