"""Spreadsheets: the resident register (CSV/XLSX in and out) and the outgoing-letter register
(buku agenda surat keluar, out only).

Columns carry the Indonesian headers operators' own spreadsheets use. An import belongs to one
kelurahan, given by the admin from the operator's membership: every row is stamped with it, a
"kelurahan" column in the file is ignored, and an existing resident is found by NIK only inside
that kelurahan. Rows are checked one by one so the preview lists every bad row with its reason;
nothing reaches the model's `full_clean` (too slow for 100,000 rows), so every limit the database
enforces (lengths, digits) is checked here. The register's CSV export is streamed from the
database (`resident_register_csv`), with the same columns and cell values, so it imports back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from layanan.models import Letter, Resident
from layanan.nik import DIGITS, NIKError, mask_nik, parse_nik

# Rows of the preview that show their values; the rest are counted (a 100,000-row preview page
# would be tens of megabytes of HTML).
PREVIEW_ROWS = 100
# Bad rows listed with their reasons; past these the preview only counts them.
LISTED_ERRORS = 500

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
# Residents fetched from the database, and CSV rows sent, per round of a streamed export.
EXPORT_CHUNK = 2000


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


def _text(value) -> str:
    """A cell as text. XLSX gives numbers for digit-only cells (NIK, RT), so 3.0 reads as "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _digits_only(value) -> str:
    return "".join(_text(value).split()).translate(str.maketrans("", "", ".-/'"))


class TextWidget(widgets.Widget):
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
        text = formula_unescaped(" ".join(_text(value).split()))
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

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NIKWidget(widgets.Widget):
    """A NIK checked with parse_nik; its message (what is wrong, how to fix it) is the row error."""

    def clean(self, value, row=None, **kwargs):
        raw = _text(value)
        if not raw:
            raise ValueError(_("NIK is empty; every resident needs a 16-digit NIK."))
        try:
            return parse_nik(raw).value
        except NIKError as exc:
            raise ValueError(force_str(exc.message)) from None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class KKWidget(widgets.Widget):
    """The family card (KK) number: empty, or 16 digits."""

    def clean(self, value, row=None, **kwargs):
        digits = _digits_only(value)
        if not digits:
            return ""
        if not set(digits) <= DIGITS or len(digits) != 16:
            raise ValueError(
                _("No KK must be 16 digits 0–9; the file has %(value)s.") % {"value": _text(value)}
            )
        return digits

    def render(self, value, obj=None, **kwargs):
        return value or ""


class IndonesianDateWidget(widgets.Widget):
    """DD-MM-YYYY, DD/MM/YYYY or YYYY-MM-DD text, or a real date cell from XLSX."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text(value)
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


class SexWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text:
            return ""
        try:
            return SEX_WORDS[text]
        except KeyError:
            raise ValueError(
                _("Jenis Kelamin %(value)s is not understood; write L or P.")
                % {"value": _text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value or ""


class RTRWWidget(widgets.Widget):
    """RT or RW: a number 1–999, stored without leading zeros ("003" is RT 3)."""

    def __init__(self, *, label: str):
        super().__init__()
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        if not (set(text) <= DIGITS and len(text) <= 3 and int(text) > 0):
            raise ValueError(
                _("%(column)s must be a number from 1 to 999; the file has %(value)s.")
                % {"column": self.label, "value": text}
            )
        return str(int(text))

    def render(self, value, obj=None, **kwargs):
        return value or ""


class CitizenshipWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).upper()
        if not text:
            return "WNI"
        if text not in ("WNI", "WNA"):
            raise ValueError(
                _("Kewarganegaraan must be WNI or WNA; the file has %(value)s.")
                % {"value": _text(value)}
            )
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class StreamedRows:
    """A read-only stand-in for tablib.Dataset that reads the file again on every pass.

    tablib keeps every cell of every row as a Python object (about 1 KB a row here), and
    import-export keeps a result per row on top; a 100,000-row register took over 500 MB. This
    keeps one row at a time, so memory does not grow with the file beyond the file itself.
    import-export only asks a dataset for `headers`, `len()` and iteration.
    """

    def __init__(self, read: Callable[[], Iterator]):
        self._read = read
        rows = read()
        self.headers = [_text(header) for header in next(rows, [])]
        self._length = sum(1 for _row in rows)

    def __len__(self):
        return self._length

    def __iter__(self):
        rows = self._read()
        next(rows, None)  # the header row
        width = len(self.headers)
        for row in rows:
            row = list(row[:width])
            yield row + [None] * (width - len(row))

    def column(self, name: str) -> Iterator:
        index = self.headers.index(name)
        return (row[index] for row in self)


def _lines(text: str) -> Iterator[str]:
    """The lines of a text with their endings, one at a time (csv.reader joins quoted ones)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


