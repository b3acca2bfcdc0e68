"""Who may see and act on letters, requirement documents, resident records and online requests.

One decision per kind of thing, asked by the views, selectors, services and the admin alike.
It builds on kelurahan.tenancy (which kelurahan a user works for): another kelurahan's object is
answered exactly as a missing one (DoesNotExist here; 404 in a view, the admin's "not found"),
never with a refusal that would tell it exists. Within their kelurahan a user's role decides
what they may do (PermissionDenied says the role may not).
"""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from kelurahan.tenancy import user_can_access, user_kelurahan_id, user_may_see_kelurahan
from layanan.models import Letter, LetterSettings, RequirementDocument, Resident
from layanan.workflow import MOVES, Action

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from kelurahan.tenancy import TenantQuerySet

# States in which a letter has a PDF the resident may take home.
PDF_STATES = (Letter.State.SIGNED, Letter.State.HANDED_OVER)
_LETTER_RELATIONS = (
    "letter_type__service",
    "letter_type__city_service",
    "kelurahan__kecamatan__city",
)


# --- Letters (staff) -----------------------------------------------------------------------------


def letters_for(user: User) -> TenantQuerySet:
    """The letters a staff user may see: their kelurahan's (its cities' for Diskominfo),
    none for a role that does not see letters."""
    letters = Letter.objects.for_user(user)
    return letters if user.has_perm("layanan.view_letter") else letters.none()


def letter_for(user: User, pk: int, *, for_update: bool = False) -> Letter:
    """One letter the user may see; Letter.DoesNotExist for another kelurahan's letter exactly
    as for a missing one. `for_update` locks its row until the transaction ends."""
    letters = letters_for(user).select_related(*_LETTER_RELATIONS)
    if for_update:
        letters = letters.select_for_update(of=("self",))
    return letters.get(pk=pk)


def may_move(user: User, letter: Letter, action: Action | str) -> bool:
    """Whether the user may make this move on this letter now (its state allows it, their role
    does, and the letter is of their kelurahan): the letter page offers only these."""
    move = MOVES[Action(action)]
    return (
        move.applies_to(letter) and user.has_perm(move.permission) and user_can_access(user, letter)
    )


def may_issue(user: User) -> bool:
    """Whether the user issues letters: staff of one kelurahan (Diskominfo has none to issue
    for) whose role adds letters."""
    return user_kelurahan_id(user) is not None and user.has_perm("layanan.add_letter")


def role_check(user: User, permission: str, *, kelurahan_id: int) -> None:
    """Refuse an act on a kelurahan's letters: Letter.DoesNotExist when the kelurahan is not the
    user's (as if nothing were there), PermissionDenied when their role may not do it."""
    if not user_can_access(user, Letter(kelurahan_id=kelurahan_id)):
        raise Letter.DoesNotExist
    if not user.has_perm(permission):
        raise PermissionDenied(_("Your role may not do this."))


def may_see_full_nik(user: User, kelurahan_id: int) -> bool:
    """Full NIKs are for staff working for that kelurahan (Diskominfo works for every kelurahan
    of its cities); everyone else sees them masked."""
    return user_may_see_kelurahan(user, kelurahan_id)


# --- Requirement documents and resident records (staff) ------------------------------------------


def documents_for(user: User) -> TenantQuerySet:
    """Requirement documents go with their letter: whoever may see the letters of the kelurahan
    may see its documents."""
    documents = RequirementDocument.objects.for_user(user)
    return documents if user.has_perm("layanan.view_letter") else documents.none()


def document_for(user: User, pk: int) -> RequirementDocument:
    """One requirement document; RequirementDocument.DoesNotExist for another kelurahan's."""
    return documents_for(user).select_related("letter").get(pk=pk)


def residents_for(user: User) -> TenantQuerySet:
    """The resident register rows a staff user may see: their kelurahan's, if their role reads
    the register."""
    residents = Resident.objects.for_user(user)
    return residents if user.has_perm("layanan.view_resident") else residents.none()


# --- Online requests (residents, no account) -----------------------------------------------------


def _requests():
    # A resident has no account: a request is found by what only they know (its tracking code
    # and NIK digits) or by a link this portal signed, never by a kelurahan scope.
    return (
        Letter.objects.unscoped("a resident's own online request")
        .select_related(*_LETTER_RELATIONS)
        .exclude(tracking_code=None)
    )


def request_for(tracking_code: str, nik_last4: str) -> Letter | None:
    """The online request with this tracking code whose NIK ends in these digits, or None;
    which of the two was wrong is not told."""
    letter = _requests().filter(tracking_code=tracking_code).first()
    if letter is None or not secrets.compare_digest(letter.nik[-4:], nik_last4):
        return None
    return letter


# How far back a lost tracking code can be asked for again, and how many requests one mail lists.
RECOVERY_DAYS = 365
RECOVERY_MAX_LETTERS = 10


def requests_for_recovery(nik: str, email: str) -> list[Letter]:
    """The online requests of this NIK that gave this e-mail address (case-insensitive), newest
    first, from the last RECOVERY_DAYS: what a lost-code mail to that address may list. Only
    the address the request gave receives them, so the NIK alone opens nothing."""
    since = timezone.now() - datetime.timedelta(days=RECOVERY_DAYS)
    return list(
        _requests()
        .filter(nik=nik, email__iexact=email, created_at__gte=since)
        .order_by("-created_at")[:RECOVERY_MAX_LETTERS]
    )


def request_by_id(letter_id: int) -> Letter:
    """The online request a signed link or ticket names (layanan.tracking checked the
    signature); Letter.DoesNotExist for any other letter."""
    return _requests().get(pk=letter_id)


def resident_may_download(letter: Letter) -> bool:
    """A signed (not void) online request, in a kelurahan that lets residents take the PDF."""
    if letter.tracking_code is None or letter.state not in PDF_STATES or not letter.pdf:
        return False
    allowed = (
        LetterSettings.objects.for_kelurahan(letter.kelurahan_id)
        .values_list("resident_pdf_download", flat=True)
        .first()
    )
    return allowed is not False  # settings not saved yet: the default, allowed


def request_for_download(letter_id: int) -> Letter:
    """The signed online request a download link names; Letter.DoesNotExist if it may not be
    taken (voided since, or the kelurahan keeps PDFs at the office)."""
    letter = request_by_id(letter_id)
    if not resident_may_download(letter):
        raise Letter.DoesNotExist
    return letter
