"""Writes for letters: creation, the state machine, signing (number + PDF), the register.

Every move is one service that locks the letter row, checks the source state against the one
table of allowed moves, records who/when/from/to/why in a LetterEvent, and refuses anything
else with a message that says why.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kelurahan.models import Kelurahan, Service
from kelurahan.tenancy import user_can_access
from layanan.kinds import KINDS
from layanan.models import AccessLog, Letter, LetterEvent, LetterSettings, LetterType
from layanan.numbering import format_number, next_sequence
from layanan.pdf import render_letter_pdf

State = Letter.State

# action: (states it may start from, state it leads to, permission it needs)
MOVES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "verify": ((State.SUBMITTED,), State.VERIFIED, "layanan.change_letter"),
    "reject": ((State.SUBMITTED, State.VERIFIED), State.REJECTED, "layanan.change_letter"),
    "sign": ((State.VERIFIED,), State.SIGNED, "layanan.sign_letter"),
    "hand_over": ((State.SIGNED,), State.HANDED_OVER, "layanan.change_letter"),
    "void": ((State.SIGNED, State.HANDED_OVER), State.VOID, "layanan.void_letter"),
}


class TransitionError(ValueError):
    """A move the letter's state does not allow; the message says why."""


def letter_settings_get(*, kelurahan: Kelurahan) -> LetterSettings:
    """The kelurahan's letter settings, created with defaults on first use."""
    settings, _created = LetterSettings.objects.get_or_create(kelurahan=kelurahan)
    return settings


def letter_types_ensure(*, kelurahan: Kelurahan) -> dict[str, LetterType]:
    """The kelurahan's letter types by kind, creating missing ones from the kinds in code."""
    existing = {t.kind: t for t in LetterType.objects.for_kelurahan(kelurahan)}
    missing = [kind for key, kind in KINDS.items() if key not in existing]
    if missing:
        services = {
            s.slug: s
            for s in Service.objects.for_kelurahan(kelurahan).filter(
                slug__in=[kind.catalog_slug for kind in missing]
            )
        }
        LetterType.objects.bulk_create(
            [
                LetterType(
                    kelurahan=kelurahan,
                    kind=kind.key,
                    name=kind.name,
                    classification=kind.classification,
                    service=services.get(kind.catalog_slug),
                )
                for kind in missing
            ],
            ignore_conflicts=True,
        )
        existing = {t.kind: t for t in LetterType.objects.for_kelurahan(kelurahan)}
    return existing


def _require(user, permission: str, kelurahan_id: int) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(_("Your role may not do this."))
    if not user_can_access(user, Letter(kelurahan_id=kelurahan_id)):
        raise Letter.DoesNotExist


@transaction.atomic
def letter_create(*, kelurahan: Kelurahan, kind: str, by, data: dict) -> Letter:
    """A letter typed in by an operator: they checked the documents, so it starts verified."""
    _require(by, "layanan.add_letter", kelurahan.pk)
    letter_type = letter_types_ensure(kelurahan=kelurahan)[kind]
    letter = Letter.objects.create(
        kelurahan=kelurahan,
        letter_type=letter_type,
        state=State.VERIFIED,
        nik=data["nik"],
        name=data["name"],
        data=data,
        created_by=by,
    )
    LetterEvent.objects.create(
        kelurahan=kelurahan, letter=letter, from_state="", to_state=State.VERIFIED, by=by
    )
    return letter


def _locked(letter_id: int, action: str, *, by) -> Letter:
    """The letter, locked for this transaction, if `by` may make this move from its state."""
    sources, _target, permission = MOVES[action]
    letter = (
        Letter.objects.for_user(by)
        .select_for_update(of=("self",))
        .select_related("letter_type", "kelurahan__kecamatan__city")
        .get(pk=letter_id)
    )
    _require(by, permission, letter.kelurahan_id)
    if letter.state not in sources:
        raise TransitionError(
            _("This letter is %(state)s; it cannot be %(action)s. Allowed from: %(allowed)s.")
            % {
                "state": letter.get_state_display().lower(),
                "action": ACTION_LABELS[action],
                "allowed": ", ".join(str(State(s).label).lower() for s in sources),
            }
        )
    return letter


