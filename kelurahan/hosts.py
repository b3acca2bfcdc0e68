"""Host names: which site a request's host is (the portal, a city, a kelurahan) and the one
public address of each site, for canonical links, sitemaps, QR codes and e-mailed links.

A city may have its own host (`City.host`, portal.surakarta.go.id) and a pattern its kelurahan
take their host from (`City.kelurahan_host_pattern`, "{slug}.surakarta.go.id"); a kelurahan may
have a host of its own (`Kelurahan.host`), which wins over the pattern. Without any of them a
kelurahan lives at PORTAL_URL/k/<slug>/, as before.

Only hosts Django already allowed reach this module (`request.get_host()` refuses the rest with
a 400; X-Forwarded-Host is never read unless USE_X_FORWARDED_HOST is set). Hosts allowed only
through PORTAL_DOMAINS (".surakarta.go.id") must belong to a configured site, else 404: an
invented subdomain never shows another site. The hosts ALLOWED_HOSTS lists itself, and
PORTAL_URL's, are the portal, without a query; a city's or kelurahan's host must lie under
PORTAL_DOMAINS.

Addresses built here never come from the request's Host header: the scheme (and port) are
PORTAL_URL's, the host name is the configured one.

Each process keeps what it resolved for HOST_CACHE_SECONDS; a change to a city or kelurahan
clears this process's copy at once, other web nodes follow within that time.
"""

from __future__ import annotations

import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.http.request import split_domain_port, validate_host
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PORTAL, CITY, KELURAHAN = "portal", "city", "kelurahan"
SLUG_PLACEHOLDER = "{slug}"
# RFC 1123 labels: letters, digits and inner hyphens, 1-63 characters; lowercase only here.
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# At most this many hosts are remembered per process (invented subdomains must not fill memory).
_MAX_REMEMBERED = 10_000


@dataclass(frozen=True)
class Site:
    """What a host serves: the portal, one city (`city_slug`) or one kelurahan (`slug`)."""

    kind: str
    slug: str = ""
    city_slug: str = ""
    city_host: str = ""

    @property
    def cache_key(self) -> str:
        """The page cache keeps pages per site: `/` on two hosts is two pages."""
        return f"{self.kind}:{self.slug or self.city_slug}"


PORTAL_SITE = Site(kind=PORTAL)

# The site the current request is for (set by SiteMiddleware); the URLconf of kelurahan hosts
# reads it to fill in the slug the path no longer carries (kelurahan/urls_host.py).
current_site: ContextVar[Site] = ContextVar("current_site", default=PORTAL_SITE)


# --- Validation ------------------------------------------------------------------------------


def hostname_validate(value: str) -> None:
    """A bare host name as DNS knows it: lowercase, dot-separated RFC 1123 labels, no scheme,
    port or path (pajang.surakarta.go.id)."""
    if "/" in value or ":" in value:
        raise ValidationError(
            _("Enter the host name only, without http://, a port or a path, e.g. %(example)s."),
            code="host_parts",
            params={"example": "pajang.surakarta.go.id"},
        )
    if value != value.lower():
        raise ValidationError(
            _("Write the host name in lowercase letters, e.g. %(example)s."),
            code="host_case",
            params={"example": value.lower()},
        )
    labels = value.split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError(
            _(
                "A host name is two or more parts separated by dots, each of letters, digits "
                "and hyphens (not at its start or end), at most 63 characters, e.g. %(example)s."
            ),
            code="host_invalid",
            params={"example": "pajang.surakarta.go.id"},
        )


def host_pattern_validate(value: str) -> None:
    """A host name with {slug} standing for each kelurahan's slug: {slug}.surakarta.go.id."""
    if value.count(SLUG_PLACEHOLDER) != 1 or value.replace(SLUG_PLACEHOLDER, "").count("{"):
        raise ValidationError(
            _("The pattern must contain {slug} exactly once, e.g. %(example)s."),
            code="pattern_slug",
            params={"example": "{slug}.surakarta.go.id"},
        )
    hostname_validate(value.replace(SLUG_PLACEHOLDER, "kelurahan"))


def is_site_host(host: str) -> bool:
    """Whether a city or kelurahan may have this host: under PORTAL_DOMAINS, and not one of
    the portal's own (PORTAL_URL's, those ALLOWED_HOSTS names), which never reach a site."""
    domains = [f".{domain}" for domain in settings.PORTAL_DOMAINS]
    return validate_host(host, domains) and not is_portal_host(host)


def is_portal_host(host: str) -> bool:
    return validate_host(host, _portal_hosts())


# --- Addresses ---------------------------------------------------------------------------------


def origin(host: str) -> str:
    """scheme://host[:port] with PORTAL_URL's scheme and port (a port only in development)."""
    portal = urlsplit(settings.PORTAL_URL)
    port = f":{portal.port}" if portal.port else ""
    return f"{portal.scheme}://{host}{port}"


def portal_host() -> str:
    return urlsplit(settings.PORTAL_URL).hostname or ""


def portal_base_url() -> str:
    return settings.PORTAL_URL.rstrip("/")


def pattern_host(pattern: str, slug: str) -> str:
    """The host a kelurahan takes from its city's pattern, or "" when its slug cannot be one
    (an underscore, say): it then stays under /k/<slug>/."""
    if not pattern:
        return ""
    host = pattern.replace(SLUG_PLACEHOLDER, slug)
    try:
        hostname_validate(host)
    except ValidationError:
        return ""
    return host


def kelurahan_host(kelurahan) -> str:
    """The kelurahan's own host, else the one its city's pattern gives it, else ""."""
    if kelurahan.host:
        return kelurahan.host
    return pattern_host(kelurahan.kecamatan.city.kelurahan_host_pattern, kelurahan.slug)


