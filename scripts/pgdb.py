"""Create or drop a scratch PostgreSQL database (and its test_ twin) for CI and benchmarks.

Usage: python scripts/pgdb.py create|drop NAME [SERVER_URL]
"""

import sys

import psycopg
from psycopg import sql


def main(action: str, name: str, server: str = "postgres://postgres@127.0.0.1:5432") -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
        for db in (name, f"test_{name}"):
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
            )
        if action == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("create", "drop"):
        sys.exit(__doc__)
    main(*sys.argv[1:])
