from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cari/", views.search, name="search"),
    path("kota/<slug:slug>/", views.city, name="city"),
    path("kecamatan/<slug:slug>/", views.kecamatan, name="kecamatan"),
    path("bahasa/<str:language>/", views.set_language, name="set_language"),
]
urlpatterns = [
    path("", include((urlpatterns, "portal"))),
    path("k/<slug:slug>/", include("kelurahan.urls")),
    path("", include("layanan.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
]
if settings.SERVE_MEDIA:
    # Public media only (officials' photos); private documents never live under MEDIA_ROOT.
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]
