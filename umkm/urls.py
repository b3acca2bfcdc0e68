"""UMKM and wisata: per kelurahan under /k/<slug>/, and city-wide under /kota/<slug>/ (the
old /umkm/ and /wisata/ redirect there when the address means one city).

The GeoJSON sits beside each list (umkm.geojson) rather than under it, and the proposal form has
its own segment, so no business slug can ever shadow either.
"""

from django.urls import path

from kelurahan.pagecache import cached_public_page
from umkm import views

city_page = cached_public_page(per_kelurahan=False)
cached = cached_public_page
# What the list and map views read (umkm/views.py): kept per filter and page; a search is fresh.
FILTERS = {"query": ("kategori", "kecamatan", "kelurahan"), "search": ("q",)}
# The map's data is kept per filter and snapped viewport (umkm/mapgrid.py).
MAP = {"query": (*FILTERS["query"], "bbox", "zoom"), "search": FILTERS["search"]}
LIST = {"query": ("kategori", "kecamatan", "kelurahan", "page"), "search": ("q",)}
city_list = cached_public_page(per_kelurahan=False, **LIST)
city_map = cached_public_page(per_kelurahan=False, **MAP)
kelurahan_list = cached_public_page(**LIST)
kelurahan_map = cached_public_page(**MAP)

app_name = "umkm"

urlpatterns = [
    path("kota/<slug:city>/umkm/", city_list(views.city_business_list), name="city_businesses"),
    path(
        "kota/<slug:city>/umkm.geojson",
        city_map(views.city_business_geojson),
        name="city_business_geojson",
    ),
    path("kota/<slug:city>/wisata/", city_list(views.city_spot_list), name="city_spots"),
    path(
        "kota/<slug:city>/wisata.geojson",
        city_map(views.city_spot_geojson),
        name="city_spot_geojson",
    ),
    # The addresses from before a portal served several cities (bookmarks, printed QR codes).
    path("umkm/", views.city_page_redirect("umkm:city_businesses"), name="businesses_anywhere"),
    path(
        "umkm.geojson",
        views.city_page_redirect("umkm:city_business_geojson"),
        name="business_geojson_anywhere",
    ),
    path("wisata/", views.city_page_redirect("umkm:city_spots"), name="spots_anywhere"),
    path(
        "wisata.geojson",
        views.city_page_redirect("umkm:city_spot_geojson"),
        name="spot_geojson_anywhere",
    ),
    path("k/<slug:slug>/umkm/", kelurahan_list(views.business_list), name="businesses"),
    path(
        "k/<slug:slug>/umkm.geojson", kelurahan_map(views.business_geojson), name="business_geojson"
    ),
    path("k/<slug:slug>/umkm/<slug:item>/", cached(views.business_detail), name="business"),
    path("k/<slug:slug>/usulkan-umkm/", views.business_propose, name="business_propose"),
    path("k/<slug:slug>/wisata/", kelurahan_list(views.spot_list), name="spots"),
    path("k/<slug:slug>/wisata.geojson", kelurahan_map(views.spot_geojson), name="spot_geojson"),
    path("k/<slug:slug>/wisata/<slug:item>/", cached(views.spot_detail), name="spot"),
]
