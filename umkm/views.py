"""Public UMKM and wisata pages: lists with filters and a map, detail pages, GeoJSON, proposals."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django_ratelimit.decorators import ratelimit

from kelurahan import selectors as kelurahan_selectors
from kelurahan.models import City
from kelurahan.pagecache import canonical_redirect
from kelurahan.pagination import IdsFirstPaginator
from kelurahan.uploads import upload_limit
from umkm import mapgrid, selectors, services
from umkm.forms import (
    MAX_PROPOSAL_PHOTOS,
    BusinessProposalForm,
    MapViewportForm,
    PlaceFilterForm,
)
from umkm.selectors import BUSINESSES, SPOTS, Kind

PER_PAGE = 12
# Markers change when an operator publishes; a few minutes' staleness is fine for a map.
GEOJSON_MAX_AGE = 300


def _filter_form(request, kind: Kind, city, kelurahan_list=None) -> PlaceFilterForm:
    if city and kelurahan_list is None:
        kelurahan_list = selectors.city_kelurahan(city)
    return PlaceFilterForm(
        request.GET or None, categories=kind.categories(), kelurahan_list=kelurahan_list
    )


def _filter_values(filters) -> dict:
    return {
        "q": filters.query,
        "kategori": filters.category,
        "kecamatan": filters.kecamatan,
        "kelurahan": filters.kelurahan,
    }


def _list_page(request, kind: Kind, *, kelurahan=None, city=None):
    form = _filter_form(request, kind, city)
    filters = form.filters()
    places = selectors.places_published(kind, filters=filters, kelurahan=kelurahan, city=city)
    page = IdsFirstPaginator(places, PER_PAGE).get_page(request.GET.get("page"))
    values = _filter_values(filters)
    # Only the canonical address answers 200 (and is kept by the page cache).
    redirect = canonical_redirect(request, values, page=page)
    if redirect is not None:
        return redirect
    filter_query = urlencode({key: value for key, value in values.items() if value})
    if kelurahan is not None:
        geojson_url = reverse(kind.geojson_url_name, kwargs={"slug": kelurahan.slug})
        template = "umkm/place_list.html"
    else:
        geojson_url = reverse(kind.city_geojson_url_name, kwargs={"city": city.slug})
        template = "umkm/place_city_list.html"
    return render(
        request,
        template,
        {
            "kind": kind.key,
            "kelurahan": kelurahan,
            "city": city,
            "form": form,
            "filters": filters,
            "page_obj": page,
            "pagination_query": filter_query,
            "geojson_url": f"{geojson_url}?{filter_query}" if filter_query else geojson_url,
            "map_grid": json.dumps(mapgrid.grid_settings(), separators=(",", ":")),
            "section": kind.key,
            "page_title": _("UMKM") if kind is BUSINESSES else _("Tourism"),
        },
    )


@cache_control(public=True, max_age=GEOJSON_MAX_AGE)
def _geojson(request, kind: Kind, *, slug=None, city=None):
    """The map's data for its viewport (umkm.mapgrid): the viewport is checked before anything
    else is looked up, so a malformed one costs no query (400, with the reason)."""
    viewport_form = MapViewportForm(request.GET)
    if not viewport_form.is_valid():
        return JsonResponse({"error": viewport_form.error_text()}, status=400)
    viewport = viewport_form.viewport()
    city_kelurahan = None
    if slug is not None:
        kelurahan = kelurahan_selectors.kelurahan_get_public(slug)
    else:
        kelurahan, city = None, get_object_or_404(City, slug=city)
        city_kelurahan = selectors.city_kelurahan(city)
    filters = _filter_form(request, kind, city, city_kelurahan).filters()
    canonical = _filter_values(filters)
    if viewport is not None:
        canonical |= {"bbox": viewport.bbox, "zoom": viewport.zoom}
    redirect = canonical_redirect(request, canonical)
    if redirect is not None:
        return redirect
    places = selectors.places_mapped(
        kind, filters=filters, kelurahan=kelurahan, city_kelurahan=city_kelurahan
    )
    return JsonResponse(
        selectors.places_map_data(kind, places, viewport),
        content_type="application/geo+json",
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )


def _detail_page(request, kind: Kind, slug: str, item: str):
    kelurahan = kelurahan_selectors.kelurahan_get_public(slug)
    place = selectors.place_get_published(kind, kelurahan, item)
    markers = []
    if place.has_location:
        markers = [
            {
                "name": place.name,
                "lat": float(place.latitude),
                "lng": float(place.longitude),
                "url": place.get_absolute_url(),
            }
        ]
    photos = list(place.photos.all())
    return render(
        request,
        "umkm/business_detail.html" if kind is BUSINESSES else "umkm/tourismspot_detail.html",
        {
            "kelurahan": kelurahan,
            "place": place,
            "photos": photos,
            "markers": markers,
            "kind": kind.key,
            "section": kind.key,
            "page_title": place.name,
        },
    )


def business_list(request, slug):
    kelurahan = kelurahan_selectors.kelurahan_get_public(slug)
    return _list_page(request, BUSINESSES, kelurahan=kelurahan)


def spot_list(request, slug):
    kelurahan = kelurahan_selectors.kelurahan_get_public(slug)
    return _list_page(request, SPOTS, kelurahan=kelurahan)


def city_business_list(request, city):
    return _list_page(request, BUSINESSES, city=get_object_or_404(City, slug=city))


def city_spot_list(request, city):
    return _list_page(request, SPOTS, city=get_object_or_404(City, slug=city))


def business_geojson(request, slug):
    return _geojson(request, BUSINESSES, slug=slug)


def spot_geojson(request, slug):
    return _geojson(request, SPOTS, slug=slug)


def city_business_geojson(request, city):
    return _geojson(request, BUSINESSES, city=city)


def city_spot_geojson(request, city):
    return _geojson(request, SPOTS, city=city)


def city_page_redirect(url_name: str):
    """A view for an address without a city (/umkm/): a permanent redirect, query kept, to the
    city's own address when the address means one city (kelurahan_selectors.city_for_request),
    else to the home page's list of cities, where the visitor picks one."""

    def view(request):
        city = kelurahan_selectors.city_for_request(request)
        if city is None:
            return redirect("portal:home")
        target = reverse(url_name, kwargs={"city": city.slug})
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)

    return view


