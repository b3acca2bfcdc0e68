"""Writes for letters: creation, the workflow's moves, signing (number + PDF), online requests.

Every move goes through one service, letter_move, which reads the move from the workflow table
(layanan.workflow.MOVES): it locks the letter row, checks the source state, the user's role and
kelurahan (layanan.access), applies the move's effects, records who/when/from/to/why in a
LetterEvent, and refuses anything else with a message that says why.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kelurahan import background, metrics
from kelurahan.hosts import site_reverse
from kelurahan.models import CityService, Kelurahan, Service
from layanan import access, notifications, register_upkeep, tally
from layanan.documents import CheckedDocument
from layanan.kinds import KINDS
from layanan.letter_texts import letter_texts_render, letter_texts_seed
from layanan.models import (
    AccessLog,
    DownloadCode,
    Letter,
    LetterEvent,
    LetterSettings,
    LetterType,
    RequirementDocument,
    SigningAuthority,
    official_signing_problems,
)
from layanan.numbering import format_number, next_sequence
from layanan.pdf import render_letter_pdf
from layanan.tracking import DOWNLOAD_CODE_MAX_AGE, tracking_code_display, tracking_code_new
from layanan.workflow import MOVES, Action, Effect, Move

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models.fields.files import FieldFile

State = Letter.State


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
    """The kelurahan's letter settings; until they are first saved (in the admin), the defaults
    as an unsaved row. A read: it never writes, so no page that shows settings writes either."""
    settings = LetterSettings.objects.for_kelurahan(kelurahan).first()
    return settings or LetterSettings(kelurahan=kelurahan)


def letter_types_create(*, kelurahan_ids: Sequence[int]) -> None:
    """Every kind in code as a letter type of these kelurahan, linked to its catalog entry;
    kinds a kelurahan already has are left as they are. Runs when kelurahan are provisioned
    (the `kelurahan_provisioned` signal), so the operator finds the types to edit at once."""
    catalog_slugs = [kind.catalog_slug for kind in KINDS.values()]
    cities = dict(
        Kelurahan.objects.filter(pk__in=kelurahan_ids).values_list("pk", "kecamatan__city_id")
    )
    city_services = {
        (city_id, slug): pk
        for pk, city_id, slug in CityService.objects.filter(
            city_id__in=set(cities.values()), slug__in=catalog_slugs
        ).values_list("pk", "city_id", "slug")
    }
    own = {
        (kelurahan_id, slug): pk
        for pk, kelurahan_id, slug in Service.objects.unscoped(
            "catalog entries of the kelurahan being given letter types"
        )
        .filter(kelurahan_id__in=kelurahan_ids, slug__in=catalog_slugs)
        .values_list("pk", "kelurahan_id", "slug")
    }
    LetterType.objects.bulk_create(
        [
            LetterType(
                kelurahan_id=kelurahan_id,
                kind=kind.key,
                name=kind.name,
                classification=kind.classification,
                service_id=own.get((kelurahan_id, kind.catalog_slug)),
                city_service_id=city_services.get((cities[kelurahan_id], kind.catalog_slug)),
            )
            for kelurahan_id in kelurahan_ids
            for kind in KINDS.values()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def letter_types_on_provision(sender, *, kelurahan_ids: Sequence[int], **kwargs) -> None:
    letter_types_create(kelurahan_ids=kelurahan_ids)
    city_ids = set(
        Kelurahan.objects.filter(pk__in=kelurahan_ids).values_list("kecamatan__city_id", flat=True)
    )
    letter_texts_seed(city_ids=city_ids)


def letter_types_follow_catalog(
    sender, *, kelurahan_id: int, city_service_id: int, service_id: int | None, **kwargs
) -> None:
    """A kelurahan made its own version of a city service (`service_id`) or went back to the
    city's (None): its letter types tied to that entry carry the entry it now shows."""
    LetterType.objects.for_kelurahan(kelurahan_id).filter(
        Q(city_service_id=city_service_id) | Q(service__city_service_id=city_service_id)
    ).update(service_id=service_id, city_service_id=city_service_id)


