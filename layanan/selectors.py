"""Reads for letters that views share."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass

from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kelurahan import workdays
from kelurahan.models import Kelurahan, Service
from kelurahan.regions import UnknownRegion, get_region
from layanan.forms import LetterForm
from layanan.kinds import KINDS, LetterKind
from layanan.models import Letter, LetterEvent, LetterSettings, LetterType, RequirementDocument
from layanan.nik import NIKError, nik_warnings, parse_nik

VERIFICATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def letter_for_verification(token: str) -> Letter:
    """A signed (or voided) letter by its unguessable token; anything else is simply not found.

    Tokens are secrets.token_urlsafe(24): anything else (a NUL byte, which PostgreSQL refuses
    in a text comparison) is not found without asking the database."""
    if not VERIFICATION_TOKEN.fullmatch(token):
        raise Http404
    return get_object_or_404(
        Letter.objects.unscoped("anyone holding a letter checks it by its QR code")
        .select_related("letter_type", "kelurahan__kecamatan__city")
        .filter(state__in=[Letter.State.SIGNED, Letter.State.HANDED_OVER, Letter.State.VOID]),
        verification_token=token,
    )


def mask_name(name: str) -> str:
    """ "Budi Santoso" -> "B*** S******": enough to recognise, not enough to learn."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)


@dataclass(frozen=True, slots=True)
class OnlineKind:
    """A letter type a resident may ask for online at one kelurahan."""

    kind: LetterKind
    name: str  # the kelurahan's name for it
    service_id: int | None  # its catalog entry, if the kelurahan linked one
    catalog_slug: str  # the default catalog entry, for types not made yet


def online_request_kinds(kelurahan: Kelurahan) -> list[OnlineKind]:
    """The letter types open to online requests, in two queries and without writing anything.

    Letter settings and types are made on first use; until then the defaults in code count
    (online requests on, every kind online and in use), exactly as the first request finds them.
    """
    accepting = (
        LetterSettings.objects.for_kelurahan(kelurahan)
        .values_list("online_requests", flat=True)
        .first()
    )
    if accepting is False:
        return []
    types = {
        row["kind"]: row
        for row in LetterType.objects.for_kelurahan(kelurahan).values(
            "kind", "name", "online", "is_active", "service_id"
        )
    }
    found = []
    for key, kind in KINDS.items():
        row = types.get(key)
        if row is None:
            found.append(OnlineKind(kind, kind.name, None, kind.catalog_slug))
        elif row["online"] and row["is_active"]:
            found.append(OnlineKind(kind, row["name"], row["service_id"], ""))
    return found


def online_request_kind(kelurahan: Kelurahan, key: str) -> OnlineKind:
    """One letter type open to online requests, or 404 (unknown, not online, or turned off)."""
    for online in online_request_kinds(kelurahan):
        if online.kind.key == key:
            return online
    raise Http404


def online_request_service(kelurahan: Kelurahan, online: OnlineKind) -> Service | None:
    """The catalog entry (with its requirements) of a letter type open to online requests."""
    services = Service.objects.for_kelurahan(kelurahan).filter(is_active=True)
    if online.service_id:
        return services.filter(pk=online.service_id).first()
    return services.filter(slug=online.catalog_slug).first()


def letter_timeline(letter: Letter) -> list[LetterEvent]:
    return list(LetterEvent.objects.for_kelurahan(letter.kelurahan_id).filter(letter=letter))


def letter_documents(letter: Letter) -> list[RequirementDocument]:
    return list(
        RequirementDocument.objects.for_kelurahan(letter.kelurahan_id).filter(letter=letter)
    )


def nik_region_known(region_code: str) -> bool:
    """Whether a NIK's region ("33.72.01") is a kecamatan in the current Kemendagri list."""
    try:
        get_region(region_code)
    except UnknownRegion:
        return False
    return True


