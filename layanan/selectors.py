"""Reads for letters that views share."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, Value
from django.db.models.functions import Replace, Upper
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kelurahan import workdays
from kelurahan.catalog import catalog_for
from kelurahan.hosts import site_reverse
from kelurahan.models import CityDayOff, CityService, Kelurahan, Service, ServiceContent
from kelurahan.regions import UnknownRegion, get_region
from layanan.forms import LetterForm
from layanan.kinds import KINDS, LetterKind
from layanan.models import Letter, LetterEvent, LetterSettings, LetterType, RequirementDocument
from layanan.nik import NIKError, nik_warnings, parse_nik
from layanan.tracking import tracking_code_display

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
    service_id: int | None  # its catalog entry of the kelurahan's own, if it has one
    city_service_id: int | None  # else the city's entry it is tied to
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
            "kind", "name", "online", "is_active", "service_id", "city_service_id"
        )
    }
    found = []
    for key, kind in KINDS.items():
        row = types.get(key)
        if row is None:
            found.append(OnlineKind(kind, kind.name, None, None, kind.catalog_slug))
        elif row["online"] and row["is_active"]:
            found.append(
                OnlineKind(kind, row["name"], row["service_id"], row["city_service_id"], "")
            )
    return found


def online_request_kind(kelurahan: Kelurahan, key: str) -> OnlineKind:
    """One letter type open to online requests, or 404 (unknown, not online, or turned off)."""
    for online in online_request_kinds(kelurahan):
        if online.kind.key == key:
            return online
    raise Http404


def online_request_service(kelurahan: Kelurahan, online: OnlineKind) -> ServiceContent | None:
    """The catalog entry (with its requirements) of a letter type open to online requests: the
    one it is tied to, else the entry of its kind's default slug, as the kelurahan shows it."""
    entries = catalog_for(kelurahan)
    if online.service_id or online.city_service_id:
        return next(
            (
                e
                for e in entries
                if (isinstance(e, Service) and e.pk == online.service_id)
                or (isinstance(e, CityService) and e.pk == online.city_service_id)
                or (isinstance(e, Service) and e.city_service_id == online.city_service_id)
            ),
            None,
        )
    return next((e for e in entries if e.slug == online.catalog_slug), None)


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
    service = letter.letter_type.catalog_entry
    if service is None:
        return None
    return workdays.expected_date(
        city_id=letter.kelurahan.kecamatan.city_id,
        start=timezone.localdate(letter.created_at),
        days=service.service_days,
    )


OPEN_STATES = (Letter.State.SUBMITTED, Letter.State.VERIFIED)
# A resident's request not yet signed: still to be collected at the office.
IN_PROGRESS_STATES = (Letter.State.SUBMITTED, Letter.State.WAITING, Letter.State.VERIFIED)

# A letter's promise is its type's catalog entry: the kelurahan's own row when it has one, else
# the city's entry it follows (LetterType.catalog_entry, in SQL).
_OWN_ENTRY = "letter_type__service__service_days"
_CITY_ENTRY = "letter_type__city_service__service_days"
_TIED_TO_A_SERVICE = Q(letter_type__service__isnull=False) | Q(
    letter_type__city_service__isnull=False
)


def _promising(days: int) -> Q:
    """Letters whose catalog entry promises `days` working days."""
    return Q(**{_OWN_ENTRY: days}) | Q(letter_type__service__isnull=True, **{_CITY_ENTRY: days})


def letters_past_promise(letters, *, city_id: int | None, today: datetime.date | None = None):
    """The open letters of `letters` (one kelurahan's or one city's, so one calendar) whose
    expected date has passed: still submitted or verified, the service's working days counted
    from the day they arrived. Two queries to build, whatever the number of letters: the
    distinct promised days among them, then one filter with a bound per number of days."""
    today = today or timezone.localdate()
    open_letters, promised = _open_and_promised(letters)
    if not promised:
        return open_letters.none()
    calendar = workdays.Calendar.for_city(city_id, _earliest_arrival(today, promised), today)
    bound = Q()
    for days in promised:
        bound |= _promising(days) & Q(created_at__lt=_overdue_if_before(calendar, today, days))
    return open_letters.filter(bound)


def _open_and_promised(letters):
    """The open letters tied to a service, and the distinct promised days among them (a query)."""
    open_letters = letters.filter(_TIED_TO_A_SERVICE, state__in=OPEN_STATES)
    promised = sorted(
        {
            own if own is not None else city
            for own, city in open_letters.order_by().values_list(_OWN_ENTRY, _CITY_ENTRY).distinct()
        }
        - {None}
    )
    return open_letters, promised


def _earliest_arrival(today: datetime.date, promised: list[int]) -> datetime.date:
    """The earliest arrival that can matter: the longest promise, its weekends and holidays."""
    return today - datetime.timedelta(days=max(promised) * 2 + 60)


def _overdue_if_before(calendar, today: datetime.date, days: int) -> datetime.datetime:
    """What arrived before this moment, promised in `days` working days, is past its promise."""
    last = calendar.latest_start_overdue(today, days)
    zone = timezone.get_current_timezone()
    return datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), zone)


WORK_LIST_LENGTH = 5


@dataclass
class WorkBucket:
    """One queue of the staff work page: how many letters wait in it, the oldest few, and the
    filtered letter list that holds them all."""

    key: str
    label: str
    count: int
    letters: list[Letter]
    url: str


