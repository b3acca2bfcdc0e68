"""The error pages and the letter checks in a real browser, at phone size and on a 1366×768
screen: screenshots for a person to look at, and axe-core (WCAG 2.x A/AA) finds nothing.

The 503 page cannot be had from the live server for real (its thread has its own database
connection, which tests.outage does not reach), so the test client renders it with the database
down and the browser shows that very HTML on the live server's origin (its CSS loads from there).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.functional import empty

from kelurahan.models import Kelurahan
from layanan import services
from layanan.storage import private_storage
from portal.demo import DEMO_NIK
from tests.e2e.helpers import axe_violations, describe
from tests.factories import signature
from tests.layanan.helpers import letter_data
from tests.outage import database_down

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 768}
SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def pajang(demo_city):
    return Kelurahan.objects.get(slug="pajang")


@pytest.fixture
def letter(pajang, django_user_model):
    operator = django_user_model.objects.get(username="operator.pajang")
    signer = django_user_model.objects.get(username="lurah.pajang")
    draft = services.letter_create(
        kelurahan=pajang,
        kind="skuter",
        by=operator,
        data=letter_data(nik=DEMO_NIK, birth_date="1990-08-17"),
    )
    return services.letter_move(
        action="sign",
        letter_id=draft.pk,
        by=signer,
        **signature(signer, pajang),
    )


def expect_status_console_errors(page, status: int) -> None:
    """Chromium reports a page answered with an error status in the console; on an error page
    that is the point, not a fault, so those lines (and only those) are let go."""
    page.problems[:] = [p for p in page.problems if f"status of {status}" not in p]


def at_both_sizes(page, shot, name: str, failures: list[str]) -> None:
    """Screenshot and axe at phone size, then at 1366×768, and back to phone size."""
    for label, size in (("phone", None), ("desktop", DESKTOP)):
        if size:
            page.set_viewport_size(size)
        violations = axe_violations(page)
        if violations:
            failures.append(f"--- {name} {label} ({page.url}):\n{describe(violations)}")
        shot(page, f"{name}-{label}")
    page.set_viewport_size({"width": 360, "height": 740})


def test_the_404_pages_in_the_browser(page, shot, pajang):
    failures: list[str] = []

    response = page.goto("/halaman-yang-tidak-ada/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Halaman tidak ditemukan"
    at_both_sizes(page, shot, "404", failures)

    response = page.goto(f"/k/{pajang.slug}/halaman-yang-tidak-ada/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Kontak Kelurahan Pajang").is_visible()
    at_both_sizes(page, shot, "404-kelurahan", failures)

    page.get_by_role("link", name="Beranda Kelurahan Pajang").click()
    page.wait_for_url(f"**/k/{pajang.slug}/")
    expect_status_console_errors(page, 404)
    assert not failures, "\n".join(failures)


def test_the_503_page_in_the_browser(page, shot, live_server):
    with database_down():
        response = Client(raise_request_exception=False).get("/k/pajang/")
    assert response.status_code == 503
    page.goto("/healthz")  # the live server's origin, so /static/ resolves
    page.set_content(response.content.decode())
    assert page.locator("h1").inner_text() == "Layanan sedang tidak tersedia untuk sementara"
    failures: list[str] = []
    at_both_sizes(page, shot, "503", failures)
    assert not failures, "\n".join(failures)


def test_the_unknown_token_page_and_the_check_by_number(page, shot, letter):
    failures: list[str] = []

    response = page.goto("/verifikasi/bukan-kode-yang-benar/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Surat tidak ditemukan"
    at_both_sizes(page, shot, "unknown-token", failures)

    page.get_by_role("link", name="Periksa surat berdasarkan nomor").first.click()
    page.wait_for_url("**/verifikasi/")
    at_both_sizes(page, shot, "by-number-form", failures)

    # Sent empty: the error summary, and nothing looked up.
    page.get_by_role("button", name="Periksa surat").click()
    page.wait_for_selector("#error-summary")
    at_both_sizes(page, shot, "by-number-errors", failures)

    # A detail wrong: not found, the form again to correct it.
    page.fill("#id_number", letter.number.lower())
    page.fill("#id_date", timezone.localtime(letter.signed_at).date().isoformat())
    page.fill("#id_nik_last4", "0000" if not letter.nik.endswith("0000") else "1111")
    page.get_by_role("button", name="Periksa surat").click()
    page.wait_for_selector("text=Surat tidak ditemukan")
    at_both_sizes(page, shot, "by-number-not-found", failures)

    page.fill("#id_nik_last4", letter.nik[-4:])
    page.get_by_role("button", name="Periksa surat").click()
    page.wait_for_selector(f"text={letter.number}")
    assert page.locator(".alert-success strong").inner_text() == "SAH"
    at_both_sizes(page, shot, "by-number-result", failures)

    expect_status_console_errors(page, 404)
    assert not failures, "\n".join(failures)
