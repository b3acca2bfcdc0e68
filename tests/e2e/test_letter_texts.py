"""The letter texts screen in a real browser: Diskominfo types the city's opening statement and
the preview fills it in while they type (no button), an unknown placeholder shows its message
there, the saved version is listed; an operator writes the kelurahan's own statement. On an
office screen and a phone, axe-clean."""

from __future__ import annotations

import pytest
from django.urls import reverse

from layanan.models import LetterText
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, log_in

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = {"width": 1366, "height": 768}


def test_diskominfo_edits_the_citys_opening_with_a_live_preview(
    page, shot, kelurahan_a, diskominfo
):
    city = kelurahan_a.kecamatan.city
    log_in(page, diskominfo.username)
    page.set_viewport_size(OFFICE)
    page.goto(reverse("admin:layanan_lettertext_changelist"))
    shot(page, "texts-index-office")
    assert not axe_violations(page)
    page.get_by_role("link", name="Surat Keterangan Umum (Skuter)").click()
    # The live preview listens once its script has run: wait for the page's load, not only
    # for the field (under load the script can land after the field appears).
    page.wait_for_load_state("load")

    page.fill("#id_opening", "Kami, {jabatan_kepala} {kelurahan}, menerangkan bahwa:")
    preview = page.locator("#lettertext-preview")
    preview.get_by_text("Kami, Lurah Pajang, menerangkan bahwa:").wait_for()
    shot(page, "texts-skuter-office")
    violations = axe_violations(page)
    assert not violations, describe(violations)

    page.fill("#id_opening", "Kami, {lurah}")
    preview.get_by_text("Placeholder tidak dikenal: {lurah}", exact=False).wait_for()
    page.fill("#id_opening", "Kami, {jabatan_kepala} {kelurahan}, menerangkan bahwa:")
    preview.get_by_text("Kami, Lurah Pajang, menerangkan bahwa:").wait_for()
    page.get_by_role("button", name="Simpan sebagai versi baru").click()
    page.get_by_text("Tersimpan.", exact=False).wait_for()
    assert LetterText.objects.get(city=city, kind="skuter", part="opening", version=2).text == (
        "Kami, {jabatan_kepala} {kelurahan}, menerangkan bahwa:"
    )
    page.set_viewport_size(PHONE)
    shot(page, "texts-skuter-phone")
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_an_operator_writes_the_kelurahans_own_statement(page, shot, kelurahan_a, operator_a):
    log_in(page, operator_a.username)
    page.goto(reverse("admin:layanan_lettertext_own", args=["usaha"]))
    page.uncheck("#id_statement-follow")
    page.fill("#id_statement", "memiliki usaha {nama_usaha} di wilayah {kelurahan}.")
    page.locator("#lettertext-preview").get_by_text(
        "memiliki usaha Batik Sekar di wilayah Pajang."
    ).wait_for()
    shot(page, "texts-own-phone")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Simpan sebagai versi baru").click()
    page.get_by_text("Tersimpan.", exact=False).wait_for()
    assert LetterText.objects.filter(kelurahan=kelurahan_a, part="statement").count() == 1
