"""Letter numbers: the default and custom formats, a counter per kelurahan per year, paper size."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from layanan.models import LetterSettings
from layanan.numbering import (
    ROMAN_MONTHS,
    NumberFormatError,
    check_format,
    format_number,
    next_sequence,
)
from tests.layanan.helpers import pdf_bytes, pdf_page_sizes

MM = 72 / 25.4  # PDF points per millimetre


def expected_number(seq: str, kelurahan_code: str = "33.72.01.1001") -> str:
    today = timezone.localdate()
    return f"400.12.2.2/{seq}/{kelurahan_code}/{ROMAN_MONTHS[today.month - 1]}/{today.year}"


def test_the_default_format_gives_classification_sequence_code_roman_month_and_year(
    signed_letter,
):
    assert signed_letter.number == expected_number("001")


def test_consecutive_letters_get_consecutive_numbers(
    issue, sign, kelurahan_a, operator_a, signer_a
):
    letters = [issue(kelurahan_a, operator_a, name=f"Warga {n}") for n in range(3)]

    numbers = [sign(letter, signer_a).number for letter in letters]

    assert numbers == [expected_number("001"), expected_number("002"), expected_number("003")]


def test_each_kelurahan_counts_from_one(
    issue, sign, kelurahan_a, kelurahan_b, operator_a, operator_b, signer_a, signer_b
):
    first_a = sign(issue(kelurahan_a, operator_a), signer_a)
    second_a = sign(issue(kelurahan_a, operator_a), signer_a)
    first_b = sign(issue(kelurahan_b, operator_b), signer_b)

    assert (first_a.sequence, second_a.sequence, first_b.sequence) == (1, 2, 1)
    assert first_b.number == expected_number("001", kelurahan_code="33.72.01.1002")


def test_each_year_counts_from_one(signed_letter, kelurahan_a):
    this_year = timezone.localdate().year

    with transaction.atomic():
        next_year = next_sequence(kelurahan_id=kelurahan_a.pk, year=this_year + 1)
        this_year_again = next_sequence(kelurahan_id=kelurahan_a.pk, year=this_year)

    assert (next_year, this_year_again) == (1, 2)


def test_a_custom_format_lays_out_the_fields_it_names():
    number = format_number(
        "{seq:04d}/{kelurahan_code}/{year}",
        classification="474",
        seq=7,
        kelurahan_code="33.72.01.1001",
        on=datetime.date(2026, 3, 5),
    )

    assert number == "0007/33.72.01.1001/2026"


@pytest.mark.parametrize(
    ("month", "month_roman"),
    [(1, "I"), (3, "III"), (4, "IV"), (8, "VIII"), (9, "IX"), (11, "XI"), (12, "XII")],
)
def test_month_fields_give_the_month_as_two_digits_and_in_roman(month, month_roman):
    number = format_number(
        "{classification}/{seq}/{month}/{month_roman}",
        classification="474",
        seq=12,
        kelurahan_code="33.72.01.1001",
        on=datetime.date(2026, month, 28),
    )

    assert number == f"474/12/{month:02d}/{month_roman}"


@pytest.mark.parametrize(
    "number_format",
    [
        "{seq:03d}/{kelurahan}/{year}",  # unknown field
        "{seq:03d}/{nik}",  # unknown field, and one that must never be in a number
        "{seq.real}/{year}",  # attribute access
        "{seq[0]}/{year}",  # item access
        "{seq:03d}/{0}",  # positional field by index
        "{seq:03d}/{}",  # positional field without a name
        "{classification}/{year}",  # no sequence: every number would be the same
        "400/{year}",
        "{seq:03d/{year}",  # unmatched braces
        "{seq:03d}}/{year}",
        "{{seq}}/{year}",  # escaped: the text "{seq}", not the field
        "{seq:03d}/{month_roman:02d}",  # a spec the field cannot take
        "{seq:03x}/{classification:d}",
        "{seq:03d}/" + "SURAT KETERANGAN KELURAHAN " * 3 + "{year}",  # longer than a number may be
    ],
)
def test_a_format_that_cannot_number_letters_is_refused(number_format):
    with pytest.raises(NumberFormatError):
        check_format(number_format)


@pytest.mark.parametrize(
    "number_format",
    [
        "{classification}/{seq:03d}/{kelurahan_code}/{month_roman}/{year}",
        "{seq}",
        "{seq:04d}/{kelurahan_code}/{year}",
        "470/{seq:03d}/{month}.{year}",
    ],
)
def test_a_sound_format_is_accepted(number_format):
    check_format(number_format)


def test_a_kelurahan_number_format_is_used_when_signing(verified_letter, sign, signer_a):
    LetterSettings.objects.create(
        kelurahan=verified_letter.kelurahan, number_format="{seq:04d}/{kelurahan_code}/{year}"
    )

    letter = sign(verified_letter, signer_a)

    assert letter.number == f"0001/33.72.01.1001/{timezone.localdate().year}"


@pytest.mark.parametrize(
    ("paper", "width_mm", "height_mm"), [("A4", 210, 297), ("F4", 215, 330)], ids=["A4", "F4"]
)
def test_the_paper_setting_sets_the_pdf_page_size(
    verified_letter, sign, signer_a, paper, width_mm, height_mm
):
    LetterSettings.objects.create(kelurahan=verified_letter.kelurahan, paper=paper)

    letter = sign(verified_letter, signer_a)

    [(width, height)] = pdf_page_sizes(pdf_bytes(letter))
    assert width == pytest.approx(width_mm * MM, abs=0.5)
    assert height == pytest.approx(height_mm * MM, abs=0.5)
