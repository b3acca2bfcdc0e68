"""The letter forms as the register prints them: RT/RW with three digits, NIP typed with spaces and
printed grouped, sex and the register's lists chosen (never preselected), no dates in the future."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from kelurahan.models import Official
from layanan.forms import LetterForm
from layanan.models import Letter, Resident
from layanan.register_codes import MARITAL_STATUSES, RELIGIONS
from tests.factories import OfficialFactory, signature
from tests.isolation import form_payload
from tests.layanan.helpers import NIK_BUDI, letter_data, pdf_bytes, pdf_text, said
from tests.layanan.test_letter_admin import make_resident

pytestmark = pytest.mark.django_db

NIP_DIGITS = "196801011990031005"
NIP_PRINTED = "19680101 199003 1 005"


def issue_url(nik: str, kind: str = "skuter") -> str:
    return f"{reverse('admin:layanan_letter_issue')}?{urlencode({'kind': kind, 'nik': nik})}"


def move_url(letter, action: str) -> str:
    return reverse("admin:layanan_letter_move", args=[letter.pk, action])


def selected(page: str, name: str) -> list[str]:
    """The values of the selected options of the <select name=…> on `page`."""
    start = page.index(f'name="{name}"')
    block = page[start : page.index("</select>", start)]
    return [
        part.split('"')[1]
        for part in block.split("<option value=")[1:]
        if "selected" in part.split(">")[0]
    ]


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def as_signer_a(client, signer_a):
    client.force_login(signer_a)
    return client


# --- RT/RW with three digits ---------------------------------------------------------------------


def test_the_letter_prints_rt_and_rw_with_three_digits_and_keeps_them_as_typed(signed_letter):
    text = pdf_text(pdf_bytes(signed_letter))

    assert "RT 003/RW 005" in text
    assert (signed_letter.data["rt"], signed_letter.data["rw"]) == ("3", "5")


def test_the_register_list_and_the_letter_page_show_rt_and_rw_with_three_digits(
    as_operator_a, kelurahan_a, verified_letter
):
    make_resident(kelurahan_a, rw="12")

    listing = as_operator_a.get(reverse("admin:layanan_resident_changelist")).content.decode()
    detail = as_operator_a.get(reverse("admin:layanan_letter_change", args=[verified_letter.pk]))

    assert ">004<" in listing and ">012<" in listing
    assert ("RT", "003") in [(str(k), v) for k, v in detail.context["data_rows"]]
    assert Resident.objects.get(nik=NIK_BUDI).rt == "4"


# --- NIP with spaces -----------------------------------------------------------------------------


def test_the_signers_nip_from_the_officials_list_is_printed_grouped(
    as_signer_a, signer_a, verified_letter, client
):
    # The signature block comes from the register of signing authority: the Lurah's NIP is the
    # officials list's (stored as 18 digits; typed with spaces there, see the test below).
    response = as_signer_a.post(
        move_url(verified_letter, "sign"), signature(signer_a, verified_letter.kelurahan)
    )

    assert response.status_code == 302
    letter = Letter.objects.get(pk=verified_letter.pk)
    assert (letter.state, letter.signer_nip) == (Letter.State.SIGNED, NIP_DIGITS)
    assert f"NIP {NIP_PRINTED}" in pdf_text(pdf_bytes(letter))
    client.logout()
    assert f"NIP {NIP_PRINTED}" in client.get(letter.get_verification_url()).content.decode()


def test_an_officials_nip_typed_with_spaces_is_stored_as_digits_and_shown_grouped(
    as_operator_a, kelurahan_a
):
    official = OfficialFactory(kelurahan=kelurahan_a, nip="")
    url = reverse("admin:kelurahan_official_change", args=[official.pk])
    page = as_operator_a.get(url)
    assert 'maxlength="18"' not in page.content.decode()  # the spaces would cut the NIP short

    response = as_operator_a.post(url, {**form_payload(page), "nip": "19680101 199003 1 005"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Official.objects.get(pk=official.pk).nip == NIP_DIGITS


# --- Sex, religion and marital status are chosen, not preselected -------------------------------


def test_the_issue_form_preselects_no_sex_religion_or_marital_status(as_operator_a):
    response = as_operator_a.get(issue_url("3372 0115 0895 0001"))  # not in the register

    page = response.content.decode()
    for name in ("sex", "religion", "marital_status"):
        assert not response.context["form"][name].value()
        assert selected(page, name) == [""]
    assert said(response, "— choose —") in page


def test_the_online_form_preselects_no_sex(client, kelurahan_a):
    page = client.get(f"/k/{kelurahan_a.slug}/layanan/ajukan/skuter/").content.decode()

    assert selected(page, "sex") == [""]


def test_a_letter_without_sex_is_refused(as_operator_a):
    data = letter_data(sex="")

    response = as_operator_a.post(issue_url(NIK_BUDI), data)

    assert response.status_code == 200
    assert "sex" in response.context["form"].errors
    assert not Letter.objects.exists()


def test_religion_and_marital_status_offer_the_registers_lists():
    form = LetterForm()

    assert [v for v, _label in form.fields["religion"].choices] == ["", *RELIGIONS]
    assert RELIGIONS[-1] == "Kepercayaan terhadap Tuhan YME"
    assert [v for v, _label in form.fields["marital_status"].choices] == ["", *MARITAL_STATUSES]


@pytest.mark.parametrize(
    ("stored", "chosen"),
    [
        (("islam", "kawin"), ("Islam", "Kawin")),
        (("KATHOLIK", "BELUM KAWIN"), ("Katolik", "Belum Kawin")),
        (("Budha", "Kawin Tercatat"), ("Buddha", "Kawin")),
        (("KHONGHUCU", "cerai-hidup"), ("Konghucu", "Cerai Hidup")),
        (("PENGHAYAT KEPERCAYAAN", "4"), (RELIGIONS[6], "Cerai Mati")),
        (("-", ""), ("", "")),
    ],
)
def test_the_registers_spellings_preselect_the_matching_choice(
    as_operator_a, kelurahan_a, stored, chosen
):
    make_resident(kelurahan_a, religion=stored[0], marital_status=stored[1])

    response = as_operator_a.get(issue_url(NIK_BUDI))

    page = response.content.decode()
    assert (response.context["form"]["religion"].value() or "") == chosen[0]
    assert (response.context["form"]["marital_status"].value() or "") == chosen[1]
    assert selected(page, "religion") == [chosen[0]]
    assert selected(page, "marital_status") == [chosen[1]]
    assert Resident.objects.get(nik=NIK_BUDI).religion == stored[0]  # the register is untouched


def test_a_religion_outside_the_list_is_refused(as_operator_a):
    response = as_operator_a.post(issue_url(NIK_BUDI), letter_data(religion="Jedi"))

    assert "religion" in response.context["form"].errors
    assert not Letter.objects.exists()


def test_a_letter_from_the_choices_is_saved_with_the_registers_spelling(as_operator_a):
    data = letter_data(religion="Katolik", marital_status="Belum Kawin")

    response = as_operator_a.post(issue_url(NIK_BUDI), data)

    assert response.status_code == 302
    letter = Letter.objects.get()
    assert (letter.data["religion"], letter.data["marital_status"]) == ("Katolik", "Belum Kawin")


# --- No dates in the future ----------------------------------------------------------------------

BIRTH_IN_FUTURE = "The date of birth cannot be after today (%(today)s); check the year."
DEATH_IN_FUTURE = "The date of death cannot be after today (%(today)s); check the date."


@pytest.mark.parametrize(
    ("kind", "field", "message"),
    [
        ("skuter", "birth_date", BIRTH_IN_FUTURE),
        ("kematian", "birth_date", BIRTH_IN_FUTURE),
        ("kematian", "death_date", DEATH_IN_FUTURE),
        ("kelahiran", "birth_date", BIRTH_IN_FUTURE),
        ("kelahiran", "mother_birth_date", BIRTH_IN_FUTURE),
        ("kelahiran", "father_birth_date", BIRTH_IN_FUTURE),
    ],
)
def test_a_date_of_birth_or_death_after_today_is_refused_with_a_message(
    as_operator_a, kind, field, message
):
    response = as_operator_a.post(
        issue_url(NIK_BUDI, kind), letter_data(**{field: tomorrow().isoformat()})
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    today = timezone.localdate().strftime("%d-%m-%Y")
    assert said(response, message) % {"today": today} in response.content.decode()
    assert not Letter.objects.exists()


def test_a_birth_today_is_accepted(as_operator_a):
    today = timezone.localdate().isoformat()

    response = as_operator_a.post(issue_url(NIK_BUDI), letter_data(birth_date=today))

    assert response.status_code == 302
    assert Letter.objects.get().data["birth_date"] == today
