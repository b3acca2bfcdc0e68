"""The letter page offers exactly the moves of the workflow table the user may make, and makes
each through the one move view; letter settings are read without writing; QR codes and e-mailed
links carry PORTAL_URL, never the Host a request came in by."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from kelurahan import roles
from layanan import workflow
from layanan.admin_forms import ReasonForm, SignForm
from layanan.models import Letter, LetterSettings
from tests.factories import signature
from tests.isolation import MISSING_PK, outcome
from tests.layanan.helpers import pdf_bytes, pdf_text
from tests.layanan.online import request_form, request_url
from tests.layanan.test_workflow import form_data, path_to

State = Letter.State
ALLOWED = [(source, action) for action, move in workflow.MOVES.items() for source in move.sources]


def letter_url(letter) -> str:
    return reverse("admin:layanan_letter_change", args=[letter.pk])


def move_url(letter, action) -> str:
    return reverse("admin:layanan_letter_move", args=[letter.pk, action])


@pytest.fixture
def staff(client, operator_a, signer_a):
    """Log the client in as a user of kelurahan A whose role allows the move; the client's
    `user` is that user."""

    def as_one_who_may(action):
        move = workflow.MOVES[action]
        user = operator_a if operator_a.has_perm(move.permission) else signer_a
        client.force_login(user)
        client.user = user
        return client

    return as_one_who_may


@pytest.fixture
def letter_in(submitted_letter, staff, settings):
    """The submitted letter, moved through the letter page along the table into `state`."""
    settings.PORTAL_URL = "https://portal.surakarta.go.id"

    def move_to(state):
        for move in path_to(state):
            client = staff(move.action)
            data = form_data(move.form, client.user, submitted_letter.kelurahan)
            response = client.post(move_url(submitted_letter, move.action), data)
            assert response.status_code == 302
        letter = Letter.objects.get(pk=submitted_letter.pk)
        assert letter.state == state
        return letter

    return move_to


@pytest.mark.parametrize(("state", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_each_move_of_the_table_is_offered_and_made_from_the_letter_page(
    letter_in, staff, state, action
):
    letter = letter_in(state)
    move = workflow.MOVES[action]
    client = staff(action)

    page = client.get(letter_url(letter))

    assert page.context["moves"][action] is True
    html = page.content.decode()
    assert f'action="{move_url(letter, action)}"' in html
    with translation.override(page["Content-Language"]):
        assert f'value="{move.button}"' in html

    response = client.post(
        move_url(letter, action), form_data(move.form, client.user, letter.kelurahan)
    )

    assert response.status_code == 302
    assert Letter.objects.get(pk=letter.pk).state == move.target
    shown = [(m.level, str(m)) for m in get_messages(response.wsgi_request)]
    moved = Letter.objects.get(pk=letter.pk)
    with translation.override(page["Content-Language"]):
        done = str(move.confirmation) % {"number": moved.number, "name": moved.name}
    assert shown == [(messages.SUCCESS, done)]
    # It names the letter: by its number once it has one, else by the resident's name.
    assert (moved.number or moved.name) in done


@pytest.mark.parametrize("state", State.values)
def test_the_page_offers_only_the_moves_the_state_and_role_allow(letter_in, staff, state):
    letter = letter_in(state)
    for action, move in workflow.MOVES.items():
        page = staff(action).get(letter_url(letter))
        offered = [offer["move"].action for offer in page.context["offered"]]
        assert (action in offered) == (state in move.sources), (state, action)
        assert page.context["moves"][action] == (state in move.sources)


@pytest.mark.parametrize(
    "action", [a for a, m in workflow.MOVES.items() if m.form is not None], ids=str
)
def test_a_move_whose_form_is_not_valid_shows_it_again_and_changes_nothing(
    letter_in, staff, action
):
    move = workflow.MOVES[action]
    letter = letter_in(move.sources[0])

    response = staff(action).post(move_url(letter, action), {})

    assert response.status_code == 400
    form = {ReasonForm: "reason_form", SignForm: "sign_form"}[move.form]
    assert response.context[form].errors
    assert Letter.objects.get(pk=letter.pk).state == move.sources[0]


def test_the_timeline_names_each_move_in_the_past_tense(letter_in, staff):
    letter = letter_in(State.VOID)

    page = staff("verify").get(letter_url(letter))

    names = [event.move.done if event.move else None for event in page.context["events"]]
    assert names == [move.done for move in path_to(State.VOID)]


# --- Letter settings: read without writing -------------------------------------------------------


def test_pages_that_read_letter_settings_write_none(client, operator_a, kelurahan_a):
    assert client.get(f"/k/{kelurahan_a.slug}/layanan/").status_code == 200
    assert client.get(request_url(kelurahan_a)).status_code == 200
    assert client.get(reverse("layanan:track")).status_code == 200
    client.force_login(operator_a)
    changelist = client.get(reverse("admin:layanan_lettersettings_changelist"))
    add = client.get(reverse("admin:layanan_lettersettings_add"))

    assert changelist.status_code == 302
    assert changelist["Location"] == reverse("admin:layanan_lettersettings_add")
    assert add.status_code == 200
    assert not LetterSettings.objects.exists()


def test_settings_are_created_when_staff_first_save_them(client, operator_a, kelurahan_a):
    client.force_login(operator_a)
    data = {
        "number_format": "{classification}/{seq:03d}/{year}",
        "paper": "F4",
        "online_requests": "on",
        "resident_pdf_download": "",
    }

    response = client.post(reverse("admin:layanan_lettersettings_add"), data)

    assert response.status_code == 302
    saved = LetterSettings.objects.get()
    assert (saved.kelurahan, saved.paper, saved.resident_pdf_download) == (kelurahan_a, "F4", False)
    # Saved once: the list shows it, and there is nothing more to add.
    assert client.get(reverse("admin:layanan_lettersettings_changelist")).status_code == 200
    again = client.get(reverse("admin:layanan_lettersettings_add"))
    assert again["Location"] == reverse("admin:layanan_lettersettings_changelist")


def test_a_request_and_a_signing_without_saved_settings_use_the_defaults_and_save_none(
    client, kelurahan_a, signer_a, settings
):
    settings.PORTAL_URL = "https://portal.surakarta.go.id"
    assert client.post(request_url(kelurahan_a), request_form()).status_code == 302
    letter = Letter.objects.get()
    letter.state = State.VERIFIED
    letter.save()
    client.force_login(signer_a)

    client.post(move_url(letter, "sign"), signature(signer_a, kelurahan_a))

    letter.refresh_from_db()
    assert letter.state == State.SIGNED
    assert letter.number.startswith(letter.letter_type.classification + "/001/")
    assert not LetterSettings.objects.exists()


# --- The portal's own address --------------------------------------------------------------------


def test_the_qr_code_and_emails_carry_portal_url_not_the_requests_host(
    client,
    kelurahan_a,
    operator_a,
    signer_a,
    settings,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.PORTAL_URL = "https://portal.surakarta.go.id"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(request_url(kelurahan_a), request_form(), HTTP_HOST="evil.example")
    letter = Letter.objects.get()
    for user, action, data in (
        (operator_a, "verify", {}),
        (signer_a, "sign", signature(signer_a, kelurahan_a)),
    ):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(move_url(letter, action), data, HTTP_HOST="evil.example")
        assert response.status_code == 302

    letter.refresh_from_db()
    text = " ".join(pdf_text(pdf_bytes(letter)).split())
    assert f"https://portal.surakarta.go.id/verifikasi/{letter.verification_token}/" in text
    assert "evil.example" not in text
    assert mailoutbox and all("https://portal.surakarta.go.id/lacak/" in m.body for m in mailoutbox)
    assert not any("evil.example" in m.body for m in mailoutbox)


def test_a_role_that_sees_no_letters_gets_the_page_of_a_missing_letter(
    client, make_staff, kelurahan_a, letter_in
):
    letter = letter_in(State.VERIFIED)
    client.force_login(make_staff("redaksi.a", roles.REDAKSI, kelurahan_a))

    missing_url = reverse("admin:layanan_letter_change", args=[MISSING_PK])

    real = outcome(client, "get", letter_url(letter), letter.pk)
    missing = outcome(client, "get", missing_url, MISSING_PK)

    assert real == missing  # Redaksi sees no letters: as for a missing one
    assert real[0] == 404
