"""The resident register's import (preview, then confirm) and export, and the outgoing-letter
register export, through the admin as operators and Diskominfo use them."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import gettext

from kelurahan import background, roles
from kelurahan.models import TaskRun
from layanan import services
from layanan.models import AccessLog, Letter, Resident
from layanan.nik import NIKError, mask_nik, parse_nik
from layanan.resources import ResidentResource
from layanan.storage import private_storage
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, snapshot
from tests.layanan.test_letter_admin import make_resident

State = Letter.State
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # positions in ResidentAdmin.import_formats and export_formats
HEADERS = [
    "NIK",
    "No KK",
    "Nama",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Jenis Kelamin (L/P)",
    "Agama",
    "Status Perkawinan",
    "Pekerjaan",
    "Kewarganegaraan",
    "Alamat",
    "RT",
    "RW",
]
BUDI = [
    NIK_BUDI,
    "3372010101100001",
    "Budi Santoso",
    "Surakarta",
    "15-08-1995",
    "L",
    "Islam",
    "Kawin",
    "Karyawan Swasta",
    "WNI",
    "Jl. Slamet Riyadi No. 10",
    "003",
    "005",
]
SITI = [
    NIK_SITI,
    "3372010101100001",
    "Siti Aminah",
    "Surakarta",
    "1995-08-15",
    "Perempuan",
    "Islam",
    "Kawin",
    "Mengurus Rumah Tangga",
    "",
    "Jl. Slamet Riyadi No. 10",
    "3",
    "5",
]
IMPORT_URL = reverse("admin:layanan_resident_import")
PROCESS_URL = reverse("admin:layanan_resident_process_import")


def csv_upload(rows, headers=HEADERS, delimiter=",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("penduduk.csv", out.getvalue().encode(), content_type="text/csv")


def xlsx_upload(rows, headers=HEADERS) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("penduduk.xlsx", out.getvalue())


def preview(client, upload, file_format=CSV_FORMAT):
    return client.post(IMPORT_URL, {"resource": "0", "format": file_format, "import_file": upload})


def confirm(client, response):
    """Press "Confirm import" on a preview page. The import runs as a background task (here in
    the test's process, once the request commits) and the operator lands on its progress page."""
    form = response.context["confirm_form"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(PROCESS_URL, {name: form.initial.get(name, "") for name in form.fields})


def import_file(client, upload, file_format=CSV_FORMAT):
    shown = preview(client, upload, file_format)
    assert shown.status_code == 200
    assert "confirm_form" in shown.context, row_errors(shown)
    return confirm(client, shown)


def row_errors(response) -> dict[int, dict[str, list[str]]]:
    result = response.context["result"]
    return {row.number: row.field_specific_errors for row in result.invalid_rows}


# --- Import -------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_operator_previews_then_imports_residents_into_own_kelurahan(
    as_operator_a, kelurahan_a, file_format
):
    if file_format == "csv":
        upload, code = csv_upload([BUDI, SITI]), CSV_FORMAT
    else:
        siti = [*SITI]
        siti[4] = datetime.datetime(1995, 8, 15)  # noqa: DTZ001 (a date cell has no zone)
        upload, code = xlsx_upload([BUDI, siti]), XLSX_FORMAT

    shown = preview(as_operator_a, upload, code)

    assert shown.status_code == 200
    assert shown.context["result"].totals["new"] == 2
    assert b"Budi Santoso" in shown.content  # the preview lists the rows
    assert not Resident.objects.exists()  # nothing written before confirmation

    done = confirm(as_operator_a, shown)

    assert done.status_code == 302
    run = TaskRun.objects.get(key__startswith="register-import:")
    assert done["Location"] == reverse("admin:kelurahan_taskrun_change", args=[run.pk])
    page = as_operator_a.get(done["Location"])
    assert (run.state, run.result["new"]) == (TaskRun.State.DONE, 2)
    assert (
        escape(gettext("Imported: %(new)d new, %(updated)d updated.") % {"new": 2, "updated": 0})
        in page.content.decode()
    )
    assert reverse("admin:layanan_resident_changelist") in page.content.decode()
    residents = {r.nik: r for r in Resident.objects.all()}
    assert set(residents) == {NIK_BUDI, NIK_SITI}
    budi, siti = residents[NIK_BUDI], residents[NIK_SITI]
    assert {budi.kelurahan_id, siti.kelurahan_id} == {kelurahan_a.pk}
    assert (budi.birth_date, budi.sex, budi.rt, budi.rw) == (
        datetime.date(1995, 8, 15),
        "L",
        "3",
        "5",
    )
    assert (siti.birth_date, siti.sex, siti.citizenship) == (datetime.date(1995, 8, 15), "P", "WNI")
    assert budi.kk_number == "3372010101100001"
    assert LogEntry.objects.count() == 1  # one entry for the import, not one per row


def test_the_previewed_file_waits_in_private_storage_for_any_node(as_operator_a):
    """Preview on one web node, confirm on another: the file is in the shared private storage
    (never a node's /tmp, never under a URL), and it is gone once imported."""
    shown = preview(as_operator_a, csv_upload([BUDI]))
    name = shown.context["confirm_form"].initial["import_file_name"]

    assert private_storage.exists(f"imports/{name}")
    confirm(as_operator_a, shown)
    assert Resident.objects.get().nik == NIK_BUDI
    assert not private_storage.exists(f"imports/{name}")


def test_a_file_that_changed_after_its_preview_imports_nothing_and_says_so(as_operator_a):
    shown = preview(as_operator_a, csv_upload([BUDI, SITI]))
    name = f"imports/{shown.context['confirm_form'].initial['import_file_name']}"
    broken = [*SITI]
    broken[0] = "12345"  # not a NIK
    with private_storage.open(name, "wb") as stored:
        stored.write(csv_upload([BUDI, broken]).read())

    done = confirm(as_operator_a, shown)

    run = TaskRun.objects.get()
    assert run.state == TaskRun.State.FAILED
    assert run.message == gettext(
        "Nothing was imported: the file no longer passes the checks. Import it again."
    )
    assert escape(run.message) in as_operator_a.get(done["Location"]).content.decode()
    assert not Resident.objects.exists()


def test_semicolon_separated_csv_from_indonesian_excel_imports(as_operator_a):
    import_file(as_operator_a, csv_upload([BUDI], delimiter=";"))
    assert Resident.objects.get().name == "Budi Santoso"


def test_a_kelurahan_column_naming_another_kelurahan_is_ignored(
    as_operator_a, kelurahan_a, kelurahan_b
):
    upload = csv_upload(
        [[*BUDI, kelurahan_b.pk, kelurahan_b.name]], [*HEADERS, "kelurahan", "Kelurahan"]
    )

    import_file(as_operator_a, upload)

    assert Resident.objects.get().kelurahan_id == kelurahan_a.pk


def shown_as(response, msgid: str, params: dict | None = None) -> str:
    """An English source message as the page that gave `response` shows it (its language)."""
    with translation.override(response["Content-Language"]):
        text = translation.gettext(msgid)
    return text % params if params else text


def nik_message(response, value: str) -> str:
    with translation.override(response["Content-Language"]):
        try:
            parse_nik(value)
        except NIKError as exc:
            return str(exc.message)
    raise AssertionError(f"{value!r} is a valid NIK")


BAD_CELLS = [
    ("NIK", "337201150895000", None, None),  # 15 digits
    ("NIK", "3372011513950001", None, None),  # month 13
    ("NIK", "33720115089500x1", None, None),
    ("NIK", "", "NIK is empty; every resident needs a 16-digit NIK.", None),
    (
        "Tanggal Lahir",
        "31-02-1995",
        "Tanggal Lahir %(value)s is not a date; write it as DD-MM-YYYY (for example 17-08-1990).",
        {"value": "31-02-1995"},
    ),
    (
        "Tanggal Lahir",
        "15 Agustus 1995",
        "Tanggal Lahir %(value)s is not a date; write it as DD-MM-YYYY (for example 17-08-1990).",
        {"value": "15 Agustus 1995"},
    ),
    (
        "Tanggal Lahir",
        "01-01-2999",
        "Tanggal Lahir %(value)s is in the future; check the year.",
        {"value": "01-01-2999"},
    ),
    (
        "Jenis Kelamin (L/P)",
        "X",
        "Jenis Kelamin %(value)s is not understood; write L or P.",
        {"value": "X"},
    ),
    (
        "RT",
        "3a",
        "%(column)s must be a number from 1 to 999; the file has %(value)s.",
        {"column": "RT", "value": "3a"},
    ),
    (
        "RW",
        "1000",
        "%(column)s must be a number from 1 to 999; the file has %(value)s.",
        {"column": "RW", "value": "1000"},
    ),
    (
        "No KK",
        "12345",
        "No KK must be 16 digits 0–9; the file has %(value)s.",
        {"value": "12345"},
    ),
    ("Nama", "", "%(column)s is empty; fill it in.", {"column": "Nama"}),
    (
        "Nama",
        "x" * 151,
        "%(column)s may be at most %(max)d characters; this one has %(count)d.",
        {"column": "Nama", "max": 150, "count": 151},
    ),
    (
        "Kewarganegaraan",
        "Indonesia",
        "Kewarganegaraan must be WNI or WNA; the file has %(value)s.",
        {"value": "Indonesia"},
    ),
]


@pytest.mark.parametrize(("column", "value", "msgid", "params"), BAD_CELLS)
def test_a_bad_cell_is_a_row_error_in_the_preview_and_nothing_is_written(
    as_operator_a, column, value, msgid, params
):
    bad = [*BUDI]
    bad[HEADERS.index(column)] = value

    shown = preview(as_operator_a, csv_upload([SITI, bad]))

    assert shown.status_code == 200
    assert "confirm_form" not in shown.context  # no way to confirm
    expected = nik_message(shown, value) if msgid is None else shown_as(shown, msgid, params)
    assert row_errors(shown) == {2: {column: [expected]}}
    assert escape(expected).encode() in shown.content
    assert not Resident.objects.exists()


def test_a_nik_twice_in_the_file_is_a_row_error(as_operator_a):
    shown = preview(as_operator_a, csv_upload([BUDI, SITI, BUDI]))

    message = "This NIK is also in row %(row)d of the file; keep only one of the two."
    assert row_errors(shown) == {3: {"NIK": [shown_as(shown, message, {"row": 1})]}}
    assert not Resident.objects.exists()


def test_blank_lines_are_skipped(as_operator_a):
    import_file(as_operator_a, xlsx_upload([BUDI, [None] * len(HEADERS), SITI]), XLSX_FORMAT)
    assert Resident.objects.count() == 2


def test_a_file_without_a_nik_column_is_refused(as_operator_a):
    shown = preview(as_operator_a, csv_upload([BUDI[1:]], HEADERS[1:]))

    assert "confirm_form" not in shown.context
    assert shown.context["result"].has_errors()
    assert not Resident.objects.exists()


def test_reimport_updates_instead_of_duplicating(as_operator_a, kelurahan_a):
    make_resident(kelurahan_a, occupation="Guru Honorer")
    moved = [*BUDI]
    moved[HEADERS.index("Pekerjaan")] = "Wiraswasta"

    shown = preview(as_operator_a, csv_upload([moved, SITI]))
    assert shown.context["result"].totals["update"] == 1
    assert shown.context["result"].totals["new"] == 1
    confirm(as_operator_a, shown)
    again = preview(as_operator_a, csv_upload([moved, SITI]))  # once more: nothing changes
    assert again.context["result"].totals["skip"] == 2
    confirm(as_operator_a, again)

    assert Resident.objects.count() == 2
    assert Resident.objects.get(nik=NIK_BUDI).occupation == "Wiraswasta"


def test_another_kelurahans_resident_with_the_same_nik_is_untouched(
    as_operator_a, kelurahan_a, kelurahan_b
):
    theirs = make_resident(kelurahan_b, occupation="Pedagang")
    before = snapshot(theirs)

    import_file(as_operator_a, csv_upload([BUDI]))

    assert snapshot(theirs) == before
    ours = Resident.objects.for_kelurahan(kelurahan_a).get(nik=NIK_BUDI)
    assert ours.occupation == "Karyawan Swasta"
    assert Resident.objects.count() == 2


def _numbered_residents(count: int) -> list[list[str]]:
    """`count` valid residents born on 1-1-1990 (serials 0001…), built from BUDI's row."""
    rows = []
    for serial in range(1, count + 1):
        row = list(BUDI)
        row[0] = f"337201010190{serial:04d}"
        row[4] = "01-01-1990"
        row[5] = "L"
        rows.append(row)
    return rows


def test_a_long_file_updates_residents_found_window_by_window(
    as_operator_a, kelurahan_a, monkeypatch
):
    """Existing residents are looked up a window of rows at a time, never the whole file."""
    monkeypatch.setattr("layanan.resources.KelurahanNIKLoader.CHUNK", 7)
    rows = _numbered_residents(30)
    import_file(as_operator_a, csv_upload(rows[::2]))  # every other one already registered
    for row in rows:
        row[8] = "Guru"
    shown = preview(as_operator_a, csv_upload(rows))
    assert (shown.context["result"].totals["new"], shown.context["result"].totals["update"]) == (
        15,
        15,
    )
    confirm(as_operator_a, shown)
    residents = Resident.objects.for_kelurahan(kelurahan_a)
    assert residents.count() == 30
    assert set(residents.values_list("occupation", flat=True)) == {"Guru"}


def test_a_preview_lists_the_first_bad_rows_and_counts_the_rest(as_operator_a, monkeypatch):
    monkeypatch.setattr("layanan.resources.LISTED_ERRORS", 3)
    monkeypatch.setattr("layanan.resources.PREVIEW_ROWS", 2)
    as_operator_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = _numbered_residents(10)
    for row in rows[4:]:
        row[5] = "X"  # six rows with an unknown sex
    shown = preview(as_operator_a, csv_upload(rows))
    result = shown.context["result"]
    assert [row.number for row in result.invalid_rows] == [5, 6, 7]
    assert result.unlisted_invalid_rows == 3
    assert len(result.rows) == 2  # only what the preview shows is kept
    assert "3 more rows with errors" in shown.content.decode()
    assert "confirm_form" not in shown.context
    assert not Resident.objects.exists()


def test_diskominfo_cannot_import(client, diskominfo):
    client.force_login(diskominfo)

    changelist = client.get(reverse("admin:layanan_resident_changelist"))
    assert changelist.status_code == 200
    assert IMPORT_URL.encode() not in changelist.content  # no import button
    assert client.get(IMPORT_URL).status_code == 403
    assert preview(client, csv_upload([BUDI])).status_code == 403
    assert client.post(PROCESS_URL, {}).status_code == 403
    assert not Resident.objects.exists()


def test_operator_sees_the_import_button(as_operator_a):
    changelist = as_operator_a.get(reverse("admin:layanan_resident_changelist"))
    assert IMPORT_URL.encode() in changelist.content


# --- Export -------------------------------------------------------------------------------------


def export(client, file_format, url=None):
    """Press "Export". CSV comes at once; XLSX is made by a background task (in the test's
    process here), the staff member lands on its progress page, and its link gives the file."""
    url = url or reverse("admin:layanan_resident_export")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"resource": "0", "format": file_format})
    if file_format != XLSX_FORMAT or response.status_code != 302:
        return response
    run = TaskRun.objects.get(pk=response["Location"].rstrip("/").split("/")[-2])
    assert run.state == TaskRun.State.DONE, run.message
    progress_page = client.get(response["Location"])
    assert run.result["link"] in progress_page.content.decode()
    return client.get(run.result["link"])


