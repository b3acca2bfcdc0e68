"""The database gone for one block of a test, as when PostgreSQL is stopped or unreachable.

    from tests.outage import database_down

    with database_down() as outage:
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503 and outage.attempts >= 1

Inside the block `django.db.connections["default"]` is a PostgreSQL connection to a closed port
(127.0.0.1:1, connect_timeout 1 s), so every query fails the way it does in production, with
django.db.OperationalError, on the SQLite and the PostgreSQL test runs alike; afterwards the real
connection (and the test's transaction on it) is back untouched. Use a test client with
`raise_request_exception=False` to get the response a visitor gets instead of the exception.

`database_down(pool=True)` goes through psycopg's connection pool instead, which waits for its
timeout (1 s here) and then raises psycopg_pool.PoolTimeout inside Django's wrapper.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

CLOSED_PORT = "1"  # nothing listens on port 1: connecting is refused at once
_aliases = itertools.count(1)


@dataclass
class Outage:
    """How often Django tried to connect during the outage (each attempt failed)."""

    attempts: int = 0


@contextlib.contextmanager
def database_down(alias: str = "default", *, pool: bool = False) -> Iterator[Outage]:
    real = connections[alias]
    options = {"connect_timeout": 1}
    if pool:
        # One pool per wrapper alias, kept by Django at class level: a fresh alias keeps this pool
        # apart from the real one. min_size=1 so the pool's worker keeps trying (and failing).
        options["pool"] = {"min_size": 1, "max_size": 1, "timeout": 1}
    settings_dict = {
        **real.settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "portal_unreachable",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": CLOSED_PORT,
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TEST": {},
    }
    down = DatabaseWrapper(settings_dict, f"outage-{next(_aliases)}" if pool else alias)
    outage = Outage()
    connect = down.get_new_connection

    def counted(conn_params):
        outage.attempts += 1
        return connect(conn_params)

    down.get_new_connection = counted
    connections[alias] = down
    try:
        yield outage
    finally:
        connections[alias] = real
        down.close()
        if pool:
            down.close_pool()
