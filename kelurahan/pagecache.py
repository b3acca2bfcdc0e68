"""Whole-page cache for public pages, invalidated per kelurahan the moment its content changes.

A public page is the same for every anonymous visitor (in one language), so its rendered bytes
are kept in the cache (Redis in production) with the two versions it was rendered under, and
served only while both are current: the city's (bumped when any kelurahan, kecamatan or city row
changes, after provisioning, and when a row shown on a city-wide list changes:
`public_city_content`) and the kelurahan's (bumped when any of its rows with `public_content`
changes). A save or delete bumps a version, so the next request renders afresh: an operator's
edit shows at once, and stale copies simply expire.

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

Copies are kept gzipped and go out as they are to every browser that accepts gzip (all do), so a
hit costs no compression, and a copy takes a quarter of the memory. A kept page holds nothing
personal (no CSRF token, no session), so BREACH's random padding is not needed for it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import time
from contextvars import ContextVar
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

from kelurahan import hosts, metrics

CITY_KEY = "pages:v:city"
# Longer addresses (no page of ours needs one) are served fresh, not kept: a visitor inventing
# query strings could otherwise fill the cache. Each copy still expires after the timeout.
MAX_PATH = 200
# A bulk write touching more kelurahan than this empties every page (one write) instead of
# bumping each kelurahan's version (provisioning a whole province, say).
MAX_OWNERS = 50

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


def _bump(key: str) -> None:
    """A new version now, and again when the transaction commits: a request that rendered the
    old rows between the two (the change not committed yet) kept its copy under the first new
    version, which the second one leaves behind."""
    cache.set(key, time.time_ns(), None)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.set(key, time.time_ns(), None))


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


def _page_key(request, query: tuple[str, ...]) -> str:
    """The site the host names (`/` on two hosts is two pages, kelurahan/hosts.py), the path
    and only the parameters the view reads."""
    kept = kept_query(request, query)
    address = f"{request.path}?{urlencode(kept)}" if kept else request.path
    site = hosts.request_site(request).cache_key
    digest = hashlib.sha256(f"{site} {address}".encode()).hexdigest()
    return f"pages:{request.LANGUAGE_CODE}:{digest}"


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
    harmless = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    return _timeout() > 0 and request.method in ("GET", "HEAD") and set(request.COOKIES) <= harmless


def _from_copy(request, compressed: bytes, headers: dict) -> HttpResponse:
    if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(compressed, headers=headers)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(compressed), headers=headers)
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def cached_public_page(
    view=None,
    *,
    per_kelurahan: bool = True,
    query: tuple[str, ...] = (),
    search: tuple[str, ...] = (),
):
    """Decorate a public view: serve its cached copy, or render and keep it.

    `per_kelurahan` views take the kelurahan's `slug`; others (city pages) depend on the city
    version only. `query`: the parameters the view reads (the copy is kept per their values);
    `search`: free-text parameters, with which a page is served fresh. Only complete 200
    responses without cookies are kept.
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
            kept = found.get(key)
            if kept is not None and kept[0] == versions:
                _rendered_under, compressed, headers = kept
                metrics.page_cache_hit()
                return _from_copy(request, compressed, headers)
            metrics.page_cache_miss()
            token = render_after_change.set(_changed_recently(versions))
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render"):
                    response.render()
            finally:
                render_after_change.reset(token)
            # A page holding a CSRF token belongs to this visitor's cookie: never shared.
            personal = response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            if response.status_code == 200 and not response.streaming and not personal:
                compressed = compress_string(response.content)
                cache.set(key, (versions, compressed, dict(response.headers)), _timeout())
            return response

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


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="kelurahan.pagecache.save")
    post_delete.connect(_changed, dispatch_uid="kelurahan.pagecache.delete")