def xlsx_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def body(response) -> bytes:
    """A response's bytes, streamed (the resident CSV) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_export_contains_only_the_operators_residents(as_operator_a, kelurahan_a, kelurahan_b):
    make_resident(kelurahan_a)
    make_resident(kelurahan_b, nik=NIK_SITI, name="Siti Tetangga")

    as_csv = csv_rows(body(export(as_operator_a, CSV_FORMAT)))
    as_xlsx = xlsx_rows(body(export(as_operator_a, XLSX_FORMAT)))

    assert as_csv[0] == HEADERS
    assert as_csv[1:] == [
        [
            NIK_BUDI,
            "3372010101100001",
            "Budi Santoso",
            "Surakarta",
            "15-08-1995",
            "L",
            "Islam",
            "Kawin",
            "Guru Honorer",
            "WNI",
            "Jl. Mawar No. 7",
            "4",
            "2",
        ]
    ]
    assert as_xlsx[0] == HEADERS
    assert len(as_xlsx) == 2
    assert as_xlsx[1][0] == NIK_BUDI  # text, not a number that Excel would round
    assert as_xlsx[1:] == as_csv[1:]  # the same cells, every one text


def test_an_export_imports_back_unchanged(as_operator_a, kelurahan_a):
    resident = make_resident(kelurahan_a)
    before = snapshot(resident)
    content = body(export(as_operator_a, XLSX_FORMAT))

    import_file(as_operator_a, SimpleUploadedFile("penduduk.xlsx", content), XLSX_FORMAT)

    assert snapshot(resident) == before


def test_an_xlsx_export_of_a_resident_without_a_birth_date_imports_back(as_operator_a, kelurahan_a):
    resident = make_resident(kelurahan_a, birth_date=None)
    before = snapshot(resident)
    content = body(export(as_operator_a, XLSX_FORMAT))

    assert xlsx_rows(content)[1][HEADERS.index("Tanggal Lahir")] in ("", None)  # not "None"
    import_file(as_operator_a, SimpleUploadedFile("penduduk.xlsx", content), XLSX_FORMAT)
    assert snapshot(resident) == before


def tricky_resident(kelurahan, **changes) -> Resident:
    """Siti with a name that needs CSV quoting, empty optional cells, and cells that start like
    spreadsheet formulas."""
    fields = {
        "nik": NIK_SITI,
        "kk_number": "",
        "name": 'Siti "Ani"; Aminah, S.Pd',
        "birth_date": None,
        "sex": "",
        "religion": "+x",
        "marital_status": "@SUM(A1)",
        "occupation": "-",
        "address": '=HYPERLINK("http://x")',
        "rt": "",
        "rw": "",
        **changes,
    }
    return make_resident(kelurahan, **fields)


def test_the_csv_export_streams_the_file_import_export_made(as_operator_a, kelurahan_a):
    """Same bytes as django-import-export's CSV for these rows (comma-separated UTF-8, no BOM,
    CRLF, DD-MM-YYYY dates, L/P), except that cells starting like formulas now keep their text
    behind a "'" instead of losing a leading "=" (import-export's escaping)."""
    make_resident(kelurahan_a)
    tricky_resident(kelurahan_a)

    response = export(as_operator_a, CSV_FORMAT)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    filename = f"Resident-{timezone.now():%Y-%m-%d}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert body(response) == (
        b"NIK,No KK,Nama,Tempat Lahir,Tanggal Lahir,Jenis Kelamin (L/P),Agama,"
        b"Status Perkawinan,Pekerjaan,Kewarganegaraan,Alamat,RT,RW\r\n"
        b"3372011508950001,3372010101100001,Budi Santoso,Surakarta,15-08-1995,L,Islam,Kawin,"
        b"Guru Honorer,WNI,Jl. Mawar No. 7,4,2\r\n"
        b'3372015508950002,,"Siti ""Ani""; Aminah, S.Pd",Surakarta,,,\'+x,\'@SUM(A1),-,WNI,'
        b'"\'=HYPERLINK(""http://x"")",,\r\n'
    )


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("=1+2", "'=1+2"),
        ("+62 812", "'+62 812"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-", "-"),  # a lone dash ("nothing here") cannot be a formula
        ("Jl. A-1 = B", "Jl. A-1 = B"),
    ],
)
def test_a_csv_cell_that_starts_like_a_formula_is_kept_as_text(
    as_operator_a, kelurahan_a, stored, exported
):
    make_resident(kelurahan_a, address=stored)

    rows = csv_rows(body(export(as_operator_a, CSV_FORMAT)))

    assert rows[1][HEADERS.index("Alamat")] == exported


