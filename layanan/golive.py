"""Going live mid-year without breaking the buku agenda: the next number set per counter, numbers
reserved for letters made outside the portal, and the year's earlier register rows imported.

Every write here takes the year's counter row locked (layanan.numbering.counter_locked), the
same lock signing takes, so a signing at the same moment waits and then gets a number after
theirs: no number is ever handed out twice, and the unique constraint on (kelurahan, year,
sequence) guarantees it whatever happens. A register row for a letter made outside the portal is
a Letter with `recorded_outside` set: it holds a number, a holder and a kind but no PDF and no
verification token (its QR page does not exist; /verifikasi/ by number says it cannot be checked
online). Such rows are stored as handed over, not signed: the portal never hands them over, so
they must not wait in the "signed, not yet handed over" queue and digest.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings as django_settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kelurahan.models import Kelurahan
from layanan import access, numbering
from layanan.cells import cell_digits, cell_text
from layanan.models import Letter, LetterEvent, LetterType, NumberCounter
from layanan.nik import NIKError, parse_nik
from layanan.services import letter_settings_get, letter_types_ensure
from layanan.spreadsheets import SemicolonAwareCSV, StreamedXLSX

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# An import is read and saved within the request; a bigger register is not an earlier part of
# one year at one kelurahan (Pajang signs about 1,500 letters a year).
MAX_IMPORT_ROWS = 2000
OUTSIDE_STATE = Letter.State.HANDED_OVER


class GoLiveError(ValueError):
    """A go-live write refused; the message says why and what would be accepted."""


def _log(*, by: User, counter: NumberCounter, flag: int, message: str) -> None:
    """Who moved a counter, when, and from what to what: in the admin log (the counter's
    history page), in the portal's language whatever the staff member reads."""
    LogEntry.objects.create(
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(NumberCounter),
        object_id=str(counter.pk),
        object_repr=str(counter.year),
        action_flag=flag,
        change_message=message,
    )


def _in_portal_language(text_of):
    with translation.override(django_settings.LANGUAGE_CODE):
        return text_of()


# --- The next number ------------------------------------------------------------------------


def lowest_next_number(*, kelurahan_id: int, year: int) -> int:
    """The lowest "next number" the year's counter may be set to: one past the highest
    sequence a letter (signed, reserved or imported) already holds that year."""
    return numbering.highest_used(kelurahan_id=kelurahan_id, year=year) + 1


@transaction.atomic
def counter_next_set(*, kelurahan_id: int, year: int, next_number: int, by: User) -> NumberCounter:
    """Make `next_number` the number the year's next letter gets (a kelurahan that starts
    mid-year continues its paper register). Refuses (GoLiveError) a number at or below one
    already used that year, saying the lowest allowed; recorded in the admin log."""
    access.role_check(by, "layanan.change_numbercounter", kelurahan_id=kelurahan_id)
    if next_number < 1:
        raise GoLiveError(_("The next number must be 1 or more."))
    created = not NumberCounter.objects.for_kelurahan(kelurahan_id).filter(year=year).exists()
    counter = numbering.counter_locked(kelurahan_id=kelurahan_id, year=year)
    lowest = lowest_next_number(kelurahan_id=kelurahan_id, year=year)
    if next_number < lowest:
        raise GoLiveError(
            _(
                "Number %(number)d cannot be the next number of %(year)d: numbers up to "
                "%(used)d are already used that year. The lowest allowed is %(lowest)d."
            )
            % {"number": next_number, "year": year, "used": lowest - 1, "lowest": lowest}
        )
    before = counter.last + 1
    counter.last = next_number - 1
    counter.save(update_fields=["last"])
    values = {"year": year, "before": before, "after": next_number}
    _log(
        by=by,
        counter=counter,
        flag=ADDITION if created else CHANGE,
        message=_in_portal_language(
            lambda: _("Next number of %(year)d set from %(before)d to %(after)d.") % values
        ),
    )
    return counter


# --- A number for a letter made outside the portal -------------------------------------------


def _signed_at(on: datetime.date) -> datetime.datetime:
    """When a letter made outside the portal counts as signed: now if it is today's, else noon of
    its day (in the portal's time zone, the day the register and /verifikasi/ show)."""
    if on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))


