"""Reads for the UMKM and wisata pages and their GeoJSON; each costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from kelurahan.models import City, Kelurahan
from umkm.models import (
    Business,
    BusinessCategory,
    BusinessPhoto,
    Place,
    Product,
    TourismSpot,
    TourismSpotPhoto,
)


@dataclass(frozen=True)
class Filters:
    """What a list page (and its GeoJSON) is narrowed to; empty strings mean "all"."""

    query: str = ""
    category: str = ""
    kecamatan: str = ""
    kelurahan: str = ""


@dataclass(frozen=True)
class Kind:
    """UMKM or wisata: the model, its URL names and how its category is filtered."""

    key: str  # "umkm" or "wisata": the URL segment
    model: type[Place]
    list_url_name: str
    detail_url_name: str
    geojson_url_name: str
    city_list_url_name: str
    city_geojson_url_name: str

    def categories(self) -> list[tuple[str, str]]:
        """(slug, label) pairs for the category filter."""
        if self.model is Business:
            return list(BusinessCategory.objects.values_list("slug", "name"))
        return list(TourismSpot.Category.choices)

    def category_filter(self, slug: str) -> Q:
        return Q(category__slug=slug) if self.model is Business else Q(category=slug)


BUSINESSES = Kind(
    key="umkm",
    model=Business,
    list_url_name="umkm:businesses",
    detail_url_name="umkm:business",
    geojson_url_name="umkm:business_geojson",
    city_list_url_name="umkm:city_businesses",
    city_geojson_url_name="umkm:city_business_geojson",
)
SPOTS = Kind(
    key="wisata",
    model=TourismSpot,
    list_url_name="umkm:spots",
    detail_url_name="umkm:spot",
    geojson_url_name="umkm:spot_geojson",
    city_list_url_name="umkm:city_spots",
    city_geojson_url_name="umkm:city_spot_geojson",
)


def _filtered(kind: Kind, places: QuerySet[Place], filters: Filters) -> QuerySet[Place]:
    if filters.category:
        places = places.filter(kind.category_filter(filters.category))
    if filters.kecamatan:
        places = places.filter(kelurahan__kecamatan__slug=filters.kecamatan)
    if filters.kelurahan:
        places = places.filter(kelurahan__slug=filters.kelurahan)
    if filters.query:
        places = places.filter(
            Q(name__icontains=filters.query) | Q(description__icontains=filters.query)
        )
    return places


def places_published(
    kind: Kind, *, filters: Filters, kelurahan: Kelurahan | None = None, city: City | None = None
) -> QuerySet[Place]:
    """Published places of one kelurahan (or of a whole city), filtered, for the cards.

    The cover thumbnail comes as an annotation and the category (UMKM) and kelurahan by join,
    so a page of cards is one query whatever its size.
    """
    places = kind.model.objects.published()
    if kelurahan is not None:
        places = places.for_kelurahan(kelurahan)
    elif city is not None:
        # City-wide lists and maps show only sites Diskominfo activated.
        places = places.on_active_sites(city)
    else:
        return places.none()
    related = ["kelurahan__kecamatan"] + (["category"] if kind.model is Business else [])
    return _filtered(kind, places, filters).select_related(*related).with_cover()


def place_get_published(kind: Kind, kelurahan: Kelurahan, slug: str) -> Place:
    """One published place of this kelurahan with its photos (and products), else 404."""
    places = kind.model.objects.for_kelurahan(kelurahan).published()
    photo_model = BusinessPhoto if kind.model is Business else TourismSpotPhoto
    prefetch = [Prefetch("photos", queryset=photo_model.objects.for_kelurahan(kelurahan))]
    if kind.model is Business:
        places = places.select_related("category")
        prefetch.append(Prefetch("products", queryset=Product.objects.for_kelurahan(kelurahan)))
    place = get_object_or_404(places.prefetch_related(*prefetch), slug=slug)
    place.kelurahan = kelurahan  # already loaded with its regions; no second query for it
    return place


def city_kelurahan(city: City) -> list[Kelurahan]:
    """The city's kelurahan with their kecamatan, for the city-wide filters (one query)."""
    return list(
        Kelurahan.objects.active()
        .filter(kecamatan__city=city)
        .with_names()
        .select_related("kecamatan")
        .only("id", "name", "slug", "kind", "kecamatan__name", "kecamatan__slug", "kecamatan__code")
        .order_by("kecamatan__name", "name")
    )


def places_geojson(kind: Kind, places: QuerySet[Place]) -> dict:
    """A GeoJSON FeatureCollection of the places that have a point: [lng, lat] and little else.

    Built from one values() query; URLs are made from one reversed pattern rather than one
    reverse() per place, which would dominate the time at a few thousand places.
    """
    rows = (
        places.exclude(latitude__isnull=True)
        .order_by()
        .values_list(
            "name",
            "slug",
            "kelurahan__slug",
            "category__slug" if kind.model is Business else "category",
            "latitude",
            "longitude",
            "cover_thumb",
        )
    )
    pattern = reverse(kind.detail_url_name, kwargs={"slug": "K-SLUG", "item": "I-SLUG"})
    before, rest = pattern.split("K-SLUG")
    middle, after = rest.split("I-SLUG")
    photo_model = BusinessPhoto if kind.model is Business else TourismSpotPhoto
    storage = photo_model._meta.get_field("thumbnail").storage
    features = []
    for name, slug, kelurahan_slug, category, lat, lng, thumb in rows:
        properties = {
            "name": name,
            "url": f"{before}{kelurahan_slug}{middle}{slug}{after}",
            "category": category,
        }
        if thumb:
            properties["thumb"] = storage.url(thumb)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lng), float(lat)]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}
