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

Copies are kept gzipped and go out as they are to every browser that accepts gzip (all do), so a
hit costs no compression, and a copy takes a quarter of the memory. A kept page holds nothing
personal (no CSRF token, no session), so BREACH's random padding is not needed for it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

CITY_KEY = "pages:v:city"
# Longer addresses (no page of ours needs one) are served fresh, not kept: a visitor inventing
# query strings could otherwise fill the cache. Each copy still expires after the timeout.
MAX_PATH = 200


def _kelurahan_key(slug: str) -> str:
    return f"pages:v:k:{slug}"


def _timeout() -> int:
    return settings.PAGE_CACHE_SECONDS


def city_pages_invalidate() -> None:
    """Every cached public page of the deployment is stale (the city version is in every key)."""
    cache.set(CITY_KEY, time.time_ns(), None)


def kelurahan_pages_invalidate(slug: str) -> None:
    cache.set(_kelurahan_key(slug), time.time_ns(), None)


def _start_versions(found: dict, keys: list[str]) -> None:
    """Versions not in the cache yet (or after it was emptied) start now; add() keeps one that a
    concurrent request started first."""
    for key in keys:
        if found.get(key) is None:
            cache.add(key, time.time_ns(), None)
            found[key] = cache.get(key)


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


def cached_public_page(view=None, *, per_kelurahan: bool = True):
    """Decorate a public view: serve its cached copy, or render and keep it.

    `per_kelurahan` views take the kelurahan's `slug`; others (city pages) depend on the city
    version only. Only complete 200 responses without cookies are kept.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            path = request.get_full_path()
            if not _cacheable_request(request) or len(path) > MAX_PATH:
                return view(request, *args, **kwargs)
            keys = [CITY_KEY]
            if per_kelurahan:
                keys.append(_kelurahan_key(kwargs["slug"]))
            digest = hashlib.sha256(path.encode()).hexdigest()
            key = f"pages:{request.LANGUAGE_CODE}:{digest}"
            # One round trip: the versions and the kept copy, which records the versions it was
            # rendered under; it is served only if they are still current.
            found = cache.get_many([*keys, key])
            _start_versions(found, keys)
            versions = tuple(found[version] for version in keys)
            kept = found.get(key)
            if kept is not None and kept[0] == versions:
                _rendered_under, compressed, headers = kept
                return _from_copy(request, compressed, headers)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            # A page holding a CSRF token belongs to this visitor's cookie: never shared.
            personal = response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            if response.status_code == 200 and not response.streaming and not personal:
                compressed = compress_string(response.content)
                cache.set(key, (versions, compressed, dict(response.headers)), _timeout())
            return response

        return wrapped

    return decorate(view) if view is not None else decorate


def _changed(sender, instance, **kwargs):
    """post_save / post_delete of any model: bump the versions its public pages depend on."""
    from kelurahan.models import City, Kecamatan, Kelurahan

    if isinstance(instance, City | Kecamatan):
        city_pages_invalidate()
        return
    if isinstance(instance, Kelurahan):
        city_pages_invalidate()  # names and lists on city pages
        kelurahan_pages_invalidate(instance.slug)
        return
    if getattr(instance, "public_city_content", False):
        city_pages_invalidate()  # also on city-wide lists (UMKM, wisata)
    if getattr(instance, "public_content", False) and getattr(instance, "kelurahan_id", None):
        slug = Kelurahan.objects.filter(pk=instance.kelurahan_id).values_list("slug", flat=True)
        for one in slug:
            kelurahan_pages_invalidate(one)


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="kelurahan.pagecache.save")
    post_delete.connect(_changed, dispatch_uid="kelurahan.pagecache.delete")
