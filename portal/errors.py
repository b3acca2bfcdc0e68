"""Error pages in the portal's look: 400, 403 (and a refused CSRF check), 404, 500, and 503 when
the database or the file storage cannot be reached.

Each page says what happened and what to do, in the visitor's language (the cookie, as
CookieLanguageMiddleware reads it: an error may be raised before or outside that middleware), and
on a kelurahan's address (/k/<slug>/...) gives that kelurahan's contact. The 500 and 503 pages
must render whatever broke: the 503 page touches no database at all (no kelurahan lookup, no
session, no user: the template never prints `user` and the flash messages are left unread), and
if a template fails anyway a plain page in the same words goes out instead of Django's bare one.
"""

from __future__ import annotations

import logging
import re
import sys

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.html import escape
from django.utils.translation import gettext as _

from kelurahan.lifecycle import SiteNotActive
from kelurahan.models import Kelurahan
from kelurahan.selectors import kelurahan_get_public

logger = logging.getLogger(__name__)

# How long a client (or a load balancer) should wait before asking again while the database is
# away: long enough not to hammer it as it comes back, short enough that nobody gives up.
RETRY_AFTER_SECONDS = 30

KELURAHAN_PATH = re.compile(r"^/k/(?P<slug>[-a-zA-Z0-9_]+)/")

try:  # psycopg is there on PostgreSQL; on SQLite-only machines it may not be installed
    import psycopg

    _DRIVER_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
        psycopg.OperationalError,  # psycopg_pool.PoolTimeout is one
        psycopg.InterfaceError,
    )
except ImportError:  # pragma: no cover - depends on the machine
    _DRIVER_CONNECTION_ERRORS = ()

CONNECTION_ERRORS = (OperationalError, InterfaceError, *_DRIVER_CONNECTION_ERRORS)


def database_unreachable(exception: BaseException | None) -> bool:
    """Whether the database (not our code) is why this request failed.

    Django wraps the driver's errors (a pool timeout arrives as django.db.OperationalError, with
    psycopg_pool.PoolTimeout as its cause), but code may raise something else while handling one,
    so the causes and contexts are followed too.
    """
    seen = set()
    while exception is not None and id(exception) not in seen and len(seen) < 10:
        if isinstance(exception, CONNECTION_ERRORS):
            return True
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return False


def storage_unreachable(exception: BaseException | None) -> bool:
    """Whether object storage (S3) failing is why this request failed: it could not be reached,
    timed out, or answered with a server error. Its 4xx answers (a wrong key or bucket) are
    configuration, not an outage, and stay a 500."""
    seen = set()
    while exception is not None and id(exception) not in seen and len(seen) < 10:
        if isinstance(exception, BotoCoreError):  # connection, timeout, a closed connection
            return True
        if isinstance(exception, ClientError):
            status = exception.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            return status >= 500
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return False


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "errors/404.html", 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form sent without a valid security token (page open for
    too long, cookies blocked, or sent from elsewhere)."""
    response = _page(request, "errors/csrf.html", 403)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500, called while Django handles the exception, so sys.exc_info() names it: a
    database or object storage that cannot be reached is a 503 (we are unavailable, not broken)
    with Retry-After."""
    exception = sys.exc_info()[1]
    if database_unreachable(exception):
        response = _page(request, "errors/503.html", 503, look_up_kelurahan=False)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif storage_unreachable(exception):
        # Nothing was kept: the files are written inside the request's transaction.
        response = _page(request, "errors/503_storage.html", 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = _page(request, "errors/500.html", 500)
    add_never_cache_headers(response)
    return response


def _language(request: HttpRequest) -> str:
    """The visitor's language by CookieLanguageMiddleware's rule (its cookie, else Indonesian)."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    return language


def _kelurahan(request: HttpRequest) -> Kelurahan | None:
    """The kelurahan the address names, for its contact; None if there is none or the lookup
    fails (an error page must not fail because the database does)."""
    match = KELURAHAN_PATH.match(request.path_info)
    if match is None:
        return None
    try:
        return kelurahan_get_public(match["slug"])
    except SiteNotActive as exc:
        return exc.kelurahan
    except Http404:
        return None
    except DatabaseError:
        logger.warning("error page without kelurahan contact: the lookup failed", exc_info=True)
        return None


def _page(
    request: HttpRequest, template: str, status: int, *, look_up_kelurahan: bool = True
) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        kelurahan = _kelurahan(request) if look_up_kelurahan else None
        admin_root = reverse("admin:index")
        context = {
            "status": status,
            "kelurahan": kelurahan,
            "in_admin": request.path_info.startswith(admin_root),
            "admin_url": admin_root,
            # Flash messages may live in the session, which may live in the database.
            "messages": (),
        }
        try:
            body = loader.render_to_string(template, context, request)
        except Exception:
            logger.exception("the %s page could not be rendered; sending the plain one", status)
            body = _plain_page(status)
    response = HttpResponse(body, status=status)
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ("Cookie",))
    return response


def _plain_page(status: int) -> str:
    """The last resort: the same message without templates, static files or the database."""
    if status == 503:
        heading = _("The service is briefly unavailable")
        text = _("We cannot reach our database right now. Please try again in a minute.")
    else:
        heading = _("Something went wrong on our side")
        text = _("Please try again in a few minutes.")
    return (
        f'<!doctype html><html lang="{escape(translation.get_language())}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{escape(heading)}</title></head><body><h1>{escape(heading)}</h1>"
        f'<p>{escape(text)}</p><p><a href="/">{escape(_("Go to the home page"))}</a></p>'
        f"</body></html>"
    )
