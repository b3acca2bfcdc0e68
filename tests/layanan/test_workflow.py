"""The letter workflow: each move of workflow.MOVES from its allowed states, and every other
(state, move) pair refused without a trace. The timeline records who moved it, from, to and why."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from kelurahan import roles
from layanan import services, workflow
from layanan.admin_forms import ReasonForm, SignForm
from layanan.models import RESIDENT_STATUS, Letter, LetterEvent, NumberCounter
from tests.factories import signature
from tests.layanan.helpers import NIK_BUDI, SITE_URL, pdf_bytes, snapshot, stored_files

State = Letter.State
REASON = "Nama pada KK berbeda dengan KTP."


def timeline(letter) -> list[tuple]:
    return [
        (event.by.username if event.by else None, event.from_state, event.to_state, event.note)
        for event in LetterEvent.objects.filter(letter=letter).select_related("by")
    ]


# --- Each allowed move ---------------------------------------------------------------------------


def test_a_letter_an_operator_issues_starts_verified_with_its_first_event(
    issue, kelurahan_a, operator_a
):
    letter = issue(kelurahan_a, operator_a)

    letter.refresh_from_db()
    assert letter.state == State.VERIFIED
    assert letter.kelurahan == kelurahan_a
    assert letter.created_by == operator_a
    assert (letter.nik, letter.name) == (NIK_BUDI, "Budi Santoso")
    assert letter.letter_type.kind == "skuter"
    assert (letter.number, letter.sequence, letter.verification_token) == ("", None, None)
    assert not letter.pdf
    assert timeline(letter) == [("operator.a", "", State.VERIFIED, "")]


def test_signing_numbers_the_letter_and_stores_its_pdf_with_its_hash(
    verified_letter, sign, signer_a, private_root
):
    letter = sign(verified_letter, signer_a)

    letter.refresh_from_db()
    assert letter.state == State.SIGNED
    assert letter.year == timezone.localdate(letter.signed_at).year
    assert letter.sequence == 1
    assert "/001/" in letter.number and letter.number.endswith(f"/{letter.year}")
    assert len(letter.verification_token) >= 32
    assert letter.signed_by == signer_a
    assert (letter.signer_name, letter.signer_position) == ("Drs. Slamet Widodo", "Lurah")
    assert letter.signer_nip == "196801011990031005"
    assert stored_files(private_root) == [private_root / letter.pdf.name]
    assert letter.pdf_sha256 == hashlib.sha256(pdf_bytes(letter)).hexdigest()
    assert timeline(letter)[-1] == ("lurah.a", State.VERIFIED, State.SIGNED, "")


def test_a_submitted_request_can_be_verified(submitted_letter, operator_a):
    letter = services.letter_move(action="verify", letter_id=submitted_letter.pk, by=operator_a)

    assert snapshot(letter)["state"] == State.VERIFIED
    assert timeline(letter) == [("operator.a", State.SUBMITTED, State.VERIFIED, "")]


def test_a_signed_letter_is_handed_over(signed_letter, operator_a):
    letter = services.letter_move(action="hand_over", letter_id=signed_letter.pk, by=operator_a)

    assert snapshot(letter)["state"] == State.HANDED_OVER
    assert timeline(letter)[-1] == ("operator.a", State.SIGNED, State.HANDED_OVER, "")


@pytest.mark.parametrize("handed_over", [False, True], ids=["signed", "handed-over"])
def test_voiding_keeps_the_number_and_records_reason_and_time(
    signed_letter, operator_a, signer_a, handed_over
):
    if handed_over:
        services.letter_move(action="hand_over", letter_id=signed_letter.pk, by=operator_a)
    before = snapshot(signed_letter)

    services.letter_move(action="void", letter_id=signed_letter.pk, by=signer_a, reason=REASON)

    after = snapshot(signed_letter)
    assert after["state"] == State.VOID
    assert after["voided_at"] is not None
    assert after["reason"] == REASON
    for kept in ("number", "year", "sequence", "verification_token", "pdf", "pdf_sha256"):
        assert after[kept] == before[kept]
    assert timeline(signed_letter)[-1] == ("lurah.a", before["state"], State.VOID, REASON)


@pytest.mark.parametrize("source", [State.SUBMITTED, State.VERIFIED])
def test_a_request_is_rejected_with_a_reason(submitted_letter, operator_a, source):
    if source == State.VERIFIED:
        services.letter_move(action="verify", letter_id=submitted_letter.pk, by=operator_a)

    services.letter_move(
        action="reject", letter_id=submitted_letter.pk, by=operator_a, reason=REASON
    )

    after = snapshot(submitted_letter)
    assert (after["state"], after["reason"]) == (State.REJECTED, REASON)
    assert (after["number"], after["sequence"]) == ("", None)
    assert timeline(submitted_letter)[-1] == ("operator.a", source, State.REJECTED, REASON)


def test_the_timeline_records_who_moved_the_letter_from_where_to_where_and_why(
    verified_letter, sign, operator_a, signer_a
):
    sign(verified_letter, signer_a)
    services.letter_move(action="hand_over", letter_id=verified_letter.pk, by=operator_a)
    services.letter_move(action="void", letter_id=verified_letter.pk, by=signer_a, reason=REASON)

    assert timeline(verified_letter) == [
        ("operator.a", "", State.VERIFIED, ""),
        ("lurah.a", State.VERIFIED, State.SIGNED, ""),
        ("operator.a", State.SIGNED, State.HANDED_OVER, ""),
        ("lurah.a", State.HANDED_OVER, State.VOID, REASON),
    ]
    events = LetterEvent.objects.filter(letter=verified_letter)
    assert {event.kelurahan_id for event in events} == {verified_letter.kelurahan_id}
    assert all(event.at is not None for event in events)


# --- Every disallowed move -----------------------------------------------------------------------

DISALLOWED = [
    (state, action)
    for state in State.values
    for action, move in workflow.MOVES.items()
    if state not in move.sources
]
# What each form of the table asks for, filled in as the letter page's user would: a function
# of that user and the letter's kelurahan (the sign form names the signer's own authority).
FORM_DATA = {
    ReasonForm: lambda user, kelurahan: {"reason": REASON},
    SignForm: signature,
}


def form_data(form, user, kelurahan) -> dict:
    """The data `user` sends in a move's form (none for a move without one)."""
    return FORM_DATA[form](user, kelurahan) if form is not None else {}


