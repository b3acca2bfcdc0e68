"""Checking a letter without its QR code: /verifikasi/ takes the number, the date and the last 4
digits of the NIK, all printed on the letter, and shows the same result page as the QR code; any
mismatch is the same "not found" page, which never says which detail was wrong. And a forged or
mistyped QR code (/verifikasi/<unknown>/) says plainly that the letter may not be genuine."""

from __future__ import annotations

import re
import secrets

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from kelurahan import roles
from layanan import services
from layanan.models import Letter
from tests.layanan.helpers import NIK_BUDI, pdf_bytes, pdf_text, said

pytestmark = pytest.mark.django_db

URL = "/verifikasi/"
ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}
NOT_FOUND_BY_NUMBER = (
    "Tidak ada surat terbitan portal ini yang memiliki nomor, tanggal, dan angka NIK tersebut "
    "sekaligus."
)
NOT_GENUINE = "Surat tersebut mungkin tidak asli."


@pytest.fixture(autouse=True)
def keep_the_test_language():
    language = translation.get_language()
    yield
    translation.activate(language)


def signed_on(letter: Letter):
    return timezone.localtime(letter.signed_at).date()


def details(letter: Letter, **changes) -> dict:
    return {
        "number": letter.number,
        "date": signed_on(letter).isoformat(),
        "nik_last4": letter.nik[-4:],
        **changes,
    }


def page(response) -> str:
    return response.content.decode()


def alert(response) -> str:
    """The "not found" message block of the page."""
    return re.search(
        r'<div class="alert alert-danger" role="alert">.*?</div>', page(response), re.S
    )[0]


# An unknown QR code -------------------------------------------------------------------------


def test_an_unknown_token_says_no_such_letter_exists_and_it_may_not_be_genuine(client):
    response = client.get(f"/verifikasi/{secrets.token_urlsafe(32)}/")

    assert response.status_code == 404
    html = page(response)
    assert "Surat tidak ditemukan" in html
    assert "Tidak ada surat terbitan portal ini dengan kode verifikasi tersebut." in html
    assert NOT_GENUINE in html
    assert f'href="{URL}"' in html  # how to check by number
    assert '<meta name="robots" content="noindex">' in html
    assert 'class="site-header"' in html
    assert "no-store" in response["Cache-Control"]


def test_the_unknown_token_page_is_english_after_switching(client):
    client.cookies.load(ENGLISH)

    response = client.get(f"/verifikasi/{secrets.token_urlsafe(32)}/")

    assert response.status_code == 404
    assert "No letter issued through this portal has this verification code." in page(response)
    assert "The letter may not be genuine." in page(response)


def test_a_pdf_checked_against_an_unknown_token_gets_the_same_page(client):
    response = client.post(f"/verifikasi/{secrets.token_urlsafe(32)}/", {})

    assert response.status_code == 404
    assert NOT_GENUINE in page(response)


def test_the_verification_page_links_to_the_check_by_number(client, signed_letter):
    response = client.get(signed_letter.get_verification_url())

    assert f'href="{URL}"' in page(response)


# The form -----------------------------------------------------------------------------------


