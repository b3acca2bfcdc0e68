"""The letter workflow as one table: every move a letter can make, keyed by its Action.

A row says from which states the move starts, the state it leads to, the permission it needs,
how the letter page offers it (button, heading, the form it binds), whether a reason is required
and what it does besides changing the state (its effects). Adding a move is one row here plus its
test: the letter page offers it, layanan.services.letter_move performs it, the tests walk it.

Every move, whatever its row says, locks the letter, checks the user's kelurahan, permission and
the letter's state, writes an event (who, when, from, to, the reason as note) and, once it
commits, e-mails the resident who asked online the new status (layanan.services).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from layanan.admin_forms import ReasonForm, SignForm
from layanan.models import Letter, signing_authorities_valid

if TYPE_CHECKING:
    from django.contrib.auth.models import User

State = Letter.State


class Action(models.TextChoices):
    VERIFY = "verify", pgettext_lazy("letter move", "Verify")
    ASK_RESIDENT = "ask_resident", pgettext_lazy("letter move", "Ask the resident")
    REJECT = "reject", pgettext_lazy("letter move", "Reject")
    SIGN = "sign", pgettext_lazy("letter move", "Sign")
    HAND_OVER = "hand_over", pgettext_lazy("letter move", "Hand over")
    VOID = "void", pgettext_lazy("letter move", "Void")


class Effect(enum.Enum):
    """What a move does to the letter besides its state (layanan.services applies each)."""

    STORE_REASON = "store_reason"  # the reason goes to Letter.reason, which the resident reads
    STAMP_VOIDED = "stamp_voided"  # Letter.voided_at: verification shows the letter as void
    NUMBER_AND_PDF = "number_and_pdf"  # the next number and the stored PDF, in one transaction


def sign_form_options(letter: Letter, user: User) -> dict:
    """The sign form's choices: the signing user's authorities for the letter's kelurahan that
    are valid today (the register of signing authority; nothing typed)."""
    today = timezone.localdate()
    return {"authorities": signing_authorities_valid(user, letter.kelurahan_id, today)}


@dataclass(frozen=True)
class Move:
    """One row of the workflow table."""

    action: Action
    sources: tuple[State, ...]  # the states the move may start from
    target: State
    permission: str  # "app_label.codename" the acting user needs
    done: Promise  # past tense, for messages, refusals and the timeline: "signed"
    button: Promise  # the letter page's submit button
    heading: Promise | None = None  # the heading over the move's form on the letter page
    # What the letter page binds; its cleaned data are the service's keyword arguments.
    form: type[forms.Form] | None = None
    initial: Callable[[Letter], dict] | None = None  # the form's initial values for a letter
    # More keyword arguments of the form, for the letter and the acting user (the signer's list).
    form_options: Callable[[Letter, User], dict] | None = None
    reason_required: bool = False  # a reason the resident can read; it is the event's note
    effects: tuple[Effect, ...] = ()
    destructive: bool = False  # shown as a danger button, after the other moves
    # What the confirmation says once it is done, and what comes next; with the letter's
    # %(number)s and %(name)s. Without one: "The letter was <done>."
    confirmation: Promise | None = None
    # Only for a request sent online: at the counter the resident is there to be asked.
    online_only: bool = False

    def allowed_from(self, state: str) -> bool:
        return state in self.sources

    def applies_to(self, letter: Letter) -> bool:
        """Whether the letter's state (and, for an online-only move, its origin) allows it."""
        return self.allowed_from(letter.state) and (
            not self.online_only or letter.tracking_code is not None
        )


MOVES: dict[Action, Move] = {
    move.action: move
    for move in (
        Move(
            Action.VERIFY,
            # From "waiting": what was asked for came (at the office, or by phone).
            sources=(State.SUBMITTED, State.WAITING),
            target=State.VERIFIED,
            permission="layanan.change_letter",
            done=_("verified"),
            button=_("Mark as verified"),
            confirmation=_("The request of %(name)s is verified and waits for the signer."),
        ),
        Move(
            Action.REJECT,
            sources=(State.SUBMITTED, State.WAITING, State.VERIFIED),
            target=State.REJECTED,
            permission="layanan.change_letter",
            done=_("rejected"),
            button=_("Reject the request"),
            heading=_("Reject this request"),
            form=ReasonForm,
            reason_required=True,
            effects=(Effect.STORE_REASON,),
            destructive=True,
            confirmation=_("The request of %(name)s was rejected with the reason given."),
        ),
        Move(
            Action.SIGN,
            sources=(State.VERIFIED,),
            target=State.SIGNED,
            permission="layanan.sign_letter",
            done=_("signed"),
            button=_("Sign and number the letter"),
            heading=_("Sign"),
            form=SignForm,
            form_options=sign_form_options,
            effects=(Effect.NUMBER_AND_PDF,),
            confirmation=_(
                "Letter %(number)s was signed. Download the PDF, tell the resident, and mark it "
                "handed over when they have it."
            ),
        ),
        Move(
            Action.ASK_RESIDENT,
            sources=(State.SUBMITTED, State.VERIFIED),
            target=State.WAITING,
            permission="layanan.change_letter",
            done=_("returned to the resident"),
            button=_("Ask the resident"),
            heading=_("Ask the resident for something missing"),
            form=ReasonForm,
            reason_required=True,
            effects=(Effect.STORE_REASON,),
            online_only=True,
            confirmation=_("The request of %(name)s now waits for the resident."),
        ),
        Move(
            Action.HAND_OVER,
            sources=(State.SIGNED,),
            target=State.HANDED_OVER,
            permission="layanan.change_letter",
            done=_("handed over"),
            button=_("Mark as handed over"),
            confirmation=_("Letter %(number)s is marked as handed over to %(name)s."),
        ),
        Move(
            Action.VOID,
            sources=(State.SIGNED, State.HANDED_OVER),
            target=State.VOID,
            permission="layanan.void_letter",
            done=_("voided"),
            button=_("Void the letter"),
            heading=_("Void this letter"),
            form=ReasonForm,
            reason_required=True,
            effects=(Effect.STORE_REASON, Effect.STAMP_VOIDED),
            destructive=True,
            confirmation=_("Letter %(number)s is void; its number stays used."),
        ),
    )
}


def move_for(action: str) -> Move | None:
    """The row of an action named in a URL or a call, or None for an unknown one."""
    try:
        return MOVES[Action(action)]
    except ValueError:
        return None


def move_between(from_state: str, to_state: str) -> Move | None:
    """The move an event records (its from and to states), or None for a letter's first event."""
    for move in MOVES.values():
        if move.target == to_state and from_state in move.sources:
            return move
    return None
