"""Working days: promised service days count only days the kelurahan office is open.

Closed: Saturdays and Sundays, Indonesia's public holidays and cuti bersama (the `holidays`
package, categories public and government, which hold the national holidays and the joint leave
days of the SKB 3 Menteri), and the days Diskominfo adds for its city (CityDayOff: a regional
holiday, a local decree). One rule for the whole portal: the resident's receipt and tracking page,
the staff work page's "past the promised date" and the city's turnaround figures all use it.

A request's expected date is the Nth working day after the day it arrived (a request on Friday
with one day promised: Monday); with 0 days, the day it arrived if the office is open, else the
next open day.
"""

from __future__ import annotations

import datetime
import functools

import holidays

from kelurahan.models import CityDayOff

# Nothing is promised further out than this: a service's days are at most 60 (a constraint),
# so a year of calendar covers any expected date with room for long holidays.
HORIZON_DAYS = 366


@functools.lru_cache(maxsize=32)
def national_days_off(year: int) -> frozenset[datetime.date]:
    """Public holidays and cuti bersama of one year (the package's tables, no network)."""
    found = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(found)


class Calendar:
    """The open days of one city's offices from a start date on: one query for the city's own
    days off, the national ones from memory."""

    def __init__(self, extra_days_off=frozenset()):
        self.extra = frozenset(extra_days_off)

    @classmethod
    def for_city(
        cls, city_id: int | None, start: datetime.date, end: datetime.date | None = None
    ) -> Calendar:
        """The city's own days off between `start` and `end` (a year after `start` unless
        given) are read once."""
        if city_id is None:
            return cls()
        days = CityDayOff.objects.filter(
            city_id=city_id,
            date__gte=start,
            date__lte=end or start + datetime.timedelta(days=HORIZON_DAYS),
        ).values_list("date", flat=True)
        return cls(days)

    def is_working_day(self, day: datetime.date) -> bool:
        return (
            day.weekday() < 5 and day not in national_days_off(day.year) and day not in self.extra
        )

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """The `days`-th working day after `start` (with 0: `start` itself if open, else the
        next open day)."""
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += datetime.timedelta(days=1)
            return day
        counted = 0
        while counted < days:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not later)."""
        count, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def latest_start_overdue(self, today: datetime.date, days: int) -> datetime.date:
        """The last arrival day whose expected date, `days` working days on, is before `today`:
        what arrived on it or earlier is past its promised date (a constant number of queries
        for a list of any length: one bound per number of days, layanan.selectors)."""
        day = today - datetime.timedelta(days=1)
        while self.add(day, days) >= today:
            day -= datetime.timedelta(days=1)
        return day


def expected_date(*, city_id: int | None, start: datetime.date, days: int) -> datetime.date:
    return Calendar.for_city(city_id, start).add(start, days)