def test_a_csv_export_imports_back_with_nothing_to_change(as_operator_a, kelurahan_a):
    residents = [
        make_resident(kelurahan_a),
        tricky_resident(kelurahan_a),
        make_resident(kelurahan_a, nik="3372014101000003", name="-Dewi", sex="P", rt="12"),
    ]
    before = [snapshot(resident) for resident in residents]
    content = body(export(as_operator_a, CSV_FORMAT))

    shown = preview(as_operator_a, SimpleUploadedFile("penduduk.csv", content))

    assert row_errors(shown) == {}
    totals = shown.context["result"].totals
    assert (totals["skip"], totals["new"], totals["update"]) == (3, 0, 0)
    confirm(as_operator_a, shown)
    assert [snapshot(resident) for resident in residents] == before


def test_the_csv_export_comes_in_chunks_of_rows(as_operator_a, kelurahan_a, monkeypatch):
    """Rows are read and sent EXPORT_CHUNK at a time, never the whole register at once."""
    monkeypatch.setattr("layanan.exports.EXPORT_CHUNK", 2)
    for serial, row in enumerate(_numbered_residents(5), start=1):
        make_resident(kelurahan_a, nik=row[0], name=f"Warga {serial}")

    chunks = list(export(as_operator_a, CSV_FORMAT).streaming_content)

    assert [len(csv_rows(chunk)) for chunk in chunks] == [3, 2, 1]  # the header comes first
    assert [row[2] for row in csv_rows(b"".join(chunks))[1:]] == [
        f"Warga {serial}" for serial in range(1, 6)
    ]


