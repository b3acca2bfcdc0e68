"""The register of signing authority: a letter is signed only under an authority of the signing
user's own account, for the letter's kelurahan, valid today; the signature block (tata naskah
dinas: directly, a.n., Plt., Plh.) comes from the authority's official, as a snapshot, and the
verification page names the person who actually signed."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kelurahan import roles
from kelurahan.models import Kelurahan, Official
from layanan import services
from layanan.models import Letter, NumberCounter, SigningAuthority
from tests.factories import (
    LURAH_NAME,
    LURAH_NIP,
    SECRETARY_NAME,
    SECRETARY_NIP,
    OfficialFactory,
    signing_authority_for,
)
from tests.layanan.helpers import pdf_bytes, pdf_text, snapshot, stored_files

State = Letter.State
TODAY = timezone.localdate


def lines(letter: Letter) -> list[str]:
    """The PDF's text, one stripped line each, empty lines dropped."""
    return [line.strip() for line in pdf_text(pdf_bytes(letter)).splitlines() if line.strip()]


def block(letter: Letter) -> list[str]:
    """The signature block's lines: from the line after the place and date to the NIP."""
    text = lines(letter)
    # The last "Surakarta, <date>": the holder's birthplace comes earlier.
    start = max(i for i, line in enumerate(text) if line.startswith("Surakarta, ")) + 1
    return text[start : start + 4]


def move_url(letter, action) -> str:
    return reverse("admin:layanan_letter_move", args=[letter.pk, action])


def letter_url(letter) -> str:
    return reverse("admin:layanan_letter_change", args=[letter.pk])


@pytest.fixture
def head_a(kelurahan_a):
    """Pajang's Lurah in the officials list, named."""
    head = Official.objects.for_kelurahan(kelurahan_a).get(level=Official.Level.HEAD)
    head.name, head.nip = LURAH_NAME, LURAH_NIP
    head.save()
    return head


@pytest.fixture
def secretary_a(kelurahan_a):
    secretary = Official.objects.for_kelurahan(kelurahan_a).get(level=Official.Level.SECRETARY)
    secretary.name, secretary.nip = SECRETARY_NAME, SECRETARY_NIP
    secretary.save()
    return secretary


@pytest.fixture
def kasi_a(kelurahan_a):
    return OfficialFactory(
        kelurahan=kelurahan_a,
        position="Kepala Seksi Pemerintahan",
        name="Rina Kusuma, S.IP.",
        nip="198203032006042003",
        level=Official.Level.SECTION,
    )


@pytest.fixture
def sekretaris(make_staff, kelurahan_a):
    """A second signer account of Pajang (no authority of its own yet)."""
    return make_staff("sekretaris.a", roles.SIGNER, kelurahan_a)


# --- The signature block on the PDF and the verification page -----------------------------------


def test_the_head_signs_directly(verified_letter, sign, signer_a, client):
    letter = sign(verified_letter, signer_a)

    assert block(letter)[:3] == ["LURAH PAJANG", LURAH_NAME, "NIP 19680101 199003 1 005"]
    assert (letter.signer_capacity, letter.signer_position) == ("", "Lurah")
    page = client.get(letter.get_verification_url()).content.decode()
    assert f"{LURAH_NAME}, NIP 19680101 199003 1 005" in page
    assert "Lurah Pajang" in page


def test_the_secretary_signs_on_behalf_of_the_lurah_with_their_own_name(
    verified_letter, sign, sekretaris, kelurahan_a, head_a, secretary_a, client
):
    authority = signing_authority_for(sekretaris, kelurahan_a, capacity="a.n.")

    letter = sign(verified_letter, sekretaris, authority=authority.pk)

    assert block(letter) == [
        "a.n. LURAH PAJANG",
        "SEKRETARIS KELURAHAN",
        SECRETARY_NAME,
        "NIP 19750505 200012 1 002",
    ]
    assert LURAH_NAME not in lines(letter)  # the absent Lurah is never printed as the signer
    assert (letter.signer_name, letter.signer_nip) == (SECRETARY_NAME, SECRETARY_NIP)
    assert (letter.signer_capacity, letter.signing_authority) == ("a.n.", authority)
    page = client.get(letter.get_verification_url()).content.decode()
    assert f"{SECRETARY_NAME}, NIP 19750505 200012 1 002" in page
    assert "Sekretaris Kelurahan, a.n. Lurah Pajang" in page
    assert LURAH_NAME not in page