def business_detail(request, slug, item):
    return _detail_page(request, BUSINESSES, slug, item)


def spot_detail(request, slug, item):
    return _detail_page(request, SPOTS, slug, item)


# Every photo at its largest plus room for the typed fields; a larger body is refused unread
# with the 413 page (kelurahan.uploads), not read to disk first.
@upload_limit(MAX_PROPOSAL_PHOTOS * settings.MAX_IMAGE_UPLOAD_BYTES + 1024 * 1024)
@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def business_propose(request, slug):
    """A resident proposes a business; it waits as PENDING until an operator publishes it."""
    kelurahan = kelurahan_selectors.kelurahan_get_public(slug)
    form = BusinessProposalForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        thanks = _(
            "Thank you. The kelurahan's staff will check your proposal and publish it; "
            "this usually takes a few working days."
        )
        if form.is_spam:
            # Answer a robot as if it succeeded, and keep nothing.
            messages.success(request, thanks)
            return redirect("umkm:businesses", slug=kelurahan.slug)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("website", None)
            services.business_propose(kelurahan=kelurahan, **data)
            messages.success(request, thanks)
            return redirect("umkm:businesses", slug=kelurahan.slug)
    return render(
        request,
        "umkm/business_propose.html",
        {
            "kelurahan": kelurahan,
            "form": form,
            "section": "umkm",
            "page_title": _("Propose a UMKM listing"),
        },
    )