def test_each_operator_exports_only_their_own_kelurahans_residents(
    client, operator_a, operator_b, kelurahan_a, kelurahan_b
):
    make_resident(kelurahan_a, name="Warga A")
    make_resident(kelurahan_b, name="Warga B")

    names = {}
    for operator in (operator_a, operator_b):
        client.force_login(operator)
        names[operator.username] = [row[2] for row in csv_rows(body(export(client, CSV_FORMAT)))]

    assert names == {
        operator_a.username: ["Nama", "Warga A"],
        operator_b.username: ["Nama", "Warga B"],
    }


def test_diskominfo_exports_every_kelurahans_residents(
    client, diskominfo, kelurahan_a, kelurahan_b
):
    make_resident(kelurahan_a, name="Warga A")
    make_resident(kelurahan_b, name="Warga B")
    client.force_login(diskominfo)

    rows = csv_rows(body(export(client, CSV_FORMAT)))

    assert [row[2] for row in rows[1:]] == ["Warga A", "Warga B"]


def test_the_csv_export_keeps_the_lists_search(as_operator_a, kelurahan_a):
    make_resident(kelurahan_a)
    make_resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah")
    url = f"{reverse('admin:layanan_resident_export')}?q=siti"

    response = as_operator_a.post(url, {"resource": "0", "format": CSV_FORMAT})

    assert [row[2] for row in csv_rows(body(response))] == ["Nama", "Siti Aminah"]


