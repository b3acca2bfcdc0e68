"""PostgreSQL clusters of the cluster test's own: a primary (initdb, wal_level=replica,
replication allowed from the loopback) and a streaming replica made from it with
`pg_basebackup -R`, each on a free port in the test's folder. Run as root (CI), the server
programs run as the `postgres` user, as PostgreSQL requires."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _chown_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(command: list[str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own command line
        _as_server_user(command), capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


class PostgresCluster:
    """One PostgreSQL cluster in `folder` on `port`; `url(dbname)` reaches it over TCP."""

    def __init__(self, folder: Path, port: int):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = port
        self.log_path = self.folder / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def _prepare_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _chown_to_server_user(self.folder)

    def init_primary(self) -> None:
        self._prepare_folder()
        _run(
            [
                str(PG_BIN / "initdb"),
                "-D", str(self.data),
                "-U", "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# cluster test\n"
                "wal_level = replica\n"
                "max_wal_senders = 5\n"
                "hot_standby = on\n"
                # A test cluster: durability is not what it checks; fsync would only slow it.
                "fsync = off\n"
                "max_connections = 200\n"
            )
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def init_replica_of(self, primary: PostgresCluster) -> None:
        """A base backup of the running primary with standby.signal and primary_conninfo."""
        self._prepare_folder()
        _run(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h", "127.0.0.1",
                "-p", str(primary.port),
                "-U", "postgres",
                "-D", str(self.data),
                "-R",
                "-X", "stream",
                "--checkpoint=fast",
                "--no-sync",
            ]
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D", str(self.data),
                "-l", str(self.log_path),
                "-o", options,
                "-w",
                "-t", "60",
                "start",
            ]
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def query(self, sql: str, dbname: str = "postgres"):
        with psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
