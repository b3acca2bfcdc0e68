"""Request body limits: a body larger than its form can use is refused before it is read.

Two guards, one limit per view:

- RequestSizeLimitMiddleware compares the declared Content-Length with the view's limit and
  answers 413 with our page without reading a byte of the body (a 1.5 GB POST costs nothing).
- RequestSizeUploadHandler, first in FILE_UPLOAD_HANDLERS, counts the upload data of every file
  of a multipart body as Django parses it and stops the parse at the limit, so nothing past it
  reaches the handlers that write to memory or disk; the middleware then answers the same 413.

How a view gets its limit (`request_limit`), first match wins:

1. `@upload_limit(n)` on one of our views (the online letter request, the verification check,
   the UMKM proposal): the limit sits next to the code that knows how many files it takes.
2. ADMIN_VIEW_LIMITS, by the resolved URL name, for admin views Django and django-import-export
   build for us (the resident import). Their functions are made inside ModelAdmin.get_urls, so
   a decorator would mean overriding get_urls in each admin just to wrap a view; the URL name
   is stable, says exactly which screen it is, and does not depend on where the admin is mounted.
3. Every other view of the admin site (its namespace): ADMIN_MAX_REQUEST_BYTES. Staff forms
   carry photos (officials, city logo, business and tourism photo rows, which the inline lets
   staff add without a fixed maximum), so they get room for several photos at their limit.
   Only logged-in staff reach those forms; anyone else is sent to the login before a view reads
   the body, but the limit still caps what a stranger can make us read.
4. Anything else: MAX_REQUEST_BYTES, room for any text-only form.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve

# Set on the request by the middleware, read by the upload handler and the 413 page.
LIMIT_ATTRIBUTE = "upload_limit"
EXCEEDED_ATTRIBUTE = "upload_limit_exceeded"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def upload_limit(max_bytes: int):
    """Declare the largest request body (in bytes) `view` accepts: all files and fields.

    Sets an attribute on the function; functools.wraps copies it onto the decorators above it
    (never_cache, ratelimit), so the order of decorators does not matter.
    """

    def decorate(view):
        view.upload_limit = max_bytes
        return view

    return decorate


def admin_view_limits() -> dict[str, int]:
    """Admin views (by URL name) that take more than ADMIN_MAX_REQUEST_BYTES."""
    return {
        # django-import-export's first step takes the whole register file (100,000 residents
        # is about 20 MB of CSV); the confirm step posts only the name of the stored file.
        "admin:layanan_resident_import": settings.RESIDENT_IMPORT_MAX_BYTES,
    }


def request_limit(request) -> int:
    """The body limit of the view `request` goes to (see the module docstring for the order)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return settings.MAX_REQUEST_BYTES
    declared = getattr(match.func, "upload_limit", None)
    if declared is not None:
        return declared
    by_name = admin_view_limits().get(match.view_name)
    if by_name is not None:
        return by_name
    if "admin" in match.namespaces:
        return settings.ADMIN_MAX_REQUEST_BYTES
    return settings.MAX_REQUEST_BYTES


def declared_length(request) -> int | None:
    """The Content-Length as sent, or None when absent or not a number (Django reads 0 then)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def request_too_large(request, *, limit: int, size: int | None = None):
    """Our 413 page: what the limit is, and what to do about it."""
    return render(
        request,
        "portal/request_too_large.html",
        {
            "limit": filesizeformat(limit),
            "size": filesizeformat(size) if size else None,
            # The form's own address; never "//host/…", which a browser reads as another site.
            "back": "/" + request.path.lstrip("/"),
        },
        status=413,
    )


class RequestSizeLimitMiddleware:
    """Refuse a body over its view's limit before anything reads it.

    Placed before CsrfViewMiddleware (which reads request.POST) and everything else that may
    touch the body, after the language middleware so the page speaks the visitor's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in BODY_METHODS:
            limit = request_limit(request)
            setattr(request, LIMIT_ATTRIBUTE, limit)
            size = declared_length(request)
            if size is not None and size > limit:
                # The body is left unread. gunicorn 27's sync worker closes every connection
                # after its response; its gthread worker drains at most 64 KB of a leftover body
                # before it gives up and closes. Either way the rest of the upload is never
                # taken in. (A WSGI app may not send "Connection: close" itself: hop-by-hop.)
                return request_too_large(request, limit=limit, size=size)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Parse a multipart body here, ahead of CSRF and the view, so that one the upload
        handler cut off is answered with the 413 page, never handed on half-parsed.

        CsrfViewMiddleware parses the same body a step later anyway; a parse error raises here
        as it would there (400).
        """
        if request.method != "POST" or not request.content_type == "multipart/form-data":
            return None
        request.POST  # noqa: B018 - the access is what parses the body
        if getattr(request, EXCEEDED_ATTRIBUTE, False):
            return request_too_large(request, limit=getattr(request, LIMIT_ATTRIBUTE))
        return None


class RequestSizeUploadHandler(FileUploadHandler):
    """Counts the bytes of all uploaded files of one request; past the limit, stops the parse.

    First in FILE_UPLOAD_HANDLERS, so a chunk is counted before the memory and temporary-file
    handlers see it: a chunk that would cross the limit is never passed on, so at most `limit`
    bytes of upload data reach memory or disk. StopUpload(connection_reset=True) tells Django's
    MultiPartParser to stop without reading (draining) the rest of the body; it closes the
    handlers' files (a temporary file is deleted) and returns what was parsed so far, which the
    middleware then throws away for the 413 page.

    When does this fire, given that the middleware already refused an oversized Content-Length?
    Django 5.2 under WSGI (gunicorn) wraps wsgi.input in a LimitedStream of CONTENT_LENGTH bytes,
    0 when the header is missing, and MultiPartParser returns an empty form for a length of 0:
    a chunked body without Content-Length is never read at all (the view sees an empty form;
    tests/security/test_upload_limits.py shows it). Under ASGI Django reads the whole body into
    a spooled file first and MultiPartParser reads that file to its end, whatever the header
    says: there an understated Content-Length passes the middleware, and this handler is what
    stops the parse at the limit. It is also the guard if the middleware is ever left out.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = getattr(request, LIMIT_ATTRIBUTE, None)
        if self.limit is None and request is not None:
            self.limit = request_limit(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.limit is not None and self.received > self.limit:
            if self.request is not None:
                setattr(self.request, EXCEEDED_ATTRIBUTE, True)
                setattr(self.request, LIMIT_ATTRIBUTE, self.limit)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file
