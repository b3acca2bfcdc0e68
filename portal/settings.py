"""Settings for Portal Kelurahan, read from the environment (12-factor).

With nothing set it runs locally on SQLite, local files and a local-memory cache; production sets
DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and friends (see README.md) and gets safe defaults for the
rest (HTTPS-only cookies, HSTS, hashed compressed static files).
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

env = environ.Env()

# pytest (>= 8.2) sets PYTEST_VERSION for the whole session.
TESTING = "PYTEST_VERSION" in os.environ

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (50+ random characters), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "django_ratelimit",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kelurahan",
    "layanan",
    "umkm",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Ahead of whitenoise, so static files carry the policy headers too.
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise (static files come precompressed), before all that reads the body.
    "portal.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.CookieLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "portal.middleware.RetryReadAfterLostConnectionMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# Database: DATABASE_URL, e.g. postgres://user:pass@host:5432/portal. Default: local SQLite.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Keep: with the pool, Django passes ConnectionPool.check_connection, so a connection cut by
    # a database restart is replaced before a request gets it (scripts/load_faults.py shows it).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_POOL", default=True):
        # psycopg 3's pool, one per process; it replaces persistent connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            "timeout": 10,
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: CACHE_URL, e.g. redis://127.0.0.1:6379/1. Default: local memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal")}
# Whole public pages are kept this long (kelurahan/pagecache.py); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.cache.RedisCache"  # one client per pool (see there)
# Rate limits count in the cache. django-ratelimit 4.1 predates Django's own RedisCache and only
# warns that it is not on its list; its incr() is Redis INCR, atomic, which is all it needs. A
# local-memory cache counts per process: right for one local process, and why production sets
# CACHE_URL to Redis.
RATELIMIT_VIEW = "portal.views.rate_limited"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Indonesian first; English as a switch. Source strings are English.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Public media (officials' photos) is served by Django itself unless a front server or object
# storage takes over; private documents never live under MEDIA_ROOT.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Letter PDFs and uploaded documents: never under MEDIA_ROOT, never served by URL.
PRIVATE_ROOT = Path(env.str("PRIVATE_ROOT", default=str(VAR_DIR / "private")))
# Uploaded public images are re-encoded; anything larger than this is refused.
MAX_IMAGE_UPLOAD_BYTES = env.int("MAX_IMAGE_UPLOAD_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if not DEBUG else 0

# Security: production defaults are strict; local (DEBUG) and test runs relax what needs HTTPS.
_SECURE = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SECURE)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
LANGUAGE_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie (forms carry the token), so scripts may not either.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGIN_URL = "admin:login"

# Exported spreadsheets leave the system: a cell starting with "=" must not run as a formula.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# The city whose home page "/" shows; any provisioned city has its own page too.
PORTAL_CITY_CODE = env.str("PORTAL_CITY_CODE", default="33.72")
PORTAL_NAME = env.str("PORTAL_NAME", default="Portal Kelurahan")

# Staff login lockout (django-axes): 5 wrong passwords for one username from one address lock that
# pair out for 15 minutes; never a whole address, since residents and staff share carrier-grade
# NAT. A successful login clears the count; Diskominfo unlocks early by deleting the access
# attempt in the admin.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Lockouts are logged (WARNING); the per-login INFO lines would drown everything else.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "portal.security.login_locked_out"
# The client's address (login lockout, rate limits) is REMOTE_ADDR, the peer gunicorn sees. Behind
# reverse proxies (load balancer, nginx) set TRUSTED_PROXY_COUNT to how many of them append to
# X-Forwarded-For: the address is then read that many entries from its right end, which no client
# can forge. Left at 0 behind a proxy, every login would seem to come from the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
RATELIMIT_IP_META_KEY = "portal.security.client_ip"

# Staff two-factor login (django-otp, TOTP authenticator apps): Diskominfo can require it for all
# staff in the admin (security settings); any staff member may turn it on for their own account.
OTP_TOTP_ISSUER = PORTAL_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Map tiles: a city may point these at its own tile server.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)


def _tile_origin(url: str) -> str:
    """The origin map tiles come from, for the CSP: "{s}." subdomains become a wildcard."""
    parts = urlsplit(url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}"


# Content-Security-Policy: scripts, styles, fonts and data only from this site; images also from
# the tile server. No inline script anywhere (data for maps travels in json_script blocks, which
# browsers never execute), no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", _tile_origin(MAP_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features no page here uses.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Email (status updates to residents who asked for a letter online): EMAIL_URL, e.g.
# smtp+tls://user:password@mail.example.go.id:587. Default: printed to the console when DEBUG,
# a local mail server otherwise. Tests use Django's in-memory outbox.
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portal Kelurahan <noreply@localhost>")
# The portal's public address, for links in emails (sent outside any request).
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every rendering step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
