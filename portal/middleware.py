"""Request middleware: the language from the visitor's choice, staff two-factor login, staff
session limits (and no caching of staff pages), policy headers, brotli or gzip for text, and one
retry of a read whose database connection was lost.

Language: from the visitor's explicit choice only, Indonesian unless they switched.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many phones in
Indonesia are set to English; the portal is Indonesian first, so only the cookie counts.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.db import InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import ngettext

from kelurahan import compression, pagecache
from kelurahan.language import cookie_language
from portal.security import step_url
from portal.selectors import two_factor_step


class CookieLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = cookie_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class StaffTwoFactorMiddleware:
    """A staff login counts only once its second step, where one applies, is done.

    A staff user with an authenticator app, or any staff user while Diskominfo requires two-factor
    login, owes that step after the password. Until it is done every admin address (except logout
    and the steps themselves) redirects to the step they need, and everywhere else the session
    counts as not logged in, so staff-only views outside the admin need the step too. Goes after
    django_otp's OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = two_factor_step(request.user)
        if step is None:
            return self.get_response(request)
        admin_root = reverse("admin:index")
        if not request.path_info.startswith(admin_root):
            request.user = AnonymousUser()
            return self.get_response(request)
        path = request.path_info
        if path in {
            reverse("admin:logout"),
            reverse("portal:two_factor_setup"),
            reverse("portal:two_factor_verify"),
        }:
            return self.get_response(request)
        if path == reverse("admin:login"):
            if request.method == "POST":
                return self.get_response(request)  # logging in afresh, perhaps as someone else
            target = request.GET.get("next") or admin_root
        else:
            target = request.get_full_path()
        return HttpResponseRedirect(step_url(step, target))


SESSION_STARTED = "staff_session_started"  # Unix time of the login
SESSION_SEEN = "staff_session_seen"  # Unix time of the last request, to the minute


@receiver(user_logged_in, dispatch_uid="portal.staff_session_started")
def _staff_session_start(sender, request, user, **kwargs):
    """A login starts the clock afresh, even where Django keeps the session's data (logging in
    again as the same user), so an old start never ends a new login."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


class StaffSessionMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_SECONDS without a request and, in any case,
    STAFF_SESSION_MAX_SECONDS after login; and staff pages are never kept by a cache.

    Ending: the user is logged out, and on a staff address (the admin, /staf/ downloads) sent to
    the admin login with a message that says why; on a public page the page simply shows as to
    anyone. The last request's time is written into the session at most once a minute, so a busy
    operator costs one session write a minute, not one per page. Residents never log in: their
    requests pass untouched.

    Cache-Control: every response on a staff address carries `private, no-store`. Every admin
    page shows personal data or staff-only settings (letters, residents, the access log, exports,
    PDFs), so one rule for the whole prefix is simpler and safer than marking each view, and no
    new admin screen can forget it.
    """

    STAFF_PREFIXES = ("/staf/",)

    def __init__(self, get_response):
        self.get_response = get_response
        self.idle = settings.STAFF_SESSION_IDLE_SECONDS
        self.limit = settings.STAFF_SESSION_MAX_SECONDS

    def _staff_address(self, path: str) -> bool:
        return path.startswith((reverse("admin:index"), *self.STAFF_PREFIXES))

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            ended = self._check(request)
            if ended is not None:
                logout(request)
                if self._staff_address(request.path_info):
                    messages.warning(request, ended)
                    login = reverse("admin:login")
                    target = request.get_full_path() if request.method == "GET" else ""
                    query = f"?{urlencode({'next': target})}" if target else ""
                    return self._no_store(HttpResponseRedirect(login + query))
        response = self.get_response(request)
        if self._staff_address(request.path_info):
            self._no_store(response)
        return response

    @staticmethod
    def _no_store(response):
        patch_cache_control(response, private=True, no_store=True)
        return response

    def _check(self, request) -> str | None:
        """Why the session must end now, or None (recording this request as activity)."""
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if not isinstance(started, int) or not isinstance(seen, int):
            # A session from before these rules: its clock starts now.
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            return None
        if self.limit and now - started > self.limit:
            hours = max(self.limit // 3600, 1)
            return ngettext(
                "Your session ended because it has been open for %(hours)d hour; "
                "please log in again.",
                "Your session ended because it has been open for %(hours)d hours; "
                "please log in again.",
                hours,
            ) % {"hours": hours}
        if self.idle and now - seen > self.idle:
            minutes = max(self.idle // 60, 1)
            return ngettext(
                "Your session ended because you were inactive for %(minutes)d minute; "
                "please log in again.",
                "Your session ended because you were inactive for %(minutes)d minutes; "
                "please log in again.",
                minutes,
            ) % {"minutes": minutes}
        if now - seen >= 60:
            session[SESSION_SEEN] = now
        return None


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (Django sets the other security headers itself)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class CompressionMiddleware:
    """brotli or gzip for text (kelurahan/compression.py says which when). After whitenoise (static
    files come precompressed, .br and .gz), before all that reads the body. A page the page
    cache keeps is left alone: it is compressed once, when kept (kelurahan/pagecache.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if pagecache.will_keep(request, response):
            return response
        return compression.compress(request, response)


def _waited_for_a_connection(exception) -> bool:
    """True when the error is the connection pool giving up (no connection within its timeout)."""
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # SQLite-only installs
        return False
    return isinstance(exception.__cause__, PoolTimeout)


class RetryReadAfterLostConnectionMiddleware:
    """A GET whose database connection was cut mid-request (PostgreSQL restarting, a failover)
    runs once more instead of answering 500: reading is safe to repeat, writing is not, so only
    GET and HEAD are retried, and only once. The connection pool hands out a working connection
    (waiting, up to its timeout, for the database to accept connections again), so the retry lands
    as soon as the database is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if _waited_for_a_connection(exception):
            return None  # the pool already waited its timeout: the 503 page, not a second wait
        if request.method not in ("GET", "HEAD") or getattr(request, "_read_retried", False):
            return None
        if connection.in_atomic_block or request.resolver_match is None:
            return None
        request._read_retried = True
        connection.close()  # a broken connection goes back to the pool, which discards it
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)
