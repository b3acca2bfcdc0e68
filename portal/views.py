"""City-level public pages: home, city and kecamatan directories, search, health, language."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from kelurahan import hosts, selectors
from kelurahan.catalog import catalog_entry
from kelurahan.forms import KelurahanSearchForm, ServiceFilterForm
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


def _online_requests_attach(kelurahan, services) -> list[dict]:
    """Give each service whose letter type takes online requests its `online_request_url`;
    return the online letter types without a listed service ({name, url} each).

    It lives here because kelurahan may not import layanan and portal composes both."""
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
    return others


def kelurahan_services(request, slug):
    """/k/<slug>/layanan/: the kelurahan's service catalog with "Ajukan online" on every service
    whose letter type takes online requests, in two groups (online first, then those served at
    the office only), each service's details folded. `?q=` filters by name and description on
    the server (the form works without JavaScript; static/js/service_filter.js
    filters as one types).

    portal/urls.py routes this address here ahead of the kelurahan include (so
    `kelurahan:services` still names it), with kelurahan's selectors and template.
    """
    kelurahan = selectors.kelurahan_get_public(slug)
    services = list(selectors.services_for(kelurahan))
    others = _online_requests_attach(kelurahan, services)
    form = ServiceFilterForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    shown = [service for service in services if _service_matches(service, query)]
    online = [service for service in shown if hasattr(service, "online_request_url")]
    return render(
        request,
        "kelurahan/service_list.html",
        {
            "kelurahan": kelurahan,
            "services": services,
            "online_services": online,
            "office_services": [service for service in shown if service not in online],
            "filter_form": form,
            "query": query,
            "shown_count": len(shown),
            "online_requests_other": others,
            "section": "services",
            "page_title": _("Services"),
        },
    )


def _service_matches(service, query: str) -> bool:
    """Whether every word of the query is in the service's name or description (case-insensitive;
    the catalog is a few dozen rows, read whole already). Not its requirements: "KTP" or
    "kematian" is in most of them. static/js/service_filter.js reads the same text."""
    text = f"{service.name} {service.description}".casefold()
    return all(word in text for word in query.casefold().split())


def kelurahan_service(request, slug, service):
    """/k/<slug>/layanan/<service>/: one service, with "Ajukan online" and what to prepare when
    its letter type takes online requests (routed here ahead of the kelurahan include, as the
    list is)."""
    kelurahan = selectors.kelurahan_get_public(slug)
    item = catalog_entry(kelurahan, service)
    if item is None:
        raise Http404
    _online_requests_attach(kelurahan, [item])
    return render(
        request,
        "kelurahan/service_detail.html",
        {"kelurahan": kelurahan, "service": item, "section": "services", "page_title": item.name},
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