@pytest.mark.parametrize("capacity", ["Plt.", "Plh."])
def test_an_acting_official_signs_as_plt_or_plh_with_their_own_name(
    verified_letter, sign, sekretaris, kelurahan_a, kasi_a, client, capacity
):
    authority = signing_authority_for(sekretaris, kelurahan_a, capacity=capacity, official=kasi_a)

    letter = sign(verified_letter, sekretaris, authority=authority.pk)

    assert block(letter)[:3] == [
        f"{capacity} LURAH PAJANG",
        "Rina Kusuma, S.IP.",
        "NIP 19820303 200604 2 003",
    ]
    assert "KEPALA SEKSI PEMERINTAHAN" not in lines(letter)
    assert letter.signer_capacity == capacity
    page = client.get(letter.get_verification_url()).content.decode()
    assert "Rina Kusuma, S.IP., NIP 19820303 200604 2 003" in page
    assert f"{capacity} Lurah Pajang" in page


def test_a_signed_letter_keeps_its_block_when_the_official_changes_later(
    signed_letter, head_a, client
):
    head_a.name, head_a.nip = "Lurah Baru, S.H.", "199001012015031001"
    head_a.save()

    letter = Letter.objects.get(pk=signed_letter.pk)
    assert (letter.signer_name, letter.signer_nip) == (LURAH_NAME, LURAH_NIP)
    page = client.get(letter.get_verification_url()).content.decode()
    assert LURAH_NAME in page and "Lurah Baru" not in page


def test_a_desa_head_without_nip_signs_and_no_nip_is_printed(issue, sign, make_staff, kelurahan_b):
    Kelurahan.objects.filter(pk=kelurahan_b.pk).update(kind=Kelurahan.Kind.DESA)
    desa = Kelurahan.objects.get(pk=kelurahan_b.pk)
    head = Official.objects.for_kelurahan(desa).get(level=Official.Level.HEAD)
    head.name, head.nip = "Suparno", ""
    head.save()
    kades = make_staff("kades.b", roles.SIGNER, desa)
    authority = SigningAuthority(
        kelurahan=desa, official=head, user=kades, valid_from=TODAY() - datetime.timedelta(1)
    )
    authority.full_clean()  # a desa's officials are no civil servants: no NIP needed
    authority.save()
    operator = make_staff("operator.desa", roles.OPERATOR, desa)

    letter = sign(issue(desa, operator), kades, authority=authority.pk)

    text = lines(letter)
    assert "KEPALA DESA LAWEYAN" in text and "Suparno" in text
    assert not any(line.startswith("NIP") for line in text)


# --- Signing outside the register is refused, and nothing is numbered ---------------------------


def refused(letter, by, authority_id, private_root) -> str:
    before = snapshot(letter)
    with pytest.raises(services.TransitionError) as caught:
        services.letter_move(action="sign", letter_id=letter.pk, by=by, authority=authority_id)
    assert snapshot(letter) == before
    assert not NumberCounter.objects.exists()
    assert stored_files(private_root) == []
    return str(caught.value)


def test_signing_without_any_authority_is_refused(verified_letter, sekretaris, private_root):
    message = refused(verified_letter, sekretaris, None, private_root)

    assert "mintalah operator kelurahan" in message


def test_signing_under_an_expired_authority_is_refused(
    verified_letter, sekretaris, kelurahan_a, secretary_a, private_root
):
    authority = signing_authority_for(
        sekretaris,
        kelurahan_a,
        capacity="a.n.",
        valid_from=TODAY() - datetime.timedelta(days=60),
        valid_until=TODAY() - datetime.timedelta(days=1),
    )

    message = refused(verified_letter, sekretaris, authority.pk, private_root)

    assert "tidak berlaku hari ini" in message and "(a.n. Lurah Pajang)" in message