def letter_types_ensure(*, kelurahan: Kelurahan) -> dict[str, LetterType]:
    """The kelurahan's letter types by kind, creating missing ones from the kinds in code (a
    kind added to the code after the kelurahan was provisioned). Writes: call it from writes."""
    existing = {t.kind: t for t in LetterType.objects.for_kelurahan(kelurahan)}
    if any(key not in existing for key in KINDS):
        letter_types_create(kelurahan_ids=[kelurahan.pk])
        existing = {t.kind: t for t in LetterType.objects.for_kelurahan(kelurahan)}
    return existing


@transaction.atomic
def letter_create(*, kelurahan: Kelurahan, kind: str, by: User, data: dict) -> Letter:
    """A letter typed in by an operator: they checked the documents, so it starts verified."""
    access.role_check(by, "layanan.add_letter", kelurahan_id=kelurahan.pk)
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


# Until it is signed a letter's details may still be corrected (each change in its timeline);
# after that only voiding it, and issuing it again, changes what the resident holds.
EDITABLE_STATES = (State.SUBMITTED, State.WAITING, State.VERIFIED)


@transaction.atomic
def letter_details_update(*, letter_id: int, by: User, data: dict) -> Letter:
    """Correct an unsigned letter's details (the cleaned data of its kind's form). The change
    is an event of the letter's timeline naming the fields changed; nothing changed, no event."""
    letter = access.letter_for(by, letter_id, for_update=True)
    access.role_check(by, "layanan.change_letter", kelurahan_id=letter.kelurahan_id)
    if letter.state not in EDITABLE_STATES:
        raise TransitionError(
            _(
                "This letter is %(state)s: its details can no longer be changed. Void it and "
                "issue it again."
            )
            % {"state": letter.get_state_display().lower()}
        )
    changed = [key for key in data if data[key] != letter.data.get(key)]
    changed += [key for key in letter.data if key not in data]
    if not changed:
        return letter
    labels = KINDS[letter.letter_type.kind].form.base_fields
    names = ", ".join(str(labels[key].label) if key in labels else key for key in changed)
    letter.data = data
    letter.nik, letter.name = data["nik"], data["name"]
    letter.save(update_fields=["data", "nik", "name"])
    LetterEvent.objects.create(
        kelurahan_id=letter.kelurahan_id,
        letter=letter,
        from_state=letter.state,
        to_state=letter.state,
        by=by,
        note=_("Details changed: %(fields)s") % {"fields": names},
    )
    return letter


@transaction.atomic
def letter_void_and_reissue(*, letter_id: int, by: User, reason: str) -> Letter:
    """Void a signed letter and start a new one from its details, linked to it (reissue_of),
    verified and ready to be corrected and signed. Both or neither: a refusal of either step
    leaves the old letter as it was."""
    old = access.letter_for(by, letter_id)
    access.role_check(by, "layanan.add_letter", kelurahan_id=old.kelurahan_id)
    if old.recorded_outside:
        raise TransitionError(
            _(
                "This number belongs to a letter made outside the portal: the portal has no "
                "details to issue it again from. Void it, then issue a new letter."
            )
        )
    old = letter_move(letter_id=letter_id, action=Action.VOID, by=by, reason=reason)
    letter = Letter.objects.create(
        kelurahan_id=old.kelurahan_id,
        letter_type=old.letter_type,
        state=State.VERIFIED,
        nik=old.nik,
        name=old.name,
        data=dict(old.data),
        created_by=by,
        reissue_of=old,
    )
    LetterEvent.objects.create(
        kelurahan_id=old.kelurahan_id,
        letter=letter,
        from_state="",
        to_state=State.VERIFIED,
        by=by,
        note=_("Issued again for the void letter %(number)s") % {"number": old.number},
    )
    return letter


