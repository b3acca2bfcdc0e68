"""Two gunicorn instances started with our gunicorn.conf.py on one machine keep apart.

gunicorn's control socket (for `gunicornc`) defaults to one path per user; with it, the second
instance took over the first one's socket and stopping either deleted the other's. These tests
start real servers, so they take a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
GUNICORNC = Path(sys.executable).with_name("gunicornc")
LISTENING = re.compile(r"Control socket listening at (\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthz(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
        return response.status


def control_arbiter_pid(socket_path: str) -> int:
    """The master pid that answers on a control socket, asked as an operator would."""
    result = subprocess.run(  # noqa: S603
        [str(GUNICORNC), "-s", socket_path, "-c", "show all", "-j"],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return json.loads(result.stdout)["arbiter"]["pid"]


@pytest.fixture
def start_gunicorn(tmp_path):
    """Start gunicorn with the project's gunicorn.conf.py as production would (DEBUG off, one
    worker), with its control socket folder (XDG_RUNTIME_DIR) in tmp_path; killed at the end."""
    started: list[tuple[subprocess.Popen, Path]] = []
    runtime_dir = tmp_path / "run"
    runtime_dir.mkdir(mode=0o700)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTEST_VERSION", "DATABASE_URL", "CACHE_URL", "BIND", "PORT")
        and not key.startswith("GUNICORN_")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="gunicorn-test-" + "x" * 50,
        PORTAL_URL="https://portal.example.go.id",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        WEB_CONCURRENCY="1",
        XDG_RUNTIME_DIR=str(runtime_dir),
        TMPDIR=str(tmp_path),  # the metrics folder gunicorn.conf.py makes, gone with the test
    )

    def start(port: int, **extra_env: str) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603
                [str(GUNICORN), "-c", "gunicorn.conf.py", "portal.wsgi"],
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{port}", **extra_env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append((process, log))
        return process, log

    start.runtime_dir = runtime_dir
    yield start
    for process, _log in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(process: subprocess.Popen, log: Path, ready) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not come up:\n{log.read_text()}")


def serves_healthz(port: int) -> bool:
    try:
        return healthz(port) == 200
    except OSError:
        return False


def wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> str:
    """Wait for /healthz and the control socket line; return the control socket path."""
    wait_for(process, log, lambda: serves_healthz(port) and LISTENING.search(log.read_text()))
    return LISTENING.search(log.read_text()).group(1)


def test_two_instances_on_one_machine_each_keep_their_own_control_socket(start_gunicorn):
    port_a, port_b = free_port(), free_port()
    server_a, log_a = start_gunicorn(port_a)
    server_b, log_b = start_gunicorn(port_b)

    socket_a = wait_until_serving(server_a, port_a, log_a)
    socket_b = wait_until_serving(server_b, port_b, log_b)

    assert socket_a != socket_b
    assert str(port_a) in socket_a and str(port_b) in socket_b
    # Each socket reaches its own instance, not whichever started last.
    assert control_arbiter_pid(socket_a) == server_a.pid
    assert control_arbiter_pid(socket_b) == server_b.pid

    # Stopping one leaves the other serving and reachable on its socket.
    server_a.send_signal(signal.SIGTERM)
    server_a.wait(timeout=15)
    assert not Path(socket_a).exists()
    assert healthz(port_b) == 200
    assert control_arbiter_pid(socket_b) == server_b.pid
    for log in (log_a, log_b):
        text = log.read_text()
        assert "Failed to start control socket" not in text
        assert "Control server error" not in text


def test_an_explicit_path_or_off_is_obeyed(start_gunicorn, tmp_path):
    port_path, port_off = free_port(), free_port()
    chosen = str(tmp_path / "chosen.ctl")
    server_path, log_path = start_gunicorn(port_path, GUNICORN_CONTROL_SOCKET=chosen)
    server_off, log_off = start_gunicorn(port_off, GUNICORN_CONTROL_SOCKET="off")

    assert wait_until_serving(server_path, port_path, log_path) == chosen
    assert control_arbiter_pid(chosen) == server_path.pid
    wait_for(server_off, log_off, lambda: serves_healthz(port_off))
    # The control socket starts right after the first worker; give it that moment.
    time.sleep(0.5)
    assert "Control socket listening" not in log_off.read_text()
    assert list(start_gunicorn.runtime_dir.iterdir()) == []


def metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:  # noqa: S310
        return response.read().decode()


def healthz_count(port: int) -> float:
    from tests.portal.metrics_scrape import parse, value

    samples = parse(metrics_text(port))
    return value(samples, "portal_http_requests_total", view="healthz", status="2xx")


def test_metrics_add_up_every_worker_and_their_folder_goes_with_the_instance(
    start_gunicorn, tmp_path, redis_server
):
    """gunicorn.conf.py makes the multiprocess folder (PROMETHEUS_MULTIPROC_DIR unset), the
    workers count into it, one scrape adds them up, a dead worker's gauges leave (child_exit),
    and the folder is removed when gunicorn stops."""
    from concurrent.futures import ThreadPoolExecutor

    temp = tmp_path / "tmp"
    temp.mkdir()
    # Left by instances that were SIGKILLed (no on_exit): one whose master is gone, one alive.
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,  # noqa: S603
        capture_output=True,
        text=True,
    ).stdout.strip()
    for name, pid in (("portal-metrics-gone", gone), ("portal-metrics-alive", str(os.getpid()))):
        (temp / name).mkdir()
        (temp / name / "master.pid").write_text(pid)
        (temp / name / "counter_1.db").write_bytes(b"")
    port = free_port()
    server, log = start_gunicorn(
        port, WEB_CONCURRENCY="2", TMPDIR=str(temp), CACHE_URL=redis_server.url
    )
    wait_for(server, log, lambda: serves_healthz(port))
    left = set(temp.glob("portal-metrics-*"))
    assert temp / "portal-metrics-alive" in left and temp / "portal-metrics-gone" not in left
    (folder,) = left - {temp / "portal-metrics-alive"}
    assert (folder / "master.pid").read_text() == str(server.pid)

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda _n: healthz(port), range(40))) == {200}
    # serves_healthz's own requests while waiting count too: at least the 40, all workers'.
    counted = healthz_count(port)
    assert counted >= 40
    workers = {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("counter_*.db")}
    assert workers and server.pid not in workers

    # A killed worker is replaced; its counts stay in the sum, its live gauges leave. The worker
    # that answered a scrape wrote its cache breaker's gauge (portal_breaker_open).
    (gauge,) = folder.glob("gauge_livemax_*.db")
    victim = int(gauge.stem.rsplit("_", 1)[1])
    assert victim in workers
    os.kill(victim, signal.SIGKILL)
    wait_for(server, log, lambda: not list(folder.glob(f"gauge_livemax_{victim}.db")))
    wait_for(server, log, lambda: serves_healthz(port))
    assert healthz_count(port) >= counted

    server.send_signal(signal.SIGTERM)
    server.wait(timeout=15)
    assert not folder.exists()
    assert (temp / "portal-metrics-alive").exists()
