from django.urls import path

from kelurahan import views

app_name = "kelurahan"

urlpatterns = [
    path("", views.home, name="home"),
    path("profil/", views.profile, name="profile"),
    path("struktur/", views.structure, name="structure"),
    path("rt-rw/", views.rt_rw, name="rt_rw"),
    path("karang-taruna/", views.karang_taruna, name="karang_taruna"),
    path("layanan/", views.service_list, name="services"),
    path("layanan/<slug:service>/", views.service_detail, name="service"),
    path("berita/", views.article_list, name="articles"),
    path("berita/<slug:article>/", views.article_detail, name="article"),
]
