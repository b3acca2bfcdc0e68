"""Validate and decode a NIK (Nomor Induk Kependudukan) typed by an operator or a resident.

A NIK is 16 digits: region code (province 2, regency/city 2, kecamatan 2), birth date DDMMYY
with 40 added to the day for women, and a 4-digit serial. The digits never change when regions
split, so an unknown region code is a warning (nik_warnings), not an error; but no province,
regency/city or kecamatan is ever numbered 00, so a 00 there is a typing error. Pure: no database.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from layanan.text import interpolate_lazy

DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also takes "٣" and "３"
SEPARATORS = str.maketrans("", "", ".-/")
MASK = "****"


class NIKError(ValueError):
    """A NIK that cannot be right; `message` tells the user what is wrong and how to fix it."""

    def __init__(self, message, code: str):
        super().__init__(message)
        self.message = message
        self.code = code  # "length", "characters", "region", "date" or "serial"


@dataclass(frozen=True, slots=True)
class NIK:
    value: str  # the 16 digits
    region_code: str  # "33.72.01"
    province_code: str  # "33"
    city_code: str  # "33.72"
    birth_date: datetime.date
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    serial: str  # "0001"

    def masked(self) -> str:
        return f"{self.value[:6]}******{self.value[-4:]}"

    def __repr__(self) -> str:
        # Tracebacks and logs must not carry a full NIK.
        return f"NIK({self.masked()!r})"


def _digits(raw: str) -> str:
    """The input without whitespace (anywhere) and without the separators . - /"""
    return "".join(raw.split()).translate(SEPARATORS)


def parse_nik(raw: str, *, today: datetime.date | None = None) -> NIK:
    """Return the decoded NIK, or raise NIKError for the first thing wrong, left to right.

    The two-digit birth year is read as 20YY unless that date is after `today`, then 19YY.
    `today` defaults to today in settings.TIME_ZONE, not the server clock's zone.
    """
    value = _digits(raw)
    if not set(value) <= DIGITS:
        raise NIKError(
            _("NIK may contain only digits 0–9; remove letters and other characters."),
            "characters",
        )
    if len(value) != 16:
        template = ngettext_lazy(
            "NIK must be 16 digits; %(count)d was entered.",
            "NIK must be 16 digits; %(count)d were entered.",
            "count",
        )
        raise NIKError(interpolate_lazy(template, {"count": len(value)}), "length")
    if value[:2] == "00":
        raise NIKError(
            interpolate_lazy(
                _(
                    "The province code %(code)s in this NIK does not exist; "
                    "check the first two digits against the KTP."
                ),
                {"code": value[:2]},
            ),
            "region",
        )
    if value[2:4] == "00":
        raise NIKError(
            _(
                "The regency/city code in this NIK (digits 3–4) cannot be 00; "
                "check these digits against the KTP."
            ),
            "region",
        )
    if value[4:6] == "00":
        raise NIKError(
            _(
                "The kecamatan code in this NIK (digits 5–6) cannot be 00; "
                "check these digits against the KTP."
            ),
            "region",
        )
    birth_date, sex = _birth(value[6:8], value[8:10], value[10:12], today or timezone.localdate())
    if value[12:] == "0000":
        raise NIKError(_("The last 4 digits of a NIK (serial number) cannot be 0000."), "serial")
    return NIK(
        value=value,
        region_code=f"{value[0:2]}.{value[2:4]}.{value[4:6]}",
        province_code=value[0:2],
        city_code=f"{value[0:2]}.{value[2:4]}",
        birth_date=birth_date,
        sex=sex,
        serial=value[12:],
    )


def _birth(dd: str, mm: str, yy: str, today: datetime.date) -> tuple[datetime.date, str]:
    day, month, year = int(dd), int(mm), int(yy)
    sex = "P" if day > 40 else "L"
    day = day - 40 if day > 40 else day
    if not 1 <= day <= 31:
        raise NIKError(
            interpolate_lazy(
                _(
                    "The birth day in this NIK (digits 7–8) is %(day)s; "
                    "it must be 01–31, or 41–71 for a woman."
                ),
                {"day": dd},
            ),
            "date",
        )
    if not 1 <= month <= 12:
        raise NIKError(
            interpolate_lazy(
                _("The birth month in this NIK (digits 9–10) is %(month)s; it must be 01–12."),
                {"month": mm},
            ),
            "date",
        )
    try:
        born = datetime.date(2000 + year, month, day)
        if born > today:
            born = datetime.date(1900 + year, month, day)
    except ValueError:
        raise NIKError(
            interpolate_lazy(
                _(
                    "The birth date in this NIK (digits 7–12) is not a real date: "
                    "day %(day)02d, month %(month)s, year %(year)s. "
                    "Check these digits against the KTP."
                ),
                {"day": day, "month": mm, "year": yy},
            ),
            "date",
        ) from None
    return born, sex


def nik_warnings(
    nik: NIK,
    *,
    birth_date: datetime.date | None = None,
    sex: str | None = None,
    region_exists: Callable[[str], bool] | None = None,
) -> list[str]:
    """What the form says that the NIK contradicts; each is worth a look, none blocks a letter."""
    warnings = []
    if birth_date is not None and birth_date != nik.birth_date:
        warnings.append(
            interpolate_lazy(
                _(
                    "The NIK gives the birth date %(nik_date)s, but the form says "
                    "%(form_date)s; check both against the KTP."
                ),
                {
                    "nik_date": nik.birth_date.strftime("%d-%m-%Y"),
                    "form_date": birth_date.strftime("%d-%m-%Y"),
                },
            )
        )
    if sex not in (None, "", "L", "P"):
        raise ValueError(f'sex must be "L" or "P", not {sex!r}')
    if sex and sex != nik.sex:
        if nik.sex == "P":
            message = _(
                "The NIK is a woman's (40 is added to her birth day), but the form says male; "
                "check both against the KTP."
            )
        else:
            message = _("The NIK is a man's, but the form says female; check both against the KTP.")
        warnings.append(message)
    if region_exists is not None and not region_exists(nik.region_code):
        warnings.append(
            interpolate_lazy(
                _(
                    "The region code %(code)s in this NIK is not in the current Kemendagri list. "
                    "A NIK never changes when regions split, so it may still be right; "
                    "check it against the KTP."
                ),
                {"code": nik.region_code},
            )
        )
    return warnings


def mask_nik(raw: str) -> str:
    """A NIK fit for public display ("337201******0001"); anything that is not 16 digits: "****"."""
    if not isinstance(raw, str):
        return MASK
    value = _digits(raw)
    if len(value) != 16 or not set(value) <= DIGITS:
        return MASK
    return f"{value[:6]}******{value[-4:]}"
