"""Server benchmark: requests/s and latency of public pages under gunicorn, next to a static file.

    .venv/bin/python tests/bench/server.py [--seconds 10] [--connections 50] [--threads 2]
    make bench-server

Sets up a production-like server of its own (Stack): a fresh PostgreSQL database (scripts/pgdb.py),
migrate, demo_setup (Kota Surakarta), collectstatic into a temporary folder, Redis as the cache
(one Redis database, emptied first), and gunicorn with gunicorn.conf.py and 2 workers, DEBUG=false.
Then wrk, from a second process on the same machine, hammers each page in turn and the table shows
req/s, p50/p99 latency and the share of the static-file rate (a hashed static file of about the
kelurahan home's size, served by whitenoise in the same gunicorn: the ceiling). Everything is torn
down at the end. It prints figures; it judges nothing.

scripts/load_faults.py uses the same Stack for the load and fault scenarios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
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

from tests.bench.report import load_average, number, table  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
WORKERS = 2
KELURAHAN = "pajang"  # a demo kelurahan with content, UMKM and a register

# wrk prints one JSON line at the end: totals, socket errors and latency percentiles (µs).
SUMMARY_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


def wrk_missing_message() -> str:
    return "wrk is not installed: apt-get install wrk (Debian/Ubuntu). Nothing was measured."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url: str, *, timeout: float = 5) -> tuple[int, bytes]:
    """Status and body of one GET; (0, b"") when the connection itself failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, urllib.error.URLError):
        return 0, b""


