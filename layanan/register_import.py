"""The resident register import's own parts around django-import-export: the checks an uploaded
file passes before anything reads it, the example file operators start from, and the file of the
rows an import left out (each with its reason) to fix and import again.

Every file made here holds residents' data or looks like it: it goes to private storage under
exports/ (swept after a day, services.letter_files_sweep) or straight to the staff member who
asked, never under a public URL. Every cell written is protected against being read as a
formula (cells.spreadsheet_text), as the register's exports are.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import tempfile
import uuid
import zipfile

import openpyxl
from django import forms
from django.core import signing
from django.core.files import File
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.forms import ConfirmImportForm, ImportForm

from layanan.cells import cell_text, spreadsheet_text
from layanan.resources import ResidentResource, row_line
from layanan.spreadsheets import REGISTER_IMPORT_FORMATS, SemicolonAwareCSV
from layanan.storage import private_storage

REASON_COLUMN = "Alasan"
# Bad rows kept (number and reason) in a background import's result, for its result page; the
# file has them all.
LISTED_IN_RESULT = 100
# An XLSX is a zip: what it may unpack to, all parts together. A register of 100,000 residents
# is well under 100 MB of XML; a "zip bomb" of a few kilobytes claims gigabytes.
XLSX_MAX_UNPACKED_BYTES = 300 * 1024 * 1024
XLSX_MAX_PARTS = 1000
XLSX_MAX_RATIO = 500  # unpacked size over packed size of one part
# Starts of files that are not text, whatever their name says.
BINARY_STARTS = {
    b"MZ": "program",  # Windows .exe/.dll
    b"\x7fELF": "program",
    b"PK\x03\x04": "zip",  # zip, and XLSX/DOCX (zips too)
    b"\xd0\xcf\x11\xe0": "xls",  # Excel 97–2003 .xls (and old .doc)
    b"%PDF": "other",
    b"\x89PNG": "other",
    b"\xff\xd8\xff": "other",
    b"Rar!": "other",
    b"\x1f\x8b": "other",
}
BAD_ROWS_SALT = "layanan.register_import.bad_rows"
BAD_ROWS_MAX_AGE = 24 * 3600  # the sweep removes the file after a day


# --- The upload ---------------------------------------------------------------------------------


def _not_csv(start: bytes) -> str | None:
    """Why a file is not a CSV text, from its first bytes, or None."""
    for magic, kind in BINARY_STARTS.items():
        if start.startswith(magic):
            if kind == "zip":
                return _(
                    "This file is not a CSV file: it is an archive or an XLSX workbook named "
                    ".csv. Choose format xlsx for an Excel workbook, or save the sheet as CSV."
                )
            if kind == "xls":
                return _(
                    "This file is an old Excel workbook (.xls). Open it in Excel and save it as "
                    "XLSX or CSV UTF-8, then import that file."
                )
            return _(
                "This file is not a CSV file: its content is of another kind (a program, an "
                "image or a PDF, for example) under a .csv name. Choose the register file saved "
                "from a spreadsheet."
            )
    return None


def check_csv(upload) -> None:
    """A CSV upload is UTF-8 text (what "CSV UTF-8" in Excel saves), with no NUL bytes."""
    upload.seek(0)
    start = upload.read(8)
    reason = _not_csv(start)
    if reason:
        raise forms.ValidationError(reason, code="not_csv")
    upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                raise forms.ValidationError(
                    _(
                        "This file is not a CSV text file: it holds binary data. Choose the "
                        "register file saved from a spreadsheet as CSV."
                    ),
                    code="binary",
                )
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise forms.ValidationError(
            _(
                'This CSV file is not in UTF-8. In Excel choose Save As, type "CSV UTF-8 '
                '(Comma delimited)", then import that file.'
            ),
            code="encoding",
        ) from None
    finally:
        upload.seek(0)


def check_xlsx(upload) -> None:
    """An XLSX upload is a zip holding a workbook, which unpacks to a sane size (no zip bomb).

    zipfile never unpacks more of a part than the size its entry declares (a part that claims
    less than it holds fails its CRC check), so checking the declared sizes is enough.
    """
    upload.seek(0)
    start = upload.read(8)
    upload.seek(0)
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise forms.ValidationError(_not_csv(start), code="xls")
    not_a_workbook = forms.ValidationError(
        _(
            "This file is not an Excel workbook (XLSX), whatever its name says. Choose the "
            "register file saved from Excel as XLSX, or as CSV UTF-8 with format csv."
        ),
        code="not_xlsx",
    )
    if not start.startswith(b"PK\x03\x04"):
        raise not_a_workbook
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_a_workbook from None
    finally:
        upload.seek(0)
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names or not any(
        name.startswith("xl/worksheets/") for name in names
    ):
        raise not_a_workbook
    unpacked = sum(part.file_size for part in parts)
    inflated = any(
        part.file_size > 1024 * 1024
        and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1)
        for part in parts
    )
    if len(parts) > XLSX_MAX_PARTS or unpacked > XLSX_MAX_UNPACKED_BYTES or inflated:
        raise forms.ValidationError(
            _(
                "This workbook unpacks to far more than a register holds (%(size)d MB); it is "
                "refused. Save the register sheet again as a new XLSX or as CSV UTF-8."
            )
            % {"size": unpacked // (1024 * 1024)},
            code="zip_bomb",
        )


EXTENSIONS = {SemicolonAwareCSV: (".csv", ".txt")}


class RegisterImportForm(ImportForm):
    """import-export's import form, which checks the file against the chosen format before the
    admin stores or reads it: a disguised file (a program named .csv, a zip bomb named .xlsx)
    is refused with what is wrong and what to do, not passed to a parser."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.fields["import_file"].label = gettext_lazy("Register file (CSV or XLSX)")
        self.fields["format"].label = gettext_lazy("File format")

    def clean(self):
        cleaned = super().clean()
        upload, index = cleaned.get("import_file"), cleaned.get("format")
        if upload is None or index in (None, ""):
            return cleaned
        file_format = self.formats[int(index)]
        name = (upload.name or "").lower()
        expected = EXTENSIONS.get(file_format, (".xlsx",))
        if not name.endswith(expected):
            self.add_error(
                "import_file",
                _(
                    "The file is named %(name)s, but the chosen format is %(format)s. Choose the "
                    "format that matches the file (csv for .csv, xlsx for .xlsx)."
                )
                % {"name": upload.name, "format": file_format().get_title()},
            )
            return cleaned
        if upload.size == 0:
            self.add_error("import_file", _("The file is empty."))
            return cleaned
        try:
            if issubclass(file_format, SemicolonAwareCSV):
                check_csv(upload)
            else:
                check_xlsx(upload)
        except forms.ValidationError as exc:
            self.add_error("import_file", exc)
        return cleaned


