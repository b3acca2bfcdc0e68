"""The letter forms' SIAK lists (education, blood type, relationship in the family: chosen,
stored as codes, printed as labels), dates not after today, ages computed, the long forms in
blocks whose NIK fills them from the register, and labels rather than codes in staff lists."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from layanan import services
from layanan.forms import KelahiranForm, KematianForm, LetterForm, age_on
from layanan.kinds import KINDS
from layanan.models import AccessLog, Letter, LetterType
from layanan.register_codes import (
    BLOOD_TYPES,
    EDUCATIONS,
    RELATIONSHIPS,
    blood_type_of,
    education_of,
    relationship_of,
)
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, letter_data, pdf_bytes, pdf_text, said
from tests.layanan.test_letter_admin import make_resident

pytestmark = pytest.mark.django_db

NIK_JOKO = "3372011203800001"  # a reporter in the register of kelurahan A


def issue_url(nik: str, kind: str = "skuter") -> str:
    return f"{reverse('admin:layanan_letter_issue')}?{urlencode({'kind': kind, 'nik': nik})}"


def lookup_url(nik: str) -> str:
    return f"{reverse('admin:layanan_letter_lookup')}?{urlencode({'nik': nik})}"


def ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


def people(**birth_dates) -> dict:
    """Reporter and witnesses as typed on a kematian or kelahiran form."""
    data = {}
    for prefix, nik in (("reporter", NIK_JOKO), ("witness1", NIK_SITI), ("witness2", NIK_BUDI)):
        data |= {
            f"{prefix}_nik": nik,
            f"{prefix}_name": f"Orang {prefix}",
            f"{prefix}_birth_date": birth_dates.get(prefix, "1980-03-12"),
            f"{prefix}_occupation": "Wiraswasta",
            f"{prefix}_address": "Jl. Pajang No. 5",
        }
    return data


def kematian_data(**changes) -> dict:
    return {
        **letter_data(),
        "name": "Sastro Wiyono",
        "birth_date": "1950-08-15",
        "death_date": "2026-01-10",
        "death_time": "04:30",
        "death_place": "RSUD Dr. Moewardi, Surakarta",
        "cause": "Sakit",
        "certified_by": "dr. Andi",
        "purpose": "mengurus akta kematian",
        **people(),
        **changes,
    }


def kelahiran_data(**changes) -> dict:
    return {
        "nik": NIK_SITI,
        "name": "Ayu Lestari",
        "sex": "P",
        "place_kind": "Rumah Sakit",
        "birth_place": "RS PKU Muhammadiyah Surakarta",
        "birth_date": "2026-06-10",
        "birth_time": "08:15",
        "birth_kind": "Tunggal",
        "birth_order": "1",
        "attendant": "Dokter",
        "weight_kg": "3.10",
        "length_cm": "49.5",
        "mother_nik": NIK_SITI,
        "mother_name": "Siti Aminah",
        "mother_birth_date": "1995-08-15",
        "mother_occupation": "Guru",
        "mother_address": "Jl. Slamet Riyadi No. 10",
        "purpose": "Pengurusan akta kelahiran",
        **people(),
        **changes,
    }


def options(page: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each option of the <select name=…> on `page`."""
    start = page.index(f'name="{name}"')
    block = page[start : page.index("</select>", start)]
    found = []
    for part in block.split("<option value=")[1:]:
        value = part.split('"')[1]
        label = part.split(">", 1)[1].split("</option>")[0]
        found.append((value, label))
    return found


# --- Education, blood type, relationship in the family ------------------------------------------


@pytest.mark.parametrize(
    ("name", "labels"),
    [("education", EDUCATIONS), ("blood_type", BLOOD_TYPES), ("relationship", RELATIONSHIPS)],
)
def test_the_issue_form_offers_the_siak_list_by_label_with_codes_as_values_and_none_chosen(
    as_operator_a, name, labels
):
    response = as_operator_a.get(issue_url(NIK_BUDI))

    shown = options(response.content.decode(), name)
    assert shown[0] == ("", said(response, "— choose —"))
    assert shown[1:] == [(str(code), label) for code, label in enumerate(labels, start=1)]
    assert not response.context["form"][name].value()