def _locked(letter_id: int, move: Move, *, by: User) -> Letter:
    """The letter, locked for this transaction, if `by` may make this move from its state."""
    letter = access.letter_for(by, letter_id, for_update=True)
    access.role_check(by, move.permission, kelurahan_id=letter.kelurahan_id)
    if not move.allowed_from(letter.state):
        raise TransitionError(
            _("This letter is %(state)s; it cannot be %(action)s. Allowed from: %(allowed)s.")
            % {
                "state": letter.get_state_display().lower(),
                "action": move.done,
                "allowed": ", ".join(str(State(s).label).lower() for s in move.sources),
            }
        )
    if not move.applies_to(letter):
        raise TransitionError(
            _("Only a request sent online can be %(action)s; at the counter, ask the resident.")
            % {"action": move.done}
        )
    return letter


@transaction.atomic
def letter_move(
    *, letter_id: int, action: Action | str, by: User, reason: str = "", **details: str
) -> Letter:
    """Make one move of the workflow table (layanan.workflow.MOVES) on a letter.

    Locks the letter, checks that it is of `by`'s kelurahan (Letter.DoesNotExist, as for a
    missing letter), that their role may make the move (PermissionDenied) and that the letter's
    state allows it (TransitionError); then applies the move's effects, records the event with
    the reason as its note, and e-mails the resident once the transaction commits. `reason` is
    the reason a rejection or void needs; `details` are the rest of the move's form (a signing's
    `authority`, the id of the signer's signing authority). Anything refused changes nothing: no
    number is used, no PDF is kept.
    """
    move = MOVES[Action(action)]
    accepted = set(move.form.base_fields) if move.form else set()
    unexpected = set(details) - accepted
    if unexpected or (reason and not move.reason_required):
        raise TypeError(f"{move.action} takes no {sorted(unexpected) or ['reason']}")
    letter = _locked(letter_id, move, by=by)
    reason = reason.strip()
    if move.reason_required and not reason:
        raise TransitionError(
            _("A letter is %(action)s only with a reason the resident can act on; give one.")
            % {"action": move.done}
        )
    stored: list[FieldFile] = []  # files the effects wrote, deleted again if the move fails
    try:
        for effect in move.effects:
            EFFECTS[effect](letter, by=by, reason=reason, stored=stored, **details)
        return _record(letter, move, by=by, note=reason)
    except Exception:
        for file in stored:
            file.storage.delete(file.name)
        raise


def _record(letter: Letter, move: Move, *, by: User | None, note: str = "") -> Letter:
    """Apply a checked move to a locked letter and write its event."""
    source = letter.state
    letter.state = move.target
    letter.save()
    LetterEvent.objects.create(
        kelurahan_id=letter.kelurahan_id,
        letter=letter,
        from_state=source,
        to_state=move.target,
        by=by,
        note=note,
    )
    register_upkeep.letter_moved(letter, move)  # a signed death letter marks the resident
    if Effect.NUMBER_AND_PDF in move.effects:
        tally.letter_tally_count(letter=letter)  # Diskominfo's dashboard, in this transaction
        kind = letter.letter_type.kind  # counted for /metrics once the signing has committed
        transaction.on_commit(lambda: metrics.letters_signed_total.labels(kind).inc())
    _resident_notify(letter)
    return letter


def _store_reason(letter: Letter, *, reason: str, **_context) -> None:
    letter.reason = reason


def _stamp_voided(letter: Letter, **_context) -> None:
    """Void a signed letter: its number stays used and verification shows it as void."""
    letter.voided_at = timezone.now()


def _signing_authority(letter: Letter, *, by: User, authority, today) -> SigningAuthority:
    """The authority `by` signs this letter under, if it is theirs, for the letter's kelurahan,
    valid today, and its official can still sign in it; else TransitionError saying why."""
    authority_id = getattr(authority, "pk", authority)
    row = (
        SigningAuthority.objects.for_kelurahan(letter.kelurahan_id)
        .select_related("official", "kelurahan")
        .filter(pk=authority_id, user_id=by.pk)
        .first()
        if authority_id
        else None
    )
    if row is None:
        raise TransitionError(
            _(
                "This is not a signing authority of yours for this kelurahan's letters. A letter "
                "is signed only under an authority recorded for your own account; ask the "
                "kelurahan's operator to record it."
            )
        )
    if not row.valid_on(today):
        raise TransitionError(
            _(
                "Your signing authority (%(authority)s) is not valid today: it runs from "
                "%(start)s to %(end)s. Ask the kelurahan's operator to record the current decree."
            )
            % {
                "authority": row.title_line(),
                "start": formats.date_format(row.valid_from, "j F Y"),
                "end": formats.date_format(row.valid_until, "j F Y")
                if row.valid_until
                else _("further notice"),
            }
        )
    problems = official_signing_problems(row.official, letter.kelurahan, row.capacity)
    if problems:
        raise TransitionError(" ".join(str(problem) for problem in problems))
    return row


