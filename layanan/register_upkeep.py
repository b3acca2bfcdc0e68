"""Letters keep the resident register true: a signed death letter marks the resident deceased, a
signed birth letter offers to add the baby, and a letter started for a deceased NIK warns.

layanan.services calls `letter_moved` after every recorded move (inside the move's transaction,
so a failed move changes nothing here either). What a kind does once signed is one entry of
ON_SIGNED; what voiding it undoes, one entry of ON_VOIDED.

Extension point: the kinds "pindah" (moving out) and "datang" (moving in) do not exist yet. When
they are added to layanan.kinds, give each an entry in ON_SIGNED that queues the move for the
operator (pindah: the leaving residents' rows marked as moved out on the date of the move; datang:
the newcomers' rows offered for adding, as the baby of a birth letter is here) rather than
changing the register silently.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings as django_settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from kelurahan.tenancy import user_can_access
from layanan import access
from layanan.models import Letter, Resident
from layanan.nik import NIKError, parse_nik

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from layanan.workflow import Move

State = Letter.State
OPEN_STATES = (State.SUBMITTED, State.WAITING, State.VERIFIED)
SIGNED_STATES = (State.SIGNED, State.HANDED_OVER)


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _residents(kelurahan_id: int):
    return Resident.objects.for_kelurahan(kelurahan_id)


# --- After a move --------------------------------------------------------------------------


def letter_moved(letter: Letter, move: Move) -> None:
    """What a recorded move changes in the register: ON_SIGNED after a signing, ON_VOIDED after
    voiding, by the letter's kind. Letters made outside the portal never pass here."""
    handlers = {State.SIGNED: ON_SIGNED, State.VOID: ON_VOIDED}.get(move.target, {})
    handler = handlers.get(letter.letter_type.kind)
    if handler is not None:
        handler(letter)


def _kematian_signed(letter: Letter) -> None:
    """The deceased's register row (their NIK, this kelurahan) gets the date of death."""
    died = _date(letter.data.get("death_date"))
    if died is not None:
        _residents(letter.kelurahan_id).filter(nik=letter.nik).update(deceased_on=died)


def _kematian_voided(letter: Letter) -> None:
    """A voided death letter (the wrong person, a wrong date) takes its mark back, unless
    another death letter of the NIK still stands; a letter issued again marks it again."""
    others = (
        Letter.objects.for_kelurahan(letter.kelurahan_id)
        .filter(nik=letter.nik, letter_type__kind="kematian", state__in=SIGNED_STATES)
        .exclude(pk=letter.pk)
    )
    if others.exists():
        return
    died = _date(letter.data.get("death_date"))
    _residents(letter.kelurahan_id).filter(nik=letter.nik, deceased_on=died).update(
        deceased_on=None
    )


# What a signed (or voided) letter of a kind does to the register. See the module docstring for
# "pindah" and "datang".
ON_SIGNED: dict[str, Callable[[Letter], None]] = {"kematian": _kematian_signed}
ON_VOIDED: dict[str, Callable[[Letter], None]] = {"kematian": _kematian_voided}


# --- Warnings ------------------------------------------------------------------------------


def resident_warnings(resident: Resident | None) -> list[str]:
    """What the register row says against a new letter for its NIK: the holder has died."""
    if resident is None or resident.deceased_on is None:
        return []
    return [
        _(
            "The resident register records %(name)s (this NIK) as deceased on %(date)s. Check "
            "that this letter is right before it is signed."
        )
        % {"name": resident.name, "date": formats.date_format(resident.deceased_on, "j F Y")}
    ]


def letter_register_warnings(letter: Letter) -> list[str]:
    """The register's warnings for a letter not yet signed (signed ones are decided)."""
    if letter.state not in OPEN_STATES or not letter.nik:
        return []
    return resident_warnings(_residents(letter.kelurahan_id).filter(nik=letter.nik).first())


# --- The baby of a birth letter ------------------------------------------------------------


class BabyError(ValueError):
    """The baby cannot be added; the message says why."""


class BabyAlreadyAdded(BabyError):  # noqa: N818 (not a failure: the work was done before)
    def __init__(self, message, resident: Resident):
        super().__init__(message)
        self.resident = resident


@dataclass(frozen=True, slots=True)
class BabyOffer:
    """What the letter page offers for a signed birth letter."""

    name: str
    birth_date: datetime.date | None
    birth_place: str
    sex: str
    parent: Resident | None  # the register row of the letter's NIK (a parent)
    existing: Resident | None  # the baby's row, once added


def _baby_in_register(letter: Letter) -> Resident | None:
    """The baby's row, if it was added: the same name and birth date in this kelurahan."""
    born = _date(letter.data.get("birth_date"))
    if born is None:
        return None
    return (
        _residents(letter.kelurahan_id)
        .filter(name__iexact=letter.name.strip(), birth_date=born)
        .first()
    )