def test_the_siak_lists_have_their_reference_codes():
    assert (EDUCATIONS[0], EDUCATIONS[4], EDUCATIONS[9]) == (
        "Tidak/Belum Sekolah",
        "SLTA/Sederajat",
        "Strata III",
    )
    assert (len(BLOOD_TYPES), BLOOD_TYPES[10], BLOOD_TYPES[12]) == (13, "O+", "Tidak Tahu")
    assert (RELATIONSHIPS[0], RELATIONSHIPS[3], RELATIONSHIPS[10]) == (
        "Kepala Keluarga",
        "Anak",
        "Lainnya",
    )


def test_chosen_lists_are_stored_as_codes_and_printed_as_labels(as_operator_a, sign, signer_a):
    data = letter_data(education="5", blood_type="11", relationship="4")

    response = as_operator_a.post(issue_url(NIK_BUDI), data)

    assert response.status_code == 302
    letter = Letter.objects.get()
    assert (letter.data["education"], letter.data["blood_type"], letter.data["relationship"]) == (
        "5",
        "11",
        "4",
    )
    text = pdf_text(pdf_bytes(sign(letter, signer_a)))
    assert "SLTA/Sederajat" in text and "O+" in text and "Anak" in text
    assert "Golongan Darah" in text and "Hubungan dalam Keluarga" in text


def test_lists_left_unchosen_are_not_stored_or_printed(as_operator_a, sign, signer_a):
    as_operator_a.post(issue_url(NIK_BUDI), letter_data())

    letter = Letter.objects.get()
    assert not {"education", "blood_type", "relationship"} & set(letter.data)
    assert "Golongan Darah" not in pdf_text(pdf_bytes(sign(letter, signer_a)))


@pytest.mark.parametrize(
    ("name", "value"), [("education", "11"), ("blood_type", "A+"), ("relationship", "0")]
)
def test_a_code_outside_the_list_is_refused(as_operator_a, name, value):
    response = as_operator_a.post(issue_url(NIK_BUDI), letter_data(**{name: value}))

    assert name in response.context["form"].errors
    assert not Letter.objects.exists()


@pytest.mark.parametrize(
    ("read", "text", "code"),
    [
        (education_of, "SLTA / SEDERAJAT", "5"),
        (education_of, "SMA", "5"),
        (education_of, "AKADEMI/ DIPLOMA III/S. MUDA", "7"),
        (education_of, "S1", "8"),
        (education_of, "TIDAK / BELUM SEKOLAH", "1"),
        (education_of, "10", "10"),
        (education_of, "kuliah", ""),
        (blood_type_of, "O", "4"),
        (blood_type_of, "0", "4"),
        (blood_type_of, "A+", "5"),
        (blood_type_of, "a positif", "5"),
        (blood_type_of, "AB-", "10"),
        (blood_type_of, "b neg", "8"),
        (blood_type_of, "O Rh+", "11"),
        (blood_type_of, "TIDAK TAHU", "13"),
        (blood_type_of, "-", ""),
        (relationship_of, "KEPALA KELUARGA", "1"),
        (relationship_of, "ISTRI", "3"),
        (relationship_of, "Anak Kandung", "4"),
        (relationship_of, "ORANGTUA", "7"),
        (relationship_of, "FAMILI LAIN", "9"),
        (relationship_of, "tetangga", ""),
    ],
)
def test_the_usual_spellings_read_as_the_siak_code(read, text, code):
    assert read(text) == code


# --- Dates not after today, ages computed --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("skuter", ["birth_date"]),
        ("kematian", ["birth_date", "death_date", "reporter_birth_date", "witness2_birth_date"]),
        ("kelahiran", ["birth_date", "mother_birth_date", "father_birth_date"]),
    ],
)
def test_date_pickers_of_births_and_deaths_stop_at_today(as_operator_a, kind, fields):
    response = as_operator_a.get(issue_url(NIK_BUDI, kind))

    today = timezone.localdate().isoformat()
    for name in fields:
        assert response.context["form"].fields[name].widget.attrs["max"] == today
        assert f'max="{today}"' in str(response.context["form"][name])


