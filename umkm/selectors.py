"""Reads for the UMKM and wisata pages and their GeoJSON; each costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, FloatField, Max, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Cast, Floor
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.encoding import filepath_to_uri

from kelurahan.models import City, Kelurahan
from umkm import mapgrid
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


def places_mapped(
    kind: Kind,
    *,
    filters: Filters,
    kelurahan: Kelurahan | None = None,
    city_kelurahan: list[Kelurahan] | None = None,
) -> QuerySet[Place]:
    """Published places of one kelurahan, or of the city's active kelurahan (`city_kelurahan`,
    as city_kelurahan() gives them), filtered, for the map (places_map_data). The city's are
    asked by kelurahan id, with no join to kelurahan and kecamatan: a map far out counts every
    place of the city, and those joins were a third of that count's time."""
    places = kind.model.objects.published()
    if kelurahan is not None:
        places = places.for_kelurahan(kelurahan)
    elif city_kelurahan is not None:
        places = places.unscoped("a city's map: its active kelurahan, by id").filter(
            kelurahan_id__in=[k.pk for k in city_kelurahan]
        )
    else:
        return places.none()
    return _filtered(kind, places, filters).with_cover()


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


# At most this many points in one response (about 25 KB gzipped); a box holding more is
# answered with clusters, or, from POINTS_ZOOM on, with these points and `truncated`.
POINT_LIMIT = 300
POINTS_ZOOM = 16


def _thumb_url(kind: Kind):
    """A function from a thumbnail's stored name to its public URL, without a storage call per
    photo: the storage's prefix is found once from a probe name. A storage whose URLs are not
    "prefix + quoted name" (signed URLs, say) is asked for each one after all. Thumbnails are
    public business and wisata photos; nothing private is stored beside them."""
    photo_model = BusinessPhoto if kind.model is Business else TourismSpotPhoto
    storage = photo_model._meta.get_field("thumbnail").storage
    probe = "umkm/thumbs/probe.webp"
    probed = storage.url(probe)
    if not probed.endswith(probe):
        return storage.url
    prefix = probed[: -len(probe)]
    return lambda name: prefix + filepath_to_uri(name)


def _detail_url(kind: Kind):
    """A function from (kelurahan slug, place slug) to the detail page's path: one reverse()
    for the whole response rather than one per place, which would dominate its time."""
    pattern = reverse(kind.detail_url_name, kwargs={"slug": "K-SLUG", "item": "I-SLUG"})
    before, rest = pattern.split("K-SLUG")
    middle, after = rest.split("I-SLUG")
    return lambda kelurahan_slug, slug: f"{before}{kelurahan_slug}{middle}{slug}{after}"


def _point_features(kind: Kind, places: QuerySet[Place], limit: int | None = None) -> list[dict]:
    """Point features: [lng, lat], name, URL, category and the cover thumbnail's URL."""
    rows = places.order_by("pk").values_list(
        "name",
        "slug",
        "kelurahan__slug",
        "category__slug" if kind.model is Business else "category",
        "latitude",
        "longitude",
        "cover_thumb",
    )
    if limit is not None:
        rows = rows[:limit]
    detail_url, thumb_url = _detail_url(kind), _thumb_url(kind)
    features = []
    for name, slug, kelurahan_slug, category, lat, lng, thumb in rows:
        properties = {"name": name, "url": detail_url(kelurahan_slug, slug), "category": category}
        if thumb:
            properties["thumb"] = thumb_url(thumb)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lng), float(lat)]},
                "properties": properties,
            }
        )
    return features


def _cluster_features(places: QuerySet[Place], cell: float) -> list[dict]:
    """One feature per grid cell holding places: their count, at the cell's middle. Counted by
    the database (GROUP BY the cell's indices), so no place row leaves it; the same SQL runs on
    SQLite and PostgreSQL. Only the count is asked: a mean position per cell costs two more
    casts and sums per row, half again the query's time, and a cluster's circle at its cell's
    middle is never more than half a cell (about 40 pixels) from its places."""
    cells = (
        places.order_by()
        .annotate(
            cell_x=Floor(Cast("longitude", FloatField()) / cell),
            cell_y=Floor(Cast("latitude", FloatField()) / cell),
        )
        .values("cell_x", "cell_y")
        .annotate(count=Count("pk"))
        .order_by("cell_y", "cell_x")
    )
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round((row["cell_x"] + 0.5) * cell, 6),
                    round((row["cell_y"] + 0.5) * cell, 6),
                ],
            },
            "properties": {"cluster": True, "count": row["count"]},
        }
        for row in cells
    ]


def _in_box(places: QuerySet[Place], viewport: mapgrid.Viewport) -> QuerySet[Place]:
    west, south, east, north = viewport.edges
    # A place on the east or north edge belongs to the next box (a cell is [low, high)).
    return places.filter(
        longitude__gte=west, longitude__lt=east, latitude__gte=south, latitude__lt=north
    )


def places_map_data(kind: Kind, places: QuerySet[Place], viewport: mapgrid.Viewport | None) -> dict:
    """What the map draws for a viewport, as a GeoJSON FeatureCollection of bounded size.

    Up to POINT_LIMIT places in the box: every one as a point, whatever the zoom. More: below
    POINTS_ZOOM, one cluster per grid cell (count and mean position); from POINTS_ZOOM on, the
    first POINT_LIMIT points and `truncated` (the map says to zoom in). Without a viewport
    (the map's first request) the box is the extent of all the places, at the zoom that fits
    it, and `bbox` tells the map where to look. Two queries whatever the number of places: the
    extent with the count (first request), or a count that stops past POINT_LIMIT; then the
    points or the clusters.
    """
    located, many = places.exclude(latitude__isnull=True), None
    if viewport is None:
        extent = located.order_by().aggregate(
            west=Min("longitude"),
            south=Min("latitude"),
            east=Max("longitude"),
            north=Max("latitude"),
            count=Count("pk"),
        )
        if not extent["count"]:
            return {"type": "FeatureCollection", "features": []}
        edges = (float(extent[edge]) for edge in ("west", "south", "east", "north"))
        viewport = mapgrid.fit(*edges)
        many = extent["count"] > POINT_LIMIT
    inside = _in_box(located, viewport)
    if many is None:
        # Counting stops at the first place past the limit: a cheap question even in a crowd.
        many = inside.order_by().values("pk")[: POINT_LIMIT + 1].count() > POINT_LIMIT
    clustered = many and viewport.zoom < POINTS_ZOOM
    truncated = many and not clustered
    if clustered:
        features = _cluster_features(inside, viewport.cell)
    else:
        features = _point_features(kind, inside, limit=POINT_LIMIT)
    return {
        "type": "FeatureCollection",
        "bbox": [float(edge) for edge in viewport.bbox.split(",")],
        "zoom": viewport.zoom,
        "clustered": clustered,
        # A cluster's cell: its middle ± half this (degrees); the map zooms to it on a click.
        **({"cell": round(viewport.cell, 9)} if clustered else {}),
        "truncated": truncated,
        "features": features,
    }
