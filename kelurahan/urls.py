from django.urls import path

from kelurahan import views
from kelurahan.pagecache import cached_public_page as cached

app_name = "kelurahan"

urlpatterns = [
    path("", cached(views.home), name="home"),
    path("profil/", cached(views.profile), name="profile"),
    path("struktur/", cached(views.structure), name="structure"),
    path("rt-rw/", cached(views.rt_rw, search=("jalan",)), name="rt_rw"),
    path("karang-taruna/", cached(views.karang_taruna), name="karang_taruna"),
    path("layanan/", cached(views.service_list), name="services"),
    path("layanan/<slug:service>/", cached(views.service_detail), name="service"),
    path(
        "berita/",
        cached(views.article_list, query=("jenis", "page"), search=("q",)),
        name="articles",
    ),
    path("berita/<slug:article>/", cached(views.article_detail), name="article"),
    path("sitemap.xml", cached(views.sitemap), name="sitemap"),
]
