"""Searching and filtering the staff lists of residents and letters: a whole NIK or KK number is
looked up exactly (an index, not a scan), anything else as before; the letter-kind filter offers
the kinds this code knows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from layanan import services
from layanan.kinds import KINDS
from layanan.models import Letter, LetterType
from tests.layanan.helpers import NIK_BUDI, NIK_SITI
from tests.layanan.test_letter_admin import make_resident

KK_BUDI = "3372010101100001"
RESIDENTS_URL = reverse("admin:layanan_resident_changelist")
LETTERS_URL = reverse("admin:layanan_letter_changelist")


def listed(client, url, **query) -> list[str]:
    response = client.get(f"{url}?{urlencode(query)}")
    assert response.status_code == 200
    return sorted(str(obj) for obj in response.context["cl"].result_list)


def searched_sql(client, url, term: str) -> str:
    """The SQL that fetched the list's rows for a search term."""
    table = "layanan_resident" if url == RESIDENTS_URL else "layanan_letter"
    with CaptureQueriesContext(connection) as captured:
        client.get(f"{url}?{urlencode({'q': term})}")
    (sql,) = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'SELECT "{table}"."id"')
    ]
    return sql


@pytest.fixture
def register(kelurahan_a, kelurahan_b):
    """Budi and Siti share a family card; Budi of kelurahan B has Budi's NIK too."""
    make_resident(kelurahan_a)
    make_resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah")
    make_resident(kelurahan_a, nik="3372010101900001", name="Agus", kk_number="3372010101900009")
    make_resident(kelurahan_b, name="Budi Tetangga")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (NIK_BUDI, ["Budi Santoso"]),
        ("3372 0115 0895 0001", ["Budi Santoso"]),  # typed in groups, as on the KTP
        ("33.72.01.150895.0001", ["Budi Santoso"]),
        (KK_BUDI, ["Budi Santoso", "Siti Aminah"]),  # a KK number: the whole family
        ("3372010101900009", ["Agus"]),
        ("3372019999999999", []),
    ],
)
def test_a_whole_nik_or_kk_number_finds_exactly_those_residents(
    as_operator_a, register, term, expected
):
    assert listed(as_operator_a, RESIDENTS_URL, q=term) == expected


def test_a_whole_nik_is_matched_exactly_not_with_icontains(as_operator_a, register):
    sql = searched_sql(as_operator_a, RESIDENTS_URL, NIK_BUDI)

    assert "LIKE" not in sql.upper()
    assert NIK_BUDI in sql


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("budi", ["Budi Santoso"]),
        ("0115089", ["Budi Santoso"]),  # part of a NIK
        ("337201150895000", ["Budi Santoso"]),  # 15 digits: still a part
        ("33720101011000011", []),  # 17 digits
        ("0101100001", ["Budi Santoso", "Siti Aminah"]),  # part of a KK number
    ],
)
def test_any_other_term_searches_names_and_numbers_as_before(
    as_operator_a, register, term, expected
):
    assert listed(as_operator_a, RESIDENTS_URL, q=term) == expected
    assert "LIKE" in searched_sql(as_operator_a, RESIDENTS_URL, term).upper()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("budi", ["Budi Santoso"]),  # not kelurahan B's Budi Tetangga
        ("BUDI san", ["Budi Santoso"]),  # every word, in any case
        ("amin", ["Siti Aminah"]),
        ("tetangga", []),  # kelurahan B's only
    ],
)
def test_a_name_fragment_searches_the_name_alone_in_the_own_kelurahan(
    as_operator_a, register, term, expected
):
    assert listed(as_operator_a, RESIDENTS_URL, q=term) == expected
    sql = searched_sql(as_operator_a, RESIDENTS_URL, term)
    # name__icontains only (what the trigram index serves), no number column OR-ed in.
    assert '"layanan_resident"."name"' in sql and "nik" not in sql.split("WHERE", 1)[1].lower()


def test_a_whole_nik_never_finds_another_kelurahans_resident(as_operator_b, register):
    assert listed(as_operator_b, RESIDENTS_URL, q=NIK_BUDI) == ["Budi Tetangga"]
    assert listed(as_operator_b, RESIDENTS_URL, q=NIK_SITI) == []


def test_diskominfo_finds_a_whole_nik_in_every_kelurahan(client, diskominfo, register):
    client.force_login(diskominfo)
    assert listed(client, RESIDENTS_URL, q=NIK_BUDI) == ["Budi Santoso", "Budi Tetangga"]


@pytest.fixture
def letters(issue, kelurahan_a, kelurahan_b, operator_a, operator_b):
    return {
        "budi": issue(kelurahan_a, operator_a),
        "siti": issue(kelurahan_a, operator_a, nik=NIK_SITI, name="Siti Aminah"),
        "theirs": issue(kelurahan_b, operator_b, name="Budi Tetangga"),
    }


def letter_names(client, **query) -> list[str]:
    response = client.get(f"{LETTERS_URL}?{urlencode(query)}")
    assert response.status_code == 200
    return sorted(letter.name for letter in response.context["cl"].result_list)


def test_a_whole_nik_finds_that_residents_letters_exactly(as_operator_a, letters):
    assert letter_names(as_operator_a, q=NIK_BUDI) == ["Budi Santoso"]
    assert letter_names(as_operator_a, q="3372 0155 0895 0002") == ["Siti Aminah"]
    assert "LIKE" not in searched_sql(as_operator_a, LETTERS_URL, NIK_BUDI).upper()


def test_other_letter_searches_work_as_before(as_operator_a, letters):
    assert letter_names(as_operator_a, q="siti") == ["Siti Aminah"]
    assert letter_names(as_operator_a, q="5508950") == ["Siti Aminah"]  # part of a NIK
    assert "LIKE" in searched_sql(as_operator_a, LETTERS_URL, "5508950").upper()


# --- The letter-kind filter ----------------------------------------------------------------------


def kind_filter(response):
    return next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", None) == "letter_type__kind"
    )


def test_the_kind_filter_offers_the_kinds_of_the_code(as_operator_a, letters):
    response = as_operator_a.get(LETTERS_URL)

    spec = kind_filter(response)
    assert [key for key, _label in spec.lookup_choices] == list(KINDS)
    # Labels, not codes (issue 14): "Surat Keterangan Kematian", not "kematian".
    assert [label for _key, label in spec.lookup_choices] == [k.name for k in KINDS.values()]
    assert spec.title == LetterType._meta.get_field("kind").verbose_name  # as before


def test_the_kind_filter_reads_no_letter_types(as_operator_a, letters):
    with CaptureQueriesContext(connection) as captured:
        as_operator_a.get(f"{LETTERS_URL}?letter_type__kind=skuter")
    assert not [q for q in captured.captured_queries if 'FROM "layanan_lettertype"' in q["sql"]]


def test_the_kind_filter_lists_only_letters_of_that_kind(
    as_operator_a, issue, letters, kelurahan_a, operator_a
):
    death = issue(kelurahan_a, operator_a, name="Almarhum")
    kematian = services.letter_types_ensure(kelurahan=kelurahan_a)["kematian"]
    Letter.objects.filter(pk=death.pk).update(letter_type=kematian)

    assert letter_names(as_operator_a, letter_type__kind="kematian") == ["Almarhum"]
    assert letter_names(as_operator_a, letter_type__kind="skuter") == [
        "Budi Santoso",
        "Siti Aminah",
    ]
    assert letter_names(as_operator_a, letter_type__kind="sktm") == []
    assert letter_names(as_operator_a) == ["Almarhum", "Budi Santoso", "Siti Aminah"]
