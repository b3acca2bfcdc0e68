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
from collections.abc import Sequence
from functools import partial

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kelurahan.models import Kelurahan, Service
from kelurahan.tenancy import user_can_access
from layanan.documents import CheckedDocument
from layanan.kinds import KINDS
from layanan.models import (
    AccessLog,
    DownloadCode,
    Letter,
    LetterEvent,
    LetterSettings,
    LetterType,
    RequirementDocument,
)
from layanan.numbering import format_number, next_sequence
from layanan.pdf import render_letter_pdf
from layanan.tracking import DOWNLOAD_CODE_MAX_AGE, tracking_code_display, tracking_code_new

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


class OnlineRequestClosed(Exception):
    """The kelurahan takes no online requests, or not for this letter type (views answer 404)."""


class RequestKeyTaken(ValueError):
    """The form's hidden id already belongs to a request for another NIK; the message says what
    to do."""

    MESSAGE = gettext_lazy(
        "This form was already sent for another NIK. Open the request form again "
        "to make a new request."
    )


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
    _resident_notify(letter)
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


@transaction.atomic
def letter_request_submit(
    *,
    kelurahan: Kelurahan,
    kind: str,
    data: dict,
    nik: str,
    name: str,
    phone: str,
    email: str,
    documents: Sequence[CheckedDocument],
    request_key: uuid.UUID,
) -> Letter:
    """A resident's online request: a submitted letter with a tracking code, its first event
    (by nobody: residents have no account) and its requirement documents.

    The same form sent again (the same `request_key`, e.g. a double tap or a reload) returns
    the letter it made the first time and stores nothing new. Raises OnlineRequestClosed when
    the kelurahan or this letter type takes no online requests, and RequestKeyTaken when the key
    belongs to another NIK's request. Side effects: the documents are written to private
    storage (and removed again if this fails), and the resident is emailed once it commits.
    """
    existing = _request_for_key(request_key, kelurahan=kelurahan, nik=nik)
    if existing is not None:
        return existing
    if not letter_settings_get(kelurahan=kelurahan).online_requests:
        raise OnlineRequestClosed
    letter_type = letter_types_ensure(kelurahan=kelurahan).get(kind)
    if letter_type is None or not (letter_type.online and letter_type.is_active):
        raise OnlineRequestClosed
    _open_requests_check(kelurahan=kelurahan, nik=nik)
    stored: list[str] = []
    try:
        with transaction.atomic():
            letter = Letter.objects.create(
                kelurahan=kelurahan,
                letter_type=letter_type,
                state=State.SUBMITTED,
                nik=nik,
                name=name,
                data=data,
                tracking_code=tracking_code_new(),
                phone=phone,
                email=email,
                request_key=request_key,
            )
            LetterEvent.objects.create(
                kelurahan=kelurahan, letter=letter, from_state="", to_state=State.SUBMITTED
            )
            for document in documents:
                row = RequirementDocument(
                    kelurahan=kelurahan,
                    letter=letter,
                    label=document.label,
                    content_type=document.content_type,
                    size=len(document.content),
                    sha256=document.sha256,
                )
                row.file.save(
                    f"{uuid.uuid4().hex}.{document.extension}",
                    ContentFile(document.content),
                    save=False,
                )
                stored.append(row.file.name)
                row.save()
    except Exception as exc:
        storage = RequirementDocument._meta.get_field("file").storage
        for name_ in stored:
            storage.delete(name_)
        if isinstance(exc, IntegrityError):
            # The same form, sent twice at once: the other request made the letter first.
            existing = _request_for_key(request_key, kelurahan=kelurahan, nik=nik)
            if existing is not None:
                return existing
        raise
    letter.kelurahan, letter.letter_type = kelurahan, letter_type
    _resident_notify(letter)
    return letter


# Requests of one NIK at one kelurahan that may wait for the staff at once. A family asks a few
# letters together; more than this is someone else filling the queue with this NIK.
MAX_OPEN_REQUESTS_PER_NIK = 5


class TooManyOpenRequests(ValueError):
    """The NIK already has MAX_OPEN_REQUESTS_PER_NIK requests in progress at this kelurahan."""


