"""Reading an operator's register file (CSV or XLSX) a row at a time, for django-import-export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from import_export.formats import base_formats

from layanan.cells import cell_text


class StreamedRows:
    """A read-only stand-in for tablib.Dataset that reads the file again on every pass.

    tablib keeps every cell of every row as a Python object (about 1 KB a row here), and
    import-export keeps a result per row on top; a 100,000-row register took over 500 MB. This
    keeps one row at a time, so memory does not grow with the file beyond the file itself.
    import-export only asks a dataset for `headers`, `len()` and iteration.
    """

    def __init__(self, read: Callable[[], Iterator], *, kind: str = "csv", delimiter: str = ","):
        self._read = read
        # What the file was, so the rows it could not import go back in the same shape
        # (layanan/register_import.py).
        self.kind, self.delimiter = kind, delimiter
        rows = read()
        self.headers = [cell_text(header) for header in next(rows, [])]
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
        return StreamedRows(
            lambda: csv.reader(_lines(text), delimiter=delimiter), kind="csv", delimiter=delimiter
        )


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

        return StreamedRows(read, kind="xlsx")


# The register import's formats, in the order the admin offers them: the confirmation form and
# the background task name a format by its index here.
REGISTER_IMPORT_FORMATS = [SemicolonAwareCSV, StreamedXLSX]
REGISTER_ENCODING = "utf-8-sig"  # import-export's default; Excel's CSV starts with a BOM