@dataclass
class Stack:
    """A production-like portal on PostgreSQL, Redis and gunicorn, all of its own; a context
    manager that sets everything up and tears it down (gunicorn, database, temporary files)."""

    database: str
    redis_db: int
    workers: int = WORKERS
    extra_env: dict[str, str] = field(default_factory=dict)
    verbose: bool = True
    redis_url: str = REDIS_URL  # the fault bench gives the stack a Redis of its own
    pg_server: str = PG_SERVER
    # Serve a database that is already migrated and filled (the growth bench's), and leave it be:
    # neither created, migrated and set up nor dropped at the end.
    existing: bool = False

    def __post_init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-server-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"{self.pg_server}/{self.database}"
        self.cache_url = f"{self.redis_url}/{self.redis_db}"
        self.gunicorn: subprocess.Popen | None = None
        self.log_path = self.tmp / "gunicorn.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PYTEST_VERSION", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            PYTHONDONTWRITEBYTECODE="1",
            DATABASE_URL=self.database_url,
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # Plain HTTP on the loopback: no TLS proxy in front here.
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="0",
            CACHE_URL=self.cache_url,
            PORTAL_CITY_CODE="33.72",
            VAR_DIR=str(self.tmp / "var"),
            STATIC_ROOT=str(self.tmp / "static"),
            MEDIA_ROOT=str(self.tmp / "media"),
            PRIVATE_ROOT=str(self.tmp / "private"),
            EMAIL_URL="consolemail://",
            WEB_CONCURRENCY=str(self.workers),
            BIND=f"127.0.0.1:{self.port}",
            PORTAL_URL=f"http://127.0.0.1:{self.port}",
            **self.extra_env,
        )

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)

    def run(self, *command: str, capture: bool = False) -> str:
        """Run a command (manage.py, pgdb.py) with the stack's environment; fail loudly."""
        result = subprocess.run(  # noqa: S603 - our own commands
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise SystemExit(
                f"{shlex.join(command)} failed ({result.returncode}):\n{result.stdout}"
                f"{result.stderr}"
            )
        return result.stdout if capture else ""

    def manage(self, *args: str) -> str:
        return self.run(PYTHON, "manage.py", *args, capture=True)

    def __enter__(self) -> Stack:
        try:
            self.setup()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def setup(self) -> None:
        started = time.perf_counter()
        self.say(f"Setting up: database {self.database!r}, Redis db {self.redis_db}, {self.tmp}")
        if not self.existing:
            self.run(PYTHON, "scripts/pgdb.py", "create", self.database, self.pg_server)
            self.manage("migrate", "--noinput", "-v0")
            self.manage("demo_setup")
        self.manage("collectstatic", "--noinput", "-v0")
        self.flush_cache()
        self.start_gunicorn()
        self.say(f"Ready in {time.perf_counter() - started:.0f} s: {self.base_url}")

    def flush_cache(self) -> None:
        import redis

        redis.Redis.from_url(self.cache_url).flushdb()

    def start_gunicorn(self) -> None:
        log = self.log_path.open("ab")
        self.gunicorn = subprocess.Popen(  # noqa: S603 - our own server
            [GUNICORN, "-c", "gunicorn.conf.py", "portal.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}:\n{self.log_tail()}")
            if http_get(f"{self.base_url}/healthz", timeout=2)[0] == 200 and (
                len(self.worker_pids()) == self.workers
            ):
                return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within 30 s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        """The gunicorn master's children (its workers), from /proc."""
        if self.gunicorn is None:
            return []
        pid = self.gunicorn.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(child) for child in children)

    def recycled(self) -> int:
        """How many times a worker restarted itself after max_requests (from the log)."""
        if not self.log_path.exists():
            return 0
        return self.log_path.read_text(errors="replace").count("Autorestarting worker")

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def teardown(self) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.gunicorn.send_signal(signal.SIGTERM)
            try:
                self.gunicorn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
                self.gunicorn.wait()
        if not self.existing:
            with contextlib.suppress(SystemExit):
                self.run(PYTHON, "scripts/pgdb.py", "drop", self.database, self.pg_server)
        with contextlib.suppress(Exception):
            self.flush_cache()
        shutil.rmtree(self.tmp, ignore_errors=True)


def url_exists(stack: Stack, name: str, **kwargs) -> str | None:
    """The path of a named URL if this version of the project has it (apps are still growing)."""
    code = (
        "import django, sys; django.setup(); from django.urls import reverse; "
        "import json; name, kwargs = sys.argv[1], json.loads(sys.argv[2]);\n"
        "try: print(reverse(name, kwargs=kwargs))\nexcept Exception: print('')"
    )
    out = stack.run(PYTHON, "-c", code, name, json.dumps(kwargs), capture=True).strip()
    return out or None


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    script: str = SUMMARY_LUA,
    script_args: list[str] | None = None,
    timeout: str = "5s",
    headers: tuple[str, ...] = (),
) -> dict:
    """Run wrk against url; the summary as a dict (latencies in µs) plus what the script wrote."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [
            shutil.which("wrk") or "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            f"--timeout={timeout}",
            *(argument for header in headers for argument in ("-H", header)),
            "-s",
            handle.name,
            url,
        ]
        if script_args:
            command += ["--", *script_args]
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        os.unlink(handle.name)
    found = re.search(r"^WRK_JSON (.*)$", result.stdout, re.MULTILINE)
    if not found:
        raise SystemExit(f"wrk gave no summary:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(found.group(1))
    summary["stdout"] = result.stdout
    summary["rate"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["socket_errors"] = sum(summary[k] for k in ("connect", "read", "write", "timeout"))
    return summary


def milliseconds(microseconds: float) -> str:
    return f"{microseconds / 1000:,.1f} ms"


def hashed_static_files(static_root: Path) -> list[tuple[Path, int]]:
    """Hashed files collectstatic wrote (name.0123456789ab.ext), without .gz/.br twins."""
    pattern = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
    return [
        (path, path.stat().st_size)
        for path in static_root.rglob("*")
        if path.is_file() and pattern.search(path.name)
    ]


def closest_static(static_root: Path, size: int) -> str:
    """The URL path of the hashed static file whose size is closest to `size` bytes."""
    path, _size = min(hashed_static_files(static_root), key=lambda item: abs(item[1] - size))
    return "/static/" + path.relative_to(static_root).as_posix()


@dataclass(frozen=True)
class Target:
    label: str
    path: str


def targets(stack: Stack) -> list[Target]:
    """The pages to measure; UMKM ones only where this version of the project has them."""
    found = [
        Target("city home", "/"),
        Target("kelurahan home", f"/k/{KELURAHAN}/"),
    ]
    for label, name in (
        ("UMKM list", "umkm:businesses"),
        ("UMKM GeoJSON", "umkm:business_geojson"),
    ):
        path = url_exists(stack, name, slug=KELURAHAN)
        if path:
            found.append(Target(label, path))
        else:
            print(f"({label}: no URL {name!r} in this version; left out)")
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk before each run")
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database (emptied)")
    parser.add_argument("--database", default="portal_bench_server")
    parser.add_argument(
        "--identity",
        action="store_true",
        help="ask for uncompressed bodies (by default wrk sends Accept-Encoding: gzip, as every "
        "browser does)",
    )
    return parser.parse_args(argv)


def command_line(argv: list[str] | None) -> str:
    arguments = sys.argv[1:] if argv is None else argv
    python = Path(PYTHON)
    if python.is_relative_to(ROOT):
        python = python.relative_to(ROOT)
    return shlex.join([str(python), "tests/bench/server.py", *arguments])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print(wrk_missing_message())
        return 1
    command = command_line(argv)
    load_before = load_average()
    with Stack(database=args.database, redis_db=args.redis_db) as stack:
        pages = targets(stack)
        sizes: dict[str, int] = {}
        statuses: dict[str, int] = {}
        for page in pages:
            statuses[page.path], body = http_get(stack.url(page.path))
            sizes[page.path] = len(body)
        home = next(p for p in pages if p.label == "kelurahan home")
        static = Target(
            "static file (ceiling)", closest_static(stack.tmp / "static", sizes[home.path])
        )
        statuses[static.path], body = http_get(stack.url(static.path))
        sizes[static.path] = len(body)
        pages.append(static)

        headers = () if args.identity else ("Accept-Encoding: gzip",)
        results = {}
        for page in pages:
            if statuses[page.path] != 200:
                print(f"Warning: {page.path} answers {statuses[page.path]}, not 200.")
            if args.warmup:
                wrk(
                    stack.url(page.path),
                    seconds=args.warmup,
                    connections=args.connections,
                    threads=args.threads,
                    headers=headers,
                )
            print(f"wrk {page.path} ...", flush=True)
            results[page.path] = wrk(
                stack.url(page.path),
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
                headers=headers,
            )
        ceiling = results[static.path]["rate"]
        workers = stack.worker_pids()
        table(
            f"Server: gunicorn ({stack.workers} workers, sync), PostgreSQL, Redis page cache",
            command,
            [
                "page",
                "path",
                "status",
                "bytes",
                "sent",
                "req/s",
                "p50",
                "p99",
                "% static",
                "non-2xx",
                "sock err",
            ],
            [
                [
                    page.label,
                    page.path,
                    str(statuses[page.path]),
                    number(sizes[page.path]),
                    number(results[page.path]["bytes"] / max(results[page.path]["requests"], 1)),
                    number(results[page.path]["rate"]),
                    milliseconds(results[page.path]["p50"]),
                    milliseconds(results[page.path]["p99"]),
                    f"{100 * results[page.path]['rate'] / ceiling:.0f}%",
                    number(results[page.path]["status"]),
                    number(results[page.path]["socket_errors"]),
                ]
                for page in pages
            ],
            align="llrrrrrrrrr",
            notes=[
                f"wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s on the same "
                f"machine ({len(os.sched_getaffinity(0))} CPUs, shared with gunicorn), after "
                f"{args.warmup:g} s of warm-up per page; plain HTTP, "
                + (
                    "no Accept-Encoding (bodies uncompressed, static file too)."
                    if args.identity
                    else "Accept-Encoding: gzip, as browsers send (pages and static file gzipped)."
                ),
                "bytes = the body uncompressed; sent = bytes on the wire per response, headers "
                "included (wrk's count).",
                "gunicorn.conf.py as in production (sync workers, access log on, written to a "
                "file); DEBUG=false; psycopg pool; CACHE_URL=" + stack.cache_url + ".",
                "non-2xx = responses with status >= 400 (wrk's count); each path answered the "
                "status shown before the run; sock err = connect/read/write/timeout errors.",
                f"Workers at the end: {workers} (master {stack.gunicorn.pid}); workers recycled "
                f"during the runs (max_requests): {stack.recycled()}.",
                f"Load average (1/5/15 min) before: {load_before}; after: {load_average()}.",
            ],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
