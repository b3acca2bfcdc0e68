"""Cluster test (`make cluster-test`): the portal as production runs it, all on this machine, and
one table of what was checked and measured.

    .venv/bin/python tests/cluster/run.py [--load-seconds 12] [--clients 6]

Everything is of its own, in one temporary folder, on free ports, and removed at the end:
PostgreSQL primary and a streaming replica (a second cluster made with pg_basebackup -R), Redis,
SeaweedFS as the S3 server (media and private buckets), a local SMTP server that counts what it
is sent, two gunicorn web nodes (gunicorn.conf.py, DEBUG=false, DATABASE_REPLICA_URL on the
replica), a task worker (`manage.py procrastinate worker`) and HAProxy in front, terminating TLS
and checking /readyz on each node every 0.5 s. HAProxy (and redis-server) come from Debian's
packages; when missing this script installs them with apt-get (as .ci/run does for chromium).

The journey: a resident asks for a letter with a scan of the KTP through node A; on node B the
operator opens the scan and verifies, the Lurah signs; the resident gets the e-mailed code and
downloads the PDF through node A. An article published on B shows on A within 1 s
(page cache in Redis). A status e-mail whose worker is SIGKILLed in the middle of the SMTP
conversation is sent once the worker is back, and only once. Node A is SIGKILLed under load: the
balancer keeps serving (failed requests counted). Node A comes back. The replica stops: public
pages still answer 200 and /readyz says the replica is down. Exit status 1 if a check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.report import command_line, load_average, table  # noqa: E402
from tests.bench.server import free_port, http_get  # noqa: E402
from tests.cluster.browser import Browser  # noqa: E402
from tests.cluster.postgres import PostgresCluster  # noqa: E402
from tests.cluster.smtp_sink import SMTPSink  # noqa: E402
from tests.cluster.topology import NODE_HEADER, SERVED_BY, haproxy_config, portal_environment  # noqa: E402
from tests.layanan.sample import NIK_SITI, letter_data  # noqa: E402
from tests.s3_server import ACCESS_KEY, SECRET_KEY, SeaweedFS, make_buckets, s3_client  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
DATABASE = "portal"
KELURAHAN = "pajang"
PASSWORD = "demo-portal-2026"  # noqa: S105 - the demo accounts' password (portal/demo.py)
PUBLIC_PAGES = ["/", f"/k/{KELURAHAN}/", f"/k/{KELURAHAN}/berita/", f"/k/{KELURAHAN}/layanan/"]
DEBIAN_PACKAGES = {"haproxy": "haproxy", "redis-server": "redis-server"}
# A Skuter request as the resident types it: the letter the unit tests use, with a phone.
RESIDENT = {**letter_data(), "phone": "0812-3456-7890"}
SECOND_RESIDENT = {
    **RESIDENT,
    "nik": NIK_SITI,
    "name": "Siti Aminah",
    "sex": "P",
    "phone": "0812-3456-7891",
}


@dataclass
class Row:
    check: str
    ok: bool
    figure: str
    note: str = ""

    @property
    def result(self) -> str:
        return "ok" if self.ok else "FAILED"


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def ensure_debian_packages() -> str:
    """Install HAProxy and redis-server from Debian's packages if they are missing."""
    missing = [package for binary, package in DEBIAN_PACKAGES.items() if not shutil.which(binary)]
    if not missing:
        return "already installed"
    if os.geteuid() != 0:
        raise SystemExit(f"Missing {', '.join(missing)}: sudo apt-get install {' '.join(missing)}")
    say(f"apt-get install {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
    install = ["apt-get", "install", "-y", "-qq", *missing]
    subprocess.run(install, check=True, env=env)  # noqa: S603 - fixed package names
    return f"installed {', '.join(missing)}"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (HAProxy's PEM: certificate and key), and the certificate
    alone for the clients to trust."""
    key, cert = folder / "tls.key", folder / "tls.crt"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    pem = folder / "tls.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem, cert


class Cluster:
    """Every process and folder of one run; close() ends them all, whatever happened."""

    def __init__(self, *, workers: int):
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-cluster-"))
        self.tmp.chmod(0o711)  # the PostgreSQL servers run as `postgres` under it
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.closers: list = []
        self.workers = workers
        self.primary = PostgresCluster(self.tmp / "pg-primary", free_port())
        self.replica = PostgresCluster(self.tmp / "pg-replica", free_port())
        self.port = free_port()
        self.node_ports = {"a": free_port(), "b": free_port()}
        self.base_url = f"https://127.0.0.1:{self.port}"
        self.smtp: SMTPSink | None = None
        self.redis = None
        self.s3: SeaweedFS | None = None
        self.cert: Path | None = None
        self.env: dict[str, str] = {}

    # -- processes

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        handle = log.open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own command lines
            command,
            cwd=ROOT,
            env=env or self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its children too
        )
        handle.close()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.get(name)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs.get(name)
        if not path or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def run(self, *command: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own commands
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def manage(self, *args: str) -> str:
        return self.run(PYTHON, "manage.py", *args)

    # -- parts

    def start_databases(self) -> None:
        self.primary.init_primary()
        self.primary.start()
        self.primary.query(f"CREATE DATABASE {DATABASE}")
        self.replica.init_replica_of(self.primary)
        self.replica.start()

    def start_services(self) -> None:
        from tests.redis_server import RedisServer

        self.redis = RedisServer()
        self.s3 = SeaweedFS(self.tmp / "seaweedfs")
        self.buckets = make_buckets(s3_client(self.s3.endpoint))
        self.smtp = SMTPSink()

    def configure(self) -> None:
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("PYTEST_VERSION", "DJANGO_SETTINGS_MODULE", "DEBUG")
        }
        self.env.update(
            portal_environment(
                portal_url=self.base_url,
                allowed_hosts="127.0.0.1,localhost",
                secret_key=secrets.token_urlsafe(50),
                database_url=self.primary.url(DATABASE),
                replica_url=self.replica.url(DATABASE),
                cache_url=self.redis.url,
                s3_endpoint=self.s3.endpoint,
                s3_access_key=ACCESS_KEY,
                s3_secret_key=SECRET_KEY,
                media_bucket=self.buckets["media"],
                private_bucket=self.buckets["private"],
                media_url=f"{self.s3.endpoint}/{self.buckets['media']}",
                email_url=f"smtp://127.0.0.1:{self.smtp.port}",
                from_email="Portal Kelurahan <noreply@portal.test>",
            )
        )
        self.env.update(
            PYTHONDONTWRITEBYTECODE="1",
            SECURE_HSTS_SECONDS="0",
            # Staff log in with a password here; two-factor login has tests of its own.
            STAFF_TWO_FACTOR_ROLES="",
            # Tasks: a worker that stops sending heartbeats is given up on after 5 s, so the
            # killed worker's job runs again within seconds, not minutes.
            TASKS_HEARTBEAT_SECONDS="1",
            TASKS_STALLED_SECONDS="5",
            VAR_DIR=str(self.tmp / "var"),
            STATIC_ROOT=str(self.tmp / "static"),
            WEB_CONCURRENCY=str(self.workers),
        )

    def prepare_database(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("demo_setup")
        self.manage("collectstatic", "--noinput", "-v0")

    def start_node(self, name: str) -> float:
        started = time.monotonic()
        port = self.node_ports[name]
        env = {
            **self.env,
            "BIND": f"127.0.0.1:{port}",
            "GUNICORN_CONTROL_SOCKET": str(self.tmp / f"gunicorn-{name}.ctl"),
        }
        self.spawn(f"node-{name}", [GUNICORN, "-c", "gunicorn.conf.py", "portal.wsgi"], env)
        deadline = started + 60
        while time.monotonic() < deadline:
            if self.processes[f"node-{name}"].poll() is not None:
                raise RuntimeError(f"node {name} exited:\n{self.log_tail(f'node-{name}')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"node {name} did not listen within 60 s")
        # Every worker opens its pools and S3 client now, not in the balancer's first checks.
        ready = 0
        while ready < 2 * self.workers and time.monotonic() < deadline:
            if http_get(f"http://127.0.0.1:{port}/readyz", timeout=10)[0] == 200:
                ready += 1
            else:
                time.sleep(0.2)
        if ready < 2 * self.workers:
            raise RuntimeError(f"node {name}: /readyz not 200 within 60 s")
        return time.monotonic() - started

    def start_worker(self) -> None:
        self.spawn("worker", [PYTHON, "manage.py", "procrastinate", "worker"])

    def start_balancer(self) -> None:
        pem, self.cert = self_signed_certificate(self.tmp)
        config = self.tmp / "haproxy.cfg"
        self.haproxy_socket = self.tmp / "haproxy.sock"
        config.write_text(
            haproxy_config(
                bind=f"127.0.0.1:{self.port}",
                pem=str(pem),
                servers={name: f"127.0.0.1:{port}" for name, port in self.node_ports.items()},
                stats_socket=str(self.haproxy_socket),
                node_by_header=True,
            )
        )
        haproxy = shutil.which("haproxy")
        subprocess.run([haproxy, "-c", "-q", "-f", str(config)], check=True)  # noqa: S603
        self.spawn("haproxy", [haproxy, "-db", "-f", str(config)])

    def server_states(self) -> dict[str, dict[str, str]]:
        """HAProxy's own view of each server: status (UP/DOWN/...), requests sent (stot)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(str(self.haproxy_socket))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "web" and row.get("svname") in ("a", "b"):
                states[row["svname"]] = row
        return states

    def wait_for_state(self, node: str, status: str, timeout: float = 60) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with contextlib.suppress(OSError, IndexError, KeyError):
                state = self.server_states()[node]
                # UP only once a health check passed (HAProxy starts a server as UP, unchecked).
                checked = status != "UP" or state["check_status"] == "L7OK"
                if state["status"].startswith(status) and checked:
                    return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError(f"HAProxy did not see node {node} {status} within {timeout:g} s")

    def browser(self, node: str | None = None) -> Browser:
        return Browser(self.base_url, node=node, verify=str(self.cert))

    def close(self) -> None:
        for name in reversed(list(self.processes)):
            self.kill(name)
        for part in (self.smtp, self.s3, self.redis):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        self.replica.close()
        self.primary.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- the checks


def track(browser: Browser, code: str, nik: str) -> str:
    form, target = browser.form("/lacak/", contains="nik_last4")
    page = browser.post(target, {**form.values(), "code": code, "nik_last4": nik[-4:]})
    page.raise_for_status()
    return page.text


def ticket_of(page: str) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', page)
    if not found:
        raise RuntimeError("the status page offers no download (no ticket)")
    return found.group(1)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def wait_for_mail(cluster: Cluster, to: str, count: int, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = cluster.smtp.to(to)
        if len(mails) >= count:
            return mails
        time.sleep(0.1)
    raise RuntimeError(f"{count} e-mail(s) to {to} expected within {timeout:g} s; got {len(mails)}")


def wait_for_code(cluster: Cluster, to: str, *, after: int, timeout: float = 60) -> str:
    """The one-time download code from the newest e-mail that carries one. The status mails
    (verified, signed) go out from the worker too and may arrive after the code was asked for,
    so the newest mail is not always the code's."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in reversed(cluster.smtp.to(to)[after:]):
            digits = re.findall(r"^\s+(\d{6})\s*$", mail.body, re.MULTILINE)
            if digits:
                return digits[-1]
        time.sleep(0.1)
    raise RuntimeError(f"no e-mail with a download code to {to} within {timeout:g} s")


def letter_request(browser: Browser, resident: dict, email: str, scan: bytes) -> tuple[str, str]:
    """A resident's online Skuter request with a scan; the tracking code on the receipt."""
    path = f"/k/{KELURAHAN}/layanan/ajukan/skuter/"
    form, target = browser.form(path, contains="request_key")
    data = {**form.values(), **resident, "email": email, "website": ""}
    response = browser.post(
        target, data, files={"documents": ("ktp.jpg", scan, "image/jpeg")}, allow_redirects=True
    )
    found = re.search(r'id="tracking-code"[^>]*>\s*([^<\s]+)', response.text)
    if response.status_code != 200 or not found:
        errors = re.findall(r'class="invalid-feedback"[^>]*>(.*?)<', response.text, re.S)
        raise RuntimeError(f"request not accepted ({response.status_code}): {errors[:5]}")
    return found.group(1), response.url


def letter_admin_page(browser: Browser, code: str) -> str:
    """The letter's staff page, found through the register's search by tracking code."""
    listing = browser.get(f"/admin/layanan/letter/?q={code.replace('-', '')}")
    found = re.search(r'href="(/admin/layanan/letter/\d+/change/)', listing.text)
    if not found:
        listing = browser.get(f"/admin/layanan/letter/?q={code}")
        found = re.search(r'href="(/admin/layanan/letter/\d+/change/)', listing.text)
    if not found:
        raise RuntimeError(f"letter {code} not found in the staff register")
    return found.group(1)


def letter_move(browser: Browser, page_path: str, action: str) -> None:
    form, target = browser.form(page_path, f"/move/{action}/")
    response = browser.post(target, form.values(), allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError(f"move {action} answered {response.status_code}: {response.text[:300]}")


def journey(cluster: Cluster, rows: list[Row]) -> None:
    """Resident on A, operator and Lurah on B, resident downloads on A."""
    email = "budi@example.com"
    scan = jpeg_bytes()
    resident = cluster.browser("a")
    started = time.monotonic()
    code, _receipt = letter_request(resident, RESIDENT, email, scan)
    submitted = time.monotonic() - started
    s3 = s3_client(cluster.s3.endpoint)
    private = s3.list_objects_v2(Bucket=cluster.buckets["private"], Prefix="private/documents/")
    stored = [item["Key"] for item in private.get("Contents", [])]
    # What A stored (the portal re-encodes an uploaded photo: not the resident's bytes).
    stored_scan = (
        s3.get_object(Bucket=cluster.buckets["private"], Key=stored[0])["Body"].read()
        if len(stored) == 1
        else b""
    )
    rows.append(
        Row(
            "resident request with a scan, node A",
            bool(stored) and set(resident.served_by) == {"a"},
            f"{submitted * 1000:.0f} ms",
            f"code {code}; {len(stored)} scan(s) in the private bucket; served by "
            f"{','.join(sorted(set(resident.served_by)))}",
        )
    )

    operator = cluster.browser("b")
    operator.log_in("operator.pajang", PASSWORD)
    page_path = letter_admin_page(operator, code)
    page = operator.get(page_path).text
    document = re.search(r'href="(/staf/dokumen/\d+/)"', page)
    opened = operator.get(document.group(1)) if document else None
    same_scan = opened is not None and opened.status_code == 200 and opened.content == stored_scan
    started = time.monotonic()
    letter_move(operator, page_path, "verify")
    verified = time.monotonic() - started
    signer = cluster.browser("b")
    signer.log_in("lurah.pajang", PASSWORD)
    started = time.monotonic()
    letter_move(signer, page_path, "sign")
    signed = time.monotonic() - started
    page = signer.get(page_path).text
    pdf_link = re.search(r'href="(/staf/surat/\d+/pdf/)"', page)
    staff_pdf = signer.get(pdf_link.group(1)).content if pdf_link else b""
    rows.append(
        Row(
            "operator opens the scan, verifies; Lurah signs, node B",
            same_scan
            and staff_pdf.startswith(b"%PDF")
            and set(operator.served_by + signer.served_by) == {"b"},
            f"verify {verified * 1000:.0f} ms, sign {signed * 1000:.0f} ms",
            f"scan on B {'identical to' if same_scan else 'DIFFERENT from'} the object A stored; "
            f"PDF {len(staff_pdf):,} bytes",
        )
    )

    started = time.monotonic()
    mails_before = len(cluster.smtp.to(email))
    page = track(resident, code, RESIDENT["nik"])
    ticket = ticket_of(page)
    sent = resident.post(
        "/lacak/", {"csrfmiddlewaretoken": csrf_of(page), "step": "send", "ticket": ticket}
    )
    sent.raise_for_status()
    checked = resident.post(
        "/lacak/",
        {
            "csrfmiddlewaretoken": csrf_of(sent.text),
            "step": "code",
            "ticket": ticket,
            "code": wait_for_code(cluster, email, after=mails_before),
        },
    )
    link = re.search(r'href="(/lacak/unduh/[^"]+)"', checked.text)
    downloaded = resident.get(link.group(1)) if link else None
    took = time.monotonic() - started
    body = downloaded.content if downloaded is not None else b""
    rows.append(
        Row(
            "resident gets the e-mailed code and downloads, node A",
            body == staff_pdf and bool(body) and set(resident.served_by) == {"a"},
            f"{took * 1000:.0f} ms",
            f"PDF sha256 {hashlib.sha256(body).hexdigest()[:12]}, "
            f"{'identical to' if body == staff_pdf else 'DIFFERENT from'} the staff copy",
        )
    )


def jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 500), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def page_cache(cluster: Cluster, rows: list[Row]) -> None:
    """An article published on B is on A's (cached) news page within 1 s."""
    visitor = cluster.browser("a")
    path = f"/k/{KELURAHAN}/berita/"
    visitor.get(path)
    warm = visitor.get(path)
    before_ms = warm.elapsed.total_seconds() * 1000
    title = f"Kerja bakti RW 05 {secrets.token_hex(3)}"
    editor = cluster.browser("b")
    editor.log_in("redaksi.pajang", PASSWORD)
    form, target = editor.form("/admin/kelurahan/article/add/", contains="title")
    data = {
        **form.values(),
        "title": title,
        "slug": title.lower().replace(" ", "-"),
        "summary": "Kerja bakti membersihkan selokan.",
        "body": "Warga RW 05 diajak kerja bakti hari Minggu pagi.",
        "status": "published",
        "_save": "Save",
    }
    saved = editor.post(target, data, allow_redirects=False)
    if saved.status_code != 302:
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', saved.text, re.S)
        raise RuntimeError(f"article not saved ({saved.status_code}): {errors[:3]}")
    published_at = time.monotonic()
    # A's workers check their own copies against Redis every 0.25 s (kelurahan/pagecache.py):
    # the promise is "on every node within 1 s", so A is asked until the second is up.
    while True:
        shown = visitor.get(path)
        after = time.monotonic() - published_at
        on_a = title in shown.text
        if on_a or after >= 1.0:
            break
        time.sleep(0.05)
    rows.append(
        Row(
            "article published on B shows on A within 1 s",
            on_a and shown.headers.get(SERVED_BY) == "a",
            f"{after * 1000:.0f} ms",
            f"cached page before: {before_ms:.0f} ms; "
            + ("title on A's page" if on_a else "title NOT on A's page"),
        )
    )


def replica_lag(cluster: Cluster, rows: list[Row]) -> None:
    """How long a row committed on the primary takes to be readable on the replica (open
    connections to both; from the commit's return until a query on the replica sees it)."""
    import psycopg

    samples = []
    with (
        psycopg.connect(cluster.primary.url(DATABASE), autocommit=True) as primary,
        psycopg.connect(cluster.replica.url(DATABASE), autocommit=True) as replica,
    ):
        primary.execute("CREATE TABLE cluster_test_lag (id integer PRIMARY KEY)")
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and not replica.execute("SELECT to_regclass('cluster_test_lag')").fetchone()[0]
        ):
            time.sleep(0.01)
        for number in range(20):
            primary.execute("INSERT INTO cluster_test_lag VALUES (%s)", [number])
            committed = time.monotonic()
            while time.monotonic() - committed < 10:
                seen = replica.execute(
                    "SELECT count(*) FROM cluster_test_lag WHERE id = %s", [number]
                ).fetchone()[0]
                if seen:
                    break
                time.sleep(0.0005)
            samples.append(time.monotonic() - committed)
            time.sleep(0.05)
        primary.execute("DROP TABLE cluster_test_lag")
    samples.sort()
    state = cluster.primary.query(
        "SELECT state, sync_state, COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) "
        "FROM pg_stat_replication"
    )
    # A writer reads from the primary for DATABASE_REPLICA_PIN_SECONDS (5 s) after a write:
    # that holds read-your-writes only while the replica is less behind than that.
    ok = bool(state) and state[0][0] == "streaming" and samples[-1] < 5
    rows.append(
        Row(
            "streaming replica: a commit readable there (< 5 s pin)",
            ok,
            f"p50 {samples[len(samples) // 2] * 1000:.1f} ms, max {samples[-1] * 1000:.1f} ms",
            f"pg_stat_replication: {state[0][0] if state else 'no standby'}; {len(samples)} "
            "rows, each from its commit on the primary until a read on the replica saw it",
        )
    )


def mail_with_worker_killed(cluster: Cluster, rows: list[Row]) -> None:
    """A status e-mail whose worker is SIGKILLed mid-SMTP is sent once after its restart."""
    name = "e-mail task survives a killed worker, sent once"
    email = "siti@example.com"
    resident = cluster.browser("a")
    code, _receipt = letter_request(resident, SECOND_RESIDENT, email, jpeg_bytes())
    time.sleep(1)  # a receipt mail, if any, is not the one to catch
    before = len(cluster.smtp.to(email))
    operator = cluster.browser("b")
    operator.log_in("operator.pajang", PASSWORD)
    page_path = letter_admin_page(operator, code)
    hold = cluster.smtp.hold(email)
    started = time.monotonic()
    letter_move(operator, page_path, "verify")
    moved_in = time.monotonic() - started
    if not hold.held.wait(30):
        cluster.smtp.release()
        delivered = len(cluster.smtp.to(email)) - before
        rows.append(
            Row(
                name,
                False,
                "—",
                f"no status e-mail reached SMTP within 30 s after the move ({delivered} "
                "delivered): the worker sent nothing",
            )
        )
        return
    if moved_in > 5 or hold.timed_out:
        cluster.smtp.release()
        rows.append(
            Row(name, False, "—", "the status e-mail was sent by the web node, not by the worker")
        )
        return
    cluster.kill("worker")
    killed_at = time.monotonic()
    hold.closed.wait(5)
    cluster.smtp.release()
    cluster.start_worker()
    try:
        mails = wait_for_mail(cluster, email, before + 1, timeout=120)
        recovered = time.monotonic() - killed_at
    except RuntimeError:
        mails, recovered = cluster.smtp.to(email), None
    time.sleep(8)  # room for a second copy to arrive, if one were coming
    mails = cluster.smtp.to(email)[before:]
    subjects = Counter(mail.subject for mail in mails)
    duplicates = sum(count - 1 for count in subjects.values())
    # The queue's own record of the job: how often it was taken (the killed run, the rerun).
    jobs = cluster.primary.query(
        "SELECT status, attempts FROM procrastinate_jobs"
        " WHERE task_name = 'layanan.notifications.resident_mail' ORDER BY id DESC LIMIT 1",
        dbname=DATABASE,
    )
    status, attempts = jobs[0] if jobs else ("none", 0)
    rows.append(
        Row(
            name,
            recovered is not None
            and hold.discarded
            and duplicates == 0
            and len(mails) >= 1
            and status == "succeeded",
            "—" if recovered is None else f"{recovered:.1f} s after the kill",
            f"worker SIGKILLed mid-DATA ({'connection dropped' if hold.discarded else 'NOT'}); "
            f"{len(mails)} e-mail(s) after the move, {duplicates} duplicate(s); "
            f"job {status} after {attempts} run(s)",
        )
    )


def node_killed_under_load(cluster: Cluster, rows: list[Row], seconds: float, clients: int):
    """SIGKILL node A while clients read public pages through the balancer."""
    stop = threading.Event()
    results: list[tuple[float, str, str]] = []  # (time, "200" or what went wrong, served by)
    lock = threading.Lock()
    started = time.monotonic()

    def client(index: int) -> None:
        visitor = cluster.browser()
        n = index
        while not stop.is_set():
            path = PUBLIC_PAGES[n % len(PUBLIC_PAGES)]
            n += 1
            try:
                response = visitor.get(path, timeout=10)
                item = (
                    time.monotonic() - started,
                    str(response.status_code),
                    visitor.served_by[-1],
                )
            except Exception as exc:  # noqa: BLE001 - any failure is a failed request, counted
                item = (time.monotonic() - started, type(exc).__name__, "-")
            with lock:
                results.append(item)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)
    killed_at = time.monotonic() - started
    cluster.kill("node-a")
    dropped = cluster.wait_for_state("a", "DOWN", timeout=30)
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(15)
    failed = [item for item in results if item[1] != "200"]
    failed_statuses = Counter(item[1] for item in failed)
    failed_after_drop = [item for item in failed if item[0] > killed_at + dropped]
    served = Counter(item[2] for item in results)
    total = time.monotonic() - started
    rows.append(
        Row(
            "web node A SIGKILLed under load, balancer keeps serving",
            # A response cut off mid-body by the kill cannot be retried by any balancer; what
            # must not fail is every request after the health check took the node out.
            not failed_after_drop,
            f"{len(failed)} failed of {len(results):,}",
            f"{clients} clients, {len(results) / total:.0f} req/s; per node "
            + ", ".join(f"{k}={v:,}" for k, v in sorted(served.items()))
            + f"; A marked DOWN {dropped:.2f} s after the kill; "
            f"{len(failed_after_drop)} failed after that"
            + (f"; failures: {dict(failed_statuses)}" if failed else ""),
        )
    )


def node_comes_back(cluster: Cluster, rows: list[Row]) -> None:
    started = time.monotonic()
    ready = cluster.start_node("a")
    up = cluster.wait_for_state("a", "UP", timeout=60)
    took = time.monotonic() - started
    response = cluster.browser("a").get("/")
    rows.append(
        Row(
            "node A restarted, back in the balancer",
            response.status_code == 200 and response.headers.get(SERVED_BY) == "a",
            f"{took:.1f} s",
            f"/readyz 200 on every worker {ready:.1f} s after start; UP in HAProxy "
            f"{up:.1f} s later",
        )
    )


def replica_stopped(cluster: Cluster, rows: list[Row]) -> None:
    """With the replica stopped, public pages (rendered afresh: cache emptied) still answer."""
    import redis

    cluster.replica.stop("immediate")
    redis.Redis.from_url(cluster.redis.url).flushdb()
    visitor = cluster.browser()
    statuses, slowest = {}, 0.0
    for node in ("a", "b"):
        visitor.session.headers[NODE_HEADER] = node
        for path in PUBLIC_PAGES:
            response = visitor.get(path)
            statuses[f"{node}{path}"] = response.status_code
            slowest = max(slowest, response.elapsed.total_seconds())
    ready = visitor.get("/readyz").json()
    replica_state = ready.get("checks", {}).get("replica", {})
    all_ok = all(code == 200 for code in statuses.values())
    rows.append(
        Row(
            "replica stopped: public pages still 200",
            all_ok,
            f"{sum(c == 200 for c in statuses.values())}/{len(statuses)} 200",
            f"slowest {slowest * 1000:.0f} ms (cache emptied first)",
        )
    )
    rows.append(
        Row(
            "replica stopped: /readyz degraded, replica down",
            ready.get("status") == "degraded" and replica_state.get("ok") is False,
            ready.get("status", "?"),
            str(replica_state.get("error", ""))[:70],
        )
    )


def cleaned_up(cluster: Cluster) -> Row:
    """After close(): no process of the run alive, no port of it answering, no folder left."""
    alive = [name for name, process in cluster.processes.items() if process.poll() is None]
    ports = [
        cluster.primary.port,
        cluster.replica.port,
        cluster.port,
        *cluster.node_ports.values(),
    ]
    if cluster.redis is not None:
        ports.append(cluster.redis.port)
    answering = []
    for port in ports:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            answering.append(port)
    left = cluster.tmp.exists()
    return Row(
        "cleaned up: processes, ports, temporary folder",
        not alive and not answering and not left,
        f"{len(cluster.processes) + 4} servers",
        f"alive {alive or 'none'}; ports answering {answering or 'none'}; "
        f"folder {'LEFT' if left else 'removed'}",
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A CI timeout's SIGTERM cleans up too (SystemExit runs the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wall = time.monotonic()
    rows: list[Row] = []
    packages = ensure_debian_packages()
    cluster = Cluster(workers=args.workers)
    try:
        step = time.monotonic()
        say(f"PostgreSQL primary :{cluster.primary.port}, replica :{cluster.replica.port}")
        cluster.start_databases()
        say("Redis, SeaweedFS (S3), SMTP sink")
        cluster.start_services()
        cluster.configure()
        say("migrate, demo_setup, collectstatic")
        cluster.prepare_database()
        setup_db = time.monotonic() - step
        step = time.monotonic()
        say(f"web nodes :{cluster.node_ports['a']} :{cluster.node_ports['b']}, worker, HAProxy")
        cluster.start_node("a")
        cluster.start_node("b")
        cluster.start_worker()
        cluster.start_balancer()
        up = max(cluster.wait_for_state(node, "UP", timeout=60) for node in ("a", "b"))
        rows.append(
            Row(
                "cluster up: 2 nodes healthy behind HAProxy (TLS)",
                True,
                f"{time.monotonic() - step:.1f} s",
                f"health-checked UP {up:.1f} s after HAProxy started; before that database, "
                f"demo city, static files {setup_db:.0f} s; Debian packages {packages}; "
                "worker running",
            )
        )
        for name, check in (
            ("journey", lambda: journey(cluster, rows)),
            ("page cache", lambda: page_cache(cluster, rows)),
            ("replica lag", lambda: replica_lag(cluster, rows)),
            ("e-mail task", lambda: mail_with_worker_killed(cluster, rows)),
            (
                "node kill",
                lambda: node_killed_under_load(cluster, rows, args.load_seconds, args.clients),
            ),
            ("node back", lambda: node_comes_back(cluster, rows)),
            ("replica stop", lambda: replica_stopped(cluster, rows)),
        ):
            say(name)
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - one check failing does not stop the rest
                rows.append(Row(name, False, "—", f"{type(exc).__name__}: {exc}"[:200]))
        errors = sum(
            cluster.logs[name].read_text(errors="replace").count("Traceback")
            for name in ("node-a", "node-b", "worker")
            if name in cluster.logs
        )
    except Exception as exc:  # noqa: BLE001 - reported in the table, then cleaned up
        rows.append(Row("cluster setup", False, "—", f"{type(exc).__name__}: {exc}"[:300]))
        errors = None
        for name in cluster.processes:
            print(f"--- {name} log:\n{cluster.log_tail(name, 15)}")
    finally:
        if not all(row.ok for row in rows):
            kept = ROOT / "artifacts" / "cluster"
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir(parents=True)
            for path in [
                *cluster.logs.values(),
                cluster.primary.log_path,
                cluster.replica.log_path,
            ]:
                with contextlib.suppress(OSError):
                    shutil.copy(path, kept / f"{path.parent.name}-{path.name}")
            say(f"logs of this run: {kept.relative_to(ROOT)}/")
        say("cleaning up")
        cluster.close()
    rows.append(cleaned_up(cluster))
    wall = time.monotonic() - wall
    rows.append(Row("wall time (target < 10 min)", wall < 600, f"{wall:.0f} s"))
    table(
        "Cluster test: two web nodes, a worker, HAProxy, PostgreSQL primary + replica, Redis, S3",
        command_line(__file__, argv),
        ["check", "result", "figure", "details"],
        [[row.check, row.result, row.figure, row.note] for row in rows],
        align="llrl",
        notes=[
            f"Tracebacks in the web nodes' and worker's logs: "
            f"{errors if errors is not None else '—'}",
            f"{len(os.sched_getaffinity(0))} CPUs; load average after: {load_average()}",
        ],
    )
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