class SemicolonAwareCSV(base_formats.CSV):
    """CSV as Excel writes it on Indonesian Windows too: separated by ";" instead of ",".

    Rows are streamed (StreamedRows), never all held at once.
    """

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        text = in_stream.removeprefix("\ufeff")
        header = text.split("\n", 1)[0]
        delimiter = ";" if header.count(";") > header.count(",") else ","
        return StreamedRows(lambda: csv.reader(_lines(text), delimiter=delimiter))


class StreamedXLSX(base_formats.XLSX):
    """XLSX read row by row with openpyxl's read-only mode (StreamedRows)."""

    def create_dataset(self, in_stream, **kwargs):
        import openpyxl

        def read():
            workbook = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            try:
                yield from workbook.active.iter_rows(values_only=True)
            finally:
                workbook.close()

        return StreamedRows(read)


class RegisterResult(Result):
    """An import result that keeps what the preview shows and counts the rest.

    The first PREVIEW_ROWS rows and the first LISTED_ERRORS bad rows are kept; totals count every
    row. Without this, 100,000 row results stay in memory until the page is rendered.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unlisted_invalid_rows = 0

    def append_row_result(self, row_result):
        if len(self.rows) < PREVIEW_ROWS:
            super().append_row_result(row_result)

    def append_invalid_row(self, number, row, validation_error):
        if len(self.invalid_rows) < LISTED_ERRORS:
            super().append_invalid_row(number, row, validation_error)
        else:
            self.unlisted_invalid_rows += 1


class KelurahanNIKLoader(BaseInstanceLoader):
    """Finds existing residents by NIK in the importing kelurahan only, a window at a time.

    Rows are asked for in file order, so the residents of the next CHUNK rows of the file are
    loaded in one query when a row outside the current window comes up: a few queries for the
    whole file, and never more than CHUNK residents in memory. (SQLite also limits the number of
    query parameters.)
    """

    CHUNK = 2000

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.window = {}
        self.positions = {}  # NIK -> its first row in the file (0-based)
        self.niks = []
        column = resource.fields["nik"].column_name
        if dataset is None or column not in (dataset.headers or []):
            return
        values = dataset.column(column) if hasattr(dataset, "column") else dataset[column]
        for value in values:
            nik = _digits_only(value)
            self.positions.setdefault(nik, len(self.niks))
            self.niks.append(nik)

    def get_instance(self, row):
        nik = _digits_only(row.get(self.resource.fields["nik"].column_name))
        if not nik or nik not in self.positions:
            return None
        if nik not in self.window:
            start = self.positions[nik]
            wanted = set(self.niks[start : start + self.CHUNK]) - {""}
            self.window = dict.fromkeys(wanted)
            for resident in self.resource.get_queryset().filter(nik__in=wanted):
                self.window[resident.nik] = resident
        return self.window[nik]


def _field(attribute: str, column: str, widget: widgets.Widget) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=widget)


# Operators' spreadsheets spell headers in many ways; these map, after lowercasing and dropping
# everything but letters and digits, to our column names.
HEADER_ALIASES = {
    "nokk": "No KK",
    "nomorkk": "No KK",
    "kk": "No KK",
    "nama": "Nama",
    "namalengkap": "Nama",
    "tempatlahir": "Tempat Lahir",
    "tanggallahir": "Tanggal Lahir",
    "tgllahir": "Tanggal Lahir",
    "jeniskelamin": "Jenis Kelamin (L/P)",
    "jeniskelaminlp": "Jenis Kelamin (L/P)",
    "jk": "Jenis Kelamin (L/P)",
    "lp": "Jenis Kelamin (L/P)",
    "agama": "Agama",
    "statusperkawinan": "Status Perkawinan",
    "statuskawin": "Status Perkawinan",
    "pekerjaan": "Pekerjaan",
    "kewarganegaraan": "Kewarganegaraan",
    "alamat": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "nik": "NIK",
}


def _header_key(header) -> str:
    return re.sub(r"[^0-9a-z]", "", _text(header).lower())


class ResidentResource(resources.ModelResource):
    """The resident register of one kelurahan, with the columns of operators' spreadsheets.

    `kelurahan` is required to import (rows are stamped with it, existing residents are looked up
    in it); exporting takes whatever queryset the admin gives (already scoped to the user).
    """

    nik = _field("nik", "NIK", NIKWidget())
    kk_number = _field("kk_number", "No KK", KKWidget())
    name = _field("name", "Nama", TextWidget(label="Nama", max_length=150, required=True))
    birth_place = _field(
        "birth_place", "Tempat Lahir", TextWidget(label="Tempat Lahir", max_length=100)
    )
    birth_date = _field("birth_date", "Tanggal Lahir", IndonesianDateWidget())
    sex = _field("sex", "Jenis Kelamin (L/P)", SexWidget())
    religion = _field("religion", "Agama", TextWidget(label="Agama", max_length=30))
    marital_status = _field(
        "marital_status", "Status Perkawinan", TextWidget(label="Status Perkawinan", max_length=30)
    )
    occupation = _field("occupation", "Pekerjaan", TextWidget(label="Pekerjaan", max_length=100))
    citizenship = _field("citizenship", "Kewarganegaraan", CitizenshipWidget())
    address = _field("address", "Alamat", TextWidget(label="Alamat", max_length=255))
    rt = _field("rt", "RT", RTRWWidget(label="RT"))
    rw = _field("rw", "RW", RTRWWidget(label="RW"))

    class Meta:
        model = Resident
        fields = (
            "nik",
            "kk_number",
            "name",
            "birth_place",
            "birth_date",
            "sex",
            "religion",
            "marital_status",
            "occupation",
            "citizenship",
            "address",
            "rt",
            "rw",
        )
        import_id_fields = ("nik",)
        instance_loader_class = KelurahanNIKLoader
        # One INSERT/UPDATE per 1,000 rows instead of one per row, and no deep copy or HTML diff
        # per row: what makes 100,000 rows take seconds, not many minutes.
        use_transactions = True  # all or nothing: a failed batch rolls the whole import back
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        # Instances are not kept in each row's result (memory); the admin logs one summary entry.
        store_instance = False
        report_skipped = False

    def __init__(self, kelurahan=None, **kwargs):
        super().__init__(**kwargs)
        self.kelurahan = kelurahan
        self._seen = {}  # NIK -> the first row of the file that has it

    def get_result_class(self):
        return RegisterResult

    def get_queryset(self):
        if self.kelurahan is None:
            return Resident.objects.none()
        return Resident.objects.for_kelurahan(self.kelurahan)

    def before_import(self, dataset, **kwargs):
        if self.kelurahan is None:
            raise ValueError(_("Residents can only be imported into a kelurahan."))
        self._seen = {}
        # Known headers in any spelling become ours; others (a "kelurahan" column, say) are
        # left as they are and ignored, because no field reads them.
        dataset.headers = [
            HEADER_ALIASES.get(_header_key(header), header) for header in dataset.headers or []
        ]

    def import_row(self, row, instance_loader, **kwargs):
        # The admin asks to keep every instance for its log; that is 100,000 objects in memory.
        kwargs.pop("retain_instance_in_row_result", None)
        if all(_text(value) == "" for value in row.values()):
            blank = self.get_row_result_class()()
            blank.import_type = RowResult.IMPORT_TYPE_SKIP  # a blank line, not a resident
            return blank
        row_result = super().import_row(row, instance_loader, **kwargs)
        if kwargs["row_number"] <= PREVIEW_ROWS and not row_result.validation_error:
            row_result.diff = [_text(row.get(column)) for column in self.get_diff_headers()]
        return row_result

    def import_instance(self, instance, row, **kwargs):
        """Field errors keyed by the file's column name (what the operator sees), plus a NIK that
        appears twice in the file (both rows would be the same resident)."""
        errors = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as exc:
                errors[field.column_name] = ValidationError(force_str(exc), code="invalid")
        if "NIK" not in errors:
            row_number = kwargs.get("row_number")
            first = self._seen.setdefault(instance.nik, row_number)
            if first != row_number:
                errors["NIK"] = ValidationError(
                    _("This NIK is also in row %(row)d of the file; keep only one of the two.")
                    % {"row": first},
                    code="duplicate",
                )
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance.kelurahan = self.kelurahan  # never from the file

    def _values(self, instance) -> tuple:
        return tuple(getattr(instance, name) for name in self.UPDATED)

    UPDATED = Meta.fields[1:]  # everything but the NIK, which identifies the row

    def after_init_instance(self, instance, new, row, **kwargs):
        # What an existing resident looks like before the file's values land on it, so an
        # unchanged row can be skipped (skip_diff's deep copy per row costs far more).
        instance._before_import = None if new else self._values(instance)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        before = getattr(instance, "_before_import", None)
        return (
            not import_validation_errors and before is not None and before == self._values(instance)
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """One plain UPDATE per changed resident, in the import's transaction.

        Django's bulk_update builds a CASE WHEN per field per row; for 13 columns that costs about
        2 ms of Python per row (over 3 minutes for 100,000 rows), several times one UPDATE each.
        """
        if not self.update_instances or not (using_transactions or not dry_run):
            return
        try:
            residents = Resident.objects.for_kelurahan(self.kelurahan)
            for instance in self.update_instances:
                values = dict(zip(self.UPDATED, self._values(instance), strict=True))
                residents.filter(pk=instance.pk).update(**values)
        except Exception as exc:  # reported like import-export's own bulk errors
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()


class _CSVChunk:
    """The file csv.writer writes to: it keeps the text until `take` hands it over as bytes."""

    def __init__(self):
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)

    def take(self) -> bytes:
        data = "".join(self._parts).encode()
        self._parts.clear()
        return data


def resident_register_csv(queryset) -> Iterator[bytes]:
    """The resident register as CSV, EXPORT_CHUNK rows at a time, for a StreamingHttpResponse.

    The same file ResidentResource's export gave (its columns, headers and widgets' rendering:
    DD-MM-YYYY dates, L/P, comma-separated UTF-8 without BOM, CRLF lines), but read from the
    database as tuples of the exported columns only, a chunk at a time: no model instances, no
    related kelurahan and no whole-file dataset in memory, so time and memory stay small at
    100,000 residents. Cells that start like a formula are protected (`spreadsheet_text`).

    The query runs, and the header and first rows are made, before this returns: a database
    error is an error page, not a file cut short after the download has begun.
    """
    chunks = _resident_csv_chunks(queryset)
    first = next(chunks)

    def stream():
        yield first
        yield from chunks

    return stream()


def _resident_csv_chunks(queryset) -> Iterator[bytes]:
    export_fields = ResidentResource().get_export_fields()
    renders = [field.widget.render for field in export_fields]
    out = _CSVChunk()
    writer = csv.writer(out)
    writer.writerow([field.column_name for field in export_fields])
    rows = queryset.values_list(*(field.attribute for field in export_fields))
    for count, row in enumerate(rows.iterator(chunk_size=EXPORT_CHUNK), start=1):
        cells = zip(renders, row, strict=True)
        writer.writerow([spreadsheet_text(str(render(value))) for render, value in cells])
        if count % EXPORT_CHUNK == 0:
            yield out.take()
    if rest := out.take():
        yield rest


class LetterRegisterResource(resources.ModelResource):
    """Buku agenda surat keluar: numbered letters (signed, handed over or void), oldest first.

    The file leaves the system, so the NIK is masked.
    """

    row = fields.Field(column_name="No")
    number = fields.Field(attribute="number", column_name="Nomor Surat")
    date = fields.Field(column_name="Tanggal")
    letter_type = fields.Field(attribute="letter_type__name", column_name="Jenis Surat")
    name = fields.Field(attribute="name", column_name="Nama")
    nik = fields.Field(column_name="NIK")
    purpose = fields.Field(column_name="Keperluan")
    signer = fields.Field(column_name="Penanda Tangan")
    state = fields.Field(column_name="Status")

    STATES = (Letter.State.SIGNED, Letter.State.HANDED_OVER, Letter.State.VOID)

    class Meta:
        model = Letter
        fields = (
            "row",
            "number",
            "date",
            "letter_type",
            "name",
            "nik",
            "purpose",
            "signer",
            "state",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._count = 0

    @classmethod
    def register_queryset(cls, queryset):
        """The register's letters from an already scoped queryset, in number order."""
        return (
            queryset.filter(state__in=cls.STATES)
            .select_related("letter_type")
            .order_by("kelurahan_id", "year", "sequence")
        )

    def dehydrate_row(self, letter):
        self._count += 1
        return self._count

    def dehydrate_date(self, letter):
        return timezone.localtime(letter.signed_at).strftime("%d-%m-%Y") if letter.signed_at else ""

    def dehydrate_nik(self, letter):
        return mask_nik(letter.nik)

    def dehydrate_purpose(self, letter):
        return (letter.data or {}).get("purpose", "")

    def dehydrate_signer(self, letter):
        position = " ".join(filter(None, [letter.signer_capacity, letter.signer_position]))
        return f"{letter.signer_name} ({position})" if position else letter.signer_name

    def dehydrate_state(self, letter):
        return force_str(letter.get_state_display())
