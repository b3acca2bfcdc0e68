"""The benchmark's own database: dropped and created anew each run, and measured afterwards."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

SIZE_SOURCE = {"postgresql": "pg_database_size", "sqlite": "SQLite file size"}

# Never drop these, whatever BENCH_DATABASE_URL says.
PROTECTED = {"postgres", "template0", "template1"}


def _maintenance(url: str) -> tuple[str, dict]:
    """The name of the database the URL names, and how to reach the "postgres" maintenance
    database on the same server, with the same user."""
    params = conninfo_to_dict(url)
    name = params.get("dbname")
    if not name or name in PROTECTED:
        raise SystemExit(f"Refusing to drop database {name!r}: name a benchmark database.")
    params["dbname"] = "postgres"
    return name, params


def postgres_drop(url: str) -> str:
    """Drop (closing its sessions) the database the URL names; return its name."""
    name, params = _maintenance(url)
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    return name


def postgres_recreate(url: str) -> str:
    """Drop (closing its sessions) and create the database the URL names; return its name."""
    postgres_drop(url)
    name, params = _maintenance(url)
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def sqlite_url(folder: str | Path) -> str:
    return f"sqlite:///{Path(folder).resolve() / 'bench.sqlite3'}"


def server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def database_size(connection) -> int:
    """Bytes on disk for the whole database (pg_database_size, or the SQLite files)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    path = Path(connection.settings_dict["NAME"])
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def table_size(connection, table: str) -> int | None:
    """Bytes of a table with its indexes and TOAST (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
        return cursor.fetchone()[0]


def settle(connection) -> str:
    """Bring the database to a steady state after a bulk load, before timing pages.

    VACUUM (ANALYZE) sets hint bits and the visibility map and refreshes planner statistics
    (autovacuum would, later, if it is on); CHECKPOINT flushes the load's dirty pages so their
    writing does not compete with the measurements. Returns what was done.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return "ANALYZE"
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    return "VACUUM (ANALYZE) and CHECKPOINT"


def autovacuum(connection) -> str:
    if connection.vendor != "postgresql":
        return "—"
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]