def letter_nik_warnings(letter: Letter) -> list[str]:
    """What the letter's NIK contradicts (region unknown, birth date or sex differing from the
    details): none blocks the letter, each is worth a look before signing. Birth date and sex
    count only where they are the NIK holder's (a birth letter's NIK is a parent's)."""
    try:
        nik = parse_nik(letter.nik)
    except NIKError:
        return []  # stored before today's checks; the operator sees the NIK itself
    about_holder = issubclass(KINDS[letter.letter_type.kind].form, LetterForm)
    birth_date = None
    if about_holder and letter.data.get("birth_date"):
        try:
            birth_date = datetime.date.fromisoformat(letter.data["birth_date"])
        except (TypeError, ValueError):
            birth_date = None
    sex = letter.data.get("sex") if about_holder else None
    return nik_warnings(
        nik,
        birth_date=birth_date,
        sex=sex if sex in ("L", "P") else None,
        region_exists=nik_region_known,
    )


def letter_for_verification_by_number(
    number: str, date: datetime.date, nik_last4: str
) -> Letter | None:
    """The signed (or handed-over, or void) letter with this number, dated this day, whose NIK
    ends in these digits; None otherwise, and which of the three was wrong is not told.

    Numbers are sequential and dates few, so those two are guessable: the NIK digits are the
    secret part, compared in constant time with every candidate's. The number matches without
    spaces or case ("xii" is the printed "XII"); the date is the signing date in the portal's
    time zone, the one the letter prints. Drafts never match: they have no number.
    """
    wanted = "".join(number.split()).upper()
    if not wanted:
        return None
    day_start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    candidates = (
        Letter.objects.unscoped("anyone holding a letter checks it by its printed number")
        .select_related("letter_type", "kelurahan__kecamatan__city")
        .filter(
            state__in=[Letter.State.SIGNED, Letter.State.HANDED_OVER, Letter.State.VOID],
            # The day as a range, so the index on signed_at serves it (a __date lookup would
            # cast every row).
            signed_at__gte=day_start,
            signed_at__lt=day_start + datetime.timedelta(days=1),
        )
        .alias(plain_number=Replace(Upper("number"), Value(" "), Value("")))
        .filter(plain_number=wanted)[:10]  # one, unless two kelurahan number alike
    )
    found = None
    for letter in candidates:
        if secrets.compare_digest(letter.nik[-4:].encode(), nik_last4.encode()) and found is None:
            found = letter
    return found


def letter_expected_date(letter: Letter) -> datetime.date | None:
    """When the resident may expect the letter: the service's promised working days counted from
    the day the request arrived (kelurahan/workdays.py). None once it is decided (signed, handed
    over, rejected, void), or when its kind is tied to no service and so promises nothing."""
    if letter.state not in (Letter.State.SUBMITTED, Letter.State.VERIFIED):
        return None
    service = letter.letter_type.service
    if service is None:
        return None
    return workdays.expected_date(
        city_id=letter.kelurahan.kecamatan.city_id,
        start=timezone.localdate(letter.created_at),
        days=service.service_days,
    )


OPEN_STATES = (Letter.State.SUBMITTED, Letter.State.VERIFIED)


def letters_past_promise(letters, *, city_id: int | None, today: datetime.date | None = None):
    """The open letters of `letters` (one kelurahan's or one city's, so one calendar) whose
    expected date has passed: still submitted or verified, the service's working days counted
    from the day they arrived. Two queries to build, whatever the number of letters: the
    distinct promised days among them, then one filter with a bound per number of days."""
    today = today or timezone.localdate()
    open_letters = letters.filter(state__in=OPEN_STATES, letter_type__service__isnull=False)
    promised = sorted(
        set(
            open_letters.order_by()
            .values_list("letter_type__service__service_days", flat=True)
            .distinct()
        )
    )
    if not promised:
        return open_letters.none()
    # The earliest arrival that can matter: the longest promise, its weekends and holidays.
    earliest = today - datetime.timedelta(days=max(promised) * 2 + 60)
    calendar = workdays.Calendar.for_city(city_id, earliest, today)
    zone = timezone.get_current_timezone()
    bound = Q()
    for days in promised:
        last = calendar.latest_start_overdue(today, days)
        arrived_by = datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time(), zone
        )
        bound |= Q(letter_type__service__service_days=days, created_at__lt=arrived_by)
    return open_letters.filter(bound)
