"""A site's lifecycle: a provisioned kelurahan is "belum aktif" until Diskominfo activates it.

Every public page resolves its kelurahan through `selectors.kelurahan_get_public`, which raises
`SiteNotActive` for a site not yet active; `SitePreparingMiddleware` answers it, wherever it is
raised (a kelurahan page, its UMKM pages, the online request form), with one short page saying
the site is being prepared, with where to ask meanwhile, marked noindex. The view stops before
it writes anything, so an online request or a UMKM proposal to such a site is refused and nothing
is stored; a sitemap or map data of such a site is a 404. The page is 200, not 503: the site is
not failing, it is not there yet, and a 503 would invite crawlers to come back and monitoring to
page someone.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

# Addresses read by machines (sitemaps, map data): for a site not yet active, a 404.
MACHINE_READ = (".xml", ".geojson")


class SiteNotActive(Exception):  # noqa: N818 (a state, like Http404)
    """The kelurahan's site is not active yet; `kelurahan` is it, with its regions."""

    def __init__(self, kelurahan):
        super().__init__(kelurahan.slug)
        self.kelurahan = kelurahan


def site_preparing_page(request, kelurahan):
    response = render(request, "kelurahan/site_preparing.html", {"kelurahan": kelurahan})
    response["X-Robots-Tag"] = "noindex"
    # Not kept by any cache: the page changes the moment Diskominfo activates the site.
    add_never_cache_headers(response)
    return response


class SitePreparingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, SiteNotActive):
            if request.path_info.endswith(MACHINE_READ):
                raise Http404  # a sitemap or map data: nothing to read there yet
            return site_preparing_page(request, exception.kelurahan)
        return None