def test_the_form_asks_for_the_three_printed_details_and_posts_them(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = page(response)
    assert "Periksa surat berdasarkan nomor" in html
    assert re.search(r'<form method="post" action="/verifikasi/"', html)
    assert 'name="number"' in html and "Nomor surat" in html
    assert 'type="date" name="date"' in html and "Tanggal surat" in html
    assert 'name="nik_last4"' in html and "4 angka terakhir NIK" in html


def test_the_city_home_footer_links_to_the_check(client, kelurahan_a):
    assert f'href="{URL}"' in page(client.get("/"))


def test_the_details_printed_on_the_pdf_find_the_letter(client, signed_letter):
    """Read back from the issued PDF exactly what a person holding it would type."""
    text = pdf_text(pdf_bytes(signed_letter))
    number = re.search(r"Nomor: (\S+)", text)[1]
    printed_date = re.findall(r", (\d{1,2} \w+ \d{4})\s", text)[-1]  # beside the signature
    nik = re.search(r"NIK\s*:\s*(\d{16})", text)[1]

    response = client.post(URL, {"number": number, "date": printed_date, "nik_last4": nik[-4:]})

    assert response.status_code == 200
    html = page(response)
    assert signed_letter.number in html
    assert said(response, "VALID") in html
    assert "B*** S******" in html
    assert signed_letter.pdf_sha256 in html
    assert NIK_BUDI not in html
    assert '<meta name="robots" content="noindex">' in html
    # The PDF check on the result page goes to the letter's own page, not back to this form.
    assert f'action="{signed_letter.get_verification_url()}"' in html


def date_variants(letter: Letter) -> list[str]:
    on = signed_on(letter)
    with translation.override("id"):
        printed = formats.date_format(on, "j F Y")
    return [
        on.isoformat(),
        printed,
        printed.upper(),
        f"Surakarta, {printed}",
        on.strftime("%d/%m/%Y"),
        f"{on.day}-{on.month}-{on.year}",
        on.strftime("%d.%m.%Y"),
    ]


def number_variants(number: str) -> list[str]:
    return [
        number,
        number.lower(),
        number.replace("/", " / "),
        f"  {number}  ",
        f"Nomor: {number}",
        f"No. {number.lower()}",
    ]


def test_the_number_and_date_are_read_forgivingly(signed_letter):
    for i, number in enumerate(number_variants(signed_letter.number)):
        # One address per number: the rate limit counts every post, and this sends over 30.
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        for date in date_variants(signed_letter):
            response = client.post(URL, details(signed_letter, number=number, date=date))
            assert response.status_code == 200, (number, date)
            assert signed_letter.number in page(response)


def test_a_voided_letter_is_found_and_shown_void(client, signed_letter, signer_a):
    services.letter_move(
        action="void", letter_id=signed_letter.pk, by=signer_a, reason="Salah ketik nama."
    )

    response = client.post(URL, details(signed_letter))

    assert response.status_code == 200
    assert said(response, "VOID") in page(response)


def test_a_handed_over_letter_is_found(client, signed_letter, operator_a):
    services.letter_move(action="hand_over", letter_id=signed_letter.pk, by=operator_a)

    assert client.post(URL, details(signed_letter)).status_code == 200


@pytest.mark.parametrize("state", [Letter.State.VERIFIED, Letter.State.SUBMITTED])
def test_a_letter_not_signed_is_never_found(client, signed_letter, state):
    Letter.objects.filter(pk=signed_letter.pk).update(state=state)

    response = client.post(URL, details(signed_letter))

    assert response.status_code == 404


# Anything else is "not found", the same page whichever detail was wrong ---------------------


def wrong_details(letter: Letter) -> dict[str, dict]:
    other_digits = f"{(int(letter.nik[-4:]) + 1) % 10000:04d}"
    number = letter.number
    sequence = re.search(r"/(\d{3})/", number)
    return {
        "number": details(
            letter,
            number=number.replace(sequence[0], f"/{int(sequence[1]) + 1:03d}/"),
        ),
        "date": details(letter, date=(signed_on(letter) + timezone.timedelta(days=1)).isoformat()),
        "nik_last4": details(letter, nik_last4=other_digits),
    }


@pytest.mark.parametrize("wrong", ["number", "date", "nik_last4"])
def test_one_wrong_detail_is_not_found(client, signed_letter, wrong):
    response = client.post(URL, wrong_details(signed_letter)[wrong])

    assert response.status_code == 404
    html = page(response)
    assert NOT_FOUND_BY_NUMBER in html
    assert NOT_GENUINE in html
    assert "B*** S******" not in html and signed_letter.pdf_sha256 not in html
    assert '<meta name="robots" content="noindex">' in html


def test_which_detail_was_wrong_is_never_told(client, signed_letter):
    responses = [client.post(URL, d) for d in wrong_details(signed_letter).values()]

    assert {r.status_code for r in responses} == {404}
    assert len({alert(r) for r in responses}) == 1
    # No field is marked: the form comes back as typed, without errors.
    assert not any("invalid-feedback" in page(r) for r in responses)


def test_number_and_date_alone_are_not_enough(client, signed_letter):
    response = client.post(URL, details(signed_letter, nik_last4=""))

    assert response.status_code == 200  # the form again, asking for the digits
    assert signed_letter.pdf_sha256 not in page(response)


def test_a_letter_of_another_kelurahan_with_the_same_number_is_told_apart(
    client, signed_letter, issue, sign, kelurahan_b, make_staff
):
    operator = make_staff("operator.b", roles.OPERATOR, kelurahan_b)
    signer = make_staff("lurah.b", roles.SIGNER, kelurahan_b)
    other = sign(issue(kelurahan_b, operator, nik="3372015508950002", name="Siti Aminah"), signer)
    Letter.objects.filter(pk=other.pk).update(number=signed_letter.number)

    mine = client.post(URL, details(signed_letter))
    theirs = client.post(URL, details(signed_letter, nik_last4="0002"))

    assert "B*** S******" in page(mine) and "Kelurahan Pajang" in page(mine)
    assert "S*** A*****" in page(theirs) and "Kelurahan Laweyan" in page(theirs)


# Bad input: a clear message, and nothing looked up ------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik_last4", "12a4", "Masukkan tepat 4 angka, yaitu 4 angka terakhir NIK."),
        ("nik_last4", "123", "Masukkan tepat 4 angka, yaitu 4 angka terakhir NIK."),
        ("nik_last4", "١٢٣٤", "Masukkan tepat 4 angka, yaitu 4 angka terakhir NIK."),
        ("date", "31 Februari 2026", "Masukkan tanggal yang tercetak pada surat"),
        ("date", "kemarin", "Masukkan tanggal yang tercetak pada surat"),
        ("date", "2026-13-01", "Masukkan tanggal yang tercetak pada surat"),
        ("number", "Nomor:", "Masukkan nomor surat seperti tercetak pada surat."),
        ("number", "4" * 121, "121"),  # Django's own message names the length typed
    ],
)
def test_bad_input_gets_a_clear_indonesian_message_and_nothing_is_looked_up(
    client, signed_letter, field, value, message
):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, details(signed_letter, **{field: value}))

    assert response.status_code == 200
    html = page(response)
    assert message in html
    assert 'id="error-summary"' in html
    assert "B*** S******" not in html and NOT_FOUND_BY_NUMBER not in html
    # Only the rate limit counted the post; no letter was looked up.
    assert not [q["sql"] for q in queries if Letter._meta.db_table in q["sql"]]


def test_the_form_is_english_after_switching(client, signed_letter):
    client.cookies.load(ENGLISH)

    response = client.post(URL, details(signed_letter, date="kemarin"))

    assert "Enter the date printed on the letter" in page(response)


# Rate limit ---------------------------------------------------------------------------------


def test_the_check_is_rate_limited_per_address(signed_letter):
    one = Client(REMOTE_ADDR="203.0.113.7")
    wrong = details(signed_letter, nik_last4="9999")

    statuses = [one.post(URL, wrong).status_code for _ in range(30)]
    blocked = one.post(URL, details(signed_letter))

    assert set(statuses) == {404}
    assert blocked.status_code == 429
    assert signed_letter.pdf_sha256 not in page(blocked)
    # Another address is not held up.
    assert Client(REMOTE_ADDR="198.51.100.4").post(URL, details(signed_letter)).status_code == 200
    # Opening the form is not limited.
    assert one.get(URL).status_code == 200
