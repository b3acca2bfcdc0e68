"""City-level public pages: home, city and kecamatan directories, search, health, language."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from kelurahan import hosts, selectors
from kelurahan.forms import KelurahanSearchForm
from kelurahan.models import City, CityService, Kecamatan
from layanan.selectors import online_request_kinds
from portal.search import site_search


def _city_page(request, city):
    kecamatan_list = selectors.kecamatan_with_kelurahan(city=city) if city else []
    # A kecamatan none of whose sites is active yet has nothing to link to.
    kecamatan_list = [kecamatan for kecamatan in kecamatan_list if kecamatan.kelurahan_list]
    return render(
        request,
        "portal/city_home.html",
        {
            "city": city,
            "kecamatan_list": kecamatan_list,
            "kelurahan_count": sum(len(k.kelurahan_list) for k in kecamatan_list),
            "markers": selectors.markers_for(kecamatan_list),
        },
    )


def home(request):
    """The cities the portal serves (those with an active site); straight to the city's page
    when it serves one (or none yet: PORTAL_CITY_CODE's). On a city's own host, that city."""
    site = hosts.request_site(request)
    if site.kind == hosts.CITY:
        return _city_page(request, get_object_or_404(City, slug=site.city_slug))
    cities = selectors.cities_served()
    if len(cities) > 1:
        return render(request, "portal/city_list.html", {"cities": cities})
    return _city_page(request, cities[0] if cities else selectors.city_for_home())


def city(request, slug):
    return _city_page(request, get_object_or_404(City, slug=slug))


def kecamatan(request, slug):
    item = get_object_or_404(Kecamatan.objects.select_related("city"), slug=slug)
    kecamatan_list = selectors.kecamatan_with_kelurahan(pk=item.pk)
    return render(
        request,
        "portal/kecamatan_detail.html",
        {
            "kecamatan": item,
            "kelurahan_list": kecamatan_list[0].kelurahan_list,
            "markers": selectors.markers_for(kecamatan_list),
        },
    )


def kelurahan_services(request, slug):
    """/k/<slug>/layanan/: the kelurahan's service catalog with "Ajukan online" on every service
    whose letter type takes online requests.

    It lives here because kelurahan may not import layanan and portal composes both: portal/urls.py
    routes this address here ahead of the kelurahan include (so `kelurahan:services` still names
    it), with kelurahan's selectors and template; each service gets `online_request_url`, and
    online letter types without a listed service are passed as `online_requests_other`.
    """
    kelurahan = selectors.kelurahan_get_public(slug)
    services = list(selectors.services_for(kelurahan))
    by_entry = {}
    for service in services:
        # A kelurahan's own row answers for its id and for the city entry it replaces.
        if isinstance(service, CityService):
            by_entry[("kota", service.pk)] = service
        else:
            by_entry[("kel", service.pk)] = service
            if service.city_service_id:
                by_entry[("kota", service.city_service_id)] = service
    by_slug = {service.slug: service for service in services}
    others = []
    for online in online_request_kinds(kelurahan):
        url = reverse("layanan:request", args=[kelurahan.slug, online.kind.key])
        service = (
            by_entry.get(("kel", online.service_id))
            or by_entry.get(("kota", online.city_service_id))
            or by_slug.get(online.catalog_slug)
        )
        if service is not None and not hasattr(service, "online_request_url"):
            service.online_request_url = url
        else:
            others.append({"name": online.name, "url": url})
    return render(
        request,
        "kelurahan/service_list.html",
        {
            "kelurahan": kelurahan,
            "services": services,
            "online_requests_other": others,
            "track_url": reverse("layanan:track")
            if others or any(hasattr(s, "online_request_url") for s in services)
            else "",
            "section": "services",
            "page_title": _("Services"),
        },
    )


def search(request):
    """/cari/?q=…, the whole portal: kelurahan, kecamatan, services, UMKM, wisata and news
    (portal/search.py); with &kota=<slug> (a city page's search box) that city's only. A query
    the form refuses is answered with its message, and nothing is looked up."""
    form = KelurahanSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    city = selectors.city_scope(request.GET.get("kota", "")[:120])
    return render(
        request,
        "portal/search.html",
        {
            "form": form,
            "query": query,
            # What was typed stays in the box when the form refuses it, to be corrected.
            "typed": request.GET.get("q", "")[: form.fields["q"].max_length],
            "city": city,
            "results": site_search(query, city=city),
        },
    )


def favicon(request):
    """Browsers (and the admin's pages) ask for /favicon.ico; answer with the portal's icon."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("img/favicon.svg"))


def rate_limited(request, exception):
    """Shown when a public form is sent too often from one address (django-ratelimit)."""
    return render(request, "portal/rate_limited.html", status=429)


def set_language(request, language):
    """Switch language by a plain link (no form, no CSRF token in public pages)."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
