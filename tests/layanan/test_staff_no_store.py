"""Staff responses with personal data (letter PDFs, requirement documents, the resident register and
its exports, the letter register, the access log, every admin page) carry
`Cache-Control: private, no-store`: no shared cache keeps them, nor the browser of an office
computer. Public pages stay cacheable."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from layanan.models import Resident
from tests.layanan.helpers import NIK_BUDI
from tests.layanan.test_register import export


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_no_store(response):
    assert response.status_code == 200, response.status_code
    assert {"private", "no-store"} <= directives(response), response.get("Cache-Control")
    assert "public" not in directives(response)


@pytest.fixture
def resident(kelurahan_a) -> Resident:
    return Resident.objects.create(
        kelurahan=kelurahan_a,
        nik=NIK_BUDI,
        kk_number="3372010101100001",
        name="Budi Santoso",
        birth_place="Surakarta",
        birth_date=datetime.date(1995, 8, 15),
        sex=Resident.Sex.MALE,
        religion="Islam",
        marital_status="Kawin",
        occupation="Guru",
        address="Jl. Mawar No. 7",
        rt="4",
        rw="2",
    )


def test_a_letter_pdf_for_staff_is_never_cached(as_operator_a, signed_letter):
    response = as_operator_a.get(reverse("layanan:letter_pdf", args=[signed_letter.pk]))

    assert_no_store(response)
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "url",
    [
        lambda resident: reverse("admin:layanan_resident_changelist"),
        lambda resident: reverse("admin:layanan_resident_change", args=[resident.pk]),
        lambda resident: reverse("admin:layanan_accesslog_changelist"),
        lambda resident: reverse("admin:layanan_letter_changelist"),
        lambda resident: reverse("admin:layanan_letter_register"),
        lambda resident: reverse("admin:index"),
    ],
    ids=["residents", "resident", "access-log", "letters", "register-form", "index"],
)
def test_admin_pages_with_personal_data_are_never_cached(as_operator_a, resident, url):
    assert_no_store(as_operator_a.get(url(resident)))


@pytest.mark.parametrize("file_format", ["0", "1"], ids=["csv", "xlsx"])
def test_resident_register_exports_are_never_cached(as_operator_a, resident, file_format):
    # The XLSX is made by a background task; this is the download its progress page links to.
    response = export(as_operator_a, file_format)

    assert_no_store(response)
    assert "attachment" in response["Content-Disposition"]


def test_the_letter_register_export_is_never_cached(as_operator_a, signed_letter):
    today = timezone.localdate()
    response = as_operator_a.get(
        reverse("admin:layanan_letter_register"),
        {"year": today.year, "month": today.month, "format": "csv"},
    )

    assert_no_store(response)
    assert "attachment" in response["Content-Disposition"]


def test_the_staff_login_page_is_never_cached(client, db):
    assert_no_store(client.get(reverse("admin:login")))


def test_public_pages_stay_cacheable(client, kelurahan_a):
    response = client.get(f"/k/{kelurahan_a.slug}/")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
