"""Whole-page cache for public pages, invalidated per kelurahan the moment its content changes.

A public page is the same for every anonymous visitor (in one language), so the finished response
(its body, compressed once with gzip and with brotli, and every header the middleware gave it:
CSP, Permissions-Policy, X-Frame-Options, Vary, Content-Language) is kept in the cache (Redis in
production) with the two versions it was rendered under, and served only while both are current:
the city's (bumped when any kelurahan, kecamatan or city row changes, after provisioning, and
when a row shown on a city-wide list changes: `public_city_content`) and the kelurahan's (bumped
when any of its rows with `public_content` changes). A save or delete bumps a version, so the
next request renders afresh, and stale copies simply expire.

Django's cache_page cannot do this: its keys know nothing of kelurahan, so an edit would wait for
the timeout, or clearing would have to reach every page of the city.

Visitors with a session (staff, or a resident in the middle of a form) always get a fresh page.

A page is kept under its path and only the query parameters its view reads (`query`, in a fixed
order); any other parameter is ignored, so inventing query strings cannot fill the cache. Views
that read parameters answer 200 only at their canonical address (`canonical_redirect`): an
unknown category or a page past the end redirects, and only 200s are kept, so the number of
copies is bounded by real content. Free-text search (`search`) is served fresh, never kept.

Every write path empties the pages it changes: saves and deletes through signals, and bulk
updates and inserts through `PageCacheQuerySet`, which the tenant querysets build on.

The cache only accelerates: when it does not answer, the page is rendered and served uncached.

Where a hit is answered. A copy is the finished response, so a hit needs none of the middleware
(sessions, auth, OTP, messages, CSRF, axes, URL resolving, CSP): `PageCacheMiddleware` stands
first in settings.MIDDLEWARE and answers a hit itself, from this process's memory. Everything
else (a miss, a visitor with any cookie but the language and CSRF ones, staff, a POST, a query
parameter the view does not read) goes through the whole stack, where `cached_public_page`
looks in the shared cache and renders on a miss; the finished response is kept on its way back
out through `PageCacheMiddleware`. Hits happen in one place, `_hit` (from this process's
memory, `LocalCopies.get`, or from the shared cache in `cached_public_page`), a miss in one
place, `_render`.

Why a per-process copy checked against the versions, not redis-py's client-side caching. Both
take the Redis round trip off a hit. redis-py 8 can cache replies over RESP3 (`protocol=3`,
`cache_config`), with Redis pushing an invalidation when a key changes; but a cached reply is
served without touching the socket, so a node cut off from Redis (a partition, a black hole, a
frozen server: the outages tests/portal/test_cache_outage.py plays) never learns that a key
changed and serves its copies for as long as the partition lasts, while the breaker
(portal/cache.py) never trips because nothing is sent. Its replies would also still be pickled
copies, decoded on every hit. Here a copy is served only while its versions were confirmed by
Redis within the last PAGE_CACHE_CHECK_SECONDS (0.25 s against a shared cache): one small read
of two keys per kelurahan every quarter second, whatever the traffic, so a change made on any
node shows on every node within that time, well inside a second; and when the check fails
(Redis down, the breaker open) the copy is not served and the page is rendered afresh, exactly
as before. A change made in this process forgets the version at once: it shows on the next
request here. With a cache that lives in this process (local memory: development, tests) the
versions are read on every hit (PAGE_CACHE_CHECK_SECONDS 0), which costs a dictionary look-up.
The copies take at most PAGE_CACHE_LOCAL_BYTES of each process's memory (least recently used
go first); a recycled worker starts empty and fills from Redis.

Copies are kept compressed (gzip, and brotli for browsers that send `br`) and go out as they
are, so a hit costs no compression; a client taking neither gets the gzip copy decompressed. A
kept page holds nothing personal (no CSRF token, no session, no CSP nonce), so BREACH's random
padding is not needed for it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import DatabaseError, models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseRedirect
from django.http.request import split_domain_port
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

from kelurahan import compression, hosts, metrics
from kelurahan.language import cookie_language

CITY_KEY = "pages:v:city"
# Longer addresses (no page of ours needs one) are served fresh, not kept: a visitor inventing
# query strings could otherwise fill the cache. Each copy still expires after the timeout.
MAX_PATH = 200
# A bulk write touching more kelurahan than this empties every page (one write) instead of
# bumping each kelurahan's version (provisioning a whole province, say).
MAX_OWNERS = 50
# How often a process asks the shared cache whether the versions of its own copies are still
# current (PAGE_CACHE_CHECK_SECONDS overrides): a change shows on every node within this time.
CHECK_SECONDS = 0.25
# Copies and headers a process keeps are only ever served to requests carrying nothing personal.
HARMLESS_COOKIES = ("LANGUAGE_COOKIE_NAME", "CSRF_COOKIE_NAME")

# True while a page is rendered to be kept within DATABASE_REPLICA_PIN_SECONDS of a change to
# what it shows: the replica router (portal/db.py) then reads from the primary, so a copy kept
# under the new version never holds rows a lagging replica had not replayed yet.
render_after_change: ContextVar[bool] = ContextVar("render_after_change", default=False)


def _changed_recently(versions: tuple) -> bool:
    if "replica" not in settings.DATABASES:
        return False
    window = settings.DATABASE_REPLICA_PIN_SECONDS * 1_000_000_000
    return bool(window) and time.time_ns() - max(versions) < window


def _kelurahan_key(slug: str) -> str:
    return f"pages:v:k:{slug}"


def _timeout() -> int:
    return settings.PAGE_CACHE_SECONDS


def _set_version(key: str) -> None:
    """This process asks the cache again at its next hit, even if the write is lost; forgotten
    after the write too, should another thread have read the old version in between."""
    local.forget_version(key)
    cache.set(key, time.time_ns(), None)
    local.forget_version(key)


def _bump(key: str) -> None:
    """A new version now, and again when the transaction commits: a request that rendered the
    old rows between the two (the change not committed yet) kept its copy under the first new
    version, which the second one leaves behind."""
    _set_version(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _set_version(key))


def city_pages_invalidate() -> None:
    """Every cached public page of the deployment is stale (the city version is in every key)."""
    _bump(CITY_KEY)


def kelurahan_pages_invalidate(slug: str) -> None:
    _bump(_kelurahan_key(slug))


def _start_versions(found: dict, keys: list[str]) -> bool:
    """Versions not in the cache yet (or after it was emptied) start now; add() keeps one that a
    concurrent request started first. False when the cache does not answer."""
    for key in keys:
        if found.get(key) is None:
            cache.add(key, time.time_ns(), None)
            found[key] = cache.get(key)
            if found[key] is None:
                return False
    return True


def kept_query(request, query: tuple[str, ...]) -> list[tuple[str, str]]:
    """Only the parameters the view reads, sorted, first value of each."""
    return sorted((name, request.GET[name]) for name in query if request.GET.get(name))


def _key(site: hosts.Site, language: str, path: str, kept: list[tuple[str, str]]) -> str:
    """The site the host names (`/` on two hosts is two pages, kelurahan/hosts.py), the
    language, the path and the kept parameters. "pages:2:": copies are finished responses (the
    copies of before, view responses without the middleware's headers, are never read)."""
    address = f"{path}?{urlencode(kept)}" if kept else path
    digest = hashlib.sha256(f"{site.cache_key} {address}".encode()).hexdigest()
    return f"pages:2:{language}:{digest}"


def _page_key(request, query: tuple[str, ...]) -> str:
    """The key of the page a view renders: only the parameters the view reads count."""
    site = hosts.request_site(request)
    return _key(site, request.LANGUAGE_CODE, request.path, kept_query(request, query))


def _hit_key(request) -> str | None:
    """The key a copy of this request's page would have, read before any middleware, or None
    when this request must go through the whole stack. Every non-empty parameter counts: a copy
    is kept under the parameters its view reads, so an address with any other one is not found
    here and takes the full path (where the view's own key ignores it)."""
    if not _cacheable_request(request) or len(request.path) > MAX_PATH:
        return None
    if request.path_info.startswith(settings.STATIC_URL or "/static/"):
        return None  # whitenoise's
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # SecurityMiddleware redirects it
    try:
        domain, _port = split_domain_port(request.get_host())
        site = hosts.site_for_host(domain)
    except (DisallowedHost, DatabaseError):
        return None  # the stack answers as it always does (400, the database's 503 page)
    if site is None:
        return None  # SiteMiddleware's 404
    kept = sorted((name, request.GET[name]) for name in request.GET if request.GET.get(name))
    return _key(site, cookie_language(request), request.path, kept)


def canonical_redirect(request, canonical: dict, *, page=None) -> HttpResponseRedirect | None:
    """A redirect to the page's canonical address when the request's values of the parameters
    in `canonical` differ from what the view made of them (an unknown category, a page number
    past the end, "?page=1"), else None. `canonical` holds the view's validated values; empty
    ones are left out of the address. `page`: the Paginator page shown, if the view pages."""
    if page is not None:
        canonical = {**canonical, "page": page.number if page.number > 1 else ""}
    wanted = {name: str(value) for name, value in canonical.items() if value not in ("", None)}
    asked = {name: request.GET[name] for name in canonical if request.GET.get(name)}
    if asked == wanted:
        return None
    return HttpResponseRedirect(f"{request.path}?{urlencode(wanted)}" if wanted else request.path)


def _cacheable_request(request) -> bool:
    """Only visitors carrying nothing personal: no session, no pending messages."""
    harmless = {getattr(settings, name) for name in HARMLESS_COOKIES}
    return _timeout() > 0 and request.method in ("GET", "HEAD") and set(request.COOKIES) <= harmless


@dataclass(frozen=True, slots=True)
class Copy:
    """A finished response as kept: the versions it was rendered under (and their keys, so a
    hit can check them before anything knows which view the path belongs to), the body
    compressed twice, the headers (without Content-Length and Content-Encoding), and the name
    of the view that rendered it (a hit is counted under it in /metrics)."""

    version_keys: tuple[str, ...]
    versions: tuple[int, ...]
    gzipped: bytes
    brotli: bytes
    headers: dict[str, str]
    view_name: str = ""

    def as_kept(self) -> tuple:
        """A plain tuple in the shared cache: a renamed class never breaks reading it."""
        return (
            self.version_keys,
            self.versions,
            self.gzipped,
            self.brotli,
            self.headers,
            self.view_name,
        )

    @classmethod
    def from_kept(cls, kept) -> Copy | None:
        if not isinstance(kept, tuple) or len(kept) != 6:
            return None
        return cls(*kept)

    @property
    def size(self) -> int:
        return len(self.gzipped) + len(self.brotli) + 200 * len(self.headers)


class LocalCopies:
    """This process's copies of pages, and the versions as last read from the cache.

    A copy is served only while every version it was rendered under was confirmed by the
    cache within `check_seconds()`; one read of the versions serves every copy that depends on
    them. When the cache does not answer (down, the breaker open: get_many answers {}), nothing
    is confirmed and nothing is served from here. Thread-safe (GUNICORN_THREADS)."""

    def __init__(self, *, cache=cache, clock=time.monotonic, max_bytes=None):
        self.cache = cache
        self.clock = clock
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._copies: OrderedDict[str, Copy] = OrderedDict()
        self._bytes = 0
        # version key -> (the version, when the cache confirmed it)
        self._versions: dict[str, tuple[int, float]] = {}

    def check_seconds(self) -> float:
        """How long a version read from the cache is trusted here. A cache in this process's
        own memory (local memory, dummy) is read on every hit: nothing else changes it unseen."""
        seconds = getattr(settings, "PAGE_CACHE_CHECK_SECONDS", None)
        if seconds is not None:
            return seconds
        backend = caches[DEFAULT_CACHE_ALIAS] if self.cache is cache else self.cache
        return 0.0 if isinstance(backend, LocMemCache | DummyCache) else CHECK_SECONDS

    def _limit(self) -> int:
        if self.max_bytes is not None:
            return self.max_bytes
        return settings.PAGE_CACHE_LOCAL_BYTES

    def get(self, key: str) -> Copy | None:
        """The copy of `key` if its versions are current, else None (and a stale copy goes)."""
        with self._lock:
            copy = self._copies.get(key)
            if copy is None:
                return None
            self._copies.move_to_end(key)
        if self.current_versions(copy.version_keys) == copy.versions:
            return copy
        self.discard(key)
        return None

    def current_versions(self, keys: tuple[str, ...]) -> tuple[int, ...] | None:
        """The versions of `keys`, read from the cache unless confirmed within the check time;
        None when the cache does not have them all (emptied, or not answering)."""
        now = self.clock()
        trusted_since = now - self.check_seconds()
        known = [self._versions.get(key) for key in keys]
        if all(entry is not None and entry[1] > trusted_since for entry in known):
            return tuple(entry[0] for entry in known)
        found = self.cache.get_many(list(keys))
        if any(found.get(key) is None for key in keys):
            return None
        self.note_versions(keys, tuple(found[key] for key in keys), at=now)
        return tuple(found[key] for key in keys)

    def note_versions(self, keys, versions, *, at=None) -> None:
        """Versions just read from the cache (by a request that went through the stack)."""
        at = self.clock() if at is None else at
        for key, version in zip(keys, versions, strict=True):
            self._versions[key] = (version, at)

    def forget_version(self, key: str) -> None:
        self._versions.pop(key, None)

    def put(self, key: str, copy: Copy) -> None:
        limit = self._limit()
        if copy.size > limit:
            return
        with self._lock:
            self._discard(key)
            self._copies[key] = copy
            self._bytes += copy.size
            while self._bytes > limit:
                _key, oldest = self._copies.popitem(last=False)
                self._bytes -= oldest.size

    def discard(self, key: str) -> None:
        with self._lock:
            self._discard(key)

    def _discard(self, key: str) -> None:
        old = self._copies.pop(key, None)
        if old is not None:
            self._bytes -= old.size

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()
            self._versions.clear()
            self._bytes = 0


local = LocalCopies()


def _hit(request, copy: Copy) -> HttpResponse:
    """A hit, from this process's memory or the shared cache: the one place a request is
    answered from the page cache."""
    metrics.page_cache_hit()
    request.page_cache_view = copy.view_name  # for /metrics: no URL is resolved on a hit
    return _answer(request, copy)


def _answer(request, copy: Copy) -> HttpResponse:
    """The kept response, in the encoding the client takes best."""
    encoding = compression.accepted(request)
    if encoding == "br":
        body = copy.brotli
    elif encoding == "gzip":
        body = copy.gzipped
    else:
        body = gzip.decompress(copy.gzipped)
    response = HttpResponse(body, headers=copy.headers)
    response.headers["Content-Length"] = str(len(body))
    if encoding is not None:
        response.headers["Content-Encoding"] = encoding
    return response


@dataclass(frozen=True, slots=True)
class _Pending:
    """A page rendered on a miss, to be kept once the middleware has finished it."""

    key: str
    version_keys: tuple[str, ...]
    versions: tuple[int, ...]


def will_keep(request, response) -> bool:
    """True when this finished response is to be kept (PageCacheMiddleware then compresses it;
    compression middleware further in leaves it alone). Nothing personal is ever kept: no
    cookie set, no CSRF token on the page, no CSP nonce, nothing marked private."""
    if getattr(request, "_page_cache_pending", None) is None:
        return False
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Content-Encoding")
        and "private" not in cache_control
        and "no-store" not in cache_control
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not isinstance(getattr(request, "_csp_nonce", None), str)
    )