class RegisterConfirmForm(ConfirmImportForm):
    """The confirmation, which may say to import only the rows that pass (`partial`)."""

    partial = forms.BooleanField(required=False, widget=forms.HiddenInput())


# --- The example file ---------------------------------------------------------------------------


def example_rows(kelurahan) -> list[list[str]]:
    """The header row the import reads and one made-up resident: a NIK of the kelurahan's
    kecamatan that passes the NIK check (man born 17-08-1990, serial 9999), named "Contoh"."""
    region = "".join(ch for ch in (kelurahan.code if kelurahan else "") if ch.isdigit())[:6]
    region = region if len(region) == 6 else "337201"
    headers = [field.column_name for field in ResidentResource().get_import_fields()]
    example = {
        "NIK": f"{region}1708909999",
        "No KK": f"{region}0101209999",
        "Nama": "Budi Contoh",
        "Tempat Lahir": "Surakarta",
        "Tanggal Lahir": "17-08-1990",
        "Jenis Kelamin (L/P)": "L",
        "Agama": "Islam",
        "Status Perkawinan": "Kawin",
        "Pekerjaan": "Karyawan Swasta",
        "Kewarganegaraan": "WNI",
        "Alamat": "Jl. Contoh No. 1",
        "RT": "001",
        "RW": "002",
    }
    return [headers, [example.get(header, "") for header in headers]]