def test_an_export_is_logged_when_the_file_leaves_not_when_the_form_is_shown(
    as_operator_a, operator_a, kelurahan_a
):
    make_resident(kelurahan_a)
    exports = AccessLog.objects.filter(action=AccessLog.Action.EXPORT)

    assert as_operator_a.get(reverse("admin:layanan_resident_export")).status_code == 200
    assert not exports.exists()

    body(export(as_operator_a, CSV_FORMAT))
    assert list(exports.values_list("user", "kelurahan", "subject")) == [
        (operator_a.pk, kelurahan_a.pk, "resident register")
    ]


def test_an_xlsx_export_is_made_in_the_background_and_only_its_maker_downloads_it(
    as_operator_a, operator_a, kelurahan_a, make_staff, client
):
    make_resident(kelurahan_a)
    make_resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah")

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = as_operator_a.post(
            reverse("admin:layanan_resident_export"), {"resource": "0", "format": XLSX_FORMAT}
        )

    run = TaskRun.objects.get()
    assert started["Location"] == reverse("admin:kelurahan_taskrun_change", args=[run.pk])
    assert (run.state, run.result["rows"], run.created_by) == ("done", 2, operator_a)
    download = as_operator_a.get(run.result["link"])
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert [row[2] for row in xlsx_rows(body(download))] == ["Nama", "Budi Santoso", "Siti Aminah"]
    assert list(AccessLog.objects.values_list("user", "action")) == [
        (operator_a.pk, AccessLog.Action.EXPORT)
    ]
    # Another operator of the same kelurahan does not get it (nor its progress page).
    client.force_login(make_staff("operator.a2", roles.OPERATOR, kelurahan_a))
    assert client.get(run.result["link"]).status_code == 404
    assert client.get(started["Location"]).status_code == 404


