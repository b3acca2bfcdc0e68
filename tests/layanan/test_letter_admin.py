"""Letters in the staff admin: issuing by NIK, the letter page and its moves, and a sweep proving
that another kelurahan's layanan rows answer exactly like rows that do not exist."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import pytest
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import urlencode

from layanan import services, workflow
from layanan.models import (
    AccessLog,
    Letter,
    LetterSettings,
    LetterText,
    LetterType,
    NumberCounter,
    Resident,
    SigningAuthority,
)
from layanan.nik import NIKError, parse_nik
from tests.factories import LURAH_NIP, signature, signing_authority_for
from tests.isolation import (
    admin_url,
    assert_answers_like_a_missing_row,
    assert_lists_own_rows_only,
    form_payload,
)
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, letter_data, said, snapshot

State = Letter.State


def issue_url(nik: str, kind: str = "skuter") -> str:
    return f"{reverse('admin:layanan_letter_issue')}?{urlencode({'kind': kind, 'nik': nik})}"


def letter_url(letter) -> str:
    return reverse("admin:layanan_letter_change", args=[letter.pk])


def move_url(letter, action: str) -> str:
    return reverse("admin:layanan_letter_move", args=[letter.pk, action])


def shown_messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def make_resident(kelurahan, **changes) -> Resident:
    fields = {
        "nik": NIK_BUDI,
        "kk_number": "3372010101100001",
        "name": "Budi Santoso",
        "birth_place": "Surakarta",
        "birth_date": datetime.date(1995, 8, 15),
        "sex": Resident.Sex.MALE,
        "religion": "Islam",
        "marital_status": "Kawin",
        "occupation": "Guru Honorer",
        "address": "Jl. Mawar No. 7",
        "rt": "4",
        "rw": "2",
        **changes,
    }
    return Resident.objects.create(kelurahan=kelurahan, **fields)


@pytest.fixture
def as_signer_a(client, signer_a):
    client.force_login(signer_a)
    return client


# --- Issuing a letter by NIK ---------------------------------------------------------------------


def test_a_nik_in_the_register_prefills_the_form(as_operator_a, kelurahan_a):
    make_resident(kelurahan_a)

    response = as_operator_a.get(issue_url(NIK_BUDI))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "Budi Santoso"
    assert form["occupation"].value() == "Guru Honorer"
    assert form["birth_date"].value() == datetime.date(1995, 8, 15)
    assert (form["rt"].value(), form["rw"].value()) == ("4", "2")
    page = response.content.decode()
    assert 'value="Guru Honorer"' in page
    assert 'value="Jl. Mawar No. 7"' in page


def test_a_nik_not_in_the_register_gives_an_empty_form_with_the_nik(as_operator_a):
    response = as_operator_a.get(issue_url("3372 0115 0895 0001"))  # typed with spaces

    assert response.status_code == 200
    form = response.context["form"]
    assert form["nik"].value() == NIK_BUDI
    assert not form["name"].value()
    assert response.context["resident"] is None
    not_in_register = "This NIK is not in the register; fill in the details from the KTP and KK."
    assert said(response, not_in_register) in response.content.decode()


def test_an_invalid_nik_shows_what_is_wrong_and_no_form(as_operator_a):
    nik = NIK_BUDI[:15]
    with pytest.raises(NIKError) as refused:
        parse_nik(nik)

    response = as_operator_a.get(issue_url(nik))

    assert response.status_code == 200
    assert response.context["form"] is None
    with translation.override(response["Content-Language"]):
        message = escape(str(refused.value.message))
    assert message in response.content.decode()
    assert 'name="purpose"' not in response.content.decode()


@pytest.mark.parametrize("in_own_register", [False, True], ids=["only-theirs", "both"])
def test_a_resident_of_another_kelurahan_never_prefills_the_form(
    as_operator_a, kelurahan_a, kelurahan_b, in_own_register
):
    make_resident(kelurahan_b, name="Warga Laweyan", occupation="Pedagang Batik")
    if in_own_register:
        make_resident(kelurahan_a)

    response = as_operator_a.get(issue_url(NIK_BUDI))

    name = response.context["form"]["name"].value()
    assert name == ("Budi Santoso" if in_own_register else None)
    page = response.content.decode()
    assert "Warga Laweyan" not in page
    assert "Pedagang Batik" not in page


def test_a_complete_form_issues_a_verified_letter_of_the_operators_kelurahan(
    as_operator_a, kelurahan_a, operator_a
):
    response = as_operator_a.post(issue_url(NIK_BUDI), letter_data())

    letter = Letter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == letter_url(letter)
    assert (letter.kelurahan, letter.state, letter.created_by) == (
        kelurahan_a,
        State.VERIFIED,
        operator_a,
    )
    assert (letter.nik, letter.name) == (NIK_BUDI, "Budi Santoso")
    assert letter.data == letter_data()


def test_an_incomplete_form_issues_nothing_and_says_what_is_missing(as_operator_a):
    data = letter_data()
    del data["purpose"]

    response = as_operator_a.post(issue_url(NIK_BUDI), data)

    assert response.status_code == 200
    assert "purpose" in response.context["form"].errors
    assert not Letter.objects.exists()


def test_what_the_nik_contradicts_is_shown_but_does_not_block_the_letter(as_operator_a):
    # The NIK is a woman's (day 55 = 15 + 40); the form says male.
    data = letter_data(nik=NIK_SITI, name="Siti Aminah", sex="L")

    response = as_operator_a.post(issue_url(NIK_SITI), data, follow=True)

    letter = Letter.objects.get()
    assert response.redirect_chain == [(letter_url(letter), 302)]
    assert letter.state == State.VERIFIED
    warning = said(
        response,
        "The NIK is a woman's (40 is added to her birth day), but the form says male; "
        "check both against the KTP.",
    )
    assert warning in response.content.decode()


def test_a_form_with_an_error_shows_the_nik_warnings_with_it(as_operator_a):
    data = letter_data(nik=NIK_SITI, sex="L", purpose="")

    response = as_operator_a.post(issue_url(NIK_SITI), data)

    assert response.status_code == 200
    assert len(response.context["warnings"]) == 1
    assert not Letter.objects.exists()


def test_diskominfo_has_no_issue_screen_but_views_every_letter(
    client, diskominfo, issue, kelurahan_a, kelurahan_b, operator_a, operator_b
):
    mine, theirs = issue(kelurahan_a, operator_a), issue(kelurahan_b, operator_b)
    client.force_login(diskominfo)

    assert client.get(issue_url(NIK_BUDI)).status_code == 404
    assert client.post(issue_url(NIK_BUDI), letter_data()).status_code == 404
    listed = client.get(reverse("admin:layanan_letter_changelist")).context["cl"].queryset
    assert {mine, theirs} <= set(listed)
    page = client.get(letter_url(theirs))
    assert page.status_code == 200
    assert not page.context["moves"]["sign"]
    assert Letter.objects.count() == 2


def test_a_signer_has_no_issue_screen(as_signer_a):
    assert as_signer_a.get(issue_url(NIK_BUDI)).status_code == 404


# --- The letter page and its moves ---------------------------------------------------------------


def test_a_signer_signs_from_the_letter_page(as_signer_a, verified_letter, signer_a):
    response = as_signer_a.post(
        move_url(verified_letter, "sign"), signature(signer_a, verified_letter.kelurahan)
    )

    assert response.status_code == 302
    assert response["Location"] == letter_url(verified_letter)
    letter = Letter.objects.get(pk=verified_letter.pk)
    assert (letter.state, letter.sequence, letter.signed_by) == (State.SIGNED, 1, signer_a)
    assert letter.signer_nip == LURAH_NIP
    assert [level for level, _text in shown_messages(response)] == [messages.SUCCESS]


def test_an_operator_who_tries_to_sign_gets_an_error_and_the_letter_stays_verified(
    as_operator_a, verified_letter
):
    before = snapshot(verified_letter)

    response = as_operator_a.post(move_url(verified_letter, "sign"), {"authority": "1"})

    assert response.status_code == 302
    assert [level for level, _text in shown_messages(response)] == [messages.ERROR]
    assert snapshot(verified_letter) == before


def test_a_move_the_state_does_not_allow_gives_an_error_message(as_operator_a, signed_letter):
    before = snapshot(signed_letter)

    response = as_operator_a.post(move_url(signed_letter, "reject"), {"reason": "Berkas kurang."})

    assert response.status_code == 302
    assert [level for level, _text in shown_messages(response)] == [messages.ERROR]
    assert snapshot(signed_letter) == before


def test_rejecting_needs_a_reason_the_resident_can_act_on(as_operator_a, submitted_letter):
    response = as_operator_a.post(move_url(submitted_letter, "reject"), {"reason": "x"})

    assert response.status_code == 400
    assert "reason" in response.context["reason_form"].errors
    assert snapshot(submitted_letter)["state"] == State.SUBMITTED


def test_the_operator_verifies_rejects_and_hands_over_from_the_letter_page(
    as_operator_a, submitted_letter, verified_letter, sign, signer_a
):
    as_operator_a.post(move_url(submitted_letter, "verify"))
    as_operator_a.post(move_url(submitted_letter, "reject"), {"reason": "Berkas KK tidak jelas."})
    sign(verified_letter, signer_a)
    as_operator_a.post(move_url(verified_letter, "hand_over"))

    rejected = Letter.objects.get(pk=submitted_letter.pk)
    assert (rejected.state, rejected.reason) == (State.REJECTED, "Berkas KK tidak jelas.")
    assert Letter.objects.get(pk=verified_letter.pk).state == State.HANDED_OVER


@pytest.mark.parametrize("method", ["get", "put"])
def test_moves_only_answer_a_post(as_signer_a, verified_letter, method):
    response = getattr(as_signer_a, method)(move_url(verified_letter, "sign"))

    assert response.status_code == 404
    assert snapshot(verified_letter)["state"] == State.VERIFIED


def test_an_unknown_move_is_not_found(as_operator_a, verified_letter):
    assert as_operator_a.post(move_url(verified_letter, "delete")).status_code == 404


def test_the_letter_page_shows_the_timeline(as_operator_a, verified_letter, sign, signer_a):
    services.letter_move(
        action="void",
        letter_id=sign(verified_letter, signer_a).pk,
        by=signer_a,
        reason="Salah ketik alamat.",
    )

    response = as_operator_a.get(letter_url(verified_letter))

    assert response.status_code == 200
    events = [
        (event.by.username, event.from_state, event.to_state, event.note)
        for event in response.context["events"]
    ]
    assert events == [
        ("operator.a", "", State.VERIFIED, ""),
        ("lurah.a", State.VERIFIED, State.SIGNED, ""),
        ("lurah.a", State.SIGNED, State.VOID, "Salah ketik alamat."),
    ]
    page = response.content.decode()
    assert "operator.a" in page and "lurah.a" in page
    assert "Salah ketik alamat." in page
    for state in (State.VERIFIED, State.SIGNED, State.VOID):
        assert f"<td>{said(response, state.label)}</td>" in page


def test_the_letter_page_offers_the_signer_only_the_moves_of_their_role(
    as_signer_a, verified_letter
):
    response = as_signer_a.get(letter_url(verified_letter))

    assert response.context["moves"] == {
        "verify": False,
        "ask_resident": False,
        "reject": False,
        "sign": True,
        "hand_over": False,
        "void": False,
    }
    assert move_url(verified_letter, "sign") in response.content.decode()


def test_the_settings_screen_refuses_a_number_format_that_would_break_signing(
    as_operator_a, kelurahan_a
):
    letter_settings = LetterSettings.objects.create(kelurahan=kelurahan_a)
    url = reverse("admin:layanan_lettersettings_change", args=[letter_settings.pk])
    data = form_payload(as_operator_a.get(url))

    for number_format in ("{seq:03d}/{}", "{classification}/{year}", "{seq:03d}/{nik}"):
        response = as_operator_a.post(url, {**data, "number_format": number_format})
        assert response.status_code == 200
        assert "number_format" in response.context["adminform"].form.errors

    assert snapshot(letter_settings)["number_format"] == LetterSettings().number_format


# --- The sweep: another kelurahan's rows do not exist --------------------------------------------


def _letter(kelurahan) -> Letter:
    data = letter_data()
    return Letter.objects.create(
        kelurahan=kelurahan,
        letter_type=services.letter_types_ensure(kelurahan=kelurahan)["skuter"],
        state=State.VERIFIED,
        nik=data["nik"],
        name=data["name"],
        data=data,
    )


ROWS: dict[type[models.Model], Callable] = {
    Letter: _letter,
    Resident: make_resident,
    LetterType: lambda k: services.letter_types_ensure(kelurahan=k)["skuter"],
    LetterSettings: lambda k: LetterSettings.objects.create(kelurahan=k),
    AccessLog: lambda k: AccessLog.objects.create(
        kelurahan=k,
        user=get_user_model().objects.get_or_create(username="auditor")[0],
        action=AccessLog.Action.VIEW,
        subject=f"letter of {k.name}",
    ),
    SigningAuthority: lambda k: signing_authority_for(
        get_user_model().objects.get_or_create(username=f"lurah.{k.pk}")[0], k
    ),
    NumberCounter: lambda k: NumberCounter.objects.create(kelurahan=k, year=2026, last=5),
}
# Letter texts have no per-row screens (layanan.admin_texts: one screen per city or per own
# kelurahan, never a row id); tests/layanan/test_letter_texts.py covers who sees which.
NOT_SWEPT = {LetterText}
LAYANAN_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "layanan" and m not in NOT_SWEPT),
    key=lambda m: m._meta.model_name,
)
each_model = pytest.mark.parametrize("model", LAYANAN_MODELS, ids=lambda m: m._meta.model_name)


# Letters are voided, never deleted; types and settings are made in code; the access log is
# read-only; signing authorities end by their end date; a number counter deleted would hand out
# its numbers again. Their delete pages refuse every id alike.
UNDELETABLE = {Letter, LetterType, LetterSettings, AccessLog, SigningAuthority, NumberCounter}


def test_the_sweep_covers_every_layanan_model_in_the_admin():
    assert set(LAYANAN_MODELS) == set(ROWS)


@pytest.fixture
def rows(kelurahan_a, kelurahan_b):
    def make(model):
        return ROWS[model](kelurahan_a), ROWS[model](kelurahan_b)

    return make


@each_model
def test_an_operator_lists_none_of_another_kelurahans_rows(as_operator_a, rows, model):
    mine, theirs = rows(model)

    assert_lists_own_rows_only(as_operator_a, model, mine, theirs)


@each_model
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_kelurahans_row_answers_like_a_row_that_does_not_exist(
    as_operator_a, rows, model, view
):
    _mine, theirs = rows(model)
    status = 403 if view == "delete" and model in UNDELETABLE else 404
    url_of = functools.partial(admin_url, model, view)

    assert_answers_like_a_missing_row(as_operator_a, "get", url_of, theirs, status=status)


@each_model
def test_a_post_to_another_kelurahans_row_changes_nothing(as_operator_a, rows, model):
    _mine, theirs = rows(model)
    data = {"name": "Diubah", "number_format": "{seq}", "state": "signed", "nik": NIK_SITI}
    # The access log is read-only for everyone: a POST is refused outright, for any id alike.
    status = 403 if model is AccessLog else 404
    url_of = functools.partial(admin_url, model, "change")

    assert_answers_like_a_missing_row(as_operator_a, "post", url_of, theirs, data, status=status)


@pytest.mark.parametrize("action", list(workflow.MOVES))
def test_a_move_on_another_kelurahans_letter_answers_like_a_missing_letter(
    client, signer_a, kelurahan_b, action
):
    theirs = _letter(kelurahan_b)
    client.force_login(signer_a)
    data = {**signature(signer_a, signer_a.kelurahan_membership.kelurahan), "reason": "Bukan."}

    def url_of(pk):
        return reverse("admin:layanan_letter_move", args=[pk, action])

    assert_answers_like_a_missing_row(client, "post", url_of, theirs, data)


def test_prefilled_dates_reach_the_browsers_date_picker_in_iso_form(
    client, operator_a, kelurahan_a
):
    """A native date input shows nothing for "17/08/1990"; it needs 1990-08-17 in any language."""
    make_resident(kelurahan_a)
    client.force_login(operator_a)
    resident = Resident.objects.get(kelurahan=kelurahan_a)

    with translation.override("id"):
        response = client.get(
            reverse("admin:layanan_letter_issue"), {"kind": "skuter", "nik": resident.nik}
        )

    html = response.content.decode()
    assert f'type="date" name="birth_date" value="{resident.birth_date:%Y-%m-%d}"' in html
