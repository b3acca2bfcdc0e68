"""Spreadsheet cells: what a cell of an operator's register file means, and how the cells we write
stay text in a spreadsheet.

Each widget cleans one cell of the resident register (import-export calls `clean` on import and
`render` on export) and says, in its ValueError, what is wrong and how to fix it; the preview lists
it next to the row. Nothing reaches the model's `full_clean` (too slow for 100,000 rows), so every
limit the database enforces (lengths, digits) is checked here.
"""

from __future__ import annotations

import datetime

import tablib
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import widgets

from layanan.models import Resident
from layanan.nik import DIGITS, NIKError, parse_nik

DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d")
SEX_WORDS = {
    "l": Resident.Sex.MALE,
    "lk": Resident.Sex.MALE,
    "laki-laki": Resident.Sex.MALE,
    "laki laki": Resident.Sex.MALE,
    "lakilaki": Resident.Sex.MALE,
    "p": Resident.Sex.FEMALE,
    "pr": Resident.Sex.FEMALE,
    "perempuan": Resident.Sex.FEMALE,
}
# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a leading "'".

    A lone "-" (operators' "nothing here") cannot be a formula and is left alone. The import takes
    the "'" off again (`formula_unescaped`), so an exported file imports back unchanged.
    """
    if len(text) > 1 and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def spreadsheet_safe(dataset: tablib.Dataset) -> tablib.Dataset:
    """The dataset with every text cell passed through `spreadsheet_text` (for CSV files)."""
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append([spreadsheet_text(cell) if isinstance(cell, str) else cell for cell in row])
    return safe


def formula_unescaped(text: str) -> str:
    """The cell as it was before `spreadsheet_text` protected it."""
    if len(text) > 2 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def cell_text(value) -> str:
    """A cell as text. XLSX gives numbers for digit-only cells (NIK, RT), so 3.0 reads as "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_digits(value) -> str:
    """A number cell's digits: spaces, dots, dashes, slashes and a leading "'" dropped."""
    return "".join(cell_text(value).split()).translate(str.maketrans("", "", ".-/'"))


class CellWidget(widgets.Widget):
    """A cell written back as it is stored ("" for nothing)."""

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TextWidget(CellWidget):
    """Free text with the model's length limit (PostgreSQL would refuse a longer value)."""

    def __init__(self, *, label: str, max_length: int, required: bool = False, default: str = ""):
        super().__init__()
        self.label, self.max_length, self.required, self.default = (
            label,
            max_length,
            required,
            default,
        )

    def clean(self, value, row=None, **kwargs):
        text = formula_unescaped(" ".join(cell_text(value).split()))
        if not text:
            if self.required:
                raise ValueError(_("%(column)s is empty; fill it in.") % {"column": self.label})
            return self.default
        if len(text) > self.max_length:
            raise ValueError(
                _("%(column)s may be at most %(max)d characters; this one has %(count)d.")
                % {"column": self.label, "max": self.max_length, "count": len(text)}
            )
        return text


class NIKWidget(CellWidget):
    """A NIK checked with parse_nik; its message (what is wrong, how to fix it) is the row error."""

    def clean(self, value, row=None, **kwargs):
        raw = cell_text(value)
        if not raw:
            raise ValueError(_("NIK is empty; every resident needs a 16-digit NIK."))
        try:
            return parse_nik(raw).value
        except NIKError as exc:
            raise ValueError(force_str(exc.message)) from None


class KKWidget(CellWidget):
    """The family card (KK) number: empty, or 16 digits."""

    def clean(self, value, row=None, **kwargs):
        digits = cell_digits(value)
        if not digits:
            return ""
        if not set(digits) <= DIGITS or len(digits) != 16:
            raise ValueError(
                _("No KK must be 16 digits 0–9; the file has %(value)s.")
                % {"value": cell_text(value)}
            )
        return digits


class IndonesianDateWidget(CellWidget):
    """DD-MM-YYYY, DD/MM/YYYY or YYYY-MM-DD text, or a real date cell from XLSX."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for date_format in DATE_FORMATS:
            try:
                born = datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007
            except ValueError:
                continue
            if born > datetime.date.today():  # noqa: DTZ011
                raise ValueError(
                    _("Tanggal Lahir %(value)s is in the future; check the year.") % {"value": text}
                )
            return born
        raise ValueError(
            _(
                "Tanggal Lahir %(value)s is not a date; write it as DD-MM-YYYY "
                "(for example 17-08-1990)."
            )
            % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value or ""  # XLSX: a real date cell (None would be written as "None")
        return value.strftime("%d-%m-%Y") if value else ""


class SexWidget(CellWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).lower()
        if not text:
            return ""
        try:
            return SEX_WORDS[text]
        except KeyError:
            raise ValueError(
                _("Jenis Kelamin %(value)s is not understood; write L or P.")
                % {"value": cell_text(value)}
            ) from None


class RTRWWidget(CellWidget):
    """RT or RW: a number 1–999, stored without leading zeros ("003" is RT 3)."""

    def __init__(self, *, label: str):
        super().__init__()
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        if not (set(text) <= DIGITS and len(text) <= 3 and int(text) > 0):
            raise ValueError(
                _("%(column)s must be a number from 1 to 999; the file has %(value)s.")
                % {"column": self.label, "value": text}
            )
        return str(int(text))


class CitizenshipWidget(CellWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).upper()
        if not text:
            return "WNI"
        if text not in ("WNI", "WNA"):
            raise ValueError(
                _("Kewarganegaraan must be WNI or WNA; the file has %(value)s.")
                % {"value": cell_text(value)}
            )
        return text
