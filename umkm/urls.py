"""UMKM and wisata: per kelurahan under /k/<slug>/, and city-wide at /umkm/ and /wisata/.

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
LIST = {"query": ("kategori", "kecamatan", "kelurahan", "page"), "search": ("q",)}
city_list = cached_public_page(per_kelurahan=False, **LIST)
city_map = cached_public_page(per_kelurahan=False, **FILTERS)
kelurahan_list = cached_public_page(**LIST)
kelurahan_map = cached_public_page(**FILTERS)

app_name = "umkm"

urlpatterns = [
    path("umkm/", city_list(views.city_business_list), name="city_businesses"),
    path("umkm.geojson", city_map(views.city_business_geojson), name="city_business_geojson"),
    path("wisata/", city_list(views.city_spot_list), name="city_spots"),
    path("wisata.geojson", city_map(views.city_spot_geojson), name="city_spot_geojson"),
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
