"""Files of personal data that leave the system: the resident register (CSV streamed from the
database, or XLSX written by a background task) and the outgoing-letter register (buku agenda
surat keluar).

Every export is written to the access log of each kelurahan whose rows are in the file, when the
file is made, not when the form to ask for it is shown.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator

import openpyxl
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from import_export.formats import base_formats

from kelurahan.tenancy import user_kelurahan_id
from layanan import services
from layanan.cells import spreadsheet_safe, spreadsheet_text
from layanan.models import AccessLog, Letter
from layanan.resources import LetterRegisterResource, ResidentResource

REGISTER_FORMATS = {"xlsx": base_formats.XLSX, "csv": base_formats.CSV}
# Residents fetched from the database, and CSV rows sent, per round of a streamed export.
EXPORT_CHUNK = 2000


def export_log(*, by, subject: str, queryset) -> None:
    """Exports of personal data are logged for every kelurahan whose rows left in the file:
    the operator's own, or each kelurahan in a Diskominfo city-wide export."""
    own = user_kelurahan_id(by)
    if own:
        kelurahan_ids = [own]
    else:
        kelurahan_ids = sorted(
            queryset.order_by().values_list("kelurahan_id", flat=True).distinct()
        )
        subject = f"{subject} (city-wide)"
    for kelurahan_id in kelurahan_ids:
        services.access_log_record(
            by=by,
            kelurahan_id=kelurahan_id,
            action=AccessLog.Action.EXPORT,
            subject=subject,
        )


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _LetterRegisterMarked(LetterRegisterResource):
    """The register with each letter made outside the portal (a reserved number, an imported
    earlier row) marked so in its status: the portal holds no copy of it."""

    def dehydrate_state(self, letter):
        if not letter.recorded_outside:
            return super().dehydrate_state(letter)
        if letter.state == Letter.State.VOID:
            return gettext("%(state)s (outside the portal)") % {
                "state": super().dehydrate_state(letter)
            }
        return gettext("Outside the portal")


def letter_register_response(letters, *, year: int, month: int | None, file_format: str, by):
    """The buku agenda surat keluar of a month (or of the whole year: month None) as a download.

    `letters` must already be scoped to `by` (the admin's queryset), so an operator gets only
    their kelurahan's. `file_format` is a key of REGISTER_FORMATS.
    """
    start = datetime.date(year, month or 1, 1)
    end = datetime.date(year + (month or 12) // 12, (month or 12) % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    letters = LetterRegisterResource.register_queryset(letters).filter(
        signed_at__gte=datetime.datetime.combine(start, datetime.time(), zone),
        signed_at__lt=datetime.datetime.combine(end, datetime.time(), zone),
    )
    export_format = REGISTER_FORMATS[file_format]()
    dataset = _LetterRegisterMarked().export(queryset=letters)
    if file_format == "csv":
        # "Keperluan" comes from residents' online requests: no cell of a CSV may open as a
        # formula in a spreadsheet (import-export only strips a leading "=").
        dataset = spreadsheet_safe(dataset)
    response = HttpResponse(
        export_format.export_data(dataset), content_type=export_format.get_content_type()
    )
    period = f"{year}-{month:02d}" if month else str(year)
    export_log(by=by, subject=f"buku agenda surat keluar {period}", queryset=letters)
    name = f"buku-agenda-surat-keluar-{period}.{export_format.get_extension()}"
    return _attachment(response, name)


def resident_register_response(queryset, *, by, name: str, content_type: str):
    """The resident register as a streamed CSV download (resident_register_csv), logged."""
    chunks = resident_register_csv(queryset)
    export_log(by=by, subject="resident register", queryset=queryset)
    return _attachment(StreamingHttpResponse(chunks, content_type=content_type), name)


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


def _resident_rows(queryset) -> Iterator[list[str]]:
    """The header, then each resident's exported cells as text, a chunk of rows per query."""
    export_fields = ResidentResource().get_export_fields()
    renders = [field.widget.render for field in export_fields]
    yield [field.column_name for field in export_fields]
    rows = queryset.values_list(*(field.attribute for field in export_fields))
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        cells = zip(renders, row, strict=True)
        yield [spreadsheet_text(str(render(value))) for render, value in cells]


def _resident_csv_chunks(queryset) -> Iterator[bytes]:
    out = _CSVChunk()
    writer = csv.writer(out)
    for count, row in enumerate(_resident_rows(queryset)):
        writer.writerow(row)
        if count and count % EXPORT_CHUNK == 0:  # the header goes with the first chunk
            yield out.take()
    if rest := out.take():
        yield rest


def resident_register_xlsx(queryset, out, *, progress=None) -> int:
    """Write the resident register as XLSX to the binary file `out`; return the rows written.

    The same cells as the CSV, every cell text (a NIK stays 16 digits, not 3.37E+15). openpyxl's
    write-only mode keeps one row in memory, not the workbook (import-export's XLSX holds it
    whole: 100,000 residents took 46 s and 500 MB), so the task has no size limit short of Excel's.
    `progress(rows)` is called every EXPORT_CHUNK rows.
    """
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Residents"))
    count = -1
    for count, row in enumerate(_resident_rows(queryset)):
        sheet.append(row)
        if progress and count and count % EXPORT_CHUNK == 0:
            progress(count)
    book.save(out)
    return max(count, 0)
