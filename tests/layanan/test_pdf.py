"""The signed letter's PDF: what it says, its QR code, where it is kept, and signing that fails."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import zxingcpp
from django.utils import timezone

from layanan import services
from layanan.models import Letter, NumberCounter
from layanan.pdf import FetchRefused, InlineOnlyFetcher
from layanan.storage import get_private_storage
from tests.layanan.helpers import (
    NIK_BUDI,
    SITE_URL,
    first_page_image,
    pdf_bytes,
    pdf_text,
    snapshot,
    stored_files,
)


def test_the_pdf_shows_number_kelurahan_holder_in_capitals_and_nik(signed_letter):
    text = pdf_text(pdf_bytes(signed_letter))

    assert f"Nomor: {signed_letter.number}" in text
    assert "KELURAHAN PAJANG" in text
    assert "Lurah Pajang" in text
    assert "BUDI SANTOSO" in text
    assert NIK_BUDI in text
    assert "Drs. Slamet Widodo" in text
    assert "NIP 19680101 199003 1 005" in text  # stored as 18 digits, printed grouped 8 6 1 3


def test_the_qr_code_holds_exactly_the_verification_url(signed_letter):
    image = first_page_image(pdf_bytes(signed_letter), scale=3)

    codes = [code for code in zxingcpp.read_barcodes(image) if code.format.name == "QRCode"]

    assert [code.text for code in codes] == [
        f"{SITE_URL}/verifikasi/{signed_letter.verification_token}/"
    ]


def test_the_footer_says_how_to_check_the_letter_without_a_camera(signed_letter):
    text = " ".join(pdf_text(pdf_bytes(signed_letter)).split())

    assert f"{SITE_URL}/verifikasi/{signed_letter.verification_token}/" in text
    assert f"atau di {SITE_URL}/verifikasi/ dengan nomor, tanggal dan 4 angka terakhir NIK" in text


def test_the_letter_is_dated_on_the_local_day_it_is_signed(
    verified_letter, sign, signer_a, settings, monkeypatch
):
    settings.TIME_ZONE = "Asia/Jakarta"
    # 00:30 WIB on New Year's Day is still 31 December in UTC.
    signed = datetime.datetime(2026, 12, 31, 17, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: signed)

    letter = sign(verified_letter, signer_a)

    assert letter.number.endswith("/I/2027")
    assert letter.year == 2027
    text = pdf_text(pdf_bytes(letter))
    assert "Surakarta, 1 Januari 2027" in text
    assert "2026" not in text


def test_text_typed_into_a_letter_is_printed_as_text_not_markup(
    issue, sign, kelurahan_a, operator_a, signer_a
):
    statement = '<img src="https://example.com/track.png"> <b>tebal</b>'
    letter = sign(issue(kelurahan_a, operator_a, statement=statement), signer_a)

    assert statement in pdf_text(pdf_bytes(letter))


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "/etc/passwd",
    ],
)
def test_rendering_refuses_to_load_anything_from_outside(url):
    with pytest.raises(FetchRefused):
        InlineOnlyFetcher()(url)


def test_the_pdf_is_kept_privately_and_has_no_url(signed_letter, private_root, settings):
    stored = private_root / signed_letter.pdf.name

    assert stored_files(private_root) == [stored]
    assert stored_files(settings.MEDIA_ROOT) == []
    assert stored.stat().st_mode & 0o777 == 0o640
    with pytest.raises(ValueError):
        signed_letter.pdf.url  # noqa: B018


def test_a_failing_render_leaves_the_letter_verified_with_no_number_used_and_no_file(
    verified_letter, issue, sign, kelurahan_a, operator_a, signer_a, private_root, monkeypatch
):
    before = snapshot(verified_letter)
    events = verified_letter.events.count()

    def broken_render(*args, **kwargs):
        raise OSError("font cache is unreadable")

    monkeypatch.setattr(services, "render_letter_pdf", broken_render)
    with pytest.raises(OSError, match="font cache"):
        sign(verified_letter, signer_a)

    assert snapshot(verified_letter) == before
    assert verified_letter.events.count() == events
    assert stored_files(private_root) == []
    assert NumberCounter.objects.filter(kelurahan=kelurahan_a, last__gt=0).count() == 0

    monkeypatch.undo()
    assert sign(verified_letter, signer_a).sequence == 1
    assert sign(issue(kelurahan_a, operator_a), signer_a).sequence == 2


def test_a_failure_after_the_pdf_is_stored_removes_the_file(
    verified_letter, sign, signer_a, private_root, monkeypatch
):
    before = snapshot(verified_letter)

    def broken_record(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_record", broken_record)
    with pytest.raises(RuntimeError):
        sign(verified_letter, signer_a)

    assert stored_files(private_root) == []
    assert snapshot(verified_letter) == before


def test_every_signed_letter_gets_its_own_file_token_and_hash(
    issue, sign, kelurahan_a, operator_a, signer_a, private_root
):
    letters = [sign(issue(kelurahan_a, operator_a), signer_a) for _ in range(2)]

    assert len({letter.pdf.name for letter in letters}) == 2
    assert len({letter.verification_token for letter in letters}) == 2
    assert len(stored_files(private_root)) == 2
    for letter in Letter.objects.filter(pk__in=[letter.pk for letter in letters]):
        assert letter.pdf_sha256 == hashlib.sha256(pdf_bytes(letter)).hexdigest()


def test_migrations_name_the_private_storage_instead_of_freezing_its_folder():
    _name, _path, _args, kwargs = Letter._meta.get_field("pdf").deconstruct()

    assert kwargs["storage"] is get_private_storage
