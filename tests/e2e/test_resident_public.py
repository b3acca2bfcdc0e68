"""A resident on a cheap phone (360×740) and at a desk (1366×768), on the demo city: the first
screen of a kelurahan, /lacak/ in every header, the folded menu with and without JavaScript, a
service's "Ajukan online", the short services page and its filter, the receipt, and a lost
tracking code e-mailed again. Every screen is screenshotted and axe-clean."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from kelurahan.models import Kelurahan
from layanan import services, tracking
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, watched_page
from tests.e2e.test_accessibility import without_map_markers
from tests.layanan.helpers import NIK_BUDI, letter_data

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}
SCREENS = {"phone": PHONE, "laptop": LAPTOP}
TASKS = ("Ajukan surat", "Lacak surat", "Layanan", "Kontak")


@pytest.fixture
def pajang(demo_city):
    return Kelurahan.objects.get(slug="pajang")


def axe_clean(page, label: str) -> None:
    # Map markers sit where the places are (WCAG 2.5.8's exception; see test_accessibility).
    violations = without_map_markers(page, axe_violations(page))
    assert not violations, f"{label} ({page.url}):\n{describe(violations)}"


def in_first_screen(page, locator) -> bool:
    """Visible, and wholly inside the first 740 px of the page (no scrolling)."""
    box = locator.bounding_box()
    return (
        locator.is_visible()
        and box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= PHONE["height"]
    )


def test_the_first_screen_on_a_phone_has_the_name_the_four_tasks_and_the_hours(page, shot, pajang):
    page.goto(f"/k/{pajang.slug}/")
    page.screenshot(path=str(_first_screen_path(shot, page)), full_page=False)

    banner = page.locator(".kelurahan-banner")
    assert in_first_screen(page, banner.get_by_role("link", name=str(pajang), exact=True))
    tasks = banner.get_by_role("navigation", name="Tugas utama")
    for task in TASKS:
        assert in_first_screen(page, tasks.get_by_role("link", name=task, exact=True)), task
    hours = page.locator("#office-hours-top")
    assert in_first_screen(page, hours)
    assert "Senin–Kamis 07.30–16.00 WIB" in hours.inner_text()
    # The nine sections are folded; the Menu button unfolds them in place.
    menu = page.locator("#section-menu")
    toggle = page.locator(".menu-toggle")
    assert not menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.get_by_role("link").count() == 9
    shot(page, "menu-open")
    axe_clean(page, "kelurahan home, menu open")
    toggle.click()
    assert not menu.is_visible()


def _first_screen_path(shot, page):
    """Where `shot` keeps this test's screenshots, for a first-screen-only picture."""
    shot(page, "whole-page")
    from tests.e2e.conftest import ARTIFACTS

    folders = sorted(ARTIFACTS.iterdir(), key=lambda p: p.stat().st_mtime)
    return folders[-1] / "00-first-740px.png"


def test_without_javascript_the_menu_link_still_opens_the_sections(browser, live_server, pajang):
    with watched_page(browser, live_server, java_script_enabled=False) as page:
        page.goto(f"/k/{pajang.slug}/berita/")
        menu = page.locator("#section-menu")
        assert not menu.is_visible()
        page.locator(".menu-toggle").click()
        assert menu.is_visible()
        menu.get_by_role("link", name="UMKM").click()
        page.wait_for_url(f"**/k/{pajang.slug}/umkm/")


def test_at_a_desk_the_sections_show_and_no_menu_button(browser, live_server, pajang):
    with watched_page(browser, live_server, viewport=LAPTOP) as page:
        page.goto(f"/k/{pajang.slug}/")
        assert page.locator("#section-menu").is_visible()
        assert not page.locator(".menu-toggle").is_visible()


def test_every_public_page_type_has_tracking_in_its_header(browser, live_server, shot, pajang):
    pages = {
        "city-home": "/",
        "kelurahan-home": f"/k/{pajang.slug}/",
        "service": f"/k/{pajang.slug}/layanan/keterangan-umum/",
        "umkm-list": f"/k/{pajang.slug}/umkm/",
        "news": f"/k/{pajang.slug}/berita/",
    }
    for screen, viewport in SCREENS.items():
        with watched_page(browser, live_server, viewport=viewport) as page:
            for label, url in pages.items():
                page.goto(url)
                link = page.locator('header a[href="/lacak/"]').first
                assert link.is_visible(), (screen, label)
                assert link.bounding_box()["y"] < viewport["height"], (screen, label)
                shot(page, f"{label}-{screen}")
                axe_clean(page, f"{label} ({screen})")
            page.locator('header a[href="/lacak/"]').first.click()
            page.wait_for_url("**/lacak/")


