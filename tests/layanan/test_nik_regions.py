"""A NIK's region as the operator sees it: 00 parts refused on every form, an unknown region shown
as a warning on the issue screen and on the page of an online request, never blocking it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from layanan import services
from layanan.models import Letter
from tests.layanan.helpers import NIK_BUDI, letter_data, said
from tests.layanan.online import request_form, request_url

# Kota Surakarta has kecamatan 01-05; 99 is in no Kemendagri list, yet the NIK is well formed.
NIK_UNKNOWN_REGION = "3372991508950001"
UNKNOWN_REGION = (
    "The region code %(code)s in this NIK is not in the current Kemendagri list. "
    "A NIK never changes when regions split, so it may still be right; "
    "check it against the KTP."
)


def issue_url(nik: str, kind: str = "skuter") -> str:
    return f"{reverse('admin:layanan_letter_issue')}?{urlencode({'kind': kind, 'nik': nik})}"


def region_warning(response, code="33.72.99") -> str:
    return said(response, UNKNOWN_REGION) % {"code": code}


def test_the_issue_screen_warns_of_an_unknown_region(as_operator_a):
    response = as_operator_a.get(issue_url(NIK_UNKNOWN_REGION))

    assert response.status_code == 200
    assert region_warning(response) in response.content.decode()


def test_an_unknown_region_does_not_block_the_letter_and_shows_on_its_page(as_operator_a):
    data = letter_data(nik=NIK_UNKNOWN_REGION)

    response = as_operator_a.post(issue_url(NIK_UNKNOWN_REGION), data, follow=True)

    letter = Letter.objects.get()
    assert letter.nik == NIK_UNKNOWN_REGION
    assert region_warning(response) in response.content.decode()


def test_a_known_region_gives_no_warning(as_operator_a):
    response = as_operator_a.get(issue_url(NIK_BUDI))

    assert "Kemendagri" not in str(response.context["warnings"])
    assert region_warning(response, "33.72.01") not in response.content.decode()


@pytest.mark.parametrize("nik", ["3300011508950001", "3372001508950001"])
def test_the_issue_screen_refuses_a_regency_or_kecamatan_00(as_operator_a, nik):
    response = as_operator_a.get(issue_url(nik))

    assert response.context["form"] is None
    assert "nik" in response.context["start"].errors


def test_the_online_form_refuses_a_kecamatan_00(client, kelurahan_a):
    form = request_form(nik="3372001508950001")

    response = client.post(request_url(kelurahan_a), form)

    assert response.status_code == 200
    assert not Letter.objects.exists()
    message = said(
        response,
        "The kecamatan code in this NIK (digits 5–6) cannot be 00; "
        "check these digits against the KTP.",
    )
    assert message in response.content.decode()


def test_an_online_request_with_an_unknown_region_warns_the_operator_on_its_page(
    client, kelurahan_a, operator_a
):
    assert client.post(
        request_url(kelurahan_a), request_form(nik=NIK_UNKNOWN_REGION)
    ).status_code == (302)
    letter = Letter.objects.get()
    client.force_login(operator_a)

    page = client.get(reverse("admin:layanan_letter_change", args=[letter.pk]))

    assert page.status_code == 200
    assert region_warning(page) in page.content.decode()


def test_an_online_request_warns_of_what_its_nik_contradicts(client, kelurahan_a, operator_a):
    # The resident typed a birth date other than the one in the NIK.
    form = request_form(birth_date="1995-08-16")
    assert client.post(request_url(kelurahan_a), form).status_code == 302
    letter = Letter.objects.get()
    client.force_login(operator_a)

    page = client.get(reverse("admin:layanan_letter_change", args=[letter.pk]))

    expected = said(
        page,
        "The NIK gives the birth date %(nik_date)s, but the form says "
        "%(form_date)s; check both against the KTP.",
    ) % {"nik_date": "15-08-1995", "form_date": "16-08-1995"}
    assert expected in page.content.decode()


def test_a_signed_online_request_no_longer_repeats_the_warning(
    client, kelurahan_a, operator_a, signer_a, sign, private_root
):
    assert client.post(
        request_url(kelurahan_a), request_form(nik=NIK_UNKNOWN_REGION)
    ).status_code == (302)
    letter = Letter.objects.get()
    services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
    sign(letter, signer_a)
    client.force_login(operator_a)

    page = client.get(reverse("admin:layanan_letter_change", args=[letter.pk]))

    assert region_warning(page) not in page.content.decode()