def test_a_reporters_date_of_birth_after_today_is_refused_in_indonesian(as_operator_a):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = as_operator_a.post(
        issue_url(NIK_BUDI, "kematian"), kematian_data(reporter_birth_date=tomorrow)
    )

    assert response.status_code == 200
    assert "reporter_birth_date" in response.context["form"].errors
    today = timezone.localdate().strftime("%d-%m-%Y")
    assert f"Tanggal lahir tidak boleh setelah hari ini ({today})" in response.content.decode()
    assert not Letter.objects.exists()


def test_ages_are_computed_from_the_dates_of_birth_not_typed(as_operator_a):
    born = ago(45, days=-1)  # 45 tomorrow: 44 today
    data = kematian_data(
        reporter_birth_date=born.isoformat(),
        reporter_age="99",  # a typed age is ignored
        witness1_birth_date=ago(30).isoformat(),
    )

    response = as_operator_a.post(issue_url(NIK_BUDI, "kematian"), data)

    assert response.status_code == 302, response.context["form"].errors
    letter = Letter.objects.get()
    assert (letter.data["reporter_age"], letter.data["witness1_age"]) == (44, 30)
    assert letter.data["age"] == 75  # the deceased's, at death: 15-08-1950 to 10-01-2026


def test_the_printed_death_letter_shows_the_computed_ages(as_operator_a, sign, signer_a):
    as_operator_a.post(
        issue_url(NIK_BUDI, "kematian"), kematian_data(reporter_birth_date=ago(45).isoformat())
    )

    text = pdf_text(pdf_bytes(sign(Letter.objects.get(), signer_a)))

    assert "75 tahun" in text and "45 tahun" in text


def test_a_birth_letter_keeps_the_parents_and_reporters_ages(as_operator_a):
    response = as_operator_a.post(
        issue_url(NIK_SITI, "kelahiran"),
        kelahiran_data(mother_birth_date=ago(31).isoformat()),
    )

    assert response.status_code == 302, response.context["form"].errors
    data = Letter.objects.get().data
    assert data["mother_age"] == 31
    assert data["reporter_age"] == age_on(datetime.date(1980, 3, 12), timezone.localdate())


def test_no_form_has_a_typed_age():
    for kind in KINDS.values():
        assert not [name for name in kind.form.base_fields if name.endswith("age")], kind.key


def test_the_form_says_beside_each_date_of_birth_that_its_age_is_shown(as_operator_a):
    page = as_operator_a.get(issue_url(NIK_BUDI, "kematian")).content.decode()

    assert page.count("data-age") >= 4  # the deceased, the reporter, two witnesses
    assert 'data-age-at="death_date"' in page
    assert 'data-age-text="Umur: {age} tahun"' in page


# --- Long forms in blocks, filled from the register by NIK ---------------------------------------


def legends(page: str) -> list[str]:
    return [
        part.split("</legend>")[0] for part in page.split('<legend class="fieldset-heading">')[1:]
    ]


def test_the_birth_form_comes_in_blocks_for_baby_parents_reporter_and_witnesses(as_operator_a):
    page = as_operator_a.get(issue_url(NIK_SITI, "kelahiran")).content.decode()

    assert legends(page) == [
        "1. Surat dan NIK",
        "Surat",
        "Bayi",
        "Ibu",
        "Ayah",
        "Pelapor",
        "Saksi 1",
        "Saksi 2",
    ]
    for person in ("mother", "father", "reporter", "witness1", "witness2"):
        assert f'data-person="{person}"' in page
    assert page.count('role="status"') == 5


def test_the_death_form_comes_in_blocks_for_the_deceased_reporter_and_witnesses(as_operator_a):
    page = as_operator_a.get(issue_url(NIK_BUDI, "kematian")).content.decode()

    assert legends(page)[1:] == [
        "Jenazah",
        "Kematian",
        "Pelapor",
        "Saksi 1",
        "Saksi 2",
        "Keperluan surat",
    ]


def test_every_step_of_the_issue_form_uses_the_admins_aligned_rows(as_operator_a):
    page = as_operator_a.get(issue_url(NIK_BUDI)).content.decode()

    for name in ("kind", "nik", "name", "purpose"):
        start = page.index(f"form-row field-{name}")
        row = page[start : page.index('<div class="flex-container">', start) + 200]
        assert f'<label for="id_{name}"' in row
    assert page.count('<fieldset class="module aligned letter-block"') == 2
    assert 'id="id_purpose_helptext"' in page
    assert "js/letter_nik_fill.js" in page and "<script>" not in page


