"""Request middleware: the language from the visitor's choice, staff two-factor login, policy
headers, gzip for text, and one retry of a read whose database connection was lost.

Language: from the visitor's explicit choice only, Indonesian unless they switched.

Django's LocaleMiddleware would follow the browser's Accept-Language, and many phones in
Indonesia are set to English; the portal is Indonesian first, so only the cookie counts.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponseRedirect
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from portal.security import step_url
from portal.selectors import two_factor_step


class CookieLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
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


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every response (Django sets the other security headers itself)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH padding), for text only: pages, JSON, GeoJSON,
    CSV. PDFs, photos and spreadsheets are compressed already; squeezing them again costs CPU
    and saves nothing. Static files never get here (whitenoise serves its precompressed copies),
    and cached public pages come out of the page cache already compressed."""

    COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "image/svg+xml")

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)


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
        if request.method not in ("GET", "HEAD") or getattr(request, "_read_retried", False):
            return None
        if connection.in_atomic_block or request.resolver_match is None:
            return None
        request._read_retried = True
        connection.close()  # a broken connection goes back to the pool, which discards it
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)
