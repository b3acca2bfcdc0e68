"""Whole journeys in a real browser, one per kind of user, with a screenshot at every step
(artifacts/e2e/<test>/): a resident on a phone, an operator and signer at a desk, Diskominfo.

Where two people take part, each has a browser context of their own (the resident's cookies are
never the operator's), and both are watched for console errors and uncaught exceptions.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import zxingcpp
from django.core import mail
from django.utils import translation
from django.utils.functional import empty

from kelurahan import roles
from kelurahan.models import Kelurahan, Official
from layanan.models import RESIDENT_STATUS, Letter, Resident
from layanan.selectors import mask_name
from layanan.storage import private_storage
from tests.e2e.helpers import axe_violations, describe, download_link_by_code, log_in, watched_page
from tests.factories import BusinessFactory, signing_authority_for
from tests.layanan.helpers import NIK_BUDI, first_page_image, letter_data, pdf_text
from tests.layanan.online import jpeg

pytestmark = pytest.mark.django_db(transaction=True)

DESK = {"width": 1280, "height": 900}
# The kelurahan nav's sections and each page's heading (Indonesian, the default language).
SECTIONS = {
    "": "Selamat datang di Kelurahan Pajang",
    "profil/": "Profil Kelurahan Pajang",
    "struktur/": "Struktur Organisasi",
    "rt-rw/": "RT dan RW",
    "karang-taruna/": "Karang Taruna Pajang",
    "layanan/": "Layanan dan persyaratan",
    "berita/": "Berita, pengumuman, dan agenda",
    "umkm/": "UMKM Kelurahan Pajang",
    "wisata/": "Wisata di Kelurahan Pajang",
}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


def in_indonesian(text) -> str:
    """An English source string or a lazy translation, as the default (Indonesian) page says it."""
    with translation.override("id"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text().strip()


def request_skuter_online(page, shot, kelurahan, tmp_path) -> str:
    """On the kelurahan's service list: ask for a Skuter online with a photo of the KTP;
    returns the tracking code the receipt shows."""
    page.goto(f"/k/{kelurahan.slug}/layanan/")
    page.locator('details:has(a[href$="/ajukan/skuter/"]) summary').click()  # folded
    page.locator('a[href$="/ajukan/skuter/"]').first.click()
    page.wait_for_url("**/ajukan/skuter/")
    for name, value in letter_data().items():
        if name in ("sex", "religion", "marital_status"):  # choices
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    page.fill("#id_phone", "0812 3456 7890")
    page.fill("#id_email", "budi@example.com")
    ktp = tmp_path / "ktp.jpg"
    ktp.write_bytes(jpeg(size=(800, 500)))
    page.set_input_files("#id_documents", str(ktp))
    shot(page, "request-form")
    page.locator("#content form button[type=submit]").click()
    page.locator("#tracking-code").wait_for()
    shot(page, "receipt")
    return page.locator("#tracking-code").inner_text().strip()


def track(page, code: str, nik: str = NIK_BUDI) -> None:
    page.goto("/lacak/")
    page.fill("#id_code", code)
    page.fill("#id_nik_last4", nik[-4:])
    page.locator("#content form button[type=submit]").click()
    page.locator("#status").wait_for()


def letter_page(page, letter: Letter) -> None:
    page.goto(f"/admin/layanan/letter/{letter.pk}/change/")
    page.get_by_role("heading", level=2).first.wait_for()


def sign(page, *, expect: str) -> None:
    """The sign form of the letter page that is open: the signer's only authority valid today is
    preselected (the register of signing authority; nothing is typed)."""
    assert expect in page.locator("#id_sign_authority option:checked").inner_text()
    page.locator("form[action$='/move/sign/'] input[type=submit]").click()
    page.locator("a[href^='/staf/surat/']").first.wait_for()


def test_a_resident_finds_the_kelurahan_reads_it_asks_for_a_letter_and_verifies_it(
    page, shot, browser, live_server, kelurahan_a, make_staff, tmp_path
):
    business = BusinessFactory(
        kelurahan=kelurahan_a,
        name="Serabi Bu Rini",
        latitude=Decimal("-7.561234"),
        longitude=Decimal("110.791234"),
    )

    # Find the kelurahan from the city home.
    page.goto("/")
    shot(page, "city-home")
    page.get_by_role("searchbox").first.fill("Pajang")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cari/?kota=kota-surakarta&q=Pajang")  # the city page: its city only
    shot(page, "search")
    page.get_by_role("link", name="Pajang").first.click()
    page.wait_for_url("**/k/pajang/")

    # Every section of the kelurahan nav, by its link (folded behind "Menu" on a phone).
    links = page.locator("#section-menu a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [f"/k/{kelurahan_a.slug}/{section}" for section in SECTIONS]
    for index, (section, expected) in enumerate(SECTIONS.items()):
        page.locator(".menu-toggle").click()
        page.locator("#section-menu a").nth(index).click()
        page.wait_for_url(f"**/k/{kelurahan_a.slug}/{section}")
        assert heading(page) == expected
        assert page.locator("#section-menu a").nth(index).get_attribute("aria-current") == "page"
        shot(page, f"section-{section.strip('/') or 'home'}")

    # A business from the map: its marker (GeoJSON from our server, tiles blocked) and popup.
    page.goto(f"/k/{kelurahan_a.slug}/umkm/")
    marker = page.locator(f'#places-map .leaflet-marker-icon[title="{business.name}"]')
    marker.wait_for(state="visible")
    shot(page, "umkm-map")
    marker.click()
    popup_link = page.locator(".leaflet-popup a", has_text=business.name)
    popup_link.wait_for(state="visible")
    shot(page, "umkm-popup")
    popup_link.click()
    page.wait_for_url(f"**{business.get_absolute_url()}")
    assert heading(page) == business.name
    shot(page, "business")

    # A Skuter online, then its status.
    code = request_skuter_online(page, shot, kelurahan_a, tmp_path)
    letter = Letter.objects.get(tracking_code=code.replace("-", ""))
    track(page, code)
    assert page.locator("#status").inner_text() == in_indonesian(RESIDENT_STATUS["submitted"])
    shot(page, "tracked-submitted")

    # At the office: an operator checks it, the Lurah signs it (their own browser).
    make_staff("operator.pajang", roles.OPERATOR, kelurahan_a)
    signing_authority_for(make_staff("lurah.pajang", roles.SIGNER, kelurahan_a), kelurahan_a)
    with watched_page(browser, live_server, viewport=DESK) as office:
        log_in(office, "operator.pajang")
        letter_page(office, letter)
        # The KTP photo, opened in the browser (a download link beside it).
        assert office.locator("a[href^='/staf/dokumen/'][target=_blank]").count() == 1
        office.locator("form[action$='/move/verify/'] input[type=submit]").click()
        office.locator("form[action$='/move/sign/']").wait_for(state="detached")
        shot(office, "office-verified")
        office.context.clear_cookies()
        log_in(office, "lurah.pajang")
        letter_page(office, letter)
        sign(office, expect="Lurah Pajang — Drs. Slamet Widodo")
        shot(office, "office-signed")
    letter.refresh_from_db()
    assert letter.state == Letter.State.SIGNED

    # Back home: the status changed, and the signed PDF downloads.
    track(page, code)
    assert page.locator("#status").inner_text() == in_indonesian(RESIDENT_STATUS["signed"])
    shot(page, "tracked-signed")
    link = download_link_by_code(page)  # the receipt's code and NIK digits alone are not enough
    shot(page, "download-code")
    with page.expect_download() as download:
        link.click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    assert letter.number in pdf_text(content)

    # The QR code on the PDF leads to the verification page on this server.
    codes = [
        c.text
        for c in zxingcpp.read_barcodes(first_page_image(content))
        if c.format.name == "QRCode"
    ]
    assert codes == [f"{live_server.url}/verifikasi/{letter.verification_token}/"]
    page.goto(codes[0])
    assert page.locator("#content .alert-success").inner_text().startswith(in_indonesian("VALID"))
    assert mask_name("Budi Santoso") in page.locator("#content dl").inner_text()
    assert "Budi Santoso" not in page.content()
    assert letter.number in page.locator("#content dl").inner_text()
    shot(page, "verification")


def test_an_operator_issues_a_death_letter_by_nik_has_it_signed_an_and_rejects_a_request(
    page, shot, browser, live_server, kelurahan_a, make_staff, tmp_path
):
    deceased = Resident.objects.create(
        kelurahan=kelurahan_a,
        nik="3372011508500003",
        kk_number="3372011203150009",
        name="Sastro Wiyono",
        birth_place="Surakarta",
        birth_date=datetime.date(1950, 8, 15),
        sex=Resident.Sex.MALE,
        religion="Islam",
        marital_status="Kawin",
        occupation="Pensiunan",
        address="Jl. Pajang No. 3",
        rt="2",
        rw="1",
    )
    make_staff("operator.pajang", roles.OPERATOR, kelurahan_a)
    sekretaris = make_staff("sekretaris.pajang", roles.SIGNER, kelurahan_a)
    secretary = Official.objects.for_kelurahan(kelurahan_a).get(level=Official.Level.SECRETARY)
    secretary.name, secretary.nip = "Rina Kusumawati, S.IP.", "198203142006042011"
    secretary.save()
    signing_authority_for(sekretaris, kelurahan_a, capacity="a.n.", official=secretary)
    page.set_viewport_size(DESK)

    # Issue: the letter type and a NIK, then the form comes prefilled from the register.
    log_in(page, "operator.pajang")
    shot(page, "admin-home")
    page.goto("/admin/layanan/letter/issue/")
    page.select_option("#id_kind", "kematian")
    page.fill("#id_nik", "3372 0115 0850 0003")
    page.locator("input[type=submit]").first.click()
    page.locator("#id_name").wait_for()
    assert page.input_value("#id_name") == deceased.name
    assert page.input_value("#id_birth_date") == "1950-08-15"
    assert page.input_value("#id_address") == deceased.address
    shot(page, "issue-prefilled")
    details = {
        "purpose": "mengurus akta kematian",
        "death_date": "2026-01-10",
        "death_time": "04:30",
        "death_place": "RSUD Dr. Moewardi, Surakarta",
        "cause": "Sakit",
        "certified_by": "dr. Andi, RSUD Dr. Moewardi",
    }
    people = {
        "reporter": ("3372011203800001", "Joko Susilo", "1980-03-12"),
        "witness1": ("3372012003750002", "Bambang Riyadi", "1975-03-20"),
        "witness2": ("3372010506700003", "Agus Salim", "1970-06-05"),
    }
    for prefix, (nik, name, born) in people.items():
        details |= {
            f"{prefix}_nik": nik,
            f"{prefix}_name": name,
            f"{prefix}_birth_date": born,
            f"{prefix}_occupation": "Wiraswasta",
            f"{prefix}_address": "Jl. Pajang No. 5",
        }
    for name, value in details.items():
        page.fill(f"#id_{name}", value)
    shot(page, "issue-filled")
    page.locator("form[method=post] input[type=submit]").click()
    page.wait_for_url("**/admin/layanan/letter/*/change/")
    letter = Letter.objects.get(nik=deceased.nik)
    assert letter.letter_type.kind == "kematian" and letter.state == Letter.State.VERIFIED
    shot(page, "issued")

    # The Sekretaris signs "a.n. Lurah"; the number is given then.
    page.context.clear_cookies()
    log_in(page, "sekretaris.pajang")
    letter_page(page, letter)
    sign(page, expect="a.n. Lurah Pajang / Sekretaris Kelurahan — Rina Kusumawati, S.IP.")
    letter.refresh_from_db()
    assert letter.state == Letter.State.SIGNED and letter.signer_capacity == "a.n."
    assert letter.number in page.locator("#content").inner_text()
    shot(page, "signed-an")

    # Print: the PDF link answers a PDF that says who signed on whose behalf.
    href = page.locator(".letter-next a[href^='/staf/surat/']").first.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    text = pdf_text(response.body())
    assert "a.n." in text and "SASTRO WIYONO" in text.upper() and letter.number in text

    # An online request with a problem: rejected with a reason, which the resident then reads.
    with watched_page(browser, live_server) as resident:
        code = request_skuter_online(resident, shot, kelurahan_a, tmp_path)
        track(resident, code)
        shot(resident, "resident-submitted")
        request = Letter.objects.get(tracking_code=code.replace("-", ""))

        page.context.clear_cookies()
        log_in(page, "operator.pajang")
        letter_page(page, request)
        reason = "Foto KTP tidak terbaca. Kirim ulang dengan foto yang jelas."
        page.fill("#id_reject_reason", reason)
        shot(page, "reject-reason")
        page.locator("form[action$='/move/reject/'] input[type=submit]").click()
        page.locator("form[action$='/move/reject/']").wait_for(state="detached")
        shot(page, "rejected")
        request.refresh_from_db()
        assert request.state == Letter.State.REJECTED and request.reason == reason

        track(resident, code)
        assert resident.locator("#status").inner_text() == in_indonesian(
            RESIDENT_STATUS["rejected"]
        )
        assert reason in resident.locator("#content .alert-danger").inner_text()
        shot(resident, "resident-rejected")


def test_diskominfo_provisions_a_kecamatan_invites_its_operator_activates_it_and_sees_it(
    page, shot, make_staff, kecamatan_laweyan
):
    """Diskominfo's journey: provision a kecamatan, invite an operator of one of its kelurahan,
    activate that site after the checklist, and find it on the city dashboard."""
    make_staff(
        "diskominfo.kota", roles.DISKOMINFO, cities=[kecamatan_laweyan.first().kecamatan.city]
    )
    page.set_viewport_size(DESK)
    code = "33.72.02.1001"  # Joyotakan, Kecamatan Serengan
    assert not Kelurahan.objects.filter(kecamatan__code="33.72.02").exists()

    log_in(page, "diskominfo.kota")
    page.goto("/admin/kelurahan/kelurahan/")
    page.locator("a[href$='/provision/']").first.click()
    page.wait_for_url("**/admin/kelurahan/kelurahan/provision/")
    shot(page, "provision-form")
    page.fill("#id_codes", "33.72.02")  # the whole kecamatan
    page.locator("form[method=post] input[type=submit]").click()
    # The work runs as a background task (in the server's process here, after the commit); the
    # browser lands on its progress page, which shows the result once it is done.
    page.wait_for_url("**/admin/kelurahan/taskrun/*/change/")
    page.locator("#content-main ul a[href^='/k/']").first.wait_for()
    assert page.locator("#task-progress").get_attribute("value") == "100"
    serengan = Kelurahan.objects.filter(kecamatan__code="33.72.02")
    assert serengan.count() == page.locator("#content-main ul a[href^='/k/']").count() > 1
    shot(page, "provisioned")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.set_viewport_size({"width": 360, "height": 740})
    shot(page, "provisioned-phone")
    page.set_viewport_size(DESK)
    kelurahan = Kelurahan.objects.get(code=code)
    link = page.locator(f"#content-main ul a[href='/k/{kelurahan.slug}/']")

    # A new site is "belum aktif": it says it is being prepared until Diskominfo activates it.
    link.click()
    page.wait_for_url(f"**/k/{kelurahan.slug}/")
    assert "sedang disiapkan" in heading(page)
    shot(page, "new-site-preparing")
    violations = axe_violations(page)
    assert not violations, describe(violations)

    # Its operator is invited and sets a password from the one-time link.
    page.goto("/admin/auth/user/undang/")
    page.fill("#id_full_name", "Sri Rahayu")
    page.fill("#id_email", "sri.joyotakan@example.org")
    page.select_option("#id_role", roles.OPERATOR)
    page.select_option("#id_kelurahan", str(kelurahan.pk))
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/auth/user/")
    link_in_mail = re.search(r"https?://\S+(/staf/undangan/[\w-]+/)", mail.outbox[-1].body)
    page.context.clear_cookies()  # the invitee's own browser
    page.goto(link_in_mail[1])
    page.fill("#id_password1", "Sapu-Lidi-Kampung-47")
    page.fill("#id_password2", "Sapu-Lidi-Kampung-47")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.context.clear_cookies()
    log_in(page, "diskominfo.kota")

    page.goto("/admin/kelurahan/kelurahan/?situs=belum")
    page.locator(f"input[name=_selected_action][value='{kelurahan.pk}']").check()
    page.select_option("select[name=action]", "sites_activate")
    page.locator("button[name=index]").click()
    page.get_by_text("Alamat kantor masih kosong.").first.wait_for()  # still warns
    assert not page.get_by_text("Belum ada akun Operator.").count()  # the operator is there
    shot(page, "activate-confirm")
    page.locator("#content-main input[type=submit]").click()
    page.wait_for_url("**/admin/kelurahan/kelurahan/*")
    kelurahan.refresh_from_db()
    assert kelurahan.is_active

    # The dashboard counts it: Kecamatan Serengan has one site online.
    page.goto("/admin/")
    page.get_by_role("link", name="Kota Surakarta").first.click()
    row = page.locator(".dash-table tbody tr", has_text="Serengan")
    row.wait_for()
    shot(page, "dashboard-serengan")
    assert f"1 / {serengan.count()}" in row.inner_text()  # one of its sites online

    page.goto(f"/k/{kelurahan.slug}/")
    page.set_viewport_size({"width": 360, "height": 740})
    assert kelurahan.name in heading(page)
    assert "Serengan" in page.locator(".kelurahan-banner").inner_text()
    shot(page, "new-site")