def _keep(request, response) -> HttpResponse:
    """Keep a finished response (shared cache and this process) and answer from the copy."""
    pending = request._page_cache_pending
    patch_vary_headers(response, ("Accept-Encoding",))
    headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "content-encoding")
    }
    copy = Copy(
        version_keys=pending.version_keys,
        versions=pending.versions,
        gzipped=compress_string(response.content),
        brotli=compression.brotli_compress(response.content, kept=True),
        headers=headers,
        view_name=getattr(request.resolver_match, "view_name", ""),
    )
    cache.set(pending.key, copy.as_kept(), _timeout())
    local.put(pending.key, copy)
    return _answer(request, copy)


class PageCacheMiddleware:
    """First in settings.MIDDLEWARE: answers a hit before any other middleware runs, and keeps
    the finished response of a page `cached_public_page` rendered on a miss."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _hit_key(request)
        if key is not None:
            copy = local.get(key)
            if copy is not None:
                return _hit(request, copy)
        response = self.get_response(request)
        if will_keep(request, response):
            return _keep(request, response)
        if getattr(request, "_page_cache_pending", None) is not None:
            # Not kept after all: compress it as any other response.
            return compression.compress(request, response)
        return response


def _render(request, view, args, kwargs, *, key: str, keys: list[str], versions: tuple):
    """A miss: render the page; PageCacheMiddleware keeps it on its way out. The one place a
    page is rendered for the page cache (count misses here; a page served fresh because the
    cache does not answer, or for a search or a visitor with a session, never gets here)."""
    metrics.page_cache_miss()
    token = render_after_change.set(_changed_recently(versions))
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response.render()
    finally:
        render_after_change.reset(token)
    if response.status_code == 200 and not response.streaming:
        request._page_cache_pending = _Pending(key, tuple(keys), versions)
    return response


def cached_public_page(
    view=None,
    *,
    per_kelurahan: bool = True,
    query: tuple[str, ...] = (),
    search: tuple[str, ...] = (),
):
    """Decorate a public view: serve its cached copy, or render it to be kept.

    `per_kelurahan` views take the kelurahan's `slug`; others (city pages) depend on the city
    version only. `query`: the parameters the view reads (the copy is kept per their values);
    `search`: free-text parameters, with which a page is served fresh. Only complete 200
    responses without cookies are kept (`will_keep`).
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            # The canonical link names the same parameters (kelurahan/templatetags/sites.py).
            request.page_cache_query = query
            if (
                not _cacheable_request(request)
                or len(request.path) > MAX_PATH
                or any(request.GET.get(name) for name in search)
            ):
                return view(request, *args, **kwargs)
            keys = [CITY_KEY]
            if per_kelurahan:
                keys.append(_kelurahan_key(kwargs["slug"]))
            key = _page_key(request, query)
            # One round trip: the versions and the kept copy, which records the versions it was
            # rendered under; it is served only if they are still current.
            found = cache.get_many([*keys, key])
            if not _start_versions(found, keys):
                return view(request, *args, **kwargs)  # the cache is not answering
            versions = tuple(found[version] for version in keys)
            local.note_versions(keys, versions)
            kept = Copy.from_kept(found.get(key))
            if kept is not None and kept.versions == versions:
                local.put(key, kept)  # the next request is answered before the middleware
                return _hit(request, kept)
            return _render(request, view, args, kwargs, key=key, keys=keys, versions=versions)

        return wrapped

    return decorate(view) if view is not None else decorate


