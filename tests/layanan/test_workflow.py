"""The letter workflow: each move of services.MOVES from its allowed states, and every other
(state, move) pair refused without a trace. The timeline records who moved it, from, to and why."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone, translation

from layanan import services
from layanan.models import Letter, LetterEvent, NumberCounter
from tests.layanan.helpers import NIK_BUDI, pdf_bytes, snapshot, stored_files

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
    letter = services.letter_verify(letter_id=submitted_letter.pk, by=operator_a)

    assert snapshot(letter)["state"] == State.VERIFIED
    assert timeline(letter) == [("operator.a", State.SUBMITTED, State.VERIFIED, "")]


def test_a_signed_letter_is_handed_over(signed_letter, operator_a):
    letter = services.letter_hand_over(letter_id=signed_letter.pk, by=operator_a)

    assert snapshot(letter)["state"] == State.HANDED_OVER
    assert timeline(letter)[-1] == ("operator.a", State.SIGNED, State.HANDED_OVER, "")


@pytest.mark.parametrize("handed_over", [False, True], ids=["signed", "handed-over"])
def test_voiding_keeps_the_number_and_records_reason_and_time(
    signed_letter, operator_a, signer_a, handed_over
):
    if handed_over:
        services.letter_hand_over(letter_id=signed_letter.pk, by=operator_a)
    before = snapshot(signed_letter)

    services.letter_void(letter_id=signed_letter.pk, by=signer_a, reason=REASON)

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
        services.letter_verify(letter_id=submitted_letter.pk, by=operator_a)

    services.letter_reject(letter_id=submitted_letter.pk, by=operator_a, reason=REASON)

    after = snapshot(submitted_letter)
    assert (after["state"], after["reason"]) == (State.REJECTED, REASON)
    assert (after["number"], after["sequence"]) == ("", None)
    assert timeline(submitted_letter)[-1] == ("operator.a", source, State.REJECTED, REASON)


def test_the_timeline_records_who_moved_the_letter_from_where_to_where_and_why(
    verified_letter, sign, operator_a, signer_a
):
    sign(verified_letter, signer_a)
    services.letter_hand_over(letter_id=verified_letter.pk, by=operator_a)
    services.letter_void(letter_id=verified_letter.pk, by=signer_a, reason=REASON)

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
    for action, (sources, _target, _permission) in services.MOVES.items()
    if state not in sources
]


def test_the_walk_covers_every_state_and_every_move():
    assert {state for state, _action in DISALLOWED} == set(State.values)
    assert {action for _state, action in DISALLOWED} == set(services.MOVES)
    allowed = sum(len(sources) for sources, _target, _permission in services.MOVES.values())
    assert len(DISALLOWED) == len(State.values) * len(services.MOVES) - allowed


@pytest.fixture
def letter_in(submitted_letter, sign, operator_a, signer_a):
    """The submitted letter, moved by the allowed path into the wanted state."""

    def move_to(state: str) -> Letter:
        letter_id = submitted_letter.pk
        if state == State.REJECTED:
            services.letter_reject(letter_id=letter_id, by=operator_a, reason=REASON)
        if state in (State.VERIFIED, State.SIGNED, State.HANDED_OVER, State.VOID):
            services.letter_verify(letter_id=letter_id, by=operator_a)
        if state in (State.SIGNED, State.HANDED_OVER, State.VOID):
            sign(submitted_letter, signer_a)
        if state == State.HANDED_OVER:
            services.letter_hand_over(letter_id=letter_id, by=operator_a)
        if state == State.VOID:
            services.letter_void(letter_id=letter_id, by=signer_a, reason=REASON)
        letter = Letter.objects.get(pk=letter_id)
        assert letter.state == state
        return letter

    return move_to


@pytest.fixture
def attempt(sign, operator_a, signer_a):
    """Try one move as a user whose role allows that move, so only the state can refuse it."""

    def run(letter: Letter, action: str):
        if action == "sign":
            return sign(letter, signer_a)
        if action == "void":
            return services.letter_void(letter_id=letter.pk, by=signer_a, reason=REASON)
        if action == "reject":
            return services.letter_reject(letter_id=letter.pk, by=operator_a, reason=REASON)
        if action == "verify":
            return services.letter_verify(letter_id=letter.pk, by=operator_a)
        return services.letter_hand_over(letter_id=letter.pk, by=operator_a)

    return run


@pytest.mark.parametrize(("state", "action"), DISALLOWED, ids=[f"{s}-{a}" for s, a in DISALLOWED])
def test_every_disallowed_move_is_refused_and_changes_nothing(
    letter_in, attempt, private_root, state, action
):
    letter = letter_in(state)
    before = snapshot(letter)
    events = timeline(letter)
    counters = list(NumberCounter.objects.values_list("kelurahan_id", "year", "last"))
    files = stored_files(private_root)

    with pytest.raises(services.TransitionError):
        attempt(letter, action)

    assert snapshot(letter) == before
    assert timeline(letter) == events
    assert list(NumberCounter.objects.values_list("kelurahan_id", "year", "last")) == counters
    assert stored_files(private_root) == files


def test_a_refused_move_says_what_the_letter_is_and_where_the_move_is_allowed_from(
    signed_letter, sign, signer_a
):
    with translation.override("en"), pytest.raises(services.TransitionError) as refused:
        sign(signed_letter, signer_a)

    message = str(refused.value)
    assert "signed" in message
    assert "verified" in message
