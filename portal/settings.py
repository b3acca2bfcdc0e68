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


def _required(name: str, *, development: str, what: str) -> str:
    """A setting production must give: missing, start-up stops with what to set; in development
    and the tests, `development` stands in."""
    value = env.str(name, default="")
    if value:
        return value
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            f"{name} is not set. {what} Or set DEBUG=true for local development."
        )
    return development


_DEV_SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105
SECRET_KEY = _required(
    "SECRET_KEY",
    development=_DEV_SECRET_KEY,
    what="Set it in the environment (50+ random characters).",
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",  # django.contrib.admin, whose index is the work page
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
    "crispy_forms",
    "crispy_bootstrap5",
    "kelurahan",
    "layanan",
    "umkm",
    "portal",
]

MIDDLEWARE = [
    # Outermost: counts and times every request, all other middleware included (/metrics).
    "portal.metrics.RequestMetricsMiddleware",
    # First to act: every request starts with no tenant scope (kelurahan/tenancy.py).
    "kelurahan.tenancy.TenancyMiddleware",
    # A cached public page is a finished response (its headers, CSP included): a hit is answered
    # here, before the rest (kelurahan/pagecache.py); a miss is kept on its way back out.
    "kelurahan.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Ahead of whitenoise, so static files carry the policy headers too.
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The site the host names (kelurahan/hosts.py): an allowed host of no site is a 404 here.
    "kelurahan.hosts.SiteMiddleware",
    # After whitenoise (static files come precompressed), before all that reads the body.
    "portal.middleware.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.CookieLanguageMiddleware",
    # Before CSRF and all that reads the body: an oversized body is refused unread (413).
    "kelurahan.uploads.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A site not yet active answers every public page with its "being prepared" page.
    "kelurahan.lifecycle.SitePreparingMiddleware",
    # After messages, so an ended staff session can say why on the login page.
    "portal.middleware.StaffSessionMiddleware",
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

# Public forms: crispy-forms with its Bootstrap 5 pack, customised in templates/bootstrap5/ only
# where the portal differs: field.html says "(opsional)" after an optional field's label instead
# of the pack's bare "*" on required ones, and carries only the widgets public forms use (so the
# trimmed Bootstrap keeps no rules for the rest); errors.html is the portal's error summary, each
# message a link to its field; layout/field_errors_block.html spaces messages like other text.
# Help text and errors keep the ids Django's aria-describedby names; Django sets aria-invalid.
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Database: DATABASE_URL, e.g. postgres://user:pass@host:5432/portal. Default: local SQLite.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# A read replica (PostgreSQL streaming replica): DATABASE_REPLICA_URL, optional. Public reads go
# there; writes, staff screens, transactions and a writer's next DATABASE_REPLICA_PIN_SECONDS stay
# on the primary (portal/db.py). Unreachable, it is skipped for DATABASE_REPLICA_BREAKER_SECONDS,
# and a request waits at most DATABASE_REPLICA_POOL_TIMEOUT for it (it has the primary to fall
# back on, so less than DATABASE_POOL_TIMEOUT). Unset: no second alias, no router, no cookie.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    # Tests: the replica alias reads the test database (Django's test mirror).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["portal.db.ReplicaRouter"]
    # Right after TenancyMiddleware: it decides where the request reads before any query.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("kelurahan.tenancy.TenancyMiddleware") + 1, "portal.db.ReplicaMiddleware"
    )
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=5)
DATABASE_REPLICA_BREAKER_SECONDS = env.float("DATABASE_REPLICA_BREAKER_SECONDS", default=10)


def _postgresql_options(database: dict, *, alias: str, pool_timeout: float) -> None:
    """The same connection handling for the primary and the replica."""
    # Keep: with the pool, Django passes ConnectionPool.check_connection, so a connection cut by
    # a database restart is replaced before a request gets it (scripts/load_faults.py shows it).
    database["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_POOL", default=True):
        # psycopg 3's pool, one per process and alias; it replaces persistent connections.
        database["CONN_MAX_AGE"] = 0
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            # How long a request waits for a connection while the database is unreachable
            # before it gets the 503 page (and a GET once more, portal.middleware).
            "timeout": pool_timeout,
            # psycopg's pool logs name it (portal.logfilters.ReplicaPoolFilter).
            "name": alias,
        }
    else:
        database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)


