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

from django import forms
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kelurahan.models import Official
from layanan.admin_forms import ReasonForm, SignForm
from layanan.models import Letter

State = Letter.State


class Action(models.TextChoices):
    VERIFY = "verify", pgettext_lazy("letter move", "Verify")
    REJECT = "reject", pgettext_lazy("letter move", "Reject")
    SIGN = "sign", pgettext_lazy("letter move", "Sign")
    HAND_OVER = "hand_over", pgettext_lazy("letter move", "Hand over")
    VOID = "void", pgettext_lazy("letter move", "Void")


class Effect(enum.Enum):
    """What a move does to the letter besides its state (layanan.services applies each)."""

    STORE_REASON = "store_reason"  # the reason goes to Letter.reason, which the resident reads
    STAMP_VOIDED = "stamp_voided"  # Letter.voided_at: verification shows the letter as void
    NUMBER_AND_PDF = "number_and_pdf"  # the next number and the stored PDF, in one transaction


def signature_initial(letter: Letter) -> dict:
    """The sign form prefilled with the kelurahan's head (Lurah) as its officials list them."""
    head = (
        Official.objects.for_kelurahan(letter.kelurahan_id)
        .filter(level=Official.Level.HEAD)
        .first()
    )
    return {
        "signer_name": head.name if head else "",
        "signer_position": letter.kelurahan.head_title,
        "signer_nip": head.nip if head else "",
    }


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
    reason_required: bool = False  # a reason the resident can read; it is the event's note
    effects: tuple[Effect, ...] = ()
    destructive: bool = False  # shown as a danger button, after the other moves

    def allowed_from(self, state: str) -> bool:
        return state in self.sources


MOVES: dict[Action, Move] = {
    move.action: move
    for move in (
        Move(
            Action.VERIFY,
            sources=(State.SUBMITTED,),
            target=State.VERIFIED,
            permission="layanan.change_letter",
            done=_("verified"),
            button=_("Mark as verified"),
        ),
        Move(
            Action.REJECT,
            sources=(State.SUBMITTED, State.VERIFIED),
            target=State.REJECTED,
            permission="layanan.change_letter",
            done=_("rejected"),
            button=_("Reject the request"),
            heading=_("Reject this request"),
            form=ReasonForm,
            reason_required=True,
            effects=(Effect.STORE_REASON,),
            destructive=True,
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
            initial=signature_initial,
            effects=(Effect.NUMBER_AND_PDF,),
        ),
        Move(
            Action.HAND_OVER,
            sources=(State.SIGNED,),
            target=State.HANDED_OVER,
            permission="layanan.change_letter",
            done=_("handed over"),
            button=_("Handed over to the resident"),
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
