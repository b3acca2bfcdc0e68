"""UMKM and wisata: per kelurahan under /k/<slug>/, and city-wide at /umkm/ and /wisata/.

The GeoJSON sits beside each list (umkm.geojson) rather than under it, and the proposal form has
its own segment, so no business slug can ever shadow either.
"""

from django.urls import path

from kelurahan.pagecache import cached_public_page
from umkm import views

city_page = cached_public_page(per_kelurahan=False)
cached = cached_public_page

app_name = "umkm"

urlpatterns = [
    path("umkm/", city_page(views.city_business_list), name="city_businesses"),
    path("umkm.geojson", city_page(views.city_business_geojson), name="city_business_geojson"),
    path("wisata/", city_page(views.city_spot_list), name="city_spots"),
    path("wisata.geojson", city_page(views.city_spot_geojson), name="city_spot_geojson"),
    path("k/<slug:slug>/umkm/", cached(views.business_list), name="businesses"),
    path("k/<slug:slug>/umkm.geojson", cached(views.business_geojson), name="business_geojson"),
    path("k/<slug:slug>/umkm/<slug:item>/", cached(views.business_detail), name="business"),
    path("k/<slug:slug>/usulkan-umkm/", views.business_propose, name="business_propose"),
    path("k/<slug:slug>/wisata/", cached(views.spot_list), name="spots"),
    path("k/<slug:slug>/wisata.geojson", cached(views.spot_geojson), name="spot_geojson"),
    path("k/<slug:slug>/wisata/<slug:item>/", cached(views.spot_detail), name="spot"),
]
