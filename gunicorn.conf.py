"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py portal.wsgi`.

Environment: PORT or BIND, WEB_CONCURRENCY (workers, default: one per core), GUNICORN_THREADS,
GUNICORN_CONTROL_SOCKET (a path for `gunicornc`, or "off"; default: one per bind address).
PROMETHEUS_MULTIPROC_DIR: where the workers keep their /metrics values (emptied when gunicorn
starts; default: a new private folder of this instance's own, removed when it stops).
The app keeps no state of its own, so more capacity is more workers or more machines.
"""

import multiprocessing
import os
import re
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")


def _control_socket_path(bind_addresses: list[str]) -> str:
    """A control socket path of this instance's own, named after its bind address.

    gunicorn (25.1+) opens a control socket for `gunicornc` in the master, by default at ONE path
    per user: $XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl. A second instance on
    the same machine (two web nodes in `make cluster-test`, a benchmark next to the real server)
    unlinks the first one's socket and binds its own there, so `gunicornc` silently acts on the
    wrong instance (`worker remove`, `shutdown`), and whichever stops first deletes the socket the
    other is using. We keep the socket rather than turn it off (it is how an operator asks a
    running instance about its workers or reloads it gracefully; mode 0600, our user only), but
    name it after the bind address: no two live instances can bind the same address, so no two
    share a socket, and the path is predictable:
    `gunicornc -s ~/.gunicorn/portal-0.0.0.0-8000.ctl -c "show workers"`.
    """
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime_dir and os.path.isdir(runtime_dir):
        folder = Path(runtime_dir)  # where gunicorn's own default goes too
    else:
        folder = Path.home() / ".gunicorn"  # gunicorn creates it (0700)
    address = "_".join(item.removeprefix("unix:") for item in bind_addresses)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", address).strip("-")[:80]
    return str(folder / f"portal-{name}.ctl")


# GUNICORN_CONTROL_SOCKET: "off" turns the control socket off; a path puts it there.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket.lower() in ("off", "false", "0", "no"):
    control_socket_disable = True
elif _control_socket:
    control_socket = _control_socket


# /metrics (portal/metrics.py) adds up every worker's counters: prometheus-client's multiprocess
# mode, in which each process writes its values to files in PROMETHEUS_MULTIPROC_DIR and a scrape
# reads them all. The variable must be set before the app (and prometheus-client) is imported,
# which preload_app does right after this file is read, so it is set here. Each instance needs a
# folder of its own (two nodes on one machine would add up each other's workers); the default is
# a new one per instance. _METRICS_DIR_MADE remembers, across a configuration reload (HUP), that
# the folder is ours to remove.
_METRICS_DIR_MADE = "PORTAL_METRICS_DIR_MADE"
_METRICS_DIR_PREFIX = "portal-metrics-"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=_METRICS_DIR_PREFIX)
    os.environ[_METRICS_DIR_MADE] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _stale_metrics_folders_remove(made: Path) -> None:
    """Folders this file made for instances that were killed (SIGKILL runs no on_exit): each
    holds its master's pid, and one whose master is gone is removed."""
    for folder in made.parent.glob(f"{_METRICS_DIR_PREFIX}*"):
        try:
            pid = int((folder / "master.pid").read_text())
        except (OSError, ValueError):
            continue  # not started yet (its pid comes in on_starting), or not ours
        if folder != made and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def on_starting(server) -> None:
    """Unless a path was given (GUNICORN_CONTROL_SOCKET, --control-socket), name the control
    socket after the final bind addresses: read here, after the command line (`-b`) has had its
    say, rather than from BIND/PORT above.

    The metrics folder starts empty: values left by an earlier run of this instance would be
    added to the new workers' (their processes are gone, so nothing else would remove them)."""
    if server.cfg.control_socket == server.cfg.settings["control_socket"].default:
        server.cfg.set("control_socket", _control_socket_path(server.cfg.bind))
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("*.db"):
        leftover.unlink()
    if os.environ.get(_METRICS_DIR_MADE) == str(folder):
        (folder / "master.pid").write_text(str(os.getpid()))  # not *.db: no metric file
        _stale_metrics_folders_remove(folder)


def child_exit(server, worker) -> None:
    """A worker ended (recycled after max_requests, killed, timed out): its gauges leave the sum
    (counters stay, so totals never go backwards); prometheus-client's documented hook."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """The folder this file made for the metrics is removed with the instance."""
    made = os.environ.get(_METRICS_DIR_MADE)
    if made and made == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(made, ignore_errors=True)


workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Recycle workers now and then so a slow leak never becomes an outage. The app is loaded once in
# the master and workers are forked from it, so a new worker is ready in milliseconds instead of
# importing Django (and WeasyPrint) for a second or two while requests queue. Nothing opens a
# database or Redis connection at import time, so no socket is shared across the fork.
preload_app = True
# Sized for load: a worker answers about 1,000 cached pages a second, so 20,000 requests meant a
# restart every 20 s, each one emptying the worker's own page copies (kelurahan/pagecache.py) and
# its database pool. Each worker draws its own limit, uniformly between max_requests and
# max_requests + max_requests_jitter: 300,000-450,000 requests, 5 to 7.5 minutes at 1,000 req/s
# (days on a quiet site). A jitter half the base spreads the workers' restarts over 2.5 minutes,
# so two workers restarting in the same second is a ~1% chance per round rather than the rule,
# and the draws are made again for every new worker, so workers never fall into step. A
# restart is cheap (a fork of the preloaded master, milliseconds), and a leak that matters
# grows over hours, so a few minutes between restarts still caps it.
max_requests = 300_000
max_requests_jitter = 150_000
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Trust X-Forwarded-* only from the load balancer in front (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
