from django.urls import path

from layanan import views

app_name = "layanan"

urlpatterns = [
    path("verifikasi/<str:token>/", views.verify, name="verify"),
    path("staf/surat/<int:pk>/pdf/", views.letter_pdf, name="letter_pdf"),
]