def _open_requests_check(*, kelurahan: Kelurahan, nik: str) -> None:
    """Refuse a new online request while the NIK has too many in progress at this kelurahan.

    Why here and not a rate limit keyed on the NIK: a rate limit counts every POST, junk and
    garbled ones included, so a stranger who types someone's NIK ten times would lock them out.
    This counts only requests actually accepted (a full, valid form with documents, each one
    passing the per-address limit), only while they are open, and the staff see every one of them:
    rejecting the junk frees the NIK at once. The message tells the resident whom to ask.
    """
    count = (
        Letter.objects.for_kelurahan(kelurahan)
        .filter(nik=nik, state__in=(State.SUBMITTED, State.VERIFIED))
        .exclude(tracking_code=None)
        .count()
    )
    if count >= MAX_OPEN_REQUESTS_PER_NIK:
        raise TooManyOpenRequests(
            _(
                "This NIK already has %(count)d requests in progress at this kelurahan. Wait "
                "until one is finished, or contact the kelurahan office if you did not send "
                "them."
            )
            % {"count": count}
        )


def _request_for_key(request_key: uuid.UUID, *, kelurahan: Kelurahan, nik: str) -> Letter | None:
    existing = Letter.objects.filter(request_key=request_key).first()
    if existing is not None and (existing.kelurahan_id != kelurahan.pk or existing.nik != nik):
        raise RequestKeyTaken(RequestKeyTaken.MESSAGE)
    return existing


def _resident_notify(letter: Letter) -> None:
    """Email the resident who asked online the letter's new status, once the move commits.

    Text only and in Indonesian (the portal's default language, whatever language the staff
    member moving the letter uses). A failing mail server is logged, never undoes the move.
    """
    if not letter.email:
        return
    subject, body = _status_email(letter)
    _resident_mail(letter, subject, body)


def _resident_mail(letter: Letter, subject: str, body: str) -> None:
    """Send a mail to the e-mail the resident gave, once the transaction commits (robust: a
    failing mail server is logged, never undoes the write)."""
    transaction.on_commit(
        partial(send_mail, subject, body, None, [letter.email], fail_silently=False),
        robust=True,
    )


def _status_email(letter: Letter) -> tuple[str, str]:
    with translation.override(django_settings.LANGUAGE_CODE):
        values = {
            "code": tracking_code_display(letter.tracking_code or ""),
            "letter": letter.letter_type.name,
            "kelurahan": str(letter.kelurahan),
            "status": letter.resident_status,
            "reason": letter.reason,
            "url": django_settings.PORTAL_URL.rstrip("/") + reverse("layanan:track"),
        }
        subject = _("Letter request %(code)s: %(status)s") % values
        if letter.state == State.SUBMITTED:
            opening = _("We received your request for a %(letter)s at %(kelurahan)s.") % values
        else:
            opening = (
                _("The status of your request for a %(letter)s at %(kelurahan)s has changed.")
                % values
            )
        lines = [opening, "", _("Status: %(status)s") % values]
        if letter.state == State.REJECTED:
            lines.append(_("Reason: %(reason)s") % values)
        lines += [
            _("Tracking code: %(code)s") % values,
            "",
            _(
                "Follow your request at %(url)s with this tracking code and the last 4 digits "
                "of your NIK."
            )
            % values,
            "",
            _("This email was sent automatically; replies are not read."),
        ]
        return subject, "\n".join(str(line) for line in lines)


def access_log_record(*, by, kelurahan_id: int, action: str, subject: str) -> None:
    """Record that a staff user saw or took personal data (never blocks the view)."""
    AccessLog.objects.create(
        kelurahan_id=kelurahan_id, user=by, action=action, subject=subject[:200]
    )


