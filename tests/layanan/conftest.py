"""Letter fixtures: signers, complete letter details, and letters in each state.

Every test here stores its PDFs in a private root of its own (and public media in another), so
nothing lands in var/ and a test can look at exactly the files it made.
"""

from __future__ import annotations

import pytest
from django.utils.functional import empty

from kelurahan import roles
from layanan import services
from layanan.models import Letter
from layanan.storage import private_storage
from tests.factories import signature, signing_authority_for
from tests.layanan.helpers import SITE_URL, letter_data


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """PRIVATE_ROOT and MEDIA_ROOT under this test's tmp_path; the lazy storage re-reads them."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def signer_a(make_staff, kelurahan_a):
    """Kelurahan A's Lurah, with a direct signing authority (LURAH_NAME, LURAH_NIP)."""
    user = make_staff("lurah.a", roles.SIGNER, kelurahan_a)
    signing_authority_for(user, kelurahan_a)
    return user


@pytest.fixture
def signer_b(make_staff, kelurahan_b):
    user = make_staff("lurah.b", roles.SIGNER, kelurahan_b)
    signing_authority_for(user, kelurahan_b)
    return user


@pytest.fixture
def issue():
    """Issue a Skuter letter as `by` would through the issue screen: it starts verified."""

    def make(kelurahan, by, **changes) -> Letter:
        return services.letter_create(
            kelurahan=kelurahan, kind="skuter", by=by, data=letter_data(**changes)
        )

    return make


@pytest.fixture
def sign(settings):
    """Sign a letter as `by` under their signing authority valid today (a direct one as the
    Lurah, LURAH_NAME, made if they have none), on a portal at SITE_URL."""
    settings.PORTAL_URL = SITE_URL  # the QR code's address

    def run(letter: Letter, by, **changes) -> Letter:
        arguments = {**signature(by, letter.kelurahan), **changes}
        return services.letter_move(action="sign", letter_id=letter.pk, by=by, **arguments)

    return run


@pytest.fixture
def verified_letter(issue, kelurahan_a, operator_a) -> Letter:
    return issue(kelurahan_a, operator_a)


@pytest.fixture
def signed_letter(verified_letter, sign, signer_a) -> Letter:
    return sign(verified_letter, signer_a)


@pytest.fixture
def submitted_letter(kelurahan_a) -> Letter:
    """An online request as it arrives: submitted, with its tracking code."""
    letter_type = services.letter_types_ensure(kelurahan=kelurahan_a)["skuter"]
    data = letter_data()
    return Letter.objects.create(
        kelurahan=kelurahan_a,
        letter_type=letter_type,
        state=Letter.State.SUBMITTED,
        nik=data["nik"],
        name=data["name"],
        data=data,
        tracking_code="SUBMIT0001",
    )
