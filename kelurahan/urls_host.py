"""The URLconf of a kelurahan's own host (pajang.surakarta.go.id): the portal's URLconf with the
kelurahan's pages moved from /k/<slug>/ to the root, the slug taken from the host.

Built from ROOT_URLCONF, so every page added under /k/<slug>/ appears here too. Each address
of the portal's URLconf falls in one of three kinds:

- the kelurahan's pages (k/<slug:slug>/...): at the root, `slug` the host's kelurahan; reversing
  them for this kelurahan gives /profil/, for another one /k/<other>/profil/, which redirects to
  that kelurahan's own address;
- addresses every site answers (letter verification, request tracking, language, health, the
  favicon, public media): unchanged, so a QR code or e-mailed link on this host works;
- everything else (city pages, search, the city-wide UMKM lists, the admin, staff downloads):
  reversed as /portal/<address>, which redirects to the city's or portal's host. Staff work only
  on the portal's host, where their session cookie is.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path, register_converter
from django.urls.resolvers import RoutePattern

from kelurahan import hosts
from kelurahan.models import Kelurahan

SITE_PREFIX = "k/<slug:slug>/"
# Addresses every host answers, by name (unnamed ones by route).
SHARED = {
    "layanan:verify",
    "layanan:verify_by_number",
    "layanan:track",
    "layanan:resident_pdf",
    "portal:set_language",
    "healthz",
    "readyz",
}
SHARED_ROUTES = {"favicon.ico"}
ELSEWHERE = "portal/"


class ThisSiteConverter:
    """Matches nothing in the path and stands for the host's kelurahan: resolving gives its
    slug, reversing its slug gives "" (and any other slug no match)."""

    regex = ""

    def to_python(self, value: str) -> str:
        site = hosts.current_site.get()
        if site.kind != hosts.KELURAHAN:
            raise ValueError("not on a kelurahan's host")
        return site.slug

    def to_url(self, value) -> str:
        site = hosts.current_site.get()
        if site.kind != hosts.KELURAHAN or str(value) != site.slug:
            raise ValueError("another kelurahan's page")
        return ""


register_converter(ThisSiteConverter, "this_site")


def other_kelurahan(request, **_kwargs):
    """/k/<slug>/... on a kelurahan's host: that kelurahan's page at its own address."""
    slug = request.path_info.split("/")[2]
    kelurahan = get_object_or_404(Kelurahan.objects.with_regions(), slug=slug)
    return HttpResponseRedirect(hosts.site_url(kelurahan, request.get_full_path()))


def elsewhere(request, **_kwargs):
    """/portal/<address> on a kelurahan's host: the address on the city's or portal's host."""
    site = hosts.request_site(request)
    base = hosts.origin(site.city_host) if site.city_host else hosts.portal_base_url()
    address = request.get_full_path().removeprefix("/" + ELSEWHERE)
    return HttpResponseRedirect(f"{base}/{address}")


def _flatten(patterns, route: str = "", namespaces: tuple = ()):
    """(route, pattern, namespaces) for every address, routes joined through the includes;
    the admin (regular expressions, a site of its own) as one whole resolver."""
    for pattern in patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver) and pattern.namespace != "admin":
            if not isinstance(pattern.pattern, RoutePattern):
                raise ValueError(f"{here}: kelurahan/urls_host.py joins routes, not regexes")
            inner = (
                (*namespaces, (pattern.app_name, pattern.namespace))
                if pattern.namespace
                else namespaces
            )
            yield from _flatten(pattern.url_patterns, here, inner)
        else:
            yield here, pattern, namespaces


def _name(pattern, namespaces) -> str | None:
    if not isinstance(pattern, URLPattern) or pattern.name is None:
        return None
    return ":".join([*(namespace for _app, namespace in namespaces), pattern.name])


def _moved(route: str, pattern, namespaces) -> list:
    """What one address of the portal's URLconf becomes on a kelurahan's host."""
    if isinstance(pattern, URLResolver):  # the admin
        return [
            URLResolver(
                RoutePattern(ELSEWHERE + route),
                pattern.urlconf_name,
                pattern.default_kwargs,
                pattern.app_name,
                pattern.namespace,
            )
        ]
    args = pattern.default_args
    if not isinstance(pattern.pattern, RoutePattern):  # public media
        if route.removeprefix("^").startswith(settings.MEDIA_URL.lstrip("/")):
            return [pattern]
        raise ValueError(f"{route}: not classified for kelurahan hosts")
    if route.startswith(SITE_PREFIX):
        on_site = route.replace(SITE_PREFIX, "<this_site:slug>", 1)
        # Resolving tries the first, reversing the last first: /k/<other>/... redirects, and
        # this kelurahan's pages reverse to the root.
        return [
            path(route, other_kelurahan, name=pattern.name),
            path(on_site, pattern.callback, args, name=pattern.name),
        ]
    if _name(pattern, namespaces) in SHARED or route in SHARED_ROUTES:
        return [path(route, pattern.callback, args, name=pattern.name)]
    return [path(ELSEWHERE + route, elsewhere, name=pattern.name)]


def _host_patterns() -> list:
    root = import_module(settings.ROOT_URLCONF)
    # One resolver per namespace, in the order they first appear (reversing uses the first).
    groups: dict[tuple, list] = {}
    for route, pattern, namespaces in _flatten(root.urlpatterns):
        groups.setdefault(namespaces, []).extend(_moved(route, pattern, namespaces))
    admin = [pattern for pattern in groups.get((), []) if isinstance(pattern, URLResolver)]
    moved = []
    for namespaces, patterns in groups.items():
        if namespaces:
            moved += _nest(namespaces, patterns)
        else:
            moved += [pattern for pattern in patterns if not isinstance(pattern, URLResolver)]
    return [
        *moved,
        # Resolving stops here for every /portal/ address; reversing finds the admin's after it.
        path(ELSEWHERE, elsewhere),
        path(ELSEWHERE + "<path:rest>", elsewhere),
        *admin,
    ]


def _nest(namespaces: tuple, patterns: list) -> list:
    """Wrap `patterns` in one include per namespace level, innermost last."""
    (app_name, namespace), *deeper = namespaces
    inner = _nest(tuple(deeper), patterns) if deeper else patterns
    return [URLResolver(RoutePattern(""), inner, app_name=app_name, namespace=namespace)]


urlpatterns = _host_patterns()
_root = import_module(settings.ROOT_URLCONF)
handler400 = getattr(_root, "handler400", None)
handler403 = getattr(_root, "handler403", None)
handler404 = getattr(_root, "handler404", None)
handler500 = getattr(_root, "handler500", None)
