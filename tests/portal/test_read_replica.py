"""The read replica (portal/db.py): public reads go to it, writes and a writer's next seconds,
staff screens and transactions to the primary; an unreachable replica costs nothing but a log line.

The replica alias exists only when DATABASE_REPLICA_URL is set (settings read it once), so the
cases that need it run in a pytest of their own with it set, where the test database is mirrored
to the "replica" alias (Django's TEST MIRROR): both aliases read the same rows, and each test asks
which alias a query went through. Without it, the portal has no second alias, router or cookie.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connections, router, transaction
from django.test import Client
from django.urls import reverse

from kelurahan import pagecache
from kelurahan.models import Kelurahan
from portal import db
from tests.umkm.test_moderation import proposal
from umkm.models import Business

ROOT = Path(__file__).resolve().parents[2]
CONFIGURED = "replica" in settings.DATABASES
needs_replica = pytest.mark.skipif(not CONFIGURED, reason="DATABASE_REPLICA_URL is not set")
without_replica = pytest.mark.skipif(CONFIGURED, reason="DATABASE_REPLICA_URL is set")
replica_db = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@contextmanager
def queries_by_alias():
    """The SQL each alias ran inside the block."""
    seen: dict[str, list[str]] = {"default": [], "replica": []}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    with ExitStack() as stack:
        for alias in seen:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen


def settled(kelurahan) -> None:
    """Page-cache versions from long ago: nothing shown on the kelurahan's pages just changed
    (a page rendered within seconds of a change reads from the primary)."""
    cache.set(pagecache.CITY_KEY, 1, None)
    cache.set(pagecache._kelurahan_key(kelurahan.slug), 1, None)


def home(kelurahan) -> str:
    return reverse("kelurahan:home", kwargs={"slug": kelurahan.slug})


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fresh_breaker(monkeypatch):
    """A breaker of the test's own (60 s cooldown), on a clock the test moves."""
    clock = Clock()
    if CONFIGURED:
        monkeypatch.setattr(db, "breaker", db.ReplicaBreaker(cooldown=60, clock=clock))
    return clock


# --- With a replica -------------------------------------------------------------------------


@needs_replica
@replica_db
def test_a_public_page_reads_from_the_replica(client, kelurahan_a, fresh_breaker):
    settled(kelurahan_a)

    with queries_by_alias() as seen:
        response = client.get(home(kelurahan_a))

    assert response.status_code == 200
    assert seen["replica"] and not seen["default"]
    assert db.REPLICA_PIN_COOKIE not in response.cookies


@needs_replica
@replica_db
def test_a_page_kept_right_after_a_change_is_rendered_from_the_primary(
    client, kelurahan_a, fresh_breaker
):
    pagecache.kelurahan_pages_invalidate(kelurahan_a.slug)  # an operator's edit, just now

    with queries_by_alias() as seen:
        assert client.get(home(kelurahan_a)).status_code == 200

    assert seen["default"] and not seen["replica"]