def test_signing_under_an_authority_that_starts_tomorrow_is_refused(
    verified_letter, sekretaris, kelurahan_a, secretary_a, private_root
):
    authority = signing_authority_for(
        sekretaris, kelurahan_a, capacity="Plh.", valid_from=TODAY() + datetime.timedelta(1)
    )

    assert "tidak berlaku hari ini" in refused(
        verified_letter, sekretaris, authority.pk, private_root
    )


def test_signing_under_another_users_authority_is_refused(
    verified_letter, signer_a, sekretaris, private_root
):
    lurahs = SigningAuthority.objects.get(user=signer_a)

    message = refused(verified_letter, sekretaris, lurahs.pk, private_root)

    assert "Ini bukan kewenangan penandatanganan Anda" in message


def test_signing_under_an_authority_for_another_kelurahan_is_refused(
    verified_letter, signer_a, kelurahan_b, private_root
):
    # Recorded for kelurahan B (bypassing the register's own checks, as a stale row would be).
    elsewhere = signing_authority_for(signer_a, kelurahan_b)

    message = refused(verified_letter, signer_a, elsewhere.pk, private_root)

    assert "Ini bukan kewenangan penandatanganan Anda" in message


def test_a_typed_signature_block_is_not_accepted(verified_letter, signer_a):
    with pytest.raises(TypeError):
        services.letter_move(
            action="sign",
            letter_id=verified_letter.pk,
            by=signer_a,
            signer_name="Siapa Saja",
            signer_position="Lurah",
        )
    assert snapshot(verified_letter)["state"] == State.VERIFIED


# --- The sign form on the letter page -----------------------------------------------------------


def test_the_only_authority_of_the_signer_is_preselected(client, signer_a, verified_letter):
    client.force_login(signer_a)

    form = client.get(letter_url(verified_letter)).context["sign_form"]

    authority = SigningAuthority.objects.get(user=signer_a)
    assert form["authority"].value() == authority.pk
    assert [value for value, _label in form.fields["authority"].choices] == [authority.pk]


def test_the_form_offers_only_the_signers_authorities_valid_today(
    client, sekretaris, signer_a, kelurahan_a, secretary_a, kasi_a, verified_letter
):
    an = signing_authority_for(sekretaris, kelurahan_a, capacity="a.n.", decree_number="800/1")
    plh = signing_authority_for(sekretaris, kelurahan_a, capacity="Plh.", official=kasi_a)
    signing_authority_for(  # ended yesterday
        sekretaris,
        kelurahan_a,
        capacity="Plt.",
        valid_from=TODAY() - datetime.timedelta(days=9),
        valid_until=TODAY() - datetime.timedelta(days=1),
    )
    client.force_login(sekretaris)

    page = client.get(letter_url(verified_letter))

    choices = page.context["sign_form"].fields["authority"].choices
    assert [value for value, _label in choices] == ["", an.pk, plh.pk]
    html = page.content.decode()
    assert "a.n. Lurah Pajang / Sekretaris Kelurahan — Budi Santoso, S.E. (SK 800/1)" in html


def test_a_signer_without_authority_is_told_plainly_whom_to_ask(
    client, sekretaris, verified_letter
):
    client.force_login(sekretaris)

    page = client.get(letter_url(verified_letter))

    html = page.content.decode()
    assert "Belum ada kewenangan penandatanganan yang berlaku hari ini untuk akun Anda" in html
    assert "Mintalah operator kelurahan" in html
    sign_offer = next(o for o in page.context["offered"] if o["move"].action == "sign")
    assert sign_offer["form"].notice
    assert f'action="{move_url(verified_letter, "sign")}"' in html