for _alias, _pool_timeout in (
    ("default", env.float("DATABASE_POOL_TIMEOUT", default=5)),
    ("replica", env.float("DATABASE_REPLICA_POOL_TIMEOUT", default=1)),
):
    if _alias in DATABASES and DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        _postgresql_options(DATABASES[_alias], alias=_alias, pool_timeout=_pool_timeout)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (kelurahan/background.py, docs/decisions/tasks.md): Procrastinate's queue in
# the primary PostgreSQL, run by `manage.py procrastinate worker`. TASKS_INLINE runs each task in
# the web process after its transaction commits instead: the default on SQLite (`make run` needs
# no worker; Procrastinate's tables are PostgreSQL only, so its app is not installed there).
_ON_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
TASKS_INLINE = env.bool("TASKS_INLINE", default=not _ON_POSTGRESQL)
if _ON_POSTGRESQL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("kelurahan"), "procrastinate.contrib.django")
PROCRASTINATE_DATABASE_ALIAS = "default"  # the queue is on the primary, never on the replica
# Besides each app's tasks.py (found by name): the e-mail tasks.
PROCRASTINATE_IMPORT_PATHS = ["layanan.notifications", "kelurahan.notifications"]
# A job whose worker stopped sending heartbeats for this long is run again (kelurahan/tasks.py).
TASKS_STALLED_SECONDS = env.float("TASKS_STALLED_SECONDS", default=30)
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": env.float("TASKS_HEARTBEAT_SECONDS", default=10),
    "stalled_worker_timeout": TASKS_STALLED_SECONDS,
}

# Cache: CACHE_URL, e.g. redis://127.0.0.1:6379/1. Default: local memory. It only accelerates:
# with Redis stopped or unreachable, pages render uncached (portal/cache.py: short timeouts and a
# breaker, CACHE_TIMEOUT_SECONDS and CACHE_BREAKER_SECONDS).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal")}
# Whole public pages are kept this long (kelurahan/pagecache.py); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# Each web process also keeps copies in its own memory, up to this many bytes, and answers them
# without asking Redis, as long as Redis confirmed their versions within PAGE_CACHE_CHECK_SECONDS
# (default 0.25 s with Redis, every hit with the local-memory cache): an edit on one node shows
# on every node within that time.
PAGE_CACHE_LOCAL_BYTES = env.int("PAGE_CACHE_LOCAL_BYTES", default=32 * 1024 * 1024)
if "PAGE_CACHE_CHECK_SECONDS" in os.environ:
    PAGE_CACHE_CHECK_SECONDS = env.float("PAGE_CACHE_CHECK_SECONDS")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=0.25),
            "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=0.25),
            "BREAKER_SECONDS": env.float("CACHE_BREAKER_SECONDS", default=5.0),
        }
    )