@needs_replica
@replica_db
def test_a_write_goes_to_the_primary_and_the_writer_reads_there_for_a_few_seconds(
    client, kelurahan_a, fresh_breaker, monkeypatch
):
    url = reverse("umkm:business_propose", kwargs={"slug": kelurahan_a.slug})
    with queries_by_alias() as seen:
        response = client.post(url, proposal())

    assert response.status_code == 302
    assert Business.objects.filter(name="Keripik Tempe Bu Sum").exists()
    assert seen["default"] and not seen["replica"]
    pin = response.cookies[db.REPLICA_PIN_COOKIE]
    assert pin["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS
    assert pin["httponly"]

    settled(kelurahan_a)
    with queries_by_alias() as seen:
        assert client.get(home(kelurahan_a)).status_code == 200
    assert seen["default"] and not seen["replica"]

    later = time.time() + settings.DATABASE_REPLICA_PIN_SECONDS + 1
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with queries_by_alias() as seen:
        assert client.get(home(kelurahan_a)).status_code == 200
    assert seen["replica"] and not seen["default"]


@needs_replica
@replica_db
def test_another_visitor_still_gets_the_shared_cached_page(client, kelurahan_a, fresh_breaker):
    url = reverse("umkm:business_propose", kwargs={"slug": kelurahan_a.slug})
    client.post(url, proposal())
    assert db.REPLICA_PIN_COOKIE in client.cookies
    settled(kelurahan_a)
    assert client.get(home(kelurahan_a)).status_code == 200  # the writer: fresh, not kept

    other = Client()
    first = other.get(home(kelurahan_a))
    with queries_by_alias() as seen:
        again = other.get(home(kelurahan_a))

    assert first.status_code == again.status_code == 200
    assert not first.cookies and not again.cookies
    assert seen == {"default": [], "replica": []}  # served from the page cache
    assert again.content == first.content


@needs_replica
@replica_db
@pytest.mark.parametrize("page", ["admin:index", "admin:umkm_business_changelist"])
def test_staff_screens_read_from_the_primary(as_diskominfo, page, fresh_breaker):
    with queries_by_alias() as seen:
        assert as_diskominfo.get(reverse(page)).status_code == 200

    assert seen["default"] and not seen["replica"]


@needs_replica
@replica_db
def test_a_visitor_with_a_session_reads_from_the_primary(client, kelurahan_a, fresh_breaker):
    settled(kelurahan_a)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32

    with queries_by_alias() as seen:
        assert client.get(home(kelurahan_a)).status_code == 200

    assert seen["default"] and not seen["replica"]


@needs_replica
@replica_db
def test_inside_a_transaction_and_outside_a_request_everything_reads_from_the_primary(
    kelurahan_a, fresh_breaker
):
    assert router.db_for_read(Kelurahan) == "default"  # a command, the shell, a worker

    token = db._routing.set(db._Routing(replica=True))
    try:
        assert router.db_for_read(Kelurahan) == "replica"
        with transaction.atomic():
            assert router.db_for_read(Kelurahan) == "default"
        assert router.db_for_write(Kelurahan) == "default"
        assert router.db_for_read(Kelurahan) == "default"  # read what it wrote
    finally:
        db._routing.reset(token)


@contextmanager
def unreachable_replica():
    """The replica alias pointed where nothing answers: a closed port (PostgreSQL), a file that
    cannot be opened (SQLite)."""
    replica = connections["replica"]
    saved = dict(replica.settings_dict)
    if replica.vendor == "postgresql":
        replica.settings_dict["PORT"] = "1"  # nothing listens there
    else:
        replica.settings_dict["NAME"] = "/nonexistent/replica/db.sqlite3"
    replica.close()
    if hasattr(replica, "close_pool"):
        replica.close_pool()
    try:
        yield
    finally:
        replica.close()
        if hasattr(replica, "close_pool"):
            replica.close_pool()
        replica.settings_dict.update(saved)


@needs_replica
@replica_db
def test_an_unreachable_replica_leaves_public_pages_to_the_primary_with_one_log_line(
    kelurahan_a, fresh_breaker, caplog
):
    settled(kelurahan_a)
    visitors = [Client() for _ in range(3)]

    with unreachable_replica(), caplog.at_level(logging.WARNING, logger="portal.db"):
        with queries_by_alias() as seen:
            pages = [
                visitor.get(reverse("kelurahan:profile", args=[kelurahan_a.slug]))
                for visitor in visitors
            ]
            pages.append(Client().get(reverse("portal:search"), {"q": "pajang"}))
        ready = Client().get("/readyz")

    assert [page.status_code for page in pages] == [200] * 4
    assert seen["default"] and not seen["replica"]
    outage = [r for r in caplog.records if r.name == "portal.db"]
    assert len(outage) == 1
    assert "Database replica unavailable" in outage[0].getMessage()
    assert not [r for r in caplog.records if r.name == "psycopg.pool"]  # no line per reconnect
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["replica"]["ok"] is False

    fresh_breaker.now += 61  # the next request tries the replica again
    with caplog.at_level(logging.WARNING, logger="portal.db"), queries_by_alias() as seen:
        assert Client().get(reverse("portal:search"), {"q": "pajang"}).status_code == 200
    assert seen["replica"]
    assert "available again" in caplog.records[-1].getMessage()


@needs_replica
@replica_db
def test_readyz_reports_a_working_replica(client, fresh_breaker):
    body = client.get("/readyz").json()

    assert body["checks"]["replica"]["ok"] is True
    if connections["replica"].vendor != "postgresql":
        assert "lag_seconds" not in body["checks"]["replica"]


def test_the_breaker_skips_the_replica_for_its_cooldown_and_then_lets_one_request_try(caplog):
    clock = Clock()
    breaker = db.ReplicaBreaker(cooldown=10, clock=clock)
    assert breaker.allows()

    with caplog.at_level(logging.WARNING, logger="portal.db"):
        breaker.failed(OSError("connection refused"))
        breaker.failed(OSError("connection refused"))
        clock.now += 9
        skipped = breaker.allows()
        clock.now += 2
        probes = [breaker.allows(), breaker.allows()]
        breaker.succeeded()

    assert not skipped
    assert probes == [True, False]  # one request probes, the others keep to the primary
    assert breaker.allows() and not breaker.is_down
    assert [r.getMessage()[:35] for r in caplog.records] == [
        "Database replica unavailable (OSErr",
        "Database replica available again af",
    ]


# --- Without a replica ----------------------------------------------------------------------


@without_replica
@pytest.mark.django_db
def test_without_a_replica_there_is_no_second_alias_router_or_pin_cookie(client, kelurahan_a):
    assert list(settings.DATABASES) == ["default"]
    assert not settings.DATABASE_ROUTERS
    assert "portal.db.ReplicaMiddleware" not in settings.MIDDLEWARE
    url = reverse("umkm:business_propose", kwargs={"slug": kelurahan_a.slug})

    response = client.post(url, proposal())

    assert response.status_code == 302
    assert "portal_primary" not in response.cookies
    assert "replica" not in client.get("/readyz").json()["checks"]


def _own_database(url: str) -> str:
    """The same server, a database of the child's own (its test database must not be ours)."""
    return f"{url.rstrip('/')}_replica" if url.startswith("postgres") else url


@without_replica
def test_the_replica_cases_pass_with_a_replica_configured():
    """Runs this module again in a pytest of its own, with DATABASE_REPLICA_URL set."""
    env = dict(os.environ)
    primary = env.get("DATABASE_URL", "")
    if primary:
        env["DATABASE_URL"] = _own_database(primary)
    env["DATABASE_REPLICA_URL"] = env.get("DATABASE_URL") or "sqlite:///replica-test.sqlite3"
    env.pop("PYTEST_ADDOPTS", None)

    result = subprocess.run(  # noqa: S603 - our own interpreter and test file
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    summary = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, summary
    assert " passed" in result.stdout and "failed" not in result.stdout, summary