def test_a_narrowed_list_exports_only_what_it_shows_as_xlsx(as_operator_a, kelurahan_a):
    make_resident(kelurahan_a)
    make_resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah")

    narrowed = export(
        as_operator_a, XLSX_FORMAT, url=f"{reverse('admin:layanan_resident_export')}?q=siti"
    )

    assert [row[2] for row in xlsx_rows(body(narrowed))] == ["Nama", "Siti Aminah"]


def test_the_export_files_are_swept_after_a_day(as_operator_a, kelurahan_a, monkeypatch):
    make_resident(kelurahan_a)
    export(as_operator_a, XLSX_FORMAT)
    name = TaskRun.objects.get().result["file"]
    assert private_storage.exists(name)

    assert services.letter_files_sweep() == 0  # young: kept
    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    monkeypatch.setattr("layanan.services.timezone.now", lambda: later)
    assert services.letter_files_sweep() == 1
    assert not private_storage.exists(name)


def test_a_staff_member_without_the_view_permission_cannot_export(client, make_staff, kelurahan_a):
    make_resident(kelurahan_a)
    editor = make_staff("redaksi.a", roles.REDAKSI, kelurahan_a)
    client.force_login(editor)

    response = export(client, CSV_FORMAT)

    assert response.status_code == 403
    assert not AccessLog.objects.exists()


