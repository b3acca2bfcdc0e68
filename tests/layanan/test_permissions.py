"""Who may move a letter, who may see it, and that nobody may delete it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.urls import reverse

from kelurahan import roles
from layanan import services
from layanan.models import Letter, NumberCounter
from tests.layanan.helpers import letter_data, pdf_bytes, snapshot, stored_files

REASON = "Data tidak sesuai dokumen."


def pdf_url(letter) -> str:
    return reverse("layanan:letter_pdf", args=[letter.pk])


# --- Roles ---------------------------------------------------------------------------------------


def test_an_operator_cannot_sign(verified_letter, sign, operator_a, private_root):
    before = snapshot(verified_letter)

    with pytest.raises(PermissionDenied):
        sign(verified_letter, operator_a)

    assert snapshot(verified_letter) == before
    assert not NumberCounter.objects.filter(last__gt=0).exists()
    assert stored_files(private_root) == []


def test_a_signer_cannot_issue_a_letter(kelurahan_a, signer_a):
    with pytest.raises(PermissionDenied):
        services.letter_create(
            kelurahan=kelurahan_a, kind="skuter", by=signer_a, data=letter_data()
        )

    assert not Letter.objects.exists()


def test_diskominfo_can_view_but_not_sign(verified_letter, sign, diskominfo):
    with pytest.raises(PermissionDenied):
        sign(verified_letter, diskominfo)

    assert snapshot(verified_letter)["state"] == Letter.State.VERIFIED


def test_an_operator_of_another_kelurahan_cannot_issue_for_it(kelurahan_a, operator_b):
    with pytest.raises(Letter.DoesNotExist):
        services.letter_create(
            kelurahan=kelurahan_a, kind="skuter", by=operator_b, data=letter_data()
        )

    assert not Letter.objects.exists()


# --- Another kelurahan's letter does not exist for you -------------------------------------------


def test_a_signer_of_another_kelurahan_cannot_sign_it(verified_letter, sign, signer_b):
    before = snapshot(verified_letter)

    with pytest.raises(Letter.DoesNotExist):
        sign(verified_letter, signer_b)

    assert snapshot(verified_letter) == before
    assert not NumberCounter.objects.filter(last__gt=0).exists()


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("submitted", "verify"),
        ("submitted", "reject"),
        ("verified", "reject"),
        ("signed", "hand_over"),
        ("signed", "void"),
    ],
)
def test_staff_of_another_kelurahan_cannot_move_it(
    submitted_letter, sign, operator_a, signer_a, operator_b, signer_b, state, action
):
    if state != "submitted":
        services.letter_move(action="verify", letter_id=submitted_letter.pk, by=operator_a)
    if state == "signed":
        sign(submitted_letter, signer_a)
    before = snapshot(submitted_letter)
    move = {
        "verify": lambda **kw: services.letter_move(action="verify", **kw),
        "reject": lambda **kw: services.letter_move(action="reject", reason=REASON, **kw),
        "hand_over": lambda **kw: services.letter_move(action="hand_over", **kw),
        "void": lambda **kw: services.letter_move(action="void", reason=REASON, **kw),
    }[action]

    for stranger in (operator_b, signer_b):
        with pytest.raises(Letter.DoesNotExist):
            move(letter_id=submitted_letter.pk, by=stranger)

    assert snapshot(submitted_letter) == before


# --- The staff PDF download ----------------------------------------------------------------------


def test_staff_of_the_kelurahan_download_the_signed_pdf(client, signed_letter, operator_a):
    client.force_login(operator_a)

    response = client.get(pdf_url(signed_letter))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes(signed_letter)
    assert signed_letter.number.replace("/", "-") in response["Content-Disposition"]


def test_diskominfo_downloads_any_kelurahans_pdf(client, signed_letter, diskominfo):
    client.force_login(diskominfo)

    assert client.get(pdf_url(signed_letter)).status_code == 200


@pytest.mark.parametrize("who", ["signer_b", "operator_b"])
def test_staff_of_another_kelurahan_get_not_found_for_the_pdf(client, signed_letter, request, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(pdf_url(signed_letter))
    missing_url = reverse("layanan:letter_pdf", args=[999999])
    missing = client.get(missing_url)

    assert response.status_code == 404
    # The same page but for its own address (in the language link).
    assert response.content.decode().replace(pdf_url(signed_letter), "") == (
        missing.content.decode().replace(missing_url, "")
    )


def test_staff_without_a_letter_role_get_not_found_for_the_pdf(
    client, signed_letter, make_staff, kelurahan_a
):
    client.force_login(make_staff("redaksi.a", roles.REDAKSI, kelurahan_a))

    assert client.get(pdf_url(signed_letter)).status_code == 404


def test_an_unsigned_letter_has_no_pdf_to_download(client, verified_letter, operator_a):
    client.force_login(operator_a)

    assert client.get(pdf_url(verified_letter)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in_for_the_pdf(client, signed_letter):
    response = client.get(pdf_url(signed_letter))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "application/pdf" not in response.get("Content-Type", "")


def test_a_non_staff_account_is_sent_to_log_in_for_the_pdf(client, signed_letter):
    client.force_login(get_user_model().objects.create_user("warga", password="x"))

    response = client.get(pdf_url(signed_letter))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Letters are archival ------------------------------------------------------------------------


def test_no_role_may_delete_letters_or_their_timeline(db):
    for role in roles.ALL:
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert not codenames & {"delete_letter", "delete_letterevent"}, role


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="x")


@pytest.mark.parametrize("who", ["superuser", "diskominfo", "operator_a", "signer_a"])
def test_nobody_can_delete_a_letter_in_the_admin(client, signed_letter, request, who):
    client.force_login(request.getfixturevalue(who))
    delete = reverse("admin:layanan_letter_delete", args=[signed_letter.pk])

    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:layanan_letter_changelist"),
        {"action": "delete_selected", "_selected_action": [signed_letter.pk], "post": "yes"},
    )

    assert Letter.objects.filter(pk=signed_letter.pk).exists()


def test_a_letter_with_a_timeline_cannot_be_deleted_even_in_code(signed_letter):
    with pytest.raises(ProtectedError):
        signed_letter.delete()

    assert Letter.objects.filter(pk=signed_letter.pk).exists()
