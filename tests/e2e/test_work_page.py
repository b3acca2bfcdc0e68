"""The operator's day in the browser: the work page, a Skuter from it to a signed PDF in three page
loads, the draft preview, the next steps after signing; on an office screen and a phone, axe-clean.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils.functional import empty

from kelurahan import roles
from layanan import services
from layanan.models import Letter, Resident
from layanan.storage import private_storage
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, log_in
from tests.factories import signing_authority_for
from tests.layanan.helpers import letter_data, pdf_text

OFFICE = {"width": 1366, "height": 768}
NIK = "3372011508900004"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield
    private_storage._wrapped = empty


@pytest.fixture
def lurah_who_also_issues(make_staff, kelurahan_a):
    """A small kelurahan's Lurah: issues letters and signs them, with a direct authority."""
    user = make_staff("lurah.pajang", roles.OPERATOR, kelurahan_a)
    user.groups.add(Group.objects.get(name=roles.SIGNER))
    signing_authority_for(user, kelurahan_a)
    Resident.objects.create(
        kelurahan=kelurahan_a,
        nik=NIK,
        name="Wahyu Hidayat",
        birth_place="Surakarta",
        birth_date=datetime.date(1990, 8, 15),
        sex=Resident.Sex.MALE,
        religion="Islam",
        marital_status="Kawin",
        occupation="Wiraswasta",
        address="Jl. Pajang No. 7",
        rt="3",
        rw="5",
    )
    return user


def assert_axe_clean(page):
    violations = axe_violations(page)
    assert not violations, describe(violations)


def assert_fits(page, width):
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"page is {overflow}px wide on a {width}px screen"


def test_a_skuter_from_the_work_page_to_a_signed_pdf_in_three_page_loads(
    page, shot, lurah_who_also_issues, kelurahan_a
):
    page.set_viewport_size(OFFICE)
    log_in(page, "lurah.pajang")
    page.locator("#issue-heading").wait_for()
    shot(page, "work-page-office")
    assert_axe_clean(page)
    assert_fits(page, OFFICE["width"])

    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))

    # 1: the NIK on the work page and the kind's button: the form, prefilled from the register.
    page.fill("#work-nik", "3372 0115 0890 0004")
    page.locator("button[name=kind][value=skuter]").click()
    page.locator("#id_name").wait_for()
    assert page.input_value("#id_name") == "Wahyu Hidayat"
    page.fill("#id_purpose", "melamar pekerjaan")
    page.fill("#id_statement", "Yang bersangkutan benar warga kami dan berkelakuan baik.")
    shot(page, "skuter-form")

    # 2: saved, the letter page, with its draft to check and the sign form.
    page.locator("#letter-form input[type=submit]").click()
    page.wait_for_url("**/admin/layanan/letter/*/change/")
    letter = Letter.objects.get(nik=NIK)
    draft = page.locator("a[href$='/draft.pdf']")
    response = page.request.get(draft.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert "DRAF" in pdf_text(response.body())
    shot(page, "letter-to-sign")
    assert_axe_clean(page)

    # 3: signed; the confirmation names the number and the page offers the next steps.
    page.locator("form[action$='/move/sign/'] input[type=submit]").click()
    page.locator("#next-heading").wait_for()
    letter.refresh_from_db()
    assert letter.state == Letter.State.SIGNED
    assert letter.number in page.locator(".messagelist").inner_text()
    opened = page.locator(".letter-next a[href^='/staf/surat/']").first
    pdf = page.request.get(opened.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert letter.number in pdf_text(pdf.body())
    shot(page, "signed-next-steps")
    assert_axe_clean(page)

    assert len(loads) == 3, loads

    # Back on the work page the letter waits to be handed over.
    page.goto("/admin/")
    assert "1" in page.locator("#queue-to_hand_over").inner_text()


def test_the_work_page_on_a_phone(page, shot, lurah_who_also_issues, kelurahan_a):
    services.letter_create(
        kelurahan=kelurahan_a, kind="skuter", by=lurah_who_also_issues, data=letter_data()
    )
    log_in(page, "lurah.pajang")
    page.locator("#sign-heading").wait_for()
    shot(page, "work-page-phone")
    assert_axe_clean(page)
    assert_fits(page, PHONE["width"])
    letter = Letter.objects.get()
    page.goto(f"/admin/layanan/letter/{letter.pk}/change/")
    shot(page, "letter-page-phone")
    assert_axe_clean(page)


def test_correcting_a_letter_before_signing_on_an_office_screen(
    page, shot, lurah_who_also_issues, kelurahan_a
):
    letter = services.letter_create(
        kelurahan=kelurahan_a, kind="skuter", by=lurah_who_also_issues, data=letter_data()
    )
    page.set_viewport_size(OFFICE)
    log_in(page, "lurah.pajang", next_url=f"/admin/layanan/letter/{letter.pk}/edit/")
    page.fill("#id_address", "Jl. Slamet Riyadi No. 12")
    shot(page, "edit-office")
    assert_axe_clean(page)
    assert_fits(page, OFFICE["width"])
    page.locator("#letter-form input[type=submit]").click()
    page.wait_for_url(f"**/admin/layanan/letter/{letter.pk}/change/")
    assert "Jl. Slamet Riyadi No. 12" in page.locator("#content-main table").first.inner_text()
    shot(page, "edited-timeline")
    assert_axe_clean(page)
