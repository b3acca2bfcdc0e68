"""The page's canonical address, on the host its site is configured for (kelurahan/hosts.py)."""

from urllib.parse import urlencode

from django import template

from kelurahan import hosts
from kelurahan.pagecache import kept_query

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """A kelurahan's page at its own host (else PORTAL_URL/k/<slug>/...), a city's page at the
    city's host, any other page at PORTAL_URL; with only the query parameters the page cache
    keys on, so a kept copy names the address it is kept under. Never from the Host header."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    query = kept_query(request, getattr(request, "page_cache_query", ()))
    suffix = f"?{urlencode(query)}" if query else ""
    kelurahan = context.get("kelurahan")
    if kelurahan is not None and match.kwargs.get("slug") == kelurahan.slug:
        on_host = hosts.request_site(request).kind == hosts.KELURAHAN
        path = f"/k/{kelurahan.slug}{request.path}" if on_host else request.path
        return hosts.site_url(kelurahan, path) + suffix
    city = context.get("city")
    if city is not None and city.host and match.view_name in ("portal:home", "portal:city"):
        return hosts.city_base_url(city) + "/"
    return hosts.portal_base_url() + request.path + suffix