def letter_files_sweep(*, older_than: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
    """Delete letter PDFs and requirement documents that no row points to; return how many.

    A file is written before its transaction (signing, an online request) commits; if the commit
    then fails (or an outer transaction rolls back), the file stays behind with personal data in
    it. Files younger than `older_than` are left alone: they may belong to a transaction still in
    progress.
    """
    storage = Letter._meta.get_field("pdf").storage
    referenced = set(Letter.objects.exclude(pdf="").values_list("pdf", flat=True))
    referenced.update(RequirementDocument.objects.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    removed = 0

    def walk(folder: str):
        directories, files = storage.listdir(folder)
        for name in files:
            yield f"{folder}/{name}"
        for directory in directories:
            yield from walk(f"{folder}/{directory}")

    for folder in ("letters", "documents"):
        if not storage.exists(folder):
            continue
        for name in walk(folder):
            if name not in referenced and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                removed += 1
    return removed


# --- One-time codes for a resident's PDF download ---------------------------------------------

DOWNLOAD_CODE_DIGITS = 6
DOWNLOAD_CODE_MAX_TRIES = 5  # wrong codes before this one is dead and a new one must be asked for
DOWNLOAD_CODES_PER_HOUR = 5  # codes sent for one letter in an hour (no flood in the inbox)


class DownloadCodeError(ValueError):
    """A download code that cannot be sent or is not right; the message says what to do."""


def _download_code_hash(letter_id: int, code: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY and bound to the letter: a copy of the table alone gives
    no code, and a code for one letter opens no other. (Not make_password: a 6-digit code is
    guarded by its 5 tries and 15 minutes, not by a slow hash.)"""
    return salted_hmac(
        "layanan.download-code", f"{letter_id}:{code}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def download_code_send(*, letter: Letter) -> DownloadCode:
    """A new one-time code for the resident's signed PDF, e-mailed to the address given in the
    request (on commit, as the status e-mails are). Any earlier code of the letter stops
    working. Raises DownloadCodeError when the letter has no e-mail or too many codes were sent
    within the hour."""
    if not letter.email:
        raise DownloadCodeError(_("No email was given in this request, so no code can be sent."))
    Letter.objects.select_for_update().filter(pk=letter.pk).first()  # one sender at a time
    now = timezone.now()
    codes = DownloadCode.objects.for_kelurahan(letter.kelurahan_id).filter(letter=letter)
    if codes.filter(created_at__gte=now - datetime.timedelta(hours=1)).count() >= (
        DOWNLOAD_CODES_PER_HOUR
    ):
        raise DownloadCodeError(
            _(
                "%(count)d codes were sent for this letter within the hour. Use the newest one "
                "from your email, or try again in an hour."
            )
            % {"count": DOWNLOAD_CODES_PER_HOUR}
        )
    codes.filter(used_at=None, expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(10**DOWNLOAD_CODE_DIGITS):0{DOWNLOAD_CODE_DIGITS}d}"
    row = DownloadCode.objects.create(
        kelurahan_id=letter.kelurahan_id,
        letter=letter,
        code_hash=_download_code_hash(letter.pk, code),
        expires_at=now + datetime.timedelta(seconds=DOWNLOAD_CODE_MAX_AGE),
    )
    _resident_mail(letter, *_download_code_email(letter, code))
    return row


def _download_code_email(letter: Letter, code: str) -> tuple[str, str]:
    with translation.override(django_settings.LANGUAGE_CODE):
        values = {
            "code": code,
            "tracking": tracking_code_display(letter.tracking_code or ""),
            "letter": letter.letter_type.name,
            "kelurahan": str(letter.kelurahan),
            "minutes": DOWNLOAD_CODE_MAX_AGE // 60,
        }
        subject = _("Download code for your letter %(tracking)s") % values
        lines = [
            _("Your code to download the signed %(letter)s from %(kelurahan)s:") % values,
            "",
            f"    {code}",
            "",
            _(
                "Type it on the tracking page where you asked for it. It works once, for "
                "%(minutes)d minutes."
            )
            % values,
            _(
                "Never give this code to anyone, staff of the kelurahan included. If you did not "
                "ask for it, ignore this email: without the code nobody can take your letter."
            ),
            "",
            _("This email was sent automatically; replies are not read."),
        ]
        return subject, "\n".join(str(line) for line in lines)


def download_code_check(*, letter: Letter, code: str) -> None:
    """Use the letter's current download code: the right one is spent (single use); a wrong
    one counts a try, and after DOWNLOAD_CODE_MAX_TRIES the code is dead. Raises
    DownloadCodeError with what to do next."""
    with transaction.atomic():
        row = (
            DownloadCode.objects.for_kelurahan(letter.kelurahan_id)
            .select_for_update()
            .filter(
                letter=letter,
                used_at=None,
                expires_at__gt=timezone.now(),
                failed_attempts__lt=DOWNLOAD_CODE_MAX_TRIES,
            )
            .first()
        )
        if row is None:
            error = _(
                "This code is no longer valid: it was used, it expired, or it was typed wrong "
                "too often. Ask for a new code."
            )
        elif constant_time_compare(row.code_hash, _download_code_hash(letter.pk, code)):
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return
        else:
            row.failed_attempts += 1
            row.save(update_fields=["failed_attempts"])
            left = DOWNLOAD_CODE_MAX_TRIES - row.failed_attempts
            if left:
                error = ngettext(
                    "The code is not right; %(left)d try left. Check the newest email from us.",
                    "The code is not right; %(left)d tries left. Check the newest email from us.",
                    left,
                ) % {"left": left}
            else:
                error = _("The code was typed wrong too often. Ask for a new code.")
    # Raised outside the transaction, so the counted try stays counted.
    raise DownloadCodeError(error)
