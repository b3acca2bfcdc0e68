"""The resident register import for operators: the example files, importing the good rows of a
file and handing back the bad ones (with their reasons) to fix, hostile files, and every screen in
Indonesian."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kelurahan import background, roles
from kelurahan.models import TaskRun
from layanan.models import Resident
from layanan.nik import parse_nik
from layanan.register_import import BAD_ROWS_SALT
from layanan.resources import ResidentResource
from layanan.storage import private_storage
from tests.layanan.test_register import (
    BUDI,
    CSV_FORMAT,
    HEADERS,
    IMPORT_URL,
    PROCESS_URL,
    SITI,
    XLSX_FORMAT,
    body,
    confirm,
    csv_rows,
    csv_upload,
    preview,
    xlsx_rows,
    xlsx_upload,
)

FORMATS = {"csv": CSV_FORMAT, "xlsx": XLSX_FORMAT}
SHORT_NIK = "337201150895000"  # 15 digits


def upload(kind: str, rows, headers=HEADERS) -> SimpleUploadedFile:
    return csv_upload(rows, headers) if kind == "csv" else xlsx_upload(rows, headers)


def xlsx_text_upload(rows, headers=HEADERS) -> SimpleUploadedFile:
    """An XLSX whose every cell is text, also one that starts with "=" (a typed formula)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [headers, *rows]:
        sheet.append(row)
    for cell in (cell for row in sheet.iter_rows() for cell in row):
        if isinstance(cell.value, str):
            cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("penduduk.xlsx", out.getvalue())


def read_rows(kind: str, content: bytes) -> list[list[str]]:
    rows = csv_rows(content) if kind == "csv" else xlsx_rows(content)
    return [["" if cell is None else str(cell) for cell in row] for row in rows]


