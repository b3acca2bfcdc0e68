"""In the browser, on a phone (360×740) and a desk screen (1366×768): the e-mailed code step of
/lacak/ before a signed letter downloads, the office pick-up without an e-mail, and the staff
login page after a session ended for inactivity. Every step is screenshotted and axe-clean."""

from __future__ import annotations

import time
import uuid

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.utils.functional import empty

from kelurahan import roles
from layanan import services
from layanan.models import Letter
from layanan.storage import private_storage
from portal.middleware import SESSION_SEEN
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, log_in, watched_page
from tests.factories import signature
from tests.layanan.helpers import NIK_BUDI, letter_data
from tests.layanan.online import download_code_from

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1366, "height": 768}
SCREENS = {"phone": PHONE, "laptop": LAPTOP}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def signed_request(kelurahan_a, make_staff):
    """A signed online request of Budi's; `email` as he gave it (or not)."""
    operator = make_staff("operator.pajang", roles.OPERATOR, kelurahan_a)
    lurah = make_staff("lurah.pajang", roles.SIGNER, kelurahan_a)
    kelurahan_a.address = "Jl. Dr. Rajiman No. 1, Pajang"
    kelurahan_a.office_hours = "Senin–Kamis 08.00–15.00\nJumat 08.00–11.00"
    kelurahan_a.phone = "0271712345"
    kelurahan_a.save()

    def make(email="budi.santoso@example.com") -> Letter:
        data = letter_data()
        letter = services.letter_request_submit(
            kelurahan=kelurahan_a,
            kind="skuter",
            data=data,
            nik=data["nik"],
            name=data["name"],
            phone="081234567890",
            email=email,
            documents=[],
            request_key=uuid.uuid4(),
        )
        services.letter_move(action="verify", letter_id=letter.pk, by=operator)
        return services.letter_move(
            action="sign",
            letter_id=letter.pk,
            by=lurah,
            **signature(lurah, kelurahan_a),
        )

    return make


def assert_axe_clean(page, step):
    violations = axe_violations(page)
    assert not violations, f"{step}: {describe(violations)}"


def track(page, letter):
    page.goto("/lacak/")
    page.fill("#id_code", letter.tracking_code)
    page.fill("#id_nik_last4", NIK_BUDI[-4:])
    page.locator("#content form button[type=submit]").click()
    page.locator("#status").wait_for()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_code_step_leads_to_the_signed_pdf(browser, live_server, shot, signed_request, screen):
    letter = signed_request()
    with watched_page(browser, live_server, viewport=SCREENS[screen]) as page:
        track(page, letter)
        assert page.locator("a[href^='/lacak/unduh/']").count() == 0
        assert "b***********@example.com" in page.locator("#download").inner_text()
        shot(page, f"{screen}-status-asks-for-a-code")
        assert_axe_clean(page, "status")

        mail.outbox.clear()
        page.get_by_role("button", name="Kirim kode unduh ke email saya").click()
        page.locator("#id_code").wait_for()
        shot(page, f"{screen}-code-sent")
        assert_axe_clean(page, "code sent")
        code = download_code_from(mail.outbox)

        page.fill("#id_code", f"{(int(code) + 1) % 1_000_000:06d}")
        page.get_by_role("button", name="Periksa kode").click()
        page.locator("#id_code_error").wait_for()
        assert "tersisa 4 kali percobaan" in page.locator("#id_code_error").inner_text()
        shot(page, f"{screen}-wrong-code")
        assert_axe_clean(page, "wrong code")

        page.fill("#id_code", code)
        page.get_by_role("button", name="Periksa kode").click()
        link = page.locator("a[href^='/lacak/unduh/']")
        link.wait_for()
        shot(page, f"{screen}-download-link")
        assert_axe_clean(page, "download link")
        with page.expect_download() as download:
            link.click()
        assert download.value.path().read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("screen", SCREENS)
def test_without_an_email_the_page_says_where_to_pick_the_letter_up(
    browser, live_server, shot, signed_request, screen
):
    letter = signed_request(email="")
    with watched_page(browser, live_server, viewport=SCREENS[screen]) as page:
        track(page, letter)
        pick_up = page.locator("#pick-up").inner_text()
        assert "Ambil surat yang sudah ditandatangani di kantor kelurahan" in pick_up
        assert "Jl. Dr. Rajiman No. 1, Pajang" in pick_up
        assert page.locator("button", has_text="kode").count() == 0
        shot(page, f"{screen}-pick-up")
        assert_axe_clean(page, "pick up")


@pytest.mark.parametrize("screen", SCREENS)
def test_an_idle_staff_session_ends_on_the_login_page_with_the_reason(
    browser, live_server, shot, make_staff, kelurahan_a, screen
):
    make_staff("operator.pajang", roles.OPERATOR, kelurahan_a)
    with watched_page(browser, live_server, viewport=SCREENS[screen]) as page:
        log_in(page, "operator.pajang")
        cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
        session = SessionStore(session_key=cookie["value"])
        session[SESSION_SEEN] = int(time.time()) - 31 * 60
        session.save()

        page.goto("/admin/layanan/letter/")
        page.wait_for_url("**/admin/login/?next=*")
        message = page.locator(".messagelist").inner_text()
        assert "Sesi Anda berakhir karena tidak aktif selama 30 menit; silakan masuk lagi." in (
            message
        )
        shot(page, f"{screen}-session-ended")
        assert_axe_clean(page, "session ended")
