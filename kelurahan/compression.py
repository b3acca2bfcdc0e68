"""Compression of responses: brotli where the client takes it and the response holds no
secret, else Django's gzip (with its BREACH padding), for text only.

Brotli comes from Google's `brotli` package (already in the lock for fontTools; whitenoise uses
it too, to write a .br beside every static file). django-compression-middleware would add zstd
and its own gzip, but not Django's BREACH padding, and is released rarely; Django's
GZipMiddleware plus one brotli call keeps what we have and adds only br.

BREACH: an attacker who can put text into a compressed response and watch its length can guess a
secret in it (a CSRF token, a session's data). Django pads gzip's header by a random length;
brotli has no such field, so br goes only to responses with no secret in them: no session cookie
sent or set, no CSRF token on the page. Everything else gets gzip with the padding, as before.
Cached public pages are compressed once when kept (kelurahan/pagecache.py), not per hit.
"""

from __future__ import annotations

import re

import brotli
from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

# Text only: PDFs, photos and spreadsheets are compressed already; squeezing them again costs
# CPU and saves nothing.
COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "image/svg+xml")
# Quality 5 costs about what gzip does for a page (~2 ms for 60 kB) and is a little smaller;
# a kept page is compressed once per change, so it takes 8 (~5 ms, a few % smaller again);
# 11 would take ~90 ms per page.
QUALITY, KEPT_QUALITY = 5, 8
MIN_LENGTH = 200  # as Django's gzip: below this the headers cost more than they save
_CODING = re.compile(r"^\s*([a-z0-9*-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?", re.IGNORECASE)


def accepted(request, *, brotli_allowed: bool = True) -> str | None:
    """ "br", "gzip" or None (identity): the best encoding the client's Accept-Encoding allows.
    br wins over gzip (smaller), unless the client weighs it lower; q=0 refuses a coding."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if not header:
        return None
    weights = {}
    for part in header.split(","):
        match = _CODING.match(part)
        if match is None:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        weights[match.group(1).lower()] = weight
    star = weights.get("*", 0.0)
    br, gz = weights.get("br", star), weights.get("gzip", star)
    if brotli_allowed and br > 0 and br >= gz:
        return "br"
    if gz > 0:
        return "gzip"
    return None


def brotli_compress(content: bytes, *, kept: bool = False) -> bytes:
    return brotli.compress(
        content, mode=brotli.MODE_TEXT, quality=KEPT_QUALITY if kept else QUALITY
    )


def _may_hold_secret(request, response) -> bool:
    return bool(
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def compress(request, response):
    """The response compressed for this client, if it is text and worth it."""
    if response.has_header("Content-Encoding"):
        return response
    if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
        return response
    secret = response.streaming or _may_hold_secret(request, response)
    encoding = accepted(request, brotli_allowed=not secret)
    if encoding is None:
        patch_vary_headers(response, ("Accept-Encoding",))
        return response
    if encoding == "gzip":
        return _gzip.process_response(request, response)
    patch_vary_headers(response, ("Accept-Encoding",))
    if len(response.content) < MIN_LENGTH:
        return response
    compressed = brotli_compress(response.content)
    if len(compressed) >= len(response.content):
        return response
    response.content = compressed
    response.headers["Content-Length"] = str(len(compressed))
    if (etag := response.get("ETag")) and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag  # as Django's gzip: no longer byte-identical
    response.headers["Content-Encoding"] = "br"
    return response


_gzip = GZipMiddleware(lambda request: None)