def shown_text(response) -> str:
    """What a person reads on the page: text between tags, and the buttons' and fields' words."""
    html = response.content.decode()
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    attributes = re.findall(r'(?:value|title|placeholder|aria-label)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join([text, *attributes])


def in_indonesian(message: str) -> str:
    with translation.override("id"):
        return translation.gettext(message)


def bad_and_good_rows():
    """Budi and Siti are fine; row 2 has a 15-digit NIK, row 4 an unknown sex."""
    short_nik = [*BUDI]
    short_nik[0] = SHORT_NIK
    short_nik[2] = "Agus Salim"
    bad_sex = [*SITI]
    bad_sex[0] = "3372015508950005"
    bad_sex[2] = "Rina Wati"
    bad_sex[5] = "X"
    return [[*BUDI], short_nik, [*SITI], bad_sex]


def import_partially(client, shown):
    """Press "Import the rows without errors" on a preview with bad rows."""
    form = shown.context["partial_confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(PROCESS_URL, data)


# --- The example files --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_example_file_has_the_columns_and_a_made_up_resident_and_imports_cleanly(
    as_operator_a, kelurahan_a, kind
):
    page = as_operator_a.get(IMPORT_URL)
    url = reverse("admin:layanan_resident_import_example", args=[kind])
    assert url in page.content.decode()
    assert "Unduh contoh berkas" in shown_text(page)

    response = as_operator_a.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    header, example = read_rows(kind, response.content)
    assert header == HEADERS
    assert parse_nik(example[0]).value == example[0]  # passes the NIK check
    assert example[0].startswith("337201")  # the kelurahan's kecamatan
    assert "Contoh" in example[2]

    shown = preview(
        as_operator_a,
        SimpleUploadedFile(f"contoh.{kind}", response.content),
        FORMATS[kind],
    )
    assert "confirm_form" in shown.context, shown.context["result"].invalid_rows
    confirm(as_operator_a, shown)
    resident = Resident.objects.for_kelurahan(kelurahan_a).get()
    assert (resident.nik, resident.name, resident.rt) == (example[0], example[2], "1")


def test_the_example_file_is_only_for_staff_who_may_import(client, diskominfo):
    url = reverse("admin:layanan_resident_import_example", args=["csv"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(diskominfo)  # no kelurahan to import into
    assert client.get(url).status_code == 404


# --- Good rows in, bad rows back ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_good_rows_are_imported_and_the_bad_ones_listed_with_their_reasons(
    as_operator_a, kelurahan_a, kind
):
    shown = preview(as_operator_a, upload(kind, bad_and_good_rows()), FORMATS[kind])

    assert shown.status_code == 200
    assert "confirm_form" not in shown.context  # no import of everything
    page = shown_text(shown)
    nik_reason = "Baris 2: NIK harus 16 angka; yang dimasukkan 15 angka."
    assert escape(nik_reason) in page
    assert "Baris 4: Jenis Kelamin X" in page
    assert "2 baris berisi kesalahan" in page
    assert "Impor baris yang benar" in page
    assert not Resident.objects.exists()  # nothing before the operator confirms

    done = import_partially(as_operator_a, shown)

    run = TaskRun.objects.get(key__startswith="register-import:")
    assert run.state == TaskRun.State.DONE, run.message
    assert (run.result["new"], run.result["invalid"]) == (2, 2)
    assert set(Resident.objects.for_kelurahan(kelurahan_a).values_list("name", flat=True)) == {
        "Budi Santoso",
        "Siti Aminah",
    }
    status = as_operator_a.get(done["Location"])
    assert "2 baris yang salah tidak diimpor" in shown_text(status)
    result_url = reverse("admin:layanan_resident_import_result", args=[run.pk])
    assert result_url in status.content.decode()

    result_page = as_operator_a.get(result_url)
    assert result_page.status_code == 200
    assert escape(nik_reason) in shown_text(result_page)
    link = re.search(r'id="bad-rows-file" href="([^"]+)"', result_page.content.decode())
    file_response = as_operator_a.get(link.group(1))
    assert file_response.status_code == 200
    assert "no-store" in file_response["Cache-Control"]
    rows = read_rows(kind, body(file_response))
    assert rows[0] == [*HEADERS, "Alasan"]
    assert [row[2] for row in rows[1:]] == ["Agus Salim", "Rina Wati"]
    assert rows[1][0] == SHORT_NIK  # the cells as the file had them
    assert rows[1][-1] == nik_reason
    assert rows[2][-1].startswith("Baris 4: ")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_bad_rows_file_from_the_preview_once_fixed_imports_back(
    as_operator_a, kelurahan_a, kind
):
    shown = preview(as_operator_a, upload(kind, bad_and_good_rows()), FORMATS[kind])
    import_partially(as_operator_a, shown)
    file_response = as_operator_a.get(shown.context["bad_rows_url"])
    rows = read_rows(kind, body(file_response))
    header, agus, rina = rows

    still_bad = preview(as_operator_a, upload(kind, [agus, rina], header), FORMATS[kind])
    again = read_rows(kind, body(as_operator_a.get(still_bad.context["bad_rows_url"])))
    assert again[0] == header  # one "Alasan" column, with the new reason
    assert [row[-1].split(":")[0] for row in again[1:]] == ["Baris 1", "Baris 2"]  # this file's
    assert [row[-1].split(": ", 1)[1] for row in again[1:]] == [
        agus[-1].split(": ", 1)[1],
        rina[-1].split(": ", 1)[1],
    ]
    agus[0] = "3372011508950003"
    rina[5] = "P"

    fixed = preview(as_operator_a, upload(kind, [agus, rina], header), FORMATS[kind])

    assert "confirm_form" in fixed.context, fixed.context["result"].invalid_rows
    assert fixed.context["result"].totals["new"] == 2
    confirm(as_operator_a, fixed)
    residents = Resident.objects.for_kelurahan(kelurahan_a)
    assert residents.count() == 4
    assert residents.get(name="Rina Wati").sex == "P"


def test_a_partial_import_reports_its_progress_as_it_goes(as_operator_a, monkeypatch):
    heard = []
    real_progress = background.progress

    def progress(key, done, total, message=""):
        heard.append((done, total))
        real_progress(key, done, total, message)

    monkeypatch.setattr(background, "progress", progress)
    monkeypatch.setattr(ResidentResource, "PROGRESS_EVERY", 1)
    shown = preview(as_operator_a, csv_upload(bad_and_good_rows()))

    import_partially(as_operator_a, shown)

    assert heard == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert TaskRun.objects.get().state == TaskRun.State.DONE


def test_reimporting_the_same_file_updates_the_residents_it_already_added(
    as_operator_a, kelurahan_a
):
    shown = preview(as_operator_a, csv_upload(bad_and_good_rows()))
    import_partially(as_operator_a, shown)
    rows = bad_and_good_rows()
    rows[0][HEADERS.index("Pekerjaan")] = "Wiraswasta"

    again = preview(as_operator_a, csv_upload(rows))
    assert (again.context["result"].totals["update"], again.context["result"].totals["skip"]) == (
        1,
        1,
    )
    import_partially(as_operator_a, again)

    residents = Resident.objects.for_kelurahan(kelurahan_a)
    assert residents.count() == 2
    assert residents.get(name="Budi Santoso").occupation == "Wiraswasta"


def test_a_file_of_only_bad_rows_offers_the_file_but_nothing_to_import(as_operator_a):
    rows = bad_and_good_rows()
    shown = preview(as_operator_a, csv_upload([rows[1], rows[3]]))

    assert "partial_confirm_form" not in shown.context
    assert "bad_rows_url" in shown.context
    assert "Belum ada baris dari berkas ini yang dapat diimpor" in shown_text(shown)


def test_the_bad_rows_file_is_private_to_the_operator_who_imported(
    as_operator_a, client, make_staff, kelurahan_a, operator_b
):
    shown = preview(as_operator_a, csv_upload(bad_and_good_rows()))
    url = shown.context["bad_rows_url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    name = signing.loads(token, salt=BAD_ROWS_SALT)["file"]
    assert name.startswith("exports/bad-rows-") and private_storage.exists(name)
    with pytest.raises(ValueError):
        private_storage.url(name)  # no public address

    colleague = make_staff("operator.a2", roles.OPERATOR, kelurahan_a)
    for other in (colleague, operator_b):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(shown.wsgi_request.user)
    assert client.get(url).status_code == 200
    assert client.get(url.replace(token, token[:-2] + "xx")).status_code == 404


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_cells_in_the_bad_rows_file_are_written_as_text(as_operator_a, kelurahan_a, kind):
    formula = "=cmd|' /C calc'!A0"
    bad = [*BUDI]
    bad[0] = SHORT_NIK
    bad[2] = formula
    bad[10] = "@SUM(1+1)"

    hostile = csv_upload([bad]) if kind == "csv" else xlsx_text_upload([bad])
    shown = preview(as_operator_a, hostile, FORMATS[kind])
    content = body(as_operator_a.get(shown.context["bad_rows_url"]))

    if kind == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert all(cell.data_type != "f" for cell in cells)  # no formula anywhere
    rows = read_rows(kind, content)
    assert rows[1][2] == "'" + formula
    assert rows[1][10] == "'@SUM(1+1)"

    rows[1][0] = "3372011508950003"  # fixed: the "'" comes off again on import
    fixed = preview(as_operator_a, upload(kind, rows[1:], rows[0]), FORMATS[kind])
    confirm(as_operator_a, fixed)
    assert Resident.objects.for_kelurahan(kelurahan_a).get().name == formula


def test_religion_and_marital_status_are_stored_in_the_registers_spelling(
    as_operator_a, kelurahan_a
):
    rows = bad_and_good_rows()
    budi, siti = rows[0], rows[2]
    agama, status = HEADERS.index("Agama"), HEADERS.index("Status Perkawinan")
    budi[agama], budi[status] = "KATHOLIK", "belum kawin"
    siti[agama], siti[status] = "2", "Janda"  # SIAK code 2; "Janda" could be either cerai

    shown = preview(as_operator_a, csv_upload([budi, siti]))
    confirm(as_operator_a, shown)

    residents = Resident.objects.for_kelurahan(kelurahan_a)
    assert residents.get(name="Budi Santoso").religion == "Katolik"
    assert residents.get(name="Budi Santoso").marital_status == "Belum Kawin"
    assert residents.get(name="Siti Aminah").religion == "Kristen"
    assert residents.get(name="Siti Aminah").marital_status == "Janda"  # kept as typed


# --- Hostile files ------------------------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


ZIP_BOMB = _zip(
    {
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook/>",
        "xl/worksheets/sheet1.xml": b"<" + b" " * (8 * 1024 * 1024),  # 8 MB from a few KB
    }
)
NOT_CSV = (
    "This file is not a CSV file: its content is of another kind (a program, an image or a PDF, "
    "for example) under a .csv name. Choose the register file saved from a spreadsheet."
)
NOT_XLSX = (
    "This file is not an Excel workbook (XLSX), whatever its name says. Choose the register file "
    "saved from Excel as XLSX, or as CSV UTF-8 with format csv."
)
HOSTILE = [
    ("program.csv", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, CSV_FORMAT, NOT_CSV),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, CSV_FORMAT, NOT_CSV),
    (
        "workbook.csv",
        _zip({"[Content_Types].xml": b"<Types/>"}),
        CSV_FORMAT,
        "This file is not a CSV file: it is an archive or an XLSX workbook named .csv. Choose "
        "format xlsx for an Excel workbook, or save the sheet as CSV.",
    ),
    (
        "binary.csv",
        b"NIK,Nama\n3372011508950001,Bu\x00di\n",
        CSV_FORMAT,
        "This file is not a CSV text file: it holds binary data. Choose the register file saved "
        "from a spreadsheet as CSV.",
    ),
    (
        "windows.csv",
        "NIK,Nama\n3372011508950001,Budi Süsanto\n".encode("cp1252"),
        CSV_FORMAT,
        'This CSV file is not in UTF-8. In Excel choose Save As, type "CSV UTF-8 (Comma '
        'delimited)", then import that file.',
    ),
    ("program.xlsx", b"MZ\x90\x00" + b"\x00" * 200, XLSX_FORMAT, NOT_XLSX),
    ("archive.xlsx", _zip({"readme.txt": b"hello"}), XLSX_FORMAT, NOT_XLSX),
    (
        "old.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200,
        XLSX_FORMAT,
        "This file is an old Excel workbook (.xls). Open it in Excel and save it as XLSX or CSV "
        "UTF-8, then import that file.",
    ),
    (
        "bomb.xlsx",
        ZIP_BOMB,
        XLSX_FORMAT,
        "This workbook unpacks to far more than a register holds (%(size)d MB); it is refused. "
        "Save the register sheet again as a new XLSX or as CSV UTF-8.",
    ),
    (
        "penduduk.xlsx",
        b"NIK,Nama\n",
        CSV_FORMAT,
        "The file is named %(name)s, but the chosen format is %(format)s. Choose the format that "
        "matches the file (csv for .csv, xlsx for .xlsx).",
    ),
]


@pytest.mark.parametrize(("name", "content", "file_format", "message"), HOSTILE)
def test_a_disguised_file_is_refused_with_a_clear_message(
    as_operator_a, name, content, file_format, message
):
    shown = preview(as_operator_a, SimpleUploadedFile(name, content), file_format)

    assert shown.status_code == 200
    errors = shown.context["form"].errors["import_file"]
    expected = in_indonesian(message)
    if "%(size)d" in message:
        expected = expected % {"size": 8}
    if "%(name)s" in message:
        expected = expected % {"name": name, "format": "csv"}
    assert errors == [expected]
    assert escape(expected) in shown.content.decode()
    assert "result" not in shown.context  # never read
    assert not private_storage.exists("imports") or not private_storage.listdir("imports")[1]
    assert not Resident.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(as_operator_a, settings):
    settings.RESIDENT_IMPORT_MAX_BYTES = 10_000
    rows = [[*BUDI] for _ in range(200)]  # far over 10 KB

    response = preview(as_operator_a, csv_upload(rows))

    assert response.status_code == 413
    assert not Resident.objects.exists()


def test_a_file_without_a_nik_column_is_explained_in_indonesian(as_operator_a):
    shown = preview(as_operator_a, csv_upload([BUDI[1:]], HEADERS[1:]))

    page = shown_text(shown)
    assert "Berkas tidak memiliki kolom NIK" in page
    assert "import_id_fields" not in page
    assert "Traceback" not in shown.content.decode()
    assert "Baris 1" not in page  # one message, not one per row


# --- Every screen in Indonesian ------------------------------------------------------------------

ENGLISH = [
    r"\bImport\b",
    r"\bSubmit\b",
    r"Confirm import",
    r"This importer",
    r"Some rows failed",
    r"Line number",
    r"\bErrors\b",
    r"File to import",
    r"\bPreview\b",
    r"Download",
]


def assert_indonesian(response, *phrases):
    assert response.status_code == 200
    text = shown_text(response)
    for phrase in phrases:
        assert phrase in text, phrase
    for english in ENGLISH:
        assert not re.search(english, text), (english, re.search(rf".{{60}}{english}.{{60}}", text))


def test_every_screen_of_the_import_reads_in_indonesian(as_operator_a):
    changelist = as_operator_a.get(reverse("admin:layanan_resident_changelist"))
    assert ">Impor<" in changelist.content.decode().replace(" ", "")

    assert_indonesian(
        as_operator_a.get(IMPORT_URL),
        "Impor buku induk penduduk",
        "Kolom yang akan diimpor",
        "Berkas buku induk penduduk (CSV atau XLSX)",
        "Format berkas",
        "Periksa berkas",
        "Unduh contoh berkas",
    )
    good = preview(as_operator_a, csv_upload([BUDI, SITI]))
    assert_indonesian(good, "Pratinjau", "Konfirmasi impor", "Baru")
    bad = preview(as_operator_a, csv_upload(bad_and_good_rows()))
    assert_indonesian(
        bad, "2 baris berisi kesalahan", "Unduh baris yang salah", "Impor baris yang benar"
    )
    done = import_partially(as_operator_a, bad)
    status = as_operator_a.get(done["Location"])
    assert_indonesian(status, "Selesai diimpor")
    run = TaskRun.objects.get()
    assert_indonesian(
        as_operator_a.get(reverse("admin:layanan_resident_import_result", args=[run.pk])),
        "Hasil impor buku induk penduduk",
        "Baris yang tidak diimpor",
        "Unduh baris yang salah",
    )
    refused = preview(as_operator_a, SimpleUploadedFile("x.csv", b"MZ\x00\x00"))
    assert_indonesian(refused, "Berkas ini bukan berkas CSV")