# Rate limits (django-ratelimit) count in the database, not in the cache: they keep limiting when
# Redis is gone, every node shares them, and cached pages can never evict them (portal/ratelimit.py
# says why). Their own cache alias, so nothing else lands there.
CACHES["ratelimit"] = {"BACKEND": "portal.ratelimit.DatabaseCounterCache"}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_VIEW = "portal.views.rate_limited"
# django-ratelimit 4.1 checks the cache backend against a list of its own; ours is not on it (W001
# and E003 would call it "not shared"/"not atomic": it is both, see portal/ratelimit.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

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
# Object storage (docs/decisions/object-storage.md): with S3_BUCKET set, public media go to that
# bucket under media/ (readable by anyone, at S3_MEDIA_URL or the endpoint's address), and
# letter PDFs and requirement documents to S3_PRIVATE_BUCKET (default: the same bucket) under
# private/, always ACL private and reached only through our checked views. Without it: the local
# folders below, as `make run` uses them.
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_PRIVATE_BUCKET = env.str("S3_PRIVATE_BUCKET", default="") or S3_BUCKET
S3_MEDIA_URL = env.str("S3_MEDIA_URL", default="").rstrip("/")
# With object storage, a staff or resident download may be answered by a redirect to a presigned
# URL (valid PRIVATE_URL_SECONDS) issued after the same access check, instead of streaming it.
PRIVATE_FILES_REDIRECT = env.bool("PRIVATE_FILES_REDIRECT", default=False)
PRIVATE_URL_SECONDS = env.int("PRIVATE_URL_SECONDS", default=60)
PRIVATE_STORAGE_S3 = None  # the private bucket's S3Storage options (layanan/storage.py)
# Public media (officials' photos) is served by Django itself unless a front server or object
# storage takes over; private documents never live under MEDIA_ROOT.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not S3_BUCKET)
# Letter PDFs and uploaded documents: never under MEDIA_ROOT, never served by URL.
PRIVATE_ROOT = Path(env.str("PRIVATE_ROOT", default=str(VAR_DIR / "private")))
# Backups (portal/backup.py, docs/operations.md): `manage.py backup_create` writes one archive of
# the database, PRIVATE_ROOT and MEDIA_ROOT, encrypted to these age public keys (age1…; the
# private key stays offline), into BACKUP_DIR (an off-site mount is best), keeping the newest
# BACKUP_KEEP (0: all). BACKUP_PG_BIN_DIR: where pg_dump/pg_restore are, if not on PATH.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_RECIPIENTS = env.list("BACKUP_RECIPIENTS", default=[])
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
BACKUP_PG_BIN_DIR = env.str("BACKUP_PG_BIN_DIR", default="")
# Uploaded public images are re-encoded; anything larger than this is refused.
MAX_IMAGE_UPLOAD_BYTES = env.int("MAX_IMAGE_UPLOAD_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Whole request bodies (kelurahan.uploads): views without a limit of their own take this much
# (Django's own cap on form fields), admin screens room for ten photos, the resident import a
# register of 100,000 rows. A larger Content-Length gets our 413 page, the body unread.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=2_621_440)
ADMIN_MAX_REQUEST_BYTES = env.int("ADMIN_MAX_REQUEST_BYTES", default=50 * 1024 * 1024)
RESIDENT_IMPORT_MAX_BYTES = env.int("RESIDENT_IMPORT_MAX_BYTES", default=64 * 1024 * 1024)
# An uploaded PDF is checked in a child process that may use this much more memory and this
# much CPU time (layanan/documents.py: a small file can inflate to gigabytes inside qpdf).
PDF_CHECK_MEMORY_BYTES = env.int("PDF_CHECK_MEMORY_BYTES", default=512 * 1024 * 1024)
PDF_CHECK_SECONDS = env.int("PDF_CHECK_SECONDS", default=10)
FILE_UPLOAD_HANDLERS = [
    "kelurahan.uploads.RequestSizeUploadHandler",  # first: cuts the parse off at the limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

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
# A register import's file between preview and confirmation: private storage, shared by every
# web node and the task worker (layanan/storage.py).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "layanan.storage.PrivateImportStorage"
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if not DEBUG else 0
if S3_BUCKET:
    # Credentials: S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY, else boto3's own chain (AWS_* variables,
    # an instance role). Never overwrite: a name taken gets a new one, as on the filesystem.
    _s3 = {
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    _media_address = urlsplit(S3_MEDIA_URL)
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": S3_BUCKET,
            "location": "media",
            # Empty S3_MEDIA_ACL: no ACL sent (a bucket policy makes media/ public instead).
            "default_acl": env.str("S3_MEDIA_ACL", default="public-read") or None,
            # Public URLs without a signature: they never expire inside a cached page.
            "querystring_auth": False,
            "custom_domain": (_media_address.netloc + _media_address.path) or None,
            "url_protocol": f"{_media_address.scheme or 'https'}:",
        },
    }
    PRIVATE_STORAGE_S3 = {**_s3, "bucket_name": S3_PRIVATE_BUCKET, "location": "private"}

# Security: production defaults are strict; local (DEBUG) and test runs relax what needs HTTPS.
_SECURE = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SECURE)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# /metrics (portal/metrics.py, docs/operations.md): answered from the loopback address, or to
# `Authorization: Bearer <METRICS_TOKEN>` from anywhere; empty: loopback only.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
LANGUAGE_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie (forms carry the token), so scripts may not either.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form (stale page, blocked cookies) gets our page, in the visitor's language.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
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
# Across usernames: STAFF_LOGIN_ADDRESS_FAILURE_LIMIT wrong logins from one address within
# AXES_COOLOFF_TIME pause logins from it (someone trying many usernames), except for usernames that
# logged in from that address within STAFF_LOGIN_TRUSTED_DAYS: an office's staff share one
# address, and a stranger there must not be able to lock them all out (portal.security).
# 0 turns the per-address limit off. django-axes 8.3 has one failure limit for all its lockout
# parameters, so this is our handler on its database tables, not a second AXES_LOCKOUT_PARAMETERS
# entry.
AXES_HANDLER = "portal.security.AxesHandler"
STAFF_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("STAFF_LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
STAFF_LOGIN_TRUSTED_DAYS = env.int("STAFF_LOGIN_TRUSTED_DAYS", default=30)
# The client's address (login lockout, rate limits) is REMOTE_ADDR, the peer gunicorn sees. Behind
# reverse proxies (load balancer, nginx) set TRUSTED_PROXY_COUNT to how many of them append to
# X-Forwarded-For: the address is then read that many entries from its right end, which no client
# can forge. Left at 0 behind a proxy, every login would seem to come from the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
RATELIMIT_IP_META_KEY = "portal.security.client_ip"

# Staff two-factor login (django-otp, TOTP authenticator apps): Diskominfo can require it for all
# staff in the admin (security settings); any staff member may turn it on for their own account.
# STAFF_TWO_FACTOR_ROLES: the roles (group names) that must always use it, whatever that switch
# says; superusers count as every role. Production: Diskominfo and signers; local runs, the demo
# and tests: none. STAFF_TWO_FACTOR_ROLES="" (empty) turns the rule off.
STAFF_TWO_FACTOR_ROLES = [
    role.strip()
    for role in env.list(
        "STAFF_TWO_FACTOR_ROLES",
        default=[] if (DEBUG or TESTING) else ["Diskominfo", "Penandatangan"],
    )
    if role.strip()
]
# Staff sessions end after STAFF_SESSION_IDLE_SECONDS without a request, and in any case
# STAFF_SESSION_MAX_SECONDS after logging in (portal.middleware.StaffSessionMiddleware);
# SESSION_COOKIE_AGE still bounds every session cookie. Residents have no login: not affected.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=12 * 3600)
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


def _media_origins() -> list[str]:
    """Where public media's images come from when they live in a bucket (CSP img-src)."""
    if not S3_BUCKET:
        return []
    address = S3_MEDIA_URL or STORAGES["default"]["OPTIONS"]["endpoint_url"]
    if not address:
        return ["https://*.amazonaws.com"]
    return [_tile_origin(address)]


# Content-Security-Policy: scripts, styles, fonts and data only from this site; images also from
# the tile server. No inline script anywhere (data for maps travels in json_script blocks, which
# browsers never execute), no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", _tile_origin(MAP_TILE_URL)] + _media_origins(),
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
# The portal's public address, for links in e-mails and the QR codes on letters: never the Host
# header of a request, which the client chooses. Required in production.
PORTAL_URL = _required(
    "PORTAL_URL",
    development="http://localhost:8000",
    what=(
        "PORTAL_URL must be set to the portal's public address, e.g. "
        "https://portal.example.go.id (it goes into e-mailed links and the QR codes printed on "
        "letters)."
    ),
)
# Host names (kelurahan/hosts.py, docs/decisions/hosts.md): cities and kelurahan may have hosts
# of their own (set in the admin by Diskominfo). PORTAL_DOMAINS, e.g. "surakarta.go.id", lets
# that domain and all its subdomains in (".surakarta.go.id" in ALLOWED_HOSTS); a subdomain no
# site has is then a 404, never another site. PORTAL_URL's host is always allowed. Each web
# process remembers what a host resolved to for HOST_CACHE_SECONDS.
PORTAL_DOMAINS = [d.strip().strip(".").lower() for d in env.list("PORTAL_DOMAINS", default=[])]
for _domain in PORTAL_DOMAINS:
    # "localhost" for trying it out locally (browsers send *.localhost to this machine).
    if (_domain != "localhost" and "." not in _domain) or any(c in _domain for c in "*/:"):
        raise ImproperlyConfigured(
            f"PORTAL_DOMAINS entry {_domain!r} is not a domain such as surakarta.go.id."
        )
ALLOWED_HOSTS += [f".{d}" for d in PORTAL_DOMAINS if f".{d}" not in ALLOWED_HOSTS]
if (_portal_host := urlsplit(PORTAL_URL).hostname) and _portal_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_portal_host)
HOST_CACHE_SECONDS = env.float("HOST_CACHE_SECONDS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per database outage instead of a traceback per request (portal/logfilters.py).
    "filters": {
        "database_outage": {"()": "portal.logfilters.DatabaseOutageFilter"},
        "replica_pool": {"()": "portal.logfilters.ReplicaPoolFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every rendering step at INFO.
    "loggers": {
        "django.request": {"filters": ["database_outage"]},
        # The read replica's outage is logged once by portal/db.py, not per reconnect attempt.
        "psycopg.pool": {"filters": ["replica_pool"]},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Procrastinate logs each job's start and end at INFO (the stalled-job check every 15 s
        # among them); failures and retries are WARNING and above. TASKS_LOG_LEVEL=INFO to see all.
        "procrastinate": {"level": env.str("TASKS_LOG_LEVEL", default="WARNING")},
    },
}