# --- The outgoing-letter register -----------------------------------------------------------------

REGISTER_URL = reverse("admin:layanan_letter_register")
REGISTER_HEADERS = [
    "No",
    "Nomor Surat",
    "Tanggal",
    "Jenis Surat",
    "Nama",
    "NIK",
    "Keperluan",
    "Penanda Tangan",
    "Status",
]


def register(client, **params):
    return client.get(f"{REGISTER_URL}?{urlencode(params)}")


def signed_in(letter, year, month, day=10) -> Letter:
    """Move a letter's signing date (the register goes by it)."""
    moment = datetime.datetime(year, month, day, 9, tzinfo=timezone.get_current_timezone())
    Letter.objects.filter(pk=letter.pk).update(signed_at=moment)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def letters(issue, sign, kelurahan_a, kelurahan_b, operator_a, operator_b, signer_a, signer_b):
    """Kelurahan A: two letters signed in November 2026, one in December, one not signed;
    kelurahan B: one signed in November 2026."""
    first = signed_in(sign(issue(kelurahan_a, operator_a), signer_a), 2026, 11, 3)
    second = signed_in(
        sign(
            issue(kelurahan_a, operator_a, nik=NIK_SITI, name="Siti", purpose="sekolah"), signer_a
        ),
        2026,
        11,
        20,
    )
    december = signed_in(sign(issue(kelurahan_a, operator_a), signer_a), 2026, 12, 1)
    unsigned = issue(kelurahan_a, operator_a)
    theirs = signed_in(sign(issue(kelurahan_b, operator_b), signer_b), 2026, 11, 5)
    return {
        "first": first,
        "second": second,
        "december": december,
        "unsigned": unsigned,
        "theirs": theirs,
    }


def test_the_register_form_is_offered_on_the_letter_list(as_operator_a):
    changelist = as_operator_a.get(reverse("admin:layanan_letter_changelist"))
    assert REGISTER_URL.encode() in changelist.content
    page = as_operator_a.get(REGISTER_URL)
    assert page.status_code == 200
    assert page.context["form"].initial["year"] == timezone.localdate().year


