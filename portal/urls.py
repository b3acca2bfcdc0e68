from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from kelurahan.pagecache import cached_public_page
from portal import health, metrics, security, views

city_page = cached_public_page(per_kelurahan=False)

urlpatterns = [
    path("", city_page(views.home), name="home"),
    path("cari/", views.search, name="search"),
    path("kota/<slug:slug>/", city_page(views.city), name="city"),
    path("kecamatan/<slug:slug>/", city_page(views.kecamatan), name="kecamatan"),
    # Ahead of the kelurahan include: the service list and pages with layanan's "Ajukan online".
    path(
        "k/<slug:slug>/layanan/",
        cached_public_page(views.kelurahan_services, search=("q",)),
        name="kelurahan_services",
    ),
    path(
        "k/<slug:slug>/layanan/<slug:service>/",
        cached_public_page(views.kelurahan_service),
        name="kelurahan_service",
    ),
    path("bahasa/<str:language>/", views.set_language, name="set_language"),
    # Staff login's second step, inside /admin/ but ahead of the admin's own addresses.
    path("admin/two-factor/", security.two_factor_verify, name="two_factor_verify"),
    path("admin/two-factor/setup/", security.two_factor_setup, name="two_factor_setup"),
    # A staff invitation's one-time link (no login; /staf/ pages are never cached).
    path("staf/undangan/<str:token>/", security.staff_invitation, name="staff_invitation"),
]
urlpatterns = [
    path("", include((urlpatterns, "portal"))),
    path("k/<slug:slug>/", include("kelurahan.urls")),
    path("", include("layanan.urls")),
    path("", include("umkm.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
]
if settings.SERVE_MEDIA:
    # Public media only (officials' photos); private documents never live under MEDIA_ROOT.
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]

# Error pages in the portal's look, Indonesian unless the visitor switched (portal/errors.py).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
