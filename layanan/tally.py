"""The letter tally: letters signed per kelurahan per month, bucketed by turnaround in working
days, kept current by the signing service and rebuilt from the letters on demand.

Why a summary table and not aggregate queries over the letters: Diskominfo's dashboard asks, for
up to 83,762 kelurahan at once, the median and 90th percentile of the turnaround in working days.
A working day depends on weekends, Indonesia's holidays and cuti bersama and each city's own
days off (kelurahan/workdays.py); SQL cannot count those without a calendar table joined to every
letter, and percentile_cont over millions of letters takes seconds on PostgreSQL and does not
exist on SQLite. Counting a letter once, when it is signed, costs one small upsert in the
signing transaction; the dashboard then sums at most 31 buckets per kelurahan and month, and a
percentile read from a histogram of whole working days is exact, not an estimate.

What is counted, precisely:
- a letter the portal signed (signed, handed over, or voided later: its number was used and the
  resident got it), in the month of its signing in the portal's time zone;
- not a row recorded outside the portal (a reserved number, an imported buku agenda row): its
  creation is the day it was typed in, not the day the resident asked, so it has no turnaround;
- online when the resident requested it online (it has a tracking code), else at the counter;
- turnaround: the working days after the day the request arrived (or the operator typed the
  letter in) up to and including the day it was signed (Calendar.between), so a letter signed
  within its service's promised N days has a turnaround of at most N, the same rule as the
  promised date; 30 or more counts as 30 (TURNAROUND_CAP). A letter issued again after a void
  counts from its own creation.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kelurahan.models import CityDayOff, Kelurahan
from kelurahan.workdays import Calendar
from layanan.models import Letter, LetterTally

CAP = LetterTally.TURNAROUND_CAP
COUNTED_STATES = (Letter.State.SIGNED, Letter.State.HANDED_OVER, Letter.State.VOID)
REBUILD_CHUNK = 5000


def turnaround_days(calendar: Calendar, created_at, signed_at) -> int:
    """Working days from the request's day to the signing day (module docstring), capped."""
    start, end = timezone.localdate(created_at), timezone.localdate(signed_at)
    return min(calendar.between(start, end), CAP)


def month_of(moment) -> datetime.date:
    return timezone.localdate(moment).replace(day=1)


def letter_tally_count(*, letter: Letter) -> None:
    """Count a letter the moment it is signed, inside the signing transaction (so a signing
    that fails counts nothing). Two queries for the kelurahan's region and the city's days off,
    then an upsert of the letter's bucket."""
    if letter.recorded_outside or letter.signed_at is None:
        return
    kecamatan_id, city_id = (
        Kelurahan.objects.filter(pk=letter.kelurahan_id)
        .values_list("kecamatan_id", "kecamatan__city_id")
        .get()
    )
    start = timezone.localdate(letter.created_at)
    calendar = Calendar.for_city(city_id, start, timezone.localdate(letter.signed_at))
    tallies = LetterTally.objects.for_kelurahan(letter.kelurahan_id)
    row, _created = tallies.get_or_create(
        kelurahan_id=letter.kelurahan_id,
        month=month_of(letter.signed_at),
        days=turnaround_days(calendar, letter.created_at, letter.signed_at),
        defaults={"kecamatan_id": kecamatan_id, "city_id": city_id},
    )
    tallies.filter(pk=row.pk).update(
        letters=F("letters") + 1,
        online=F("online") + (1 if letter.tracking_code else 0),
    )


@dataclass(frozen=True)
class RebuildReport:
    letters: int
    rows: int


@transaction.atomic
def letter_tally_rebuild() -> RebuildReport:
    """Count every signed letter again from scratch (`manage.py letter_tally_rebuild`): after
    an import of old letters, a change to a city's days off, or to check the running counts.
    The table is replaced in one transaction, so the dashboard never reads it half-built."""
    reason = "rebuilding the letter tally from every signed letter"
    days_off: dict[int, set] = defaultdict(set)
    for city_id, day in CityDayOff.objects.values_list("city_id", "date"):
        days_off[city_id].add(day)
    calendars: dict[int, Calendar] = {}
    buckets: dict[tuple, list[int]] = {}
    letters = (
        Letter.objects.unscoped(reason)
        .filter(state__in=COUNTED_STATES, recorded_outside=False, signed_at__isnull=False)
        .order_by()
        .values_list(
            "kelurahan_id",
            "kelurahan__kecamatan_id",
            "kelurahan__kecamatan__city_id",
            "created_at",
            "signed_at",
            "tracking_code",
        )
    )
    count = 0
    for kelurahan_id, kecamatan_id, city_id, created_at, signed_at, code in letters.iterator(
        chunk_size=REBUILD_CHUNK
    ):
        calendar = calendars.get(city_id)
        if calendar is None:
            calendar = calendars[city_id] = Calendar(days_off.get(city_id, ()))
        key = (
            kelurahan_id,
            kecamatan_id,
            city_id,
            month_of(signed_at),
            turnaround_days(calendar, created_at, signed_at),
        )
        bucket = buckets.setdefault(key, [0, 0])
        bucket[0] += 1
        bucket[1] += 1 if code else 0
        count += 1
    tallies = LetterTally.objects.unscoped(reason)
    tallies.delete()
    tallies.bulk_create(
        (
            LetterTally(
                kelurahan_id=kelurahan_id,
                kecamatan_id=kecamatan_id,
                city_id=city_id,
                month=month,
                days=days,
                letters=letters_,
                online=online,
            )
            for (kelurahan_id, kecamatan_id, city_id, month, days), (letters_, online) in (
                buckets.items()
            )
        ),
        batch_size=REBUILD_CHUNK,
    )
    return RebuildReport(letters=count, rows=len(buckets))
