"""A real Redis for outage tests: a redis-server of the test's own on a free port, which a test
can stop (SIGKILL: connections refused), freeze (SIGSTOP: the kernel still accepts connections,
nobody answers, and the data stays: a black hole) and thaw again; and a black-hole listener
that counts the connections it swallows."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
from django.test import override_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="portal-redis-")
        self._command = [
            binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", self._dir,
        ]  # fmt: skip
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def dbsize(self) -> int:
        import redis

        return redis.Redis(port=self.port).dbsize()

    def used_memory(self) -> int:
        import redis

        return redis.Redis(port=self.port).info("memory")["used_memory"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.thaw()
            self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


class BlackHole:
    """Accepts connections and never answers; counts how many it was sent."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.accepted = 0
        self._held = []
        self._socket = socket.create_server(("127.0.0.1", self.port), backlog=100)
        self._socket.settimeout(0.1)
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while self._running:
            try:
                conn, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)

    def close(self):
        self._running = False
        self._thread.join()
        for conn in self._held:
            conn.close()
        self._socket.close()


def redis_cache_settings(url: str, *, breaker_seconds: float = 5.0) -> override_settings:
    """The default cache on `url`, as production configures it (portal/settings.py)."""
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "portal.cache.RedisCache",
                "LOCATION": url,
                "OPTIONS": {
                    "socket_connect_timeout": 0.25,
                    "socket_timeout": 0.25,
                    "BREAKER_SECONDS": breaker_seconds,
                },
            },
            "ratelimit": {"BACKEND": "portal.ratelimit.DatabaseCounterCache"},
        },
        PAGE_CACHE_SECONDS=600,
    )