def kelurahan_base_url(kelurahan) -> str:
    """The kelurahan site's public root, without the trailing slash:
    https://pajang.surakarta.go.id, or PORTAL_URL/k/pajang without a host."""
    host = kelurahan_host(kelurahan)
    return origin(host) if host else f"{portal_base_url()}/k/{kelurahan.slug}"


def city_base_url(city) -> str:
    """The city's public root: its own host, else the portal."""
    return origin(city.host) if city.host else portal_base_url()


def site_url(kelurahan, path: str) -> str:
    """The absolute address of `path` (as the portal's URLconf gives it: /k/pajang/profil/,
    /verifikasi/<token>/, /lacak/) on the kelurahan's canonical site: its pages at the root of
    its host, every other address on that host too (verification and tracking answer there);
    without a host, on the portal."""
    host = kelurahan_host(kelurahan)
    if not host:
        return portal_base_url() + path
    prefix = f"/k/{kelurahan.slug}/"
    if path.startswith(prefix):
        path = "/" + path.removeprefix(prefix)
    return origin(host) + path


def site_reverse(kelurahan, viewname: str, *, args=None, kwargs=None) -> str:
    """site_url of a named address, reversed with the portal's URLconf whichever host the
    current request came by."""
    path = reverse(viewname, urlconf=settings.ROOT_URLCONF, args=args, kwargs=kwargs)
    return site_url(kelurahan, path)


# --- Resolving a request's host -----------------------------------------------------------------

_remembered: dict[str, tuple[float, Site | None]] = {}


def _forget(**_kwargs) -> None:
    _remembered.clear()


def _portal_hosts() -> list[str]:
    """The hosts that are the portal: ALLOWED_HOSTS as the environment gave it (not the
    PORTAL_DOMAINS wildcards added to it) and PORTAL_URL's host."""
    domains = {f".{domain}" for domain in settings.PORTAL_DOMAINS}
    hosts = [host for host in settings.ALLOWED_HOSTS if host not in domains]
    return [*hosts, portal_host()]


def _lookup(host: str) -> Site | None:
    if is_portal_host(host):
        return PORTAL_SITE  # no query: the portal answers even with its database down
    City = apps.get_model("kelurahan", "City")
    Kelurahan = apps.get_model("kelurahan", "Kelurahan")

    city = City.objects.filter(host=host).only("slug", "host").first()
    if city is not None:
        return Site(kind=CITY, city_slug=city.slug, city_host=city.host)
    kelurahan = (
        Kelurahan.objects.filter(host=host)
        .select_related("kecamatan__city")
        .only("slug", "kecamatan__city__slug", "kecamatan__city__host")
        .first()
    )
    if kelurahan is None:
        for city in City.objects.exclude(kelurahan_host_pattern="").only(
            "slug", "host", "kelurahan_host_pattern"
        ):
            before, after = city.kelurahan_host_pattern.split(SLUG_PLACEHOLDER)
            slug = host.removeprefix(before).removesuffix(after)
            fits = len(host) > len(before) + len(after) and host.startswith(before)
            if fits and host.endswith(after) and "." not in slug:
                # A kelurahan with a host of its own answers only there.
                kelurahan = (
                    Kelurahan.objects.filter(slug=slug, kecamatan__city=city, host="")
                    .only("slug")
                    .first()
                )
                if kelurahan is not None:
                    return Site(kind=KELURAHAN, slug=slug, city_slug=city.slug, city_host=city.host)
    if kelurahan is not None:
        city = kelurahan.kecamatan.city
        return Site(kind=KELURAHAN, slug=kelurahan.slug, city_slug=city.slug, city_host=city.host)
    return None


def site_for_host(host: str, *, fresh: bool = False) -> Site | None:
    """The site a (validated) host name serves, or None: allowed, but no site's. `fresh`: ask
    the database, not this process's memory."""
    host = host.lower().rstrip(".")
    now = time.monotonic()
    remembered = _remembered.get(host)
    if remembered is not None and remembered[0] > now and not fresh:
        return remembered[1]
    site = _lookup(host)
    if len(_remembered) >= _MAX_REMEMBERED:
        _remembered.clear()
    _remembered[host] = (now + settings.HOST_CACHE_SECONDS, site)
    return site


def request_site(request) -> Site:
    return getattr(request, "site", PORTAL_SITE)


class SiteMiddleware:
    """Puts each request on the site its host names: `request.site`, and for a kelurahan's host
    the URLconf with that kelurahan's pages at the root (kelurahan/urls_host.py). A host that is
    allowed but no site's answers 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        domain, _port = split_domain_port(request.get_host())  # a host not allowed: 400
        site = site_for_host(domain)
        if site is None:
            raise Http404("No site has this host name.")
        request.site = site
        if site.kind == KELURAHAN:
            request.urlconf = "kelurahan.urls_host"
        token = current_site.set(site)
        try:
            return self.get_response(request)
        finally:
            current_site.reset(token)


def _settings_changed(*, setting, **_kwargs) -> None:
    if setting in ("ALLOWED_HOSTS", "PORTAL_DOMAINS", "PORTAL_URL"):
        _forget()


def connect() -> None:
    """A change to any city or kelurahan forgets this process's resolved hosts (as does a test
    overriding the settings they depend on)."""
    for name in ("City", "Kelurahan"):
        model = apps.get_model("kelurahan", name)
        post_save.connect(_forget, sender=model, dispatch_uid=f"kelurahan.hosts.save.{name}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"kelurahan.hosts.delete.{name}")
    setting_changed.connect(_settings_changed, dispatch_uid="kelurahan.hosts.settings")