def _number_and_pdf(
    letter: Letter,
    *,
    by: User,
    stored: list[FieldFile],
    authority: int | SigningAuthority | None = None,
    **_context,
) -> None:
    """Sign under one of `by`'s signing authorities: the signature block is copied from its
    official (a snapshot: later changes to the official leave signed letters as they are), then
    the next number is taken and the PDF rendered and stored, in the move's transaction.

    The number counter stays locked until commit, so concurrent signers in one kelurahan get
    consecutive, distinct numbers; if rendering or recording fails, no number is used and no PDF
    is kept. The QR code points at the kelurahan's site (its host, else PORTAL_URL), never at
    the host a request came in by.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    signing = _signing_authority(letter, by=by, authority=authority, today=today)
    official, kelurahan = signing.official, letter.kelurahan
    settings = letter_settings_get(kelurahan=letter.kelurahan)
    sequence = next_sequence(kelurahan_id=letter.kelurahan_id, year=today.year)
    letter.signed_at, letter.signed_by = now, by
    letter.year, letter.sequence = today.year, sequence
    letter.signing_authority = signing
    letter.signer_name, letter.signer_nip = official.name.strip(), official.nip
    letter.signer_capacity = signing.capacity
    # The position printed under "a.n. Lurah …" is the signer's own; otherwise it is the head's.
    letter.signer_position = (
        official.position if signing.capacity == Letter.Capacity.ON_BEHALF else kelurahan.head_title
    )
    letter.verification_token = secrets.token_urlsafe(24)
    letter.number = format_number(
        settings.number_format,
        classification=letter.letter_type.classification,
        seq=sequence,
        kelurahan_code=letter.kelurahan.code,
        on=today,
    )
    verify_url = site_reverse(
        letter.kelurahan, "layanan:verify", kwargs={"token": letter.verification_token}
    )
    # The standard texts in force now are the ones this letter is made with, and it says so.
    texts, versions = letter_texts_render(letter.kelurahan, letter.letter_type.kind, letter.data)
    letter.texts.set(versions)
    pdf = render_letter_pdf(letter, verify_url=verify_url, paper=settings.paper, texts=texts)
    letter.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    stored.append(letter.pdf)
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()


# What each effect of the workflow table does to the locked letter (before it is saved).
EFFECTS: dict[Effect, Callable[..., None]] = {
    Effect.STORE_REASON: _store_reason,
    Effect.STAMP_VOIDED: _stamp_voided,
    Effect.NUMBER_AND_PDF: _number_and_pdf,
}


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
    transaction.on_commit(lambda: metrics.online_requests_total.labels(kind).inc())
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
        .filter(nik=nik, state__in=(State.SUBMITTED, State.WAITING, State.VERIFIED))
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
    existing = (
        Letter.objects.unscoped("a request form id is unique across the deployment")
        .filter(request_key=request_key)
        .first()
    )
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
    _resident_mail(letter, subject, body, about=letter.state)


def _resident_mail(letter: Letter, subject: str, body: str, *, about: str) -> None:
    """Queue a mail to the e-mail the resident gave; it leaves once the transaction commits, sent
    by a background task (layanan/tasks.py), so no request waits on SMTP and a failing mail server
    is retried, never undoes the write."""
    background.defer(
        notifications.resident_mail,
        key=f"letter-mail:{letter.pk}:{about}:{uuid.uuid4().hex}",
        subject=subject,
        body=body,
        to=letter.email,
    )


def _status_email(letter: Letter) -> tuple[str, str]:
    with translation.override(django_settings.LANGUAGE_CODE):
        values = {
            "code": tracking_code_display(letter.tracking_code or ""),
            "letter": letter.letter_type.name,
            "kelurahan": str(letter.kelurahan),
            "status": letter.resident_status,
            "reason": letter.reason,
            "url": site_reverse(letter.kelurahan, "layanan:track"),
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
        elif letter.state == State.WAITING:
            lines.append(_("What the kelurahan needs from you: %(reason)s") % values)
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


@transaction.atomic
def tracking_codes_resend(*, nik: str, email: str) -> int:
    """E-mail the tracking codes of the online requests of this NIK that gave this address
    (access.requests_for_recovery) to that address, in one mail; return how many it lists.

    Nothing is sent, and nothing told, when none matches: the page that asks says the same
    either way. The mail is queued like the status mails (on commit, by a background task), so
    the resident never waits on SMTP."""
    letters = access.requests_for_recovery(nik, email)
    if not letters:
        return 0
    with translation.override(django_settings.LANGUAGE_CODE):
        url = site_reverse(letters[0].kelurahan, "layanan:track")
        lines = [
            _("You asked for the tracking codes of your letter requests. These are they:"),
            "",
        ]
        for letter in letters:
            values = {
                "letter": letter.letter_type.name,
                "kelurahan": str(letter.kelurahan),
                "date": formats.date_format(timezone.localtime(letter.created_at), "j F Y"),
                "code": tracking_code_display(letter.tracking_code),
                "status": letter.resident_status,
            }
            lines.append(
                _("- %(letter)s at %(kelurahan)s, sent %(date)s: %(code)s (%(status)s)") % values
            )
        lines += [
            "",
            _(
                "Follow a request at %(url)s with its tracking code and the last 4 digits of "
                "your NIK."
            )
            % {"url": url},
            _("If you did not ask for this, ignore this email: the codes were sent only to you."),
            "",
            _("This email was sent automatically; replies are not read."),
        ]
        subject = _("Your letter tracking codes")
    _resident_mail(letters[0], str(subject), "\n".join(str(line) for line in lines), about="codes")
    return len(letters)


def access_log_record(*, by: User, kelurahan_id: int, action: str, subject: str) -> None:
    """Record that a staff user saw or took personal data (never blocks the view)."""
    AccessLog.objects.create(
        kelurahan_id=kelurahan_id, user=by, action=action, subject=subject[:200]
    )


def letter_files_sweep(*, older_than: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
    """Delete letter PDFs and requirement documents that no row points to, and register files
    (imports never confirmed, exports) a day old; return how many.

    A file is written before its transaction (signing, an online request) commits; if the commit
    then fails (or an outer transaction rolls back), the file stays behind with personal data in
    it. Files younger than `older_than` are left alone: they may belong to a transaction still in
    progress.
    """
    storage = Letter._meta.get_field("pdf").storage
    letters = Letter.objects.unscoped("files of every kelurahan share one storage")
    documents = RequirementDocument.objects.unscoped("files of every kelurahan share one storage")
    referenced = set(letters.exclude(pdf="").values_list("pdf", flat=True))
    referenced.update(documents.values_list("file", flat=True))
    cutoff = timezone.now() - older_than
    removed = 0

    def walk(folder: str):
        # A bucket has no folders to ask exists() about: a missing prefix lists as empty, a
        # missing directory on disk raises.
        try:
            directories, files = storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            yield f"{folder}/{name}"
        for directory in directories:
            yield from walk(f"{folder}/{directory}")

    for folder in ("letters", "documents"):
        for name in walk(folder):
            if name not in referenced and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                removed += 1
    # A register file waits under imports/ between its preview and its confirmation, and an
    # XLSX export under exports/ until it is downloaded; both hold residents' data, so they go
    # after a day.
    abandoned = timezone.now() - max(older_than, datetime.timedelta(days=1))
    for name in [*walk("imports"), *walk("exports")]:
        if storage.get_modified_time(name) < abandoned:
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
    letters = Letter.objects.for_kelurahan(letter.kelurahan_id)
    letters.select_for_update().filter(pk=letter.pk).first()  # one sender at a time
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
    _resident_mail(letter, *_download_code_email(letter, code), about="download-code")
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