def _record(letter: Letter, action: str, *, by, note: str = "", **changes) -> Letter:
    """Apply a checked move to a locked letter and write its event."""
    source, target = letter.state, MOVES[action][1]
    letter.state = target
    for field, value in changes.items():
        setattr(letter, field, value)
    letter.save()
    LetterEvent.objects.create(
        kelurahan_id=letter.kelurahan_id,
        letter=letter,
        from_state=source,
        to_state=target,
        by=by,
        note=note,
    )
    return letter


def _move(letter_id: int, action: str, *, by, note: str = "", **changes) -> Letter:
    letter = _locked(letter_id, action, by=by)
    return _record(letter, action, by=by, note=note, **changes)


ACTION_LABELS = {
    "verify": gettext_lazy("verified"),
    "reject": gettext_lazy("rejected"),
    "sign": gettext_lazy("signed"),
    "hand_over": gettext_lazy("handed over"),
    "void": gettext_lazy("voided"),
}


@transaction.atomic
def letter_verify(*, letter_id: int, by) -> Letter:
    return _move(letter_id, "verify", by=by)


@transaction.atomic
def letter_reject(*, letter_id: int, by, reason: str) -> Letter:
    return _move(letter_id, "reject", by=by, note=reason, reason=reason)


@transaction.atomic
def letter_hand_over(*, letter_id: int, by) -> Letter:
    return _move(letter_id, "hand_over", by=by)


@transaction.atomic
def letter_void(*, letter_id: int, by, reason: str) -> Letter:
    """Void a signed letter: its number stays used and verification shows it as void."""
    return _move(letter_id, "void", by=by, note=reason, reason=reason, voided_at=timezone.now())


@transaction.atomic
def letter_sign(
    *,
    letter_id: int,
    by,
    signer_name: str,
    signer_position: str,
    signer_nip: str = "",
    capacity: str = "",
    site_url: str,
) -> Letter:
    """Sign: take the next number, render and store the PDF, all in one transaction.

    The number counter stays locked until commit, so concurrent signers in one kelurahan get
    consecutive, distinct numbers; if rendering fails, no number is used and no PDF is kept.
    """
    letter = _locked(letter_id, "sign", by=by)
    now = timezone.now()
    today = timezone.localdate(now)
    settings = letter_settings_get(kelurahan=letter.kelurahan)
    sequence = next_sequence(kelurahan_id=letter.kelurahan_id, year=today.year)
    letter.signed_at = now
    letter.signer_name, letter.signer_position = signer_name, signer_position
    letter.signer_nip, letter.signer_capacity = signer_nip, capacity
    letter.verification_token = secrets.token_urlsafe(24)
    letter.number = format_number(
        settings.number_format,
        classification=letter.letter_type.classification,
        seq=sequence,
        kelurahan_code=letter.kelurahan.code,
        on=today,
    )
    verify_url = site_url.rstrip("/") + letter.get_verification_url()
    pdf = render_letter_pdf(letter, verify_url=verify_url, paper=settings.paper)
    letter.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    try:
        return _record(
            letter,
            "sign",
            by=by,
            signed_by=by,
            year=today.year,
            sequence=sequence,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
    except Exception:
        letter.pdf.storage.delete(letter.pdf.name)
        raise


def access_log_record(*, by, kelurahan_id: int, action: str, subject: str) -> None:
    """Record that a staff user saw or took personal data (never blocks the view)."""
    AccessLog.objects.create(
        kelurahan_id=kelurahan_id, user=by, action=action, subject=subject[:200]
    )


def letter_files_sweep(*, older_than: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
    """Delete letter PDFs that no letter points to, and return how many.

    A PDF is written before its signing transaction commits; if the commit then fails (or an
    outer transaction rolls back), the file stays behind with personal data in it. Files younger
    than `older_than` are left alone: they may belong to a signing still in progress.
    """
    storage = Letter._meta.get_field("pdf").storage
    referenced = set(Letter.objects.exclude(pdf="").values_list("pdf", flat=True))
    cutoff = timezone.now() - older_than
    removed = 0

    def walk(folder: str):
        directories, files = storage.listdir(folder)
        for name in files:
            yield f"{folder}/{name}"
        for directory in directories:
            yield from walk(f"{folder}/{directory}")

    if not storage.exists("letters"):
        return 0
    for name in walk("letters"):
        if name not in referenced and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            removed += 1
    return removed