def test_register_of_a_month_as_csv_lists_that_months_signed_letters_of_own_kelurahan(
    as_operator_a, letters
):
    response = register(as_operator_a, year=2026, month=11, format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "buku-agenda-surat-keluar-2026-11.csv" in response["Content-Disposition"]
    rows = csv_rows(response.content)
    first, second = letters["first"], letters["second"]
    with translation.override(response["Content-Language"]):
        signed = str(State.SIGNED.label)
    assert rows[0] == REGISTER_HEADERS
    assert rows[1:] == [
        [
            "1",
            first.number,
            "03-11-2026",
            first.letter_type.name,
            "Budi Santoso",
            mask_nik(NIK_BUDI),
            "melamar pekerjaan",
            "Drs. Slamet Widodo (Lurah)",
            signed,
        ],
        [
            "2",
            second.number,
            "20-11-2026",
            second.letter_type.name,
            "Siti",
            mask_nik(NIK_SITI),
            "sekolah",
            "Drs. Slamet Widodo (Lurah)",
            signed,
        ],
    ]
    assert NIK_BUDI.encode() not in response.content


def test_register_of_a_month_as_xlsx(as_operator_a, letters):
    response = register(as_operator_a, year=2026, month=11, format="xlsx")

    assert response.status_code == 200
    rows = xlsx_rows(response.content)
    assert rows[0] == REGISTER_HEADERS
    assert [row[1] for row in rows[1:]] == [letters["first"].number, letters["second"].number]
    assert [row[5] for row in rows[1:]] == [mask_nik(NIK_BUDI), mask_nik(NIK_SITI)]


def test_register_of_a_year_includes_void_and_handed_over_letters(as_operator_a, letters):
    Letter.objects.filter(pk=letters["first"].pk).update(state=Letter.State.VOID)
    Letter.objects.filter(pk=letters["december"].pk).update(state=Letter.State.HANDED_OVER)

    response = register(as_operator_a, year=2026, format="csv")
    rows = csv_rows(response.content)

    assert [row[1] for row in rows[1:]] == [
        letters["first"].number,
        letters["second"].number,
        letters["december"].number,
    ]
    with translation.override(response["Content-Language"]):
        states = [str(s.label) for s in (State.VOID, State.SIGNED, State.HANDED_OVER)]
    assert [row[-1] for row in rows[1:]] == states


def test_register_of_another_month_is_empty(as_operator_a, letters):
    rows = csv_rows(register(as_operator_a, year=2026, month=10, format="csv").content)
    assert rows == [REGISTER_HEADERS]


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc", "format": "csv"},
        {"year": 2026, "month": 13},
        {"year": 2026, "format": "pdf"},
    ],
)
def test_register_with_a_bad_choice_shows_the_form_again(as_operator_a, params):
    response = register(as_operator_a, **params)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(as_operator_a, kelurahan_a):
    Resident.objects.create(kelurahan=kelurahan_a, nik=NIK_BUDI, name='=HYPERLINK("http://x")')

    response = as_operator_a.post(reverse("admin:layanan_resident_export"), {"format": "0"})

    text = body(response).decode("utf-8-sig")
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")


def test_no_cell_of_the_register_csv_opens_as_a_formula(
    as_operator_a, issue, sign, kelurahan_a, operator_a, signer_a
):
    signed_in(
        sign(issue(kelurahan_a, operator_a, purpose='@SUM(1+1)*cmd|" /C calc"!A0'), signer_a),
        2026,
        11,
        3,
    )
    signed_in(sign(issue(kelurahan_a, operator_a, purpose="-2+3"), signer_a), 2026, 11, 4)

    rows = csv_rows(register(as_operator_a, year=2026, month=11, format="csv").content)

    purposes = [row[REGISTER_HEADERS.index("Keperluan")] for row in rows[1:]]
    assert purposes == ['\'@SUM(1+1)*cmd|" /C calc"!A0', "'-2+3"]


def test_a_background_import_and_export_report_their_progress_as_they_go(
    as_operator_a, kelurahan_a, monkeypatch
):
    heard = []
    real_progress = background.progress

    def progress(key, done, total, message=""):
        heard.append((key.split(":")[0], done, total, message))
        real_progress(key, done, total, message)

    monkeypatch.setattr(background, "progress", progress)
    monkeypatch.setattr(ResidentResource, "PROGRESS_EVERY", 1)
    monkeypatch.setattr("layanan.exports.EXPORT_CHUNK", 1)

    import_file(as_operator_a, csv_upload([BUDI, SITI]))
    export(as_operator_a, XLSX_FORMAT)

    rows = gettext("%(done)d of %(total)d rows")
    assert heard == [
        ("register-import", 1, 2, rows % {"done": 1, "total": 2}),
        ("register-import", 2, 2, rows % {"done": 2, "total": 2}),
        ("register-export", 1, 2, rows % {"done": 1, "total": 2}),
        ("register-export", 2, 2, rows % {"done": 2, "total": 2}),
    ]