def test_posting_another_users_authority_from_the_page_shows_why_and_numbers_nothing(
    client, sekretaris, signer_a, verified_letter
):
    lurahs = SigningAuthority.objects.get(user=signer_a)
    client.force_login(sekretaris)
    before = snapshot(verified_letter)

    response = client.post(move_url(verified_letter, "sign"), {"authority": lurahs.pk})

    assert response.status_code == 302
    shown = [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and shown[0][0] == messages.ERROR
    assert "Ini bukan kewenangan penandatanganan Anda" in shown[0][1]
    assert snapshot(verified_letter) == before


# --- The register in the admin -------------------------------------------------------------------


def admin_add_url() -> str:
    return reverse("admin:layanan_signingauthority_add")


def form(official, user, **changes) -> dict:
    return {
        "official": official.pk,
        "capacity": "a.n.",
        "user": user.pk,
        "decree_number": "800/25/2026",
        "valid_from": TODAY().isoformat(),
        "valid_until": "",
        "note": "",
        **changes,
    }


def test_the_operator_records_an_authority_on_indonesian_screens(
    as_operator_a, sekretaris, secretary_a, kelurahan_a
):
    listing = as_operator_a.get(reverse("admin:layanan_signingauthority_changelist"))
    add = as_operator_a.get(admin_add_url())

    assert listing.status_code == 200 and add.status_code == 200
    html = add.content.decode()
    for label in (
        "Tambahkan kewenangan penandatanganan",
        "Nomor SK",
        "Berlaku mulai",
        "Akun petugas",
    ):
        assert label in html, label

    response = as_operator_a.post(admin_add_url(), form(secretary_a, sekretaris))

    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = SigningAuthority.objects.get()
    assert (saved.kelurahan, saved.official, saved.user) == (kelurahan_a, secretary_a, sekretaris)
    listed = as_operator_a.get(reverse("admin:layanan_signingauthority_changelist"))
    assert "Berlaku hari ini" in listed.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"capacity": ""}, "official", "Hanya Lurah yang menandatangani langsung."),
        ({"decree_number": ""}, "decree_number", "Isi nomor SK"),
        (
            {"valid_from": "2026-03-01", "valid_until": "2026-02-01"},
            "valid_until",
            "Tanggal akhir berlaku tidak boleh sebelum tanggal mulai berlaku.",
        ),
    ],
)
def test_the_register_refuses_what_tata_naskah_does_not_allow_in_indonesian(
    as_operator_a, sekretaris, secretary_a, changes, field, message
):
    response = as_operator_a.post(admin_add_url(), form(secretary_a, sekretaris, **changes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and any(message in e for e in errors[field]), errors
    assert message in response.content.decode()
    assert not SigningAuthority.objects.exists()


def test_a_n_only_by_the_secretary_and_plt_never_by_the_head(
    as_operator_a, sekretaris, head_a, kasi_a
):
    an_by_kasi = as_operator_a.post(admin_add_url(), form(kasi_a, sekretaris))
    plt_by_head = as_operator_a.post(admin_add_url(), form(head_a, sekretaris, capacity="Plt."))

    assert "satu tingkat di bawahnya, yaitu Sekretaris Kelurahan" in an_by_kasi.content.decode()
    assert "Plt. dan Plh. diberikan kepada pejabat lain" in plt_by_head.content.decode()
    assert not SigningAuthority.objects.exists()


def test_an_official_without_name_or_nip_cannot_be_given_authority(as_operator_a, sekretaris):
    unnamed = OfficialFactory(
        kelurahan=sekretaris.kelurahan_membership.kelurahan,
        name="",
        nip="",
        level=Official.Level.SECTION,
    )

    response = as_operator_a.post(admin_add_url(), form(unnamed, sekretaris, capacity="Plh."))

    html = response.content.decode()
    assert "Nama pejabat ini belum diisi dalam daftar perangkat" in html
    assert "NIP pejabat ini belum diisi dalam daftar perangkat" in html
    assert not SigningAuthority.objects.exists()


def test_an_account_of_another_kelurahan_cannot_be_given_authority(
    kelurahan_a, secretary_a, signer_b
):
    authority = SigningAuthority(
        kelurahan=kelurahan_a,
        official=secretary_a,
        user=signer_b,
        capacity="a.n.",
        decree_number="800/2",
        valid_from=TODAY(),
    )

    with pytest.raises(ValidationError) as caught:
        authority.full_clean()

    assert "user" in caught.value.message_dict


def test_signers_read_the_register_but_cannot_give_themselves_authority(
    client, signer_a, secretary_a
):
    client.force_login(signer_a)

    listing = client.get(reverse("admin:layanan_signingauthority_changelist"))
    add = client.post(admin_add_url(), form(secretary_a, signer_a))

    assert listing.status_code == 200
    assert add.status_code == 403
    assert SigningAuthority.objects.count() == 1  # the fixture's own, nothing added