def work_queue(letters, *, city_id: int | None, today: datetime.date | None = None):
    """The work page's queues over `letters` (one kelurahan's, as the user may see them): new
    online requests, waiting for the resident, verified and waiting for a signature, signed and
    not yet handed over, past the promised date. The oldest first in each short list, each with
    its expected date. A fixed number of queries however many letters there are: one count
    for all states, one short list per queue, and letters_past_promise's two plus its count."""
    today = today or timezone.localdate()
    changelist = reverse("admin:layanan_letter_changelist")
    state = Letter.State
    queues = (
        ("new", _("New online requests"), state.SUBMITTED),
        ("waiting", _("Waiting for the resident"), state.WAITING),
        ("to_sign", _("Verified, waiting for a signature"), state.VERIFIED),
        ("to_hand_over", _("Signed, not yet handed over"), state.SIGNED),
    )
    # Only the queues' states, each counted by its state: an index-only scan of (kelurahan,
    # state, created_at), not a pass over every letter the kelurahan ever issued (0.7 ms
    # instead of 60-150 ms at 100,000 letters, tests/bench/operator_journey.py).
    counts = (
        letters.filter(state__in=[value for _key, _label, value in queues])
        .order_by()
        .aggregate(**{key: Count("state", filter=Q(state=value)) for key, _label, value in queues})
    )
    buckets = [
        WorkBucket(
            key=key,
            label=label,
            count=counts[key],
            letters=_oldest(letters.filter(state=value), counts[key]),
            url=f"{changelist}?state__exact={value}",
        )
        for key, label, value in queues
    ]
    late = letters_past_promise(letters, city_id=city_id, today=today)
    late_count = late.count()
    buckets.append(
        WorkBucket(
            key="late",
            label=_("Past the promised date"),
            count=late_count,
            letters=_oldest(late, late_count),
            url=f"{changelist}?promise=late",
        )
    )
    _expected_dates_attach(
        [letter for bucket in buckets for letter in bucket.letters], city_id=city_id
    )
    return buckets


def _oldest(letters, count: int) -> list[Letter]:
    """The first few of a queue, oldest first; no query for an empty one."""
    if not count:
        return []
    ordered = letters.select_related("letter_type__service", "letter_type__city_service").order_by(
        "created_at", "pk"
    )
    return list(ordered[:WORK_LIST_LENGTH])


def _expected_dates_attach(letters: list[Letter], *, city_id: int | None) -> None:
    """Set `expected` on each open letter (None for the others) from one calendar."""
    open_letters = [
        letter
        for letter in letters
        if letter.state in OPEN_STATES and letter.letter_type.catalog_entry is not None
    ]
    for letter in letters:
        letter.expected = None
    if not open_letters:
        return
    start = min(timezone.localdate(letter.created_at) for letter in open_letters)
    calendar = workdays.Calendar.for_city(city_id, start)
    for letter in open_letters:
        letter.expected = calendar.add(
            timezone.localdate(letter.created_at), letter.letter_type.catalog_entry.service_days
        )


def resident_whatsapp_url(letter: Letter) -> str:
    """A wa.me link that opens WhatsApp to the resident who asked online, with a ready message
    in Indonesian saying where the request stands and how to follow it; "" without a number or
    when there is nothing to tell (the staff member still reads it before sending)."""
    digits = "".join(ch for ch in letter.phone if ch.isdigit())
    if not digits or letter.state not in (Letter.State.SIGNED, Letter.State.WAITING):
        return ""
    international = f"62{digits[1:]}" if digits.startswith("0") else digits
    with translation.override("id"):
        values = {
            "name": letter.name,
            "letter": letter.letter_type.name,
            "kelurahan": str(letter.kelurahan),
            "reason": letter.reason,
            "url": site_reverse(letter.kelurahan, "layanan:track"),
            "code": tracking_code_display(letter.tracking_code or ""),
        }
        if letter.state == Letter.State.SIGNED:
            text = _(
                "Dear %(name)s, your %(letter)s from %(kelurahan)s is signed and ready to be "
                "picked up at the office."
            )
        else:
            text = _(
                "Dear %(name)s, to continue your request for a %(letter)s, %(kelurahan)s needs "
                "from you: %(reason)s"
            )
        lines = [str(text) % values]
        if letter.tracking_code:
            lines.append(str(_("Follow it at %(url)s with the code %(code)s.")) % values)
    return f"https://wa.me/{international}?{urlencode({'text': ' '.join(lines)})}"


def letters_past_promise_everywhere(letters, *, today: datetime.date | None = None):
    """letters_past_promise for letters of many cities at once (Diskominfo's dashboard): the
    same rule, each city's own days off counted. Three queries to build whatever the number of
    cities: the distinct promised days, the days off cities added in the window (few), then one
    filter with a national bound per number of days and a bound of its own for each city that
    has days off of its own in the window."""
    today = today or timezone.localdate()
    open_letters, promised = _open_and_promised(letters)
    if not promised:
        return open_letters.none()
    own_days_off: dict[int, set[datetime.date]] = {}
    earliest = _earliest_arrival(today, promised)
    for city_id, day in CityDayOff.objects.filter(date__gte=earliest, date__lte=today).values_list(
        "city_id", "date"
    ):
        own_days_off.setdefault(city_id, set()).add(day)

    def arrived_by(calendar, days):
        return _overdue_if_before(calendar, today, days)

    city = "kelurahan__kecamatan__city_id"
    national = workdays.Calendar()
    bound = Q()
    for days in promised:
        elsewhere = _promising(days) & Q(created_at__lt=arrived_by(national, days))
        if own_days_off:
            elsewhere &= ~Q(**{f"{city}__in": list(own_days_off)})
        bound |= elsewhere
        for city_id, days_off in own_days_off.items():
            bound |= _promising(days) & Q(
                **{city: city_id},
                created_at__lt=arrived_by(workdays.Calendar(days_off), days),
            )
    return open_letters.filter(bound)