def _region_models():
    """City, Kecamatan, Kelurahan: from the app registry, as kelurahan/models.py builds on this
    module (no import circle)."""
    return (apps.get_model("kelurahan", name) for name in ("City", "Kecamatan", "Kelurahan"))


def _model_pages_invalidate(model, kelurahan_ids) -> None:
    """Rows of `model` owned by `kelurahan_ids` changed: bump the versions their pages use."""
    City, Kecamatan, Kelurahan = _region_models()

    if issubclass(model, City | Kecamatan):
        city_pages_invalidate()
        return
    if issubclass(model, Kelurahan):
        city_pages_invalidate()  # names and lists on city pages
    elif getattr(model, "public_city_content", False):
        city_pages_invalidate()  # also on city-wide lists (UMKM, wisata)
    elif not getattr(model, "public_content", False):
        return
    ids = {pk for pk in kelurahan_ids if pk is not None}
    if len(ids) > MAX_OWNERS:
        city_pages_invalidate()  # the city version is in every key: all pages at once
    elif ids:
        slugs = Kelurahan.objects.filter(pk__in=ids).values_list("slug", flat=True)
        for slug in slugs:
            kelurahan_pages_invalidate(slug)


def _changed(sender, instance, **kwargs):
    """post_save / post_delete of any model: bump the versions its public pages depend on."""
    Kelurahan = apps.get_model("kelurahan", "Kelurahan")

    if isinstance(instance, Kelurahan):
        city_pages_invalidate()
        kelurahan_pages_invalidate(instance.slug)  # the old slug's pages, too, on a rename
        return
    _model_pages_invalidate(type(instance), [getattr(instance, "kelurahan_id", None)])


