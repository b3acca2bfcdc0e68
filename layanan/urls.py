from django.urls import path

from layanan import views

app_name = "layanan"

urlpatterns = [
    path("verifikasi/", views.verify_by_number, name="verify_by_number"),
    path("verifikasi/<str:token>/", views.verify, name="verify"),
    path("staf/surat/<int:pk>/pdf/", views.letter_pdf, name="letter_pdf"),
    path("staf/dokumen/<int:pk>/", views.document, name="document"),
    path("k/<slug:slug>/layanan/ajukan/<slug:kind>/", views.letter_request, name="request"),
    path(
        "k/<slug:slug>/layanan/tanda-terima/<str:token>/",
        views.letter_request_receipt,
        name="receipt",
    ),
    path("lacak/", views.track, name="track"),
    path("lacak/lupa-kode/", views.recover_code, name="recover_code"),
    path("lacak/unduh/<str:token>/", views.resident_pdf, name="resident_pdf"),
]
