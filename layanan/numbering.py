"""Letter numbers: the configurable format and the locked per-kelurahan, per-year counter."""

from __future__ import annotations

import datetime
import string

from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from layanan.models import Letter, NumberCounter

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# Letter.number holds 120 characters; leave room for long classification codes.
MAX_NUMBER_LENGTH = 80
FIELDS = {"classification", "seq", "kelurahan_code", "month", "month_roman", "year"}


class NumberFormatError(ValueError):
    pass


_SAMPLE = datetime.date(2000, 1, 1)


def _fields(*, classification: str, seq: int, kelurahan_code: str, on: datetime.date) -> dict:
    return {
        "classification": classification,
        "seq": seq,
        "kelurahan_code": kelurahan_code,
        "month": f"{on.month:02d}",
        "month_roman": ROMAN_MONTHS[on.month - 1],
        "year": on.year,
    }


def check_format(number_format: str) -> None:
    """Refuse a format that names unknown fields or lacks the sequence (numbers must differ)."""
    try:
        names = {name for _t, name, _f, _c in string.Formatter().parse(number_format) if name}
    except ValueError as exc:
        raise NumberFormatError(_("The number format has an unmatched brace.")) from exc
    unknown = names - FIELDS
    if unknown:
        raise NumberFormatError(
            _("Unknown field(s) in the number format: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    if "seq" not in names:
        raise NumberFormatError(_("The number format must contain {seq}."))
    try:  # a positional "{}" or a spec a field cannot take, e.g. {month_roman:02d}
        sample = number_format.format(
            **_fields(
                classification="400.12.3.1", seq=9999, kelurahan_code="33.72.01.1001", on=_SAMPLE
            )
        )
    except (IndexError, KeyError, ValueError) as exc:
        raise NumberFormatError(
            _("The number format cannot be filled in (%(error)s).") % {"error": exc}
        ) from exc
    if len(sample) > MAX_NUMBER_LENGTH:
        raise NumberFormatError(
            _("Numbers in this format would be longer than %(max)d characters; shorten it.")
            % {"max": MAX_NUMBER_LENGTH}
        )


def format_number(
    number_format: str, *, classification: str, seq: int, kelurahan_code: str, on: datetime.date
) -> str:
    check_format(number_format)
    return number_format.format(
        **_fields(classification=classification, seq=seq, kelurahan_code=kelurahan_code, on=on)
    )


def counter_locked(*, kelurahan_id: int, year: int) -> NumberCounter:
    """The year's counter row (made at 0 the first time), locked until the transaction commits.

    Everything that takes or moves a number goes through here (signing, a number reserved for a
    letter made outside the portal, an import of the year's earlier register, staff setting the
    next number), so they queue behind one another and never hand out the same sequence."""
    NumberCounter.objects.bulk_create(
        [NumberCounter(kelurahan_id=kelurahan_id, year=year)], ignore_conflicts=True
    )
    return (
        NumberCounter.objects.for_kelurahan(kelurahan_id)
        .select_for_update()
        .get(kelurahan_id=kelurahan_id, year=year)
    )


def next_sequence(*, kelurahan_id: int, year: int) -> int:
    """Take the next number of the year. Call inside the signing transaction: the counter row
    stays locked (SELECT ... FOR UPDATE) until it commits, so concurrent signers queue here."""
    counter = counter_locked(kelurahan_id=kelurahan_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def highest_used(*, kelurahan_id: int, year: int) -> int:
    """The highest sequence a letter of the kelurahan holds in the year (0 if none): the
    counter may never be set below it, or the next signing would collide with it."""
    used = (
        Letter.objects.for_kelurahan(kelurahan_id)
        .filter(year=year)
        .aggregate(highest=Max("sequence"))["highest"]
    )
    return used or 0
