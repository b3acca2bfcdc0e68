"""Reads from a PostgreSQL streaming replica (DATABASE_REPLICA_URL), without a visitor ever
missing their own write, and without the replica becoming something the portal cannot do without.

Only public reads go to the replica: a GET or HEAD by an anonymous visitor (no session cookie)
outside the staff screens (/admin/, /staf/). Everything else reads from the primary: any other
method, the staff screens, a visitor with a session, every query inside `transaction.atomic`
(signing and numbering lock rows there, and a read beside a transaction must see what it wrote),
the rest of a request once it has written, and code run outside a request (commands, the shell,
a task worker). Writes always go to the primary.

Read-your-writes: a request that wrote (or was not a GET or HEAD) gets a short-lived signed
cookie, REPLICA_PIN_COOKIE, for DATABASE_REPLICA_PIN_SECONDS; while it is valid that visitor
reads from the primary. A cookie, not a session flag: a session would be a database row per
anonymous visitor and a cookie that outlives the pin by weeks. The pin cookie is not one the page
cache calls harmless, so the writer is served fresh from the primary for those seconds, while
every other visitor keeps getting the shared cached copy (kelurahan/pagecache.py); the browser
drops the cookie when it expires, and the server ignores it after that anyway (it is signed with
its time). A forged cookie buys nothing: any unknown cookie already skips the page cache.

A page rendered for the page cache soon after a change to what it shows (while
`pagecache.render_after_change` is set) reads from the primary too, so a lagging replica can
never leave the old rows in a copy kept under the new version.

The replica only offloads: when it cannot be reached, reads go to the primary. A breaker skips it
for DATABASE_REPLICA_BREAKER_SECONDS after a failure (then one request tries again), and one
warning is logged when an outage starts, one line when it ends. A GET whose replica connection
is cut mid-request runs once more, on the primary.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

from kelurahan.pagecache import render_after_change
from portal.breaker import Breaker
from portal.errors import database_unreachable

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
REPLICA_PIN_COOKIE = "portal_primary"
_PIN_SALT = "portal.db.pin"
SAFE_METHODS = ("GET", "HEAD")
STAFF_PREFIXES = ("/staf/",)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@dataclass
class _Routing:
    """Where this request reads. `replica`: it may read from the replica; `usable`: whether the
    replica answered when this request first needed it (None: not asked yet)."""

    replica: bool
    usable: bool | None = None
    wrote: bool = False
    replica_failed: bool = False


_routing: ContextVar[_Routing | None] = ContextVar("portal_db_routing", default=None)


class ReplicaBreaker(Breaker):
    """The replica's breaker (portal/breaker.py); logs once when an outage starts and once when
    it ends."""

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if not self._open():
                return
        first_line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        logger.warning(
            "Database replica unavailable (%s: %s); reading from the primary, "
            "trying again every %g s",
            type(exc).__name__,
            first_line,
            self.cooldown,
        )

    def succeeded(self) -> None:
        if not self.is_down:
            return
        with self._lock:
            seconds = self._close()
        if seconds is not None:
            logger.warning("Database replica available again after %.1f s", seconds)


breaker = ReplicaBreaker(cooldown=settings.DATABASE_REPLICA_BREAKER_SECONDS, part="replica")


def _replica_connect() -> bool:
    """Whether the replica gives this thread a connection now (through the breaker)."""
    if not breaker.allows():
        return False
    try:
        connections[REPLICA].ensure_connection()
    except Exception as exc:
        if not database_unreachable(exception=exc):
            raise
        connections[REPLICA].close()
        breaker.failed(exc)
        return False
    breaker.succeeded()
    return True


def replica_probe() -> dict:
    """For /readyz: ask the replica now (bypassing the breaker, which it closes or opens), and
    say how far behind the primary it is, where PostgreSQL tells."""
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
            lag = None
            if replica.vendor == "postgresql":
                # Caught up (all WAL received is replayed): 0, however long the primary has
                # been idle; else the age of the last transaction replayed. NULL: not a replica.
                cursor.execute(
                    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
                    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) "
                    "END"
                )
                lag = cursor.fetchone()[0]
    except Exception as exc:
        if database_unreachable(exception=exc):
            replica.close()
            breaker.failed(exc)
        raise
    breaker.succeeded()
    return {} if lag is None else {"lag_seconds": round(float(lag), 3)}


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads to the replica only where this request allows it."""

    def db_for_read(self, model, **hints):
        routing = _routing.get()
        if routing is None or not routing.replica or render_after_change.get():
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if routing.usable is None:
            routing.usable = _replica_connect()
        return REPLICA if routing.usable else PRIMARY

    def db_for_write(self, model, **hints):
        routing = _routing.get()
        if routing is not None:
            routing.wrote = True
            routing.replica = False  # the rest of the request reads what it wrote
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # it replicates the primary's schema


def _pin_valid(request) -> bool:
    value = request.COOKIES.get(REPLICA_PIN_COOKIE)
    if not value:
        return False
    try:
        signing.TimestampSigner(salt=_PIN_SALT).unsign(
            value, max_age=settings.DATABASE_REPLICA_PIN_SECONDS
        )
    except signing.BadSignature:  # also SignatureExpired
        return False
    return True


class ReplicaMiddleware:
    """Decides, per request, whether it may read from the replica, and pins a writer to the
    primary for DATABASE_REPLICA_PIN_SECONDS. First in MIDDLEWARE after TenancyMiddleware, so no
    query of the request runs before the decision; settings add it only with a replica."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.staff_prefixes = (reverse("admin:index"), *STAFF_PREFIXES)

    def _may_read_replica(self, request) -> bool:
        return (
            request.method in SAFE_METHODS
            and not request.path_info.startswith(self.staff_prefixes)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not _pin_valid(request)
        )

    def _watch(self, execute, sql, params, many, context):
        """Around every replica query: a lost connection opens the breaker, so the retry (and
        every request for a while) reads from the primary."""
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            if database_unreachable(exception=exc):
                routing = _routing.get()
                if routing is not None:
                    routing.replica_failed = True
                    routing.usable = False
                breaker.failed(exc)
            raise

    def __call__(self, request):
        routing = _Routing(replica=self._may_read_replica(request))
        token = _routing.set(routing)
        try:
            if routing.replica:
                with connections[REPLICA].execute_wrapper(self._watch):
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
        finally:
            _routing.reset(token)
        if routing.wrote or request.method not in SAFE_METHODS:
            self._pin(response)
        return response

    def process_exception(self, request, exception):
        """A GET whose replica connection failed mid-request: once more, on the primary."""
        routing = _routing.get()
        if routing is None or not routing.replica_failed or request.method not in SAFE_METHODS:
            return None
        if getattr(request, "_replica_retried", False) or request.resolver_match is None:
            return None
        request._replica_retried = True
        connections[REPLICA].close()
        routing.replica = False
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)

    @staticmethod
    def _pin(response) -> None:
        response.set_cookie(
            REPLICA_PIN_COOKIE,
            signing.TimestampSigner(salt=_PIN_SALT).sign("1"),
            max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