def _is_birth_letter(letter: Letter) -> bool:
    return (
        letter.letter_type.kind == "kelahiran"
        and letter.state in SIGNED_STATES
        and not letter.recorded_outside
    )


def baby_offer(letter: Letter, user: User) -> BabyOffer | None:
    """For a signed birth letter, what "add the baby to the register" would add (None for any
    other letter, or for a user who may not add residents)."""
    if not _is_birth_letter(letter) or not user.has_perm("layanan.add_resident"):
        return None
    if not user_can_access(user, letter):
        return None
    data = letter.data
    return BabyOffer(
        name=letter.name,
        birth_date=_date(data.get("birth_date")),
        birth_place=data.get("birth_place", ""),
        sex=data.get("sex", ""),
        parent=_residents(letter.kelurahan_id).filter(nik=letter.nik).first(),
        existing=_baby_in_register(letter),
    )


def letter_page_context(letter: Letter, user: User) -> dict:
    """The context of templates/admin/layanan/letter/_register_upkeep.html for the letter page:
    the birth letter's offer, and whether the letter was made outside the portal."""
    return {
        "register_upkeep": {
            "letter": letter,
            "baby": baby_offer(letter, user),
            "recorded_outside": letter.recorded_outside,
        }
    }


@transaction.atomic
def baby_add(*, letter_id: int, nik: str, by: User) -> Resident:
    """Add the baby of a signed birth letter to the register: its name, birth date and place and
    sex from the letter; KK number, address, RT and RW from the parent's row (the letter's NIK).

    Once only: the letter is locked, and a baby already in the register (same name and birth
    date) raises BabyAlreadyAdded with its row. `nik` is the baby's own NIK, which Dukcapil
    issues with the new KK; it must be valid, free in the register, and agree with the birth
    date and sex the letter gives. Recorded in the admin log.
    """
    letter = access.letter_for(by, letter_id, for_update=True)
    access.role_check(by, "layanan.add_resident", kelurahan_id=letter.kelurahan_id)
    if not _is_birth_letter(letter):
        raise BabyError(_("Only a signed birth letter adds a baby to the register."))
    existing = _baby_in_register(letter)
    if existing is not None:
        raise BabyAlreadyAdded(
            _("%(name)s is already in the resident register (NIK %(nik)s).")
            % {"name": existing.name, "nik": existing.nik},
            existing,
        )
    data = letter.data
    born = _date(data.get("birth_date"))
    try:
        parsed = parse_nik(nik)
    except NIKError as exc:
        raise BabyError(exc.message) from exc
    if born is not None and parsed.birth_date != born:
        raise BabyError(
            _("This NIK gives the date of birth %(nik_date)s, but the baby was born on %(born)s.")
            % {
                "nik_date": formats.date_format(parsed.birth_date, "j F Y"),
                "born": formats.date_format(born, "j F Y"),
            }
        )
    if data.get("sex") in ("L", "P") and parsed.sex != data["sex"]:
        raise BabyError(_("This NIK is of the other sex than the baby's on the letter."))
    residents = _residents(letter.kelurahan_id)
    if residents.filter(nik=parsed.value).exists():
        raise BabyError(_("This NIK is already in the register."))
    parent = residents.filter(nik=letter.nik).first()
    if parent is None:
        raise BabyError(
            _(
                "The parent's NIK on the letter (%(nik)s) is not in the register, so the "
                "baby's KK and address are not known. Add the parent first."
            )
            % {"nik": letter.nik}
        )
    baby = Resident.objects.create(
        kelurahan_id=letter.kelurahan_id,
        nik=parsed.value,
        kk_number=parent.kk_number,
        name=letter.name.strip(),
        birth_place=data.get("birth_place", "")[:100],
        birth_date=born,
        sex=data.get("sex", "") if data.get("sex") in ("L", "P") else "",
        marital_status="Belum Kawin",
        citizenship=parent.citizenship,
        address=parent.address,
        rt=parent.rt,
        rw=parent.rw,
    )
    with translation.override(django_settings.LANGUAGE_CODE):
        message = _("Added from birth letter %(number)s.") % {"number": letter.number}
    LogEntry.objects.create(
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(Resident),
        object_id=str(baby.pk),
        object_repr=str(baby)[:200],
        action_flag=ADDITION,
        change_message=message,
    )
    return baby


def baby_letter(letter_id: int, user: User) -> Letter:
    """The birth letter a "add the baby" screen is about; Letter.DoesNotExist for a letter the
    user may not see, PermissionDenied for a role that does not add residents."""
    letter = access.letter_for(user, letter_id)
    if not user.has_perm("layanan.add_resident"):
        raise PermissionDenied
    return letter
