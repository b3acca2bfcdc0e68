"""The public verification page the QR code leads to: what it shows, what it never shows, and the
check of an uploaded PDF against the issued one."""

from __future__ import annotations

import secrets

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation

from layanan import services, views
from layanan.models import Letter
from layanan.nik import mask_nik
from tests.layanan.helpers import NIK_BUDI, as_upload, pdf_bytes, said

MATCHES = "Yes: this file is exactly the letter that was issued."
DIFFERS = (
    "No: this file differs from the issued letter. It may have been altered; ask the kelurahan."
)
TOO_LARGE = "The file is larger than any letter we issue (20 MB); it is not this letter."


def shown_date(response, moment) -> str:
    with translation.override(response["Content-Language"]):
        return formats.date_format(timezone.localtime(moment), "j F Y")


def test_the_page_shows_what_identifies_the_letter(client, signed_letter):
    response = client.get(signed_letter.get_verification_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Surat Keterangan Umum (Skuter)" in page
    assert signed_letter.number in page
    assert shown_date(response, signed_letter.signed_at) in page
    assert "Kelurahan Pajang" in page
    assert "Drs. Slamet Widodo, NIP 19680101 199003 1 005" in page  # who actually signed
    assert "Lurah Pajang" in page  # in which capacity: directly, as the head
    assert "B*** S******" in page
    assert signed_letter.pdf_sha256 in page
    assert said(response, "VALID") in page
    assert said(response, "VOID") not in page


def test_the_page_never_shows_the_holders_nik_or_full_name(client, signed_letter):
    page = client.get(signed_letter.get_verification_url()).content.decode()
    # The hash and token are random hex and base64: any digits could turn up in them by chance.
    page = page.replace(signed_letter.pdf_sha256, "").replace(signed_letter.verification_token, "")

    assert "Budi" not in page and "Santoso" not in page
    assert NIK_BUDI not in page
    assert mask_nik(NIK_BUDI) not in page
    # The region digits (33 72 01) are also in the number's kelurahan code; the rest of the NIK
    # is the holder's own: birth date (15-08-95) and serial.
    digits = "".join(ch if ch.isdigit() else " " for ch in page)
    assert NIK_BUDI[6:] not in digits.replace(" ", "")
    assert NIK_BUDI[6:12] not in digits.replace(" ", "")
    assert "1995" not in page


def test_the_page_is_never_cached(client, signed_letter):
    response = client.get(signed_letter.get_verification_url())

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= cache_control
    assert "noindex" in response.content.decode()


def test_an_unknown_token_is_not_found_and_gives_no_hint(client, signed_letter):
    token = signed_letter.verification_token
    near_miss = token[:-1] + ("A" if token[-1] != "A" else "B")

    paths = [
        f"/verifikasi/{candidate}/"
        for candidate in (secrets.token_urlsafe(24), near_miss, token.lower(), "1", "None")
    ]
    responses = [client.get(path) for path in paths]

    assert {response.status_code for response in responses} == {404}
    # The same page but for the address itself (in the language switch's return link).
    pages = {r.content.decode().replace(p, "") for r, p in zip(responses, paths, strict=True)}
    assert len(pages) == 1
    assert signed_letter.number.encode() not in responses[0].content


def test_a_letter_not_yet_signed_has_no_token_and_no_page(client, verified_letter):
    assert verified_letter.verification_token is None

    assert client.get("/verifikasi/None/").status_code == 404
    assert client.get("/verifikasi//").status_code == 404


def test_a_rejected_request_has_no_page(client, submitted_letter, operator_a):
    services.letter_move(
        action="reject", letter_id=submitted_letter.pk, by=operator_a, reason="Berkas kurang."
    )
    Letter.objects.filter(pk=submitted_letter.pk).update(verification_token="x" * 32)

    assert client.get(f"/verifikasi/{'x' * 32}/").status_code == 404


def test_a_handed_over_letter_is_still_valid(client, signed_letter, operator_a):
    services.letter_move(action="hand_over", letter_id=signed_letter.pk, by=operator_a)

    response = client.get(signed_letter.get_verification_url())

    assert response.status_code == 200
    assert said(response, "VALID") in response.content.decode()


def test_a_voided_letter_shows_it_is_void_and_since_when(client, signed_letter, signer_a):
    services.letter_move(
        action="void", letter_id=signed_letter.pk, by=signer_a, reason="Salah ketik nama."
    )
    signed_letter.refresh_from_db()

    response = client.get(signed_letter.get_verification_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert said(response, "VOID") in page
    assert said(response, "VALID") not in page
    assert shown_date(response, signed_letter.voided_at) in page
    assert signed_letter.number in page
    assert "Salah ketik" not in page  # the reason is for staff


# --- Checking an uploaded PDF ---------------------------------------------------------------------


def check(client, letter, content: bytes):
    return client.post(letter.get_verification_url(), {"pdf": as_upload(content)})


def test_the_exact_issued_pdf_matches(client, signed_letter):
    response = check(client, signed_letter, pdf_bytes(signed_letter))

    assert response.status_code == 200
    page = response.content.decode()
    assert said(response, MATCHES) in page
    assert said(response, DIFFERS) not in page


@pytest.mark.parametrize("position", [0, 1000, -1], ids=["first-byte", "middle-byte", "last-byte"])
def test_a_pdf_with_one_byte_changed_does_not_match(client, signed_letter, position):
    content = bytearray(pdf_bytes(signed_letter))
    content[position] ^= 0x01

    response = check(client, signed_letter, bytes(content))

    page = response.content.decode()
    assert said(response, DIFFERS) in page
    assert said(response, MATCHES) not in page


def test_another_letters_pdf_does_not_match(
    client, signed_letter, issue, sign, kelurahan_a, operator_a, signer_a
):
    other = sign(issue(kelurahan_a, operator_a), signer_a)

    response = check(client, signed_letter, pdf_bytes(other))

    assert said(response, DIFFERS) in response.content.decode()


def test_an_oversized_upload_is_refused_with_a_message(client, signed_letter, monkeypatch):
    content = pdf_bytes(signed_letter)
    monkeypatch.setattr(views, "MAX_CHECK_BYTES", len(content) - 1)

    response = check(client, signed_letter, content)

    assert response.status_code == 200
    page = response.content.decode()
    assert said(response, TOO_LARGE) in page
    assert said(response, MATCHES) not in page
    assert said(response, DIFFERS) not in page


def test_a_check_without_a_file_asks_for_one(client, signed_letter):
    # What a browser sends when the file input is empty: the form's other fields only.
    response = client.post(signed_letter.get_verification_url(), {"csrfmiddlewaretoken": "x"})

    page = response.content.decode()
    assert response.status_code == 200
    assert said(response, "This field is required.") in page
    assert said(response, MATCHES) not in page and said(response, DIFFERS) not in page


def test_checking_a_pdf_against_an_unknown_token_is_not_found(client, signed_letter):
    response = client.post(
        f"/verifikasi/{secrets.token_urlsafe(24)}/", {"pdf": as_upload(pdf_bytes(signed_letter))}
    )

    assert response.status_code == 404


def test_an_upload_declared_larger_than_any_letter_is_refused_before_it_is_read(
    client, signed_letter
):
    url = signed_letter.get_verification_url()

    response = client.post(
        url, data=b"x", content_type="application/pdf", CONTENT_LENGTH="999999999"
    )

    # The portal's 413 page (kelurahan.uploads), naming the check's limit (file + form fields).
    assert response.status_code == 413
    with translation.override(response["Content-Language"]):
        limit = filesizeformat(views.MAX_CHECK_BYTES + 64 * 1024)
    assert limit in response.content.decode()


def test_checking_files_over_and_over_from_one_address_is_slowed_down(client, signed_letter):
    url = signed_letter.get_verification_url()
    statuses = [client.post(url, {}).status_code for _ in range(31)]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


@pytest.mark.parametrize("token", ["\x00", "a\x00b", "x" * 65, "ab cd", "../../etc"])
def test_a_token_that_cannot_be_ours_is_not_found(client, token):
    from urllib.parse import quote

    assert client.get(f"/verifikasi/{quote(token, safe='')}/").status_code == 404