def _date_check(on: datetime.date, *, year: int | None = None) -> None:
    today = timezone.localdate()
    if on > today:
        raise GoLiveError(_("The date is in the future; give the date the letter was made."))
    if year is not None and on.year != year:
        raise GoLiveError(
            _("The date is not in %(year)d, the year being recorded.") % {"year": year}
        )


@transaction.atomic
def number_reserve(
    *,
    kelurahan: Kelurahan,
    letter_type: LetterType,
    name: str,
    nik: str,
    on: datetime.date,
    note: str,
    by: User,
) -> Letter:
    """Take the next number for a letter made outside the portal (typed elsewhere, signed by
    hand) and record it in the register: its holder, kind and date, marked as made outside.

    The number comes from the same locked counter as signing, so neither can get it again. The
    date must be this year's (numbers restart each year) and not in the future.
    """
    access.role_check(by, "layanan.add_letter", kelurahan_id=kelurahan.pk)
    if letter_type.kelurahan_id != kelurahan.pk:
        raise LetterType.DoesNotExist
    _date_check(on, year=timezone.localdate().year)
    sequence = numbering.next_sequence(kelurahan_id=kelurahan.pk, year=on.year)
    number = numbering.format_number(
        letter_settings_get(kelurahan=kelurahan).number_format,
        classification=letter_type.classification,
        seq=sequence,
        kelurahan_code=kelurahan.code,
        on=on,
    )
    return _outside_letter_create(
        kelurahan=kelurahan,
        letter_type=letter_type,
        sequence=sequence,
        number=number,
        on=on,
        name=name,
        nik=nik,
        note=note,
        by=by,
        event_note=_in_portal_language(
            lambda: _("Number reserved for a letter made outside the portal.")
        ),
    )


def _outside_letter_create(
    *,
    kelurahan: Kelurahan,
    letter_type: LetterType,
    sequence: int,
    number: str,
    on: datetime.date,
    name: str,
    nik: str,
    note: str,
    by: User,
    event_note: str,
) -> Letter:
    letter = Letter.objects.create(
        kelurahan=kelurahan,
        letter_type=letter_type,
        state=OUTSIDE_STATE,
        recorded_outside=True,
        nik=nik,
        name=name,
        data={"purpose": note} if note else {},
        created_by=by,
        year=on.year,
        sequence=sequence,
        number=number,
        signed_at=_signed_at(on),
    )
    LetterEvent.objects.create(
        kelurahan=kelurahan,
        letter=letter,
        from_state="",
        to_state=OUTSIDE_STATE,
        by=by,
        note=event_note,
    )
    return letter


# --- The year's earlier register rows -------------------------------------------------------