def test_the_walk_covers_every_state_and_every_move():
    assert {state for state, _action in DISALLOWED} == set(State.values)
    assert {action for _state, action in DISALLOWED} == set(workflow.MOVES)
    allowed = sum(len(move.sources) for move in workflow.MOVES.values())
    assert len(DISALLOWED) == len(State.values) * len(workflow.MOVES) - allowed


def test_every_row_of_the_table_is_complete(db):
    permissions = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for action, move in workflow.MOVES.items():
        assert move.action == action
        assert move.sources and move.target not in move.sources, action
        assert move.permission in permissions, action
        assert str(move.done) and str(move.button), action
        assert move.form is None or move.form in FORM_DATA, action
        assert move.form is None or move.heading, action
        assert not move.reason_required or "reason" in move.form.base_fields, action
    for state in State.values:
        assert state in RESIDENT_STATUS  # what the resident reads on /lacak/ and in e-mails


def path_to(state: str) -> list[workflow.Move]:
    """The shortest way through the table from a new online request to `state`."""
    paths = {State.SUBMITTED: []}
    queue = [State.SUBMITTED]
    while queue:
        here = queue.pop(0)
        for move in workflow.MOVES.values():
            if here in move.sources and move.target not in paths:
                paths[move.target] = [*paths[here], move]
                queue.append(move.target)
    return paths[state]


@pytest.fixture
def attempt(settings, operator_a, signer_a):
    """Try one move as a user whose role allows that move, so only the state can refuse it."""
    settings.PORTAL_URL = SITE_URL

    def run(letter: Letter, action: str, *, by=None):
        move = workflow.MOVES[action]
        by = by or next(user for user in (operator_a, signer_a) if user.has_perm(move.permission))
        data = form_data(move.form, by, letter.kelurahan)
        return services.letter_move(letter_id=letter.pk, action=action, by=by, **data)

    return run