def test_a_service_page_has_ajukan_online_and_what_to_prepare(browser, live_server, shot, pajang):
    for screen, viewport in SCREENS.items():
        with watched_page(browser, live_server, viewport=viewport) as page:
            page.goto(f"/k/{pajang.slug}/layanan/keterangan-umum/")
            box = page.locator("#ajukan")
            assert "Siapkan" in box.inner_text()
            shot(page, f"service-{screen}")
            axe_clean(page, f"service ({screen})")
            box.get_by_role("link", name="Ajukan daring").click()
            page.wait_for_url("**/layanan/ajukan/skuter/")


def test_the_breadcrumbs_name_the_kecamatan_and_the_kelurahan(page, pajang):
    page.goto(f"/k/{pajang.slug}/berita/")
    crumbs = page.get_by_role("navigation", name="Jejak navigasi")
    text = crumbs.inner_text()
    assert "Kecamatan Laweyan" in text and str(pajang) in text
    crumbs.get_by_role("link", name=str(pajang)).click()
    page.wait_for_url(f"**/k/{pajang.slug}/")


HEIGHT = "document.documentElement.scrollHeight"


def test_the_services_page_is_short_and_filters_with_and_without_javascript(
    browser, live_server, shot, pajang
):
    url = f"/k/{pajang.slug}/layanan/"
    for screen, viewport in SCREENS.items():
        with watched_page(browser, live_server, viewport=viewport) as page:
            page.goto(url)
            folded = page.evaluate(HEIGHT)
            shot(page, f"services-{screen}")
            axe_clean(page, f"services ({screen})")
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            unfolded = page.evaluate(HEIGHT)
            print(f"services page, {screen}: {folded} px folded, {unfolded} px all open")
            assert folded < unfolded / 2
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
            page.fill("#id_q", "kematian")
            page.locator("#layanan-keterangan-domisili").wait_for(state="hidden")
            assert page.locator(".service-item:visible").count() == 1
            assert page.locator("#service-filter-status").inner_text() == "Layanan ditemukan: 1"
            page.locator("#layanan-keterangan-kematian summary").click()
            page.locator("#layanan-keterangan-kematian").get_by_role("link", name="Ajukan daring")
            shot(page, f"services-filtered-{screen}")
            axe_clean(page, f"services filtered ({screen})")
            page.fill("#id_q", "tidak ada layanan seperti ini")
            page.get_by_text("Tidak ada layanan yang cocok").wait_for()

    with watched_page(browser, live_server, java_script_enabled=False) as page:
        page.goto(url)
        page.fill("#id_q", "skck")
        page.get_by_role("button", name="Cari").click()
        page.wait_for_url("**/layanan/?q=skck")
        assert page.locator(".service-item").count() == 1
        shot(page, "services-filtered-no-js")
        page.locator("#layanan-pengantar-skck summary").click()
        assert page.get_by_text("Pas foto berwarna").is_visible()


def test_the_receipt_then_a_lost_code_emailed_again(browser, live_server, shot, pajang):
    data = letter_data()
    letter = services.letter_request_submit(
        kelurahan=pajang,
        kind="skuter",
        data=data,
        nik=data["nik"],
        name=data["name"],
        phone="081234567890",
        email="budi.santoso@example.com",
        documents=[],
        request_key=uuid.uuid4(),
    )
    receipt = f"/k/{pajang.slug}/layanan/tanda-terima/{tracking.receipt_token(letter.pk)}/"
    shown = tracking.tracking_code_display(letter.tracking_code)
    for screen, viewport in SCREENS.items():
        with watched_page(browser, live_server, viewport=viewport) as page:
            page.goto(receipt)
            assert page.locator("#expected-date").is_visible()
            visit = page.locator("#office-visit")
            text = visit.inner_text()
            assert "KTP" in text and "Jl. " in text and "07.30" in text
            shot(page, f"receipt-{screen}")
            axe_clean(page, f"receipt ({screen})")

            page.get_by_role("link", name="Kirim lagi ke email Anda").click()
            page.wait_for_url("**/lacak/lupa-kode/")
            shot(page, f"recover-form-{screen}")
            axe_clean(page, f"recover form ({screen})")
            mail.outbox.clear()
            page.fill("#id_nik", NIK_BUDI)
            page.fill("#id_contact", "budi.santoso@example.com")
            page.get_by_role("button", name="Kirim kode pelacakan saya").click()
            page.locator("#recover-sent").wait_for()
            assert shown not in page.content()
            assert [m.to for m in mail.outbox] == [["budi.santoso@example.com"]]
            assert shown in mail.outbox[0].body
            shot(page, f"recover-sent-{screen}")
            axe_clean(page, f"recover sent ({screen})")