def _xlsx_bytes(rows, title: str) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append([spreadsheet_text(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_text(rows, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow([spreadsheet_text(cell) for cell in row])
    return out.getvalue()


def example_file_response(kelurahan, kind: str) -> HttpResponse:
    """The example register file (kind "csv" or "xlsx"), made on the fly."""
    rows = example_rows(kelurahan)
    if kind == "xlsx":
        content = _xlsx_bytes(rows, _("Residents"))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = ("\ufeff" + _csv_text(rows)).encode()  # the BOM: Excel then reads UTF-8
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="contoh-data-penduduk.{kind}"'
    return response


# --- The rows left out --------------------------------------------------------------------------


def _cell(value) -> str:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    return cell_text(value)


class BadRows:
    """The rows of an import that fail their checks, each with its reason, written to a
    temporary file as they come (100,000 bad rows are not held in memory), then saved as the
    file the operator fixes and imports again: the same kind as the upload (CSV with its
    delimiter, or XLSX), the file's columns, and an "Alasan" column, which the import ignores
    (a file that had one already, a bad-rows file imported again, gets the new reasons in it).
    """

    def __init__(self):
        self.count = 0
        self.listed: list[str] = []  # "Baris 7: ..." of the first LISTED_IN_RESULT rows
        self.headers: list[str] = []
        self.kind, self.delimiter = "csv", ","
        self._file = None
        self._writer = None

    def start(self, dataset) -> None:
        headers = [cell_text(header) for header in dataset.headers or []]
        self.headers = [h for h in dict.fromkeys(headers) if h != REASON_COLUMN]
        self.kind = getattr(dataset, "kind", "csv")
        self.delimiter = getattr(dataset, "delimiter", ",")

    def add(self, number: int, row: dict, reason: str) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(mode="w+", newline="", encoding="utf-8")
            self._writer = csv.writer(self._file)
        line = row_line(number, reason)
        self._writer.writerow([*(_cell(row.get(header)) for header in self.headers), line])
        self.count += 1
        if len(self.listed) < LISTED_IN_RESULT:
            self.listed.append(line)

    def _rows(self):
        yield [*self.headers, REASON_COLUMN]
        self._file.seek(0)
        yield from csv.reader(self._file)

    def save(self) -> str:
        """Save the file to private storage; return its name there."""
        name = f"exports/bad-rows-{uuid.uuid4().hex}.{self.kind}"
        with tempfile.TemporaryFile() as out:
            if self.kind == "xlsx":
                book = openpyxl.Workbook(write_only=True)
                sheet = book.create_sheet(_("Rows to fix"))
                for row in self._rows():
                    sheet.append([spreadsheet_text(cell) for cell in row])
                book.save(out)
            else:
                text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
                writer = csv.writer(text, delimiter=self.delimiter)
                for row in self._rows():
                    writer.writerow([spreadsheet_text(cell) for cell in row])
                text.detach()
            out.seek(0)
            saved = private_storage.save(name, File(out))
        self.close()
        return saved

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None


def bad_rows_token(*, name: str, user) -> str:
    """What a link to a bad-rows file carries: the file, for this user only, signed."""
    return signing.dumps({"file": name, "user": user.pk}, salt=BAD_ROWS_SALT, compress=True)


def bad_rows_file(token: str, user) -> str | None:
    """The file a token names, if it was made for `user` in the last day and is still there."""
    try:
        data = signing.loads(token, salt=BAD_ROWS_SALT, max_age=BAD_ROWS_MAX_AGE)
    except signing.BadSignature:
        return None
    name = data.get("file", "")
    if data.get("user") != user.pk or not name.startswith("exports/bad-rows-"):
        return None
    return name if private_storage.exists(name) else None


def bad_rows_content_type(name: str) -> str:
    return next(
        (
            file_format().get_content_type()
            for file_format in REGISTER_IMPORT_FORMATS
            if name.endswith("." + file_format().get_extension())
        ),
        "application/octet-stream",
    )