@pytest.fixture
def letter_in(submitted_letter, attempt):
    """The submitted letter, moved by the allowed path of the table into the wanted state."""

    def move_to(state: str) -> Letter:
        for move in path_to(state):
            attempt(submitted_letter, move.action)
        letter = Letter.objects.get(pk=submitted_letter.pk)
        assert letter.state == state
        return letter

    return move_to


@pytest.mark.parametrize(("state", "action"), DISALLOWED, ids=[f"{s}-{a}" for s, a in DISALLOWED])
def test_every_disallowed_move_is_refused_and_changes_nothing(
    letter_in, attempt, private_root, state, action
):
    letter = letter_in(state)
    before = snapshot(letter)
    events = timeline(letter)
    counters = list(NumberCounter.objects.values_list("kelurahan_id", "year", "last"))
    files = stored_files(private_root)

    with translation.override("en"), pytest.raises(services.TransitionError) as refused:
        attempt(letter, action)

    # The message says what the letter is, what was tried and where the move is allowed from.
    move = workflow.MOVES[action]
    with translation.override("en"):
        assert str(refused.value) == (
            f"This letter is {State(state).label.lower()}; it cannot be {move.done}. "
            f"Allowed from: {', '.join(State(s).label.lower() for s in move.sources)}."
        )
    assert snapshot(letter) == before
    assert timeline(letter) == events
    assert list(NumberCounter.objects.values_list("kelurahan_id", "year", "last")) == counters
    assert stored_files(private_root) == files


ALLOWED = [(source, action) for action, move in workflow.MOVES.items() for source in move.sources]


@pytest.mark.parametrize(("state", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_every_allowed_move_leads_to_its_state_and_records_its_event(
    letter_in, attempt, state, action
):
    letter = letter_in(state)

    attempt(letter, action)

    move = workflow.MOVES[action]
    after = snapshot(letter)
    assert after["state"] == move.target
    _by, source, target, note = timeline(letter)[-1]
    assert (source, target) == (state, move.target)
    assert note == (REASON if move.reason_required else "")


@pytest.mark.parametrize(("state", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_a_user_whose_role_has_no_letter_rights_is_refused_every_move(
    letter_in, attempt, make_staff, kelurahan_a, diskominfo, private_root, state, action
):
    letter = letter_in(state)
    before, events, files = snapshot(letter), timeline(letter), stored_files(private_root)
    # Redaksi of the letter's own kelurahan: it sees no letters, so for it there is none.
    redaksi = make_staff("redaksi.a", roles.REDAKSI, kelurahan_a)
    # A user who may read the kelurahan's letters but make no move (Diskominfo, or a role given
    # only the right to view): their role may not.
    reader = make_staff("pembaca.a", roles.REDAKSI, kelurahan_a)
    reader.user_permissions.add(Permission.objects.get(codename="view_letter"))
    reader = type(reader).objects.get(pk=reader.pk)  # no cached permissions

    with pytest.raises(Letter.DoesNotExist):
        attempt(letter, action, by=redaksi)
    for user in (diskominfo, reader):
        with pytest.raises(PermissionDenied):
            attempt(letter, action, by=user)

    assert snapshot(letter) == before
    assert timeline(letter) == events
    assert stored_files(private_root) == files


@pytest.mark.parametrize("action", [a for a, m in workflow.MOVES.items() if m.reason_required])
def test_a_move_that_needs_a_reason_is_refused_without_one(letter_in, operator_a, signer_a, action):
    move = workflow.MOVES[action]
    letter = letter_in(move.sources[0])
    before = snapshot(letter)
    by = operator_a if operator_a.has_perm(move.permission) else signer_a

    with pytest.raises(services.TransitionError):
        services.letter_move(letter_id=letter.pk, action=action, by=by, reason="   ")

    assert snapshot(letter) == before


def test_a_refused_move_says_what_the_letter_is_and_where_the_move_is_allowed_from(
    signed_letter, sign, signer_a
):
    with translation.override("en"), pytest.raises(services.TransitionError) as refused:
        sign(signed_letter, signer_a)

    message = str(refused.value)
    assert "signed" in message
    assert "verified" in message
