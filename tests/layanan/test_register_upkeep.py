"""Letters keep the resident register true: a signed death letter marks the resident deceased
(and a voided one takes the mark back), a letter started for a deceased NIK warns the operator,
and a signed birth letter offers to add the baby to the register, once."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.template.loader import render_to_string
from django.urls import reverse

from layanan import register_upkeep, services
from layanan.models import Letter, Resident
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, letter_data
from tests.layanan.test_letter_admin import make_resident

pytestmark = pytest.mark.django_db

DIED = "2026-11-02"
DIED_SHOWN = "2 November 2026"
BABY_NIK = "3372014411260001"  # Laweyan, a girl born 04-11-2026 (day + 40)


def person(prefix: str, nik: str, name: str) -> dict:
    return {
        f"{prefix}_nik": nik,
        f"{prefix}_name": name,
        f"{prefix}_birth_date": "1970-01-01",
        f"{prefix}_age": 56,
        f"{prefix}_occupation": "Wiraswasta",
        f"{prefix}_address": "Jl. Mawar No. 7",
    }


def kematian_data(**changes) -> dict:
    return {
        **letter_data(),
        "death_date": DIED,
        "death_time": "14:30:00",
        "death_place": "RSUD Dr. Moewardi",
        "cause": "Sakit",
        "certified_by": "dr. Andi",
        "age": 31,
        **person("reporter", NIK_SITI, "Siti Aminah"),
        **person("witness1", "3372010101700001", "Slamet"),
        **person("witness2", "3372010101700002", "Joko"),
        **changes,
    }


def kelahiran_data(**changes) -> dict:
    return {
        "nik": NIK_SITI,
        "name": "Ayu Lestari",
        "sex": "P",
        "place_kind": "Rumah Sakit",
        "birth_place": "Surakarta",
        "birth_date": "2026-11-04",
        "birth_time": "08:15:00",
        "birth_kind": "Tunggal",
        "birth_order": 1,
        "attendant": "Dokter",
        "weight_kg": "3.10",
        "length_cm": "49.0",
        "mother_nik": NIK_SITI,
        "mother_name": "Siti Aminah",
        "mother_birth_date": "1995-08-15",
        "mother_occupation": "Guru",
        "mother_address": "Jl. Mawar No. 7",
        "father_nik": NIK_BUDI,
        "father_name": "Budi Santoso",
        "father_birth_date": "1995-08-15",
        "father_occupation": "Karyawan Swasta",
        "father_address": "Jl. Mawar No. 7",
        "purpose": "Pengurusan akta kelahiran",
        **changes,
    }


def create(kelurahan, by, kind, data) -> Letter:
    return services.letter_create(kelurahan=kelurahan, kind=kind, by=by, data=data)


def resident(kelurahan, nik=NIK_BUDI) -> Resident:
    return Resident.objects.get(kelurahan=kelurahan, nik=nik)


# --- Death letters ---------------------------------------------------------------------------


def test_a_signed_death_letter_marks_the_resident_deceased_with_the_date(
    kelurahan_a, kelurahan_b, operator_a, sign, signer_a
):
    make_resident(kelurahan_a)
    make_resident(kelurahan_b)  # the same NIK in another kelurahan's register stays as it is
    letter = create(kelurahan_a, operator_a, "kematian", kematian_data())
    assert resident(kelurahan_a).deceased_on is None  # not before it is signed

    sign(letter, signer_a)

    assert resident(kelurahan_a).deceased_on == datetime.date(2026, 11, 2)
    assert resident(kelurahan_b).deceased_on is None


def test_a_signed_letter_of_another_kind_marks_nobody(
    kelurahan_a, issue, operator_a, sign, signer_a
):
    make_resident(kelurahan_a)
    sign(issue(kelurahan_a, operator_a), signer_a)
    assert resident(kelurahan_a).deceased_on is None


def test_voiding_the_death_letter_takes_the_mark_back(kelurahan_a, operator_a, sign, signer_a):
    make_resident(kelurahan_a)
    letter = sign(create(kelurahan_a, operator_a, "kematian", kematian_data()), signer_a)

    services.letter_move(
        letter_id=letter.pk, action="void", by=signer_a, reason="Salah orang: NIK keliru."
    )

    assert resident(kelurahan_a).deceased_on is None


def test_issuing_for_a_deceased_nik_warns_on_the_issue_screen_and_the_letter_page(
    as_operator_a, kelurahan_a
):
    make_resident(kelurahan_a, deceased_on=datetime.date(2026, 11, 2))
    url = reverse("admin:layanan_letter_issue")

    page = as_operator_a.get(url, {"kind": "skuter", "nik": NIK_BUDI})

    warning = (
        "Register penduduk mencatat Budi Santoso (pemilik NIK ini) telah meninggal dunia pada "
        f"{DIED_SHOWN}."
    )
    assert warning in page.content.decode()
    letter = create(kelurahan_a, page.wsgi_request.user, "skuter", letter_data())
    detail = as_operator_a.get(reverse("admin:layanan_letter_change", args=[letter.pk]))
    assert warning in detail.content.decode()


def test_no_warning_for_a_living_resident_nor_once_the_letter_is_signed(
    as_operator_a, kelurahan_a, operator_a, sign, signer_a
):
    make_resident(kelurahan_a)
    page = as_operator_a.get(
        reverse("admin:layanan_letter_issue"), {"kind": "skuter", "nik": NIK_BUDI}
    )
    assert "meninggal dunia" not in page.content.decode()
    letter = sign(create(kelurahan_a, operator_a, "kematian", kematian_data()), signer_a)
    detail = as_operator_a.get(reverse("admin:layanan_letter_change", args=[letter.pk]))
    assert "telah meninggal dunia pada" not in detail.content.decode()


# --- Birth letters: the baby --------------------------------------------------------------------


@pytest.fixture
def birth_letter(kelurahan_a, operator_a, sign, signer_a) -> Letter:
    make_resident(
        kelurahan_a,
        nik=NIK_SITI,
        name="Siti Aminah",
        sex=Resident.Sex.FEMALE,
        kk_number="3372010101100009",
        address="Jl. Mawar No. 7",
        rt="4",
        rw="2",
    )
    return sign(create(kelurahan_a, operator_a, "kelahiran", kelahiran_data()), signer_a)


def baby_url(letter) -> str:
    return reverse("admin:layanan_numbercounter_baby", args=[letter.pk])


def test_the_letter_page_context_offers_the_baby_once(birth_letter, operator_a):
    offer = register_upkeep.letter_page_context(birth_letter, operator_a)["register_upkeep"]
    assert offer["baby"].name == "Ayu Lestari" and offer["baby"].existing is None
    assert offer["baby"].parent.nik == NIK_SITI


def test_operator_adds_the_baby_to_the_register_after_confirming(
    as_operator_a, birth_letter, kelurahan_a, operator_a
):
    confirm = as_operator_a.get(baby_url(birth_letter))
    assert confirm.status_code == 200
    assert "Ayu Lestari" in confirm.content.decode()
    assert not Resident.objects.filter(name="Ayu Lestari").exists()  # nothing before confirming

    response = as_operator_a.post(baby_url(birth_letter), {"nik": BABY_NIK})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:layanan_letter_change", args=[birth_letter.pk])
    baby = resident(kelurahan_a, BABY_NIK)
    assert (baby.name, baby.birth_date, baby.birth_place, baby.sex) == (
        "Ayu Lestari",
        datetime.date(2026, 11, 4),
        "Surakarta",
        "P",
    )
    assert (baby.kk_number, baby.address, baby.rt, baby.rw) == (
        "3372010101100009",
        "Jl. Mawar No. 7",
        "4",
        "2",
    )
    assert LogEntry.objects.filter(object_id=str(baby.pk), user=operator_a).exists()


def test_a_second_click_adds_nothing_and_says_so(as_operator_a, birth_letter, kelurahan_a):
    as_operator_a.post(baby_url(birth_letter), {"nik": BABY_NIK})

    again = as_operator_a.post(baby_url(birth_letter), {"nik": "3372014411260002"}, follow=True)

    assert Resident.objects.filter(kelurahan=kelurahan_a, name="Ayu Lestari").count() == 1
    assert "Ayu Lestari sudah ada di register penduduk" in again.content.decode()
    with pytest.raises(register_upkeep.BabyAlreadyAdded):
        register_upkeep.baby_add(
            letter_id=birth_letter.pk, nik="3372014411260002", by=again.wsgi_request.user
        )


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("3372014511260001", "NIK ini menunjukkan tanggal lahir 5 November 2026"),
        ("3372010411260001", "Jenis kelamin menurut NIK ini berbeda"),
        (NIK_SITI, "NIK ini menunjukkan tanggal lahir"),
    ],
)
def test_a_baby_nik_that_contradicts_the_letter_is_refused(
    as_operator_a, birth_letter, nik, message
):
    response = as_operator_a.post(baby_url(birth_letter), {"nik": nik})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Resident.objects.filter(name="Ayu Lestari").exists()


def test_an_unsigned_birth_letter_or_another_kelurahans_offers_nothing(
    as_operator_b, kelurahan_a, operator_a, birth_letter
):
    unsigned = create(kelurahan_a, operator_a, "kelahiran", kelahiran_data())
    assert register_upkeep.baby_offer(unsigned, operator_a) is None
    assert as_operator_b.get(baby_url(birth_letter)).status_code == 404
    assert as_operator_b.post(baby_url(birth_letter), {"nik": BABY_NIK}).status_code == 404
    assert not Resident.objects.filter(name="Ayu Lestari").exists()


def test_the_letter_page_part_links_to_adding_the_baby_then_says_it_was_added(
    as_operator_a, birth_letter, operator_a
):
    def part() -> str:
        context = register_upkeep.letter_page_context(birth_letter, operator_a)
        return render_to_string("admin/layanan/letter/_register_upkeep.html", context)

    assert f'href="{baby_url(birth_letter)}"' in part()
    as_operator_a.post(baby_url(birth_letter), {"nik": BABY_NIK})
    assert baby_url(birth_letter) not in part()
    assert "Ayu Lestari sudah ada di register penduduk" in part()