# Column headers as registers name them (lower case, spaces squeezed), by what they hold.
COLUMNS = {
    "sequence": ("nomor urut", "no urut", "no. urut", "urut", "no", "no."),
    "date": ("tanggal", "tanggal surat", "tgl", "tgl surat"),
    "kind": (
        "jenis/klasifikasi",
        "jenis / klasifikasi",
        "jenis",
        "jenis surat",
        "klasifikasi",
        "kode klasifikasi",
    ),
    "name": ("nama", "nama pemohon", "atas nama"),
    "nik": ("nik",),
    "note": ("keterangan", "perihal", "keperluan", "ket", "ket."),
    "number": ("nomor surat", "nomor"),
}
REQUIRED_COLUMNS = ("sequence", "date", "kind", "name")
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%y", "%d/%m/%y")


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One earlier register row that passed the checks, ready to save."""

    line: int  # the row's line in the file (the header is line 1)
    sequence: int
    on: str  # ISO date
    letter_type_id: int
    letter_type_name: str
    name: str
    nik: str
    note: str
    number: str


@dataclass(slots=True)
class RegisterCheck:
    """What an import file holds: the rows to save and the rows refused, each with its reason."""

    year: int
    rows: list[RegisterRow] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    error: str = ""  # the whole file refused (unreadable, columns missing, too long)

    def as_payload(self) -> list[dict]:
        return [asdict(row) for row in self.rows]


def _header_key(header: str) -> str | None:
    plain = " ".join(header.lower().split())
    for key, names in COLUMNS.items():
        if plain in names:
            return key
    return None


def _cell_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None


def _cell_sequence(value) -> int | None:
    text = cell_text(value)
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def _types_by_label(kelurahan: Kelurahan) -> dict[str, LetterType]:
    """The kelurahan's letter types by every label a register may give them: kind, name or
    classification code, in lower case."""
    labels: dict[str, LetterType] = {}
    for letter_type in letter_types_ensure(kelurahan=kelurahan).values():
        for label in (letter_type.classification, letter_type.kind, letter_type.name):
            labels.setdefault(" ".join(label.lower().split()), letter_type)
    return labels


def _read_rows(content: bytes, file_name: str):
    if file_name.lower().endswith(".xlsx"):
        return StreamedXLSX().create_dataset(content)
    return SemicolonAwareCSV(encoding="utf-8-sig").create_dataset(content)


def register_file_check(
    *, kelurahan: Kelurahan, year: int, content: bytes, file_name: str
) -> RegisterCheck:
    """Read an earlier register (CSV or XLSX): every row is either ready to save or refused with
    its line and reason (a sequence already used, twice in the file, a date outside the year, an
    unknown kind). Reads only; register_rows_import saves and checks again under the lock."""
    check = RegisterCheck(year=year)
    try:
        dataset = _read_rows(content, file_name)
    except Exception:  # noqa: BLE001 (any unreadable file is the same answer to the operator)
        check.error = _("The file cannot be read. Send a CSV file or an Excel (XLSX) file.")
        return check
    columns = {}
    for index, header in enumerate(dataset.headers):
        key = _header_key(header)
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        check.error = _(
            "The file lacks the column(s) %(missing)s. The first row must name the columns: "
            "nomor urut, tanggal, jenis/klasifikasi, nama, and optionally NIK, keterangan and "
            "nomor surat."
        ) % {"missing": ", ".join(f'"{name}"' for name in missing)}
        return check
    if len(dataset) > MAX_IMPORT_ROWS:
        check.error = _(
            "The file has %(count)d rows; at most %(max)d can be imported at once. Split it "
            "into smaller files."
        ) % {"count": len(dataset), "max": MAX_IMPORT_ROWS}
        return check
    types = _types_by_label(kelurahan)
    used = _used_sequences(kelurahan_id=kelurahan.pk, year=year)
    number_format = letter_settings_get(kelurahan=kelurahan).number_format
    seen: dict[int, int] = {}
    for line, cells in enumerate(dataset, start=2):
        values = {key: cells[index] for key, index in columns.items()}
        if not any(cell_text(value) for value in values.values()):
            continue  # an empty row at the end of a sheet
        row, reason = _row_check(
            line,
            values,
            kelurahan=kelurahan,
            year=year,
            types=types,
            used=used,
            seen=seen,
            number_format=number_format,
        )
        if reason:
            check.refused.append((line, reason))
        else:
            seen[row.sequence] = line
            check.rows.append(row)
    return check


def _row_check(line, values, *, kelurahan, year, types, used, seen, number_format):
    sequence = _cell_sequence(values["sequence"])
    if sequence is None:
        return None, _("The sequence number (nomor urut) must be a whole number of 1 or more.")
    if sequence in used:
        return None, _(
            "Sequence %(sequence)d of %(year)d is already used by letter %(number)s."
        ) % {
            "sequence": sequence,
            "year": year,
            "number": used[sequence],
        }
    if sequence in seen:
        return None, _(
            "Sequence %(sequence)d appears twice in the file (also on row %(line)d)."
        ) % {
            "sequence": sequence,
            "line": seen[sequence],
        }
    on = _cell_date(values["date"])
    if on is None:
        return None, _("The date (tanggal) is not a date; write it as DD-MM-YYYY.")
    try:
        _date_check(on, year=year)
    except GoLiveError as exc:
        return None, str(exc)
    kind = cell_text(values["kind"])
    letter_type = types.get(" ".join(kind.lower().split()))
    if letter_type is None:
        return None, _(
            "The letter kind “%(kind)s” is not one of this kelurahan's letter types; "
            "write its name or classification code as in the letter types list."
        ) % {"kind": kind}
    name = cell_text(values["name"])
    if not name or len(name) > 150:
        return None, _("The name (nama) is required, at most 150 characters.")
    nik = cell_digits(values.get("nik"))
    if nik:
        try:
            nik = parse_nik(nik).value
        except NIKError as exc:
            return None, _("NIK: %(error)s (leave the cell empty if it is not known)") % {
                "error": exc.message
            }
    note = cell_text(values.get("note"))[:300]
    number = cell_text(values.get("number"))
    if len(number) > 120:
        return None, _("The letter number (nomor surat) is longer than 120 characters.")
    if not number:
        number = numbering.format_number(
            number_format,
            classification=letter_type.classification,
            seq=sequence,
            kelurahan_code=kelurahan.code,
            on=on,
        )
    row = RegisterRow(
        line=line,
        sequence=sequence,
        on=on.isoformat(),
        letter_type_id=letter_type.pk,
        letter_type_name=letter_type.name,
        name=name,
        nik=nik,
        note=note,
        number=number,
    )
    return row, ""


def _used_sequences(*, kelurahan_id: int, year: int) -> dict[int, str]:
    return dict(
        Letter.objects.for_kelurahan(kelurahan_id)
        .filter(year=year, sequence__isnull=False)
        .values_list("sequence", "number")
    )


@dataclass(frozen=True, slots=True)
class ImportResult:
    saved: int
    refused: list[tuple[int, str]]
    next_number: int


@transaction.atomic
def register_rows_import(
    *, kelurahan: Kelurahan, year: int, rows: list[dict], by: User
) -> ImportResult:
    """Save checked earlier register rows (RegisterCheck.as_payload) as letters made outside the
    portal, each with its own sequence; the counter moves up to the highest imported sequence
    if it was lower. Checked again under the counter's lock: a row whose sequence was used
    meanwhile (a signing since the preview) is refused, never saved twice."""
    access.role_check(by, "layanan.add_letter", kelurahan_id=kelurahan.pk)
    counter = numbering.counter_locked(kelurahan_id=kelurahan.pk, year=year)
    used = _used_sequences(kelurahan_id=kelurahan.pk, year=year)
    types = {t.pk: t for t in LetterType.objects.for_kelurahan(kelurahan)}
    event_note = _in_portal_language(
        lambda: _("Imported from the earlier register (buku agenda) of %(year)d.") % {"year": year}
    )
    saved, refused = 0, []
    for row in rows:
        sequence, letter_type = int(row["sequence"]), types.get(row["letter_type_id"])
        on = datetime.date.fromisoformat(row["on"])
        if sequence in used:
            refused.append(
                (
                    row["line"],
                    _("Sequence %(sequence)d of %(year)d is already used by letter %(number)s.")
                    % {"sequence": sequence, "year": year, "number": used[sequence]},
                )
            )
            continue
        if letter_type is None or on.year != year:
            refused.append((row["line"], _("The row no longer passes the checks.")))
            continue
        _outside_letter_create(
            kelurahan=kelurahan,
            letter_type=letter_type,
            sequence=sequence,
            number=row["number"],
            on=on,
            name=row["name"],
            nik=row["nik"],
            note=row["note"],
            by=by,
            event_note=event_note,
        )
        used[sequence] = row["number"]
        saved += 1
    highest = max(used, default=0)
    if saved and highest > counter.last:
        before = counter.last + 1
        counter.last = highest
        counter.save(update_fields=["last"])
    else:
        before = None
    values = {"count": saved, "year": year, "before": before, "after": counter.last + 1}
    if saved:
        _log(
            by=by,
            counter=counter,
            flag=CHANGE,
            message=_in_portal_language(
                lambda: (
                    (
                        _(
                            "%(count)d earlier register rows of %(year)d imported; next "
                            "number moved from %(before)d to %(after)d."
                        )
                        if before is not None
                        else _("%(count)d earlier register rows of %(year)d imported.")
                    )
                    % values
                )
            ),
        )
    return ImportResult(saved=saved, refused=refused, next_number=counter.last + 1)