def test_the_lookup_answers_the_register_row_of_the_own_kelurahan(as_operator_a, kelurahan_a):
    make_resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah", sex="P", rt="3", rw="5")

    response = as_operator_a.get(lookup_url("3372 0155 0895 0002"))

    assert response.status_code == 200
    assert response.json() == {
        "found": True,
        "nik": NIK_SITI,
        "name": "Siti Aminah",
        "birth_date": "1995-08-15",
        "occupation": "Guru Honorer",
        "address": "Jl. Mawar No. 7 RT 003/RW 005",
    }
    assert "no-store" in response["Cache-Control"]
    log = AccessLog.objects.get()
    assert (log.kelurahan, log.action, log.subject) == (
        kelurahan_a,
        AccessLog.Action.VIEW,
        "resident Siti Aminah",
    )


def test_the_lookup_finds_nothing_of_another_kelurahan(as_operator_a, kelurahan_b):
    make_resident(kelurahan_b, nik=NIK_SITI, name="Siti Aminah")

    response = as_operator_a.get(lookup_url(NIK_SITI))

    # The same answer as for a NIK in no register at all: nothing of kelurahan B shows.
    assert response.status_code == 200
    assert response.json() == {"found": False}
    assert "no-store" in response["Cache-Control"]
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("nik", ["", "3372", "33720155089500021", "abcd"])
def test_the_lookup_answers_404_for_what_is_not_a_nik(as_operator_a, kelurahan_a, nik):
    make_resident(kelurahan_a, nik=NIK_SITI)

    assert as_operator_a.get(lookup_url(nik)).status_code == 404


def test_the_lookup_answers_nothing_to_anyone_but_issuing_staff(client, kelurahan_a, as_diskominfo):
    make_resident(kelurahan_a, nik=NIK_SITI)
    assert as_diskominfo.get(lookup_url(NIK_SITI)).status_code == 404  # no kelurahan to issue for

    resident_user = get_user_model().objects.create_user("warga", password="x-Strong-pass-123")
    client.force_login(resident_user)
    assert client.get(lookup_url(NIK_SITI)).status_code == 404
    client.logout()
    assert client.get(lookup_url(NIK_SITI)).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_birth_form_fills_the_parents_block_with_the_address_and_rt_rw(
    as_operator_a, kelurahan_a
):
    make_resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah", sex="P")

    form = as_operator_a.get(issue_url(NIK_SITI, "kelahiran")).context["form"]

    assert form["mother_name"].value() == "Siti Aminah"
    assert form["mother_address"].value() == "Jl. Mawar No. 7 RT 004/RW 002"


def test_every_block_of_a_long_form_has_all_its_fields_once():
    for form in (KelahiranForm(), KematianForm(), LetterForm()):
        names = [field.name for block in form.fieldsets() for field in block["fields"]]
        assert sorted(names) == sorted(form.fields)


# --- Labels, not codes ---------------------------------------------------------------------------


def test_the_kind_filter_and_the_letter_type_list_show_labels(as_operator_a, kelurahan_a):
    services.letter_types_ensure(kelurahan=kelurahan_a)

    letters = as_operator_a.get(reverse("admin:layanan_letter_changelist")).content.decode()
    types = as_operator_a.get(reverse("admin:layanan_lettertype_changelist")).content.decode()

    for kind in KINDS.values():
        assert f">{kind.name}</a>" in letters
        assert f'<td class="field-kind_label">{kind.name}</td>' in types
    assert "?letter_type__kind=kematian" in letters
    assert ">kematian</a>" not in letters and ">kematian<" not in types


def test_a_letter_types_page_shows_its_kind_by_label(as_operator_a, kelurahan_a):
    kematian = services.letter_types_ensure(kelurahan=kelurahan_a)["kematian"]
    LetterType.objects.filter(pk=kematian.pk).update(name="Surat Kematian Kami")

    response = as_operator_a.get(reverse("admin:layanan_lettertype_change", args=[kematian.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<div class="readonly">{KINDS["kematian"].name}</div>' in page
    assert '<div class="readonly">kematian</div>' not in page