def _shows_publicly(model) -> bool:
    City, Kecamatan, Kelurahan = _region_models()

    return (
        issubclass(model, City | Kecamatan | Kelurahan)
        or getattr(model, "public_content", False)
        or getattr(model, "public_city_content", False)
    )


class PageCacheQuerySet(models.QuerySet):
    """Bulk writes (update, bulk_create, bulk_update) send no post_save, so they empty the
    pages they change here: the kelurahan the rows belonged to before and after the write."""

    def _owners(self) -> set:
        Kelurahan = apps.get_model("kelurahan", "Kelurahan")

        if issubclass(self.model, Kelurahan):
            field = "pk"
        elif any(f.attname == "kelurahan_id" for f in self.model._meta.concrete_fields):
            field = "kelurahan_id"
        else:
            return set()
        return set(self.order_by().values_list(field, flat=True).distinct()[: MAX_OWNERS + 1])

    def update(self, **kwargs):
        if not _shows_publicly(self.model):
            return super().update(**kwargs)
        owners = self._owners()
        count = super().update(**kwargs)
        if count:
            moved_to = kwargs.get("kelurahan_id", kwargs.get("kelurahan"))
            if moved_to is not None:
                owners.add(getattr(moved_to, "pk", moved_to))
            _model_pages_invalidate(self.model, owners)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created and _shows_publicly(self.model):
            _model_pages_invalidate(self.model, {_owner_id(obj) for obj in created})
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        count = super().bulk_update(objs, fields, *args, **kwargs)
        if count and _shows_publicly(self.model):
            _model_pages_invalidate(self.model, {_owner_id(obj) for obj in objs})
        return count


def _owner_id(obj):
    Kelurahan = apps.get_model("kelurahan", "Kelurahan")

    return obj.pk if isinstance(obj, Kelurahan) else getattr(obj, "kelurahan_id", None)


def _settings_changed(*, setting, **_kwargs) -> None:
    """Another cache (a test pointing CACHES at its own Redis): this process's copies go."""
    if setting in ("CACHES", "PAGE_CACHE_SECONDS"):
        local.clear()


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="kelurahan.pagecache.save")
    post_delete.connect(_changed, dispatch_uid="kelurahan.pagecache.delete")
    setting_changed.connect(_settings_changed, dispatch_uid="kelurahan.pagecache.settings")
