"""layanan.nik: a typed NIK in, its region, birth date, sex and serial out, or a clear error."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.functional import Promise

from layanan.nik import NIK, NIKError, mask_nik, nik_warnings, parse_nik

TODAY = date(2026, 11, 22)
MAN = "3372011508950001"  # Kota Surakarta, Laweyan; born 15-08-1995
WOMAN = "3372015508950002"  # the same day, 40 added for a woman


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def nik_with(*, region="337201", day="15", month="08", year="95", serial="0001"):
    return f"{region}{day}{month}{year}{serial}"


def refusal(raw, today=TODAY):
    with pytest.raises(NIKError) as caught:
        parse_nik(raw, today=today)
    return caught.value.code, str(caught.value.message)


@pytest.mark.parametrize(
    ("raw", "region", "born", "sex", "serial"),
    [
        (MAN, "33.72.01", date(1995, 8, 15), "L", "0001"),
        (WOMAN, "33.72.01", date(1995, 8, 15), "P", "0002"),
        ("1101010101019999", "11.01.01", date(2001, 1, 1), "L", "9999"),
        ("9271057112001234", "92.71.05", date(2000, 12, 31), "P", "1234"),
    ],
)
def test_a_valid_nik_decodes_to_region_birth_date_sex_and_serial(raw, region, born, sex, serial):
    nik = parse_nik(raw, today=TODAY)
    assert nik.value == raw
    assert nik.region_code == region
    assert nik.province_code == region[:2]
    assert nik.city_code == region[:5]
    assert nik.birth_date == born
    assert nik.sex == sex
    assert nik.serial == serial


@pytest.mark.parametrize(("day", "born_on"), [("41", 1), ("55", 15), ("69", 29), ("71", 31)])
def test_a_womans_nik_has_forty_added_to_the_day(day, born_on):
    nik = parse_nik(nik_with(day=day, month="03"), today=TODAY)
    assert (nik.sex, nik.birth_date) == ("P", date(1995, 3, born_on))


@pytest.mark.parametrize(("day", "born_on"), [("01", 1), ("31", 31)])
def test_a_mans_nik_carries_the_day_as_it_is(day, born_on):
    nik = parse_nik(nik_with(day=day, month="03"), today=TODAY)
    assert (nik.sex, nik.birth_date) == ("L", date(1995, 3, born_on))


@pytest.mark.parametrize(
    ("day", "month", "year", "born"),
    [
        ("29", "02", "24", date(2024, 2, 29)),
        ("69", "02", "96", date(1996, 2, 29)),
        ("29", "02", "00", date(2000, 2, 29)),
    ],
)
def test_29_february_is_accepted_in_a_leap_year(day, month, year, born):
    assert parse_nik(nik_with(day=day, month=month, year=year), today=TODAY).birth_date == born


@pytest.mark.parametrize(
    ("day", "month", "year", "shown"),
    [
        ("31", "02", "95", "day 31, month 02, year 95"),
        ("71", "02", "95", "day 31, month 02, year 95"),  # a woman: shown as the real day
        ("30", "02", "24", "day 30, month 02, year 24"),
        ("29", "02", "23", "day 29, month 02, year 23"),  # 2023 and 1923 are not leap years
        ("69", "02", "25", "day 29, month 02, year 25"),
        ("31", "04", "95", "day 31, month 04, year 95"),
        ("31", "11", "90", "day 31, month 11, year 90"),
    ],
)
def test_a_birth_date_that_is_not_on_the_calendar_is_refused(day, month, year, shown):
    code, message = refusal(nik_with(day=day, month=month, year=year))
    assert code == "date"
    assert "(digits 7–12) is not a real date" in message
    assert shown in message


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_a_birth_day_outside_1_to_31_or_41_to_71_is_refused(day):
    code, message = refusal(nik_with(day=day))
    assert code == "date"
    assert f"(digits 7–8) is {day}; it must be 01–31, or 41–71 for a woman" in message


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_a_birth_month_outside_1_to_12_is_refused(month):
    code, message = refusal(nik_with(month=month))
    assert code == "date"
    assert f"(digits 9–10) is {month}; it must be 01–12" in message


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (MAN[:15], "NIK must be 16 digits; 15 were entered."),
        (MAN + "1", "NIK must be 16 digits; 17 were entered."),
        ("3372 0115 0895 000", "NIK must be 16 digits; 15 were entered."),
        ("7", "NIK must be 16 digits; 1 was entered."),
        ("", "NIK must be 16 digits; 0 were entered."),
        (" - . ", "NIK must be 16 digits; 0 were entered."),
    ],
)
def test_a_nik_of_the_wrong_length_is_refused_with_the_count_entered(raw, shown):
    assert refusal(raw) == ("length", shown)


@pytest.mark.parametrize(
    "raw",
    [
        "337201150895000A",
        "NIK 3372011508950001",
        "3372O11508950001",  # letter O for zero
        "3372_0115_0895_0001",
        "+3372011508950001",
        "3372,0115,0895,0001",
        "٣372011508950001",  # Arabic-Indic three
        "٣٣٧٢٠١١٥٠٨٩٥٠٠٠١",  # all sixteen in Arabic-Indic digits
        "３372011508950001",  # full-width three
        "３３７２０１１５０８９５０００１",
        "3372011508950001\x00",
    ],
)
def test_anything_but_ascii_digits_and_separators_is_refused(raw):
    assert refusal(raw) == (
        "characters",
        "NIK may contain only digits 0–9; remove letters and other characters.",
    )


def test_serial_0000_is_refused():
    assert refusal(nik_with(serial="0000")) == (
        "serial",
        "The last 4 digits of a NIK (serial number) cannot be 0000.",
    )


def test_province_00_is_refused():
    code, message = refusal(nik_with(region="007201"))
    assert code == "region"
    assert message.startswith("The province code 00 in this NIK does not exist;")


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            "330001",
            "The regency/city code in this NIK (digits 3–4) cannot be 00; "
            "check these digits against the KTP.",
        ),
        (
            "337200",
            "The kecamatan code in this NIK (digits 5–6) cannot be 00; "
            "check these digits against the KTP.",
        ),
        (
            "330000",
            "The regency/city code in this NIK (digits 3–4) cannot be 00; "
            "check these digits against the KTP.",
        ),
    ],
)
def test_a_regency_or_kecamatan_code_00_is_refused(region, message):
    assert refusal(nik_with(region=region)) == ("region", message)


def test_the_00_refusals_read_in_indonesian():
    with translation.override("id"):
        assert refusal(nik_with(region="330001"))[1] == (
            "Kode kabupaten/kota pada NIK (digit 3–4) tidak boleh 00; periksa digit ini dengan KTP."
        )
        assert refusal(nik_with(region="337200"))[1] == (
            "Kode kecamatan pada NIK (digit 5–6) tidak boleh 00; periksa digit ini dengan KTP."
        )


@pytest.mark.parametrize(
    "raw",
    [
        "3372 0115 0895 0001",
        "33.72.01.150895.0001",
        "3372-0115-0895-0001",
        "33/72/01/150895/0001",
        "  3372011508950001\n",
        "\t3372\u00a00115 0895-0001 ",  # tab and no-break space pasted from a document
    ],
)
def test_spaces_dots_hyphens_and_slashes_between_digits_are_accepted(raw):
    assert parse_nik(raw, today=TODAY).value == MAN


@pytest.mark.parametrize(
    ("day", "month", "year", "born"),
    [
        ("15", "08", "25", date(2025, 8, 15)),
        ("15", "08", "30", date(1930, 8, 15)),
        ("22", "11", "26", date(2026, 11, 22)),  # born today
        ("23", "11", "26", date(1926, 11, 23)),  # tomorrow in 2026 is in the future
        ("01", "01", "00", date(2000, 1, 1)),
        ("31", "12", "99", date(1999, 12, 31)),
    ],
)
def test_the_century_is_20yy_unless_that_birth_date_lies_after_today(day, month, year, born):
    assert parse_nik(nik_with(day=day, month=month, year=year), today=TODAY).birth_date == born


def test_without_today_the_birth_date_is_never_in_the_future():
    tomorrow = timezone.localdate() + timedelta(days=1)
    raw = nik_with(day=f"{tomorrow:%d}", month=f"{tomorrow:%m}", year=f"{tomorrow:%y}")
    assert parse_nik(raw).birth_date == tomorrow.replace(year=tomorrow.year - 100)


def test_an_error_message_is_translated_when_shown_not_when_raised():
    with pytest.raises(NIKError) as caught:
        parse_nik(MAN[:15], today=TODAY)
    assert isinstance(caught.value.message, Promise)
    assert isinstance(caught.value, ValueError)


def known_regions(*codes):
    return lambda code: code in codes


def test_a_form_that_matches_the_nik_gets_no_warnings():
    nik = parse_nik(WOMAN, today=TODAY)
    warnings = nik_warnings(
        nik, birth_date=date(1995, 8, 15), sex="P", region_exists=known_regions("33.72.01")
    )
    assert warnings == []
    assert nik_warnings(nik) == []


def test_a_different_birth_date_on_the_form_is_a_warning():
    nik = parse_nik(MAN, today=TODAY)
    assert [str(w) for w in nik_warnings(nik, birth_date=date(1995, 8, 16))] == [
        "The NIK gives the birth date 15-08-1995, but the form says 16-08-1995; "
        "check both against the KTP."
    ]


@pytest.mark.parametrize(
    ("raw", "form_sex", "shown"),
    [
        (WOMAN, "L", "The NIK is a woman's (40 is added to her birth day), but the form says male"),
        (MAN, "P", "The NIK is a man's, but the form says female"),
    ],
)
def test_a_different_sex_on_the_form_is_a_warning(raw, form_sex, shown):
    (warning,) = nik_warnings(parse_nik(raw, today=TODAY), sex=form_sex)
    assert str(warning).startswith(shown)


def test_a_sex_that_is_neither_l_nor_p_is_a_programming_error():
    with pytest.raises(ValueError, match="sex must be"):
        nik_warnings(parse_nik(MAN, today=TODAY), sex="M")


def test_a_region_code_missing_from_the_kemendagri_list_is_a_warning_not_an_error():
    nik = parse_nik("3399011508950001", today=TODAY)
    asked = []

    def region_exists(code):
        asked.append(code)
        return False

    (warning,) = nik_warnings(nik, region_exists=region_exists)
    assert asked == ["33.99.01"]
    assert str(warning).startswith(
        "The region code 33.99.01 in this NIK is not in the current Kemendagri list."
    )


def test_every_mismatch_is_reported_at_once():
    nik = parse_nik(MAN, today=TODAY)
    warnings = nik_warnings(
        nik, birth_date=date(1995, 1, 1), sex="P", region_exists=known_regions()
    )
    assert len(warnings) == 3


def test_a_nik_shows_its_first_six_and_last_four_digits_when_masked():
    nik = parse_nik(MAN, today=TODAY)
    assert nik.masked() == "337201******0001"
    assert MAN not in repr(nik)
    assert MAN not in str(nik)


def test_a_nik_is_immutable():
    nik = parse_nik(MAN, today=TODAY)
    with pytest.raises(AttributeError):
        nik.value = WOMAN
    assert isinstance(nik, NIK)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (MAN, "337201******0001"),
        ("3372 0115-0895.0001", "337201******0001"),
        ("9999999999999999", "999999******9999"),  # not a valid NIK, still masked, not shown
        ("", "****"),
        ("   ", "****"),
        ("123", "****"),
        (MAN[:15], "****"),
        (MAN + "1", "****"),
        ("337201150895000A", "****"),
        ("٣٣٧٢٠١١٥٠٨٩٥٠٠٠١", "****"),
        ("Budi Santoso", "****"),
        (None, "****"),
    ],
)
def test_mask_nik_never_shows_more_than_ten_digits_of_anything(raw, shown):
    assert mask_nik(raw) == shown


def random_input(rng):
    """Half pure noise, half a NIK-shaped string of 16 digits with a few random edits."""
    mixed = "0123456789 .-/\t\n\u00a0aZO_+,٣３\x00é"
    if rng.random() < 0.5:
        return "".join(rng.choice(mixed) for _ in range(rng.randint(0, 24)))
    chars = [rng.choice("0123456789") for _ in range(16)]
    chars[:2] = rng.choice(["33", "00", "92"])
    chars[12:] = rng.choice(["0001", "0000", "9999"])
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        position = rng.randint(0, len(chars))
        edit = rng.choice(["insert", "delete", "replace"])
        if edit == "insert":
            chars.insert(position, rng.choice(mixed))
        elif chars and position < len(chars):
            chars[position : position + 1] = [] if edit == "delete" else [rng.choice(mixed)]
    return "".join(chars)


def test_random_input_either_parses_or_raises_nik_error_only():
    rng = random.Random(0)
    codes = set()
    parsed = 0
    for _ in range(2000):
        raw = random_input(rng)
        try:
            nik = parse_nik(raw, today=TODAY)
        except NIKError as exc:
            codes.add(exc.code)
            assert str(exc.message)
            assert sum(ch in "0123456789" for ch in mask_nik(raw)) <= 10
            continue
        parsed += 1
        assert len(nik.value) == 16
        assert nik.sex in ("L", "P")
        assert nik.birth_date <= TODAY
        assert nik.serial != "0000"
        assert mask_nik(raw) == nik.masked()
    assert parsed >= 20  # 28 with this seed: enough to exercise the success path
    assert codes == {"length", "characters", "date", "region", "serial"}
