"""Going live mid-year: staff set the next number per year's counter (never below a number in
use), take a number for a letter made outside the portal, and import the year's earlier register
rows; none of it ever hands out a number twice, signing at the same moment included."""

from __future__ import annotations

import csv
import datetime
import io
import threading

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kelurahan.tenancy import user_kelurahan_id
from layanan import golive, services
from layanan.models import Letter, LetterType, NumberCounter
from tests.layanan.helpers import NIK_BUDI, NIK_SITI

pytestmark = pytest.mark.django_db

SET_URL = reverse("admin:layanan_numbercounter_set")
RESERVE_URL = reverse("admin:layanan_numbercounter_reserve")
IMPORT_URL = reverse("admin:layanan_numbercounter_import")
COUNTERS_URL = reverse("admin:layanan_numbercounter_changelist")
THIS_YEAR = timezone.localdate().year


def counter_last(kelurahan, year=THIS_YEAR) -> int:
    counter = NumberCounter.objects.filter(kelurahan=kelurahan, year=year).first()
    return counter.last if counter else 0


def skuter_type(kelurahan) -> LetterType:
    return services.letter_types_ensure(kelurahan=kelurahan)["skuter"]


def earlier_day() -> datetime.date:
    """A day of this year before today (today itself on 1 January)."""
    today = timezone.localdate()
    return max(today - datetime.timedelta(days=3), datetime.date(today.year, 1, 1))


def reserve(client, kelurahan, **changes):
    data = {
        "letter_type": skuter_type(kelurahan).pk,
        "name": "Sri Rahayu",
        "nik": "",
        "on": timezone.localdate().isoformat(),
        "note": "pengantar SKCK",
        **changes,
    }
    return client.post(RESERVE_URL, data)


# --- The next number --------------------------------------------------------------------------


def test_operator_sets_the_next_number_of_a_kelurahan_that_starts_mid_year(
    as_operator_a, kelurahan_a, operator_a, issue, sign, signer_a
):
    response = as_operator_a.post(SET_URL, {"year": THIS_YEAR, "next_number": 241})

    assert response.status_code == 302
    assert counter_last(kelurahan_a) == 240
    letter = sign(issue(kelurahan_a, operator_a), signer_a)
    assert letter.sequence == 241
    assert "/241/" in letter.number
    entry = LogEntry.objects.get(object_id=str(NumberCounter.objects.get(kelurahan=kelurahan_a).pk))
    assert entry.user == operator_a
    assert entry.change_message == f"Nomor berikutnya tahun {THIS_YEAR} diubah dari 1 menjadi 241."


def test_the_next_number_cannot_go_at_or_below_a_number_in_use(
    as_operator_a, kelurahan_a, operator_a, issue, sign, signer_a
):
    for _n in range(3):
        sign(issue(kelurahan_a, operator_a), signer_a)

    response = as_operator_a.post(SET_URL, {"year": THIS_YEAR, "next_number": 3})

    assert response.status_code == 200
    assert "Nomor terkecil yang diizinkan adalah 4." in response.content.decode()
    assert counter_last(kelurahan_a) == 3
    # One past the highest used is allowed, even below where the counter stands.
    NumberCounter.objects.filter(kelurahan=kelurahan_a).update(last=50)
    assert as_operator_a.post(SET_URL, {"year": THIS_YEAR, "next_number": 4}).status_code == 302
    assert counter_last(kelurahan_a) == 3


def test_the_counter_list_shows_next_and_highest_number(
    as_operator_a, kelurahan_a, operator_a, issue, sign, signer_a
):
    sign(issue(kelurahan_a, operator_a), signer_a)
    page = as_operator_a.get(COUNTERS_URL).content.decode()
    assert "Nomor berikutnya" in page or "nomor berikutnya" in page
    assert SET_URL in page and RESERVE_URL in page and IMPORT_URL in page


def test_another_kelurahans_counter_is_not_found(as_operator_b, kelurahan_a, operator_a):
    golive.counter_next_set(
        kelurahan_id=kelurahan_a.pk, year=THIS_YEAR, next_number=10, by=operator_a
    )
    counter = NumberCounter.objects.get(kelurahan=kelurahan_a)
    url = reverse("admin:layanan_numbercounter_change", args=[counter.pk])
    assert as_operator_b.get(url).status_code == 404
    as_operator_b.post(SET_URL, {"year": THIS_YEAR, "next_number": 99})
    assert counter_last(kelurahan_a) == 9


def test_a_signer_cannot_set_the_next_number(client, signer_a, kelurahan_a):
    client.force_login(signer_a)
    assert client.post(SET_URL, {"year": THIS_YEAR, "next_number": 5}).status_code == 403
    assert counter_last(kelurahan_a) == 0


# --- A number for a letter made outside the portal -------------------------------------------


def test_a_reserved_number_is_recorded_marked_and_never_used_again(
    as_operator_a, kelurahan_a, operator_a, issue, sign, signer_a
):
    golive.counter_next_set(
        kelurahan_id=kelurahan_a.pk, year=THIS_YEAR, next_number=7, by=operator_a
    )

    response = reserve(as_operator_a, kelurahan_a, nik=NIK_BUDI)

    reserved = Letter.objects.get(recorded_outside=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:layanan_letter_change", args=[reserved.pk])
    assert reserved.sequence == 7 and reserved.year == THIS_YEAR
    assert reserved.number.startswith("400.12.2.2/007/33.72.01.1001/")
    assert reserved.name == "Sri Rahayu" and reserved.nik == NIK_BUDI
    assert reserved.letter_type.kind == "skuter"
    assert not reserved.pdf and reserved.verification_token is None
    assert timezone.localtime(reserved.signed_at).date() == timezone.localdate()
    signed = sign(issue(kelurahan_a, operator_a), signer_a)
    assert signed.sequence == 8
    listing = as_operator_a.get(reverse("admin:layanan_letter_changelist")).content.decode()
    assert f"{reserved.number} (di luar portal)" in listing
    page = as_operator_a.get(reverse("admin:layanan_letter_change", args=[reserved.pk]))
    assert page.status_code == 200


def test_a_reserved_number_needs_a_holder_and_a_date_of_this_year(as_operator_a, kelurahan_a):
    assert reserve(as_operator_a, kelurahan_a, name="").status_code == 200
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = reserve(as_operator_a, kelurahan_a, on=tomorrow.isoformat())
    assert response.status_code == 200
    assert "Tanggal tersebut belum tiba" in response.content.decode()
    last_year = datetime.date(THIS_YEAR - 1, 6, 1).isoformat()
    assert reserve(as_operator_a, kelurahan_a, on=last_year).status_code == 200
    assert not Letter.objects.filter(recorded_outside=True).exists()
    assert counter_last(kelurahan_a) == 0


def test_diskominfo_cannot_reserve_a_number(as_diskominfo, kelurahan_a):
    assert reserve(as_diskominfo, kelurahan_a).status_code in (403, 404)
    assert not Letter.objects.filter(recorded_outside=True).exists()


def test_a_reserved_number_is_marked_in_the_register_export(as_operator_a, kelurahan_a):
    reserve(as_operator_a, kelurahan_a, nik=NIK_BUDI, on=earlier_day().isoformat())
    response = as_operator_a.get(
        reverse("admin:layanan_letter_register"), {"year": THIS_YEAR, "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Nama"] == "Sri Rahayu"
    assert row["Status"] == "Di luar portal"
    assert row["Keperluan"] == "pengantar SKCK"
    assert row["Tanggal"] == earlier_day().strftime("%d-%m-%Y")


def test_verification_by_number_says_an_outside_letter_cannot_be_checked_online(
    client, as_operator_a, kelurahan_a
):
    reserve(as_operator_a, kelurahan_a, nik=NIK_BUDI)
    reserved = Letter.objects.get(recorded_outside=True)
    client.logout()

    response = client.post(
        "/verifikasi/",
        {
            "number": reserved.number,
            "date": timezone.localdate().isoformat(),
            "nik_last4": NIK_BUDI[-4:],
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "dibuat di luar portal" in html
    assert "tidak dapat diverifikasi secara daring" in html
    assert "Sri Rahayu" not in html and "S*** R******" not in html


@pytest.mark.postgresql(
    reason="needs PostgreSQL: SQLite serialises writers, so reserving and signing cannot race"
)
@pytest.mark.django_db(transaction=True)
def test_reserving_and_signing_at_once_never_give_the_same_number(
    kelurahan_a, operator_a, signer_a, issue, sign, monkeypatch
):
    if connection.pool is not None:
        monkeypatch.setattr(connection.pool, "timeout", 90)
    letters = [issue(kelurahan_a, operator_a, name=f"Warga {n}") for n in range(10)]
    letter_type = skuter_type(kelurahan_a)
    assert signer_a.has_perm("layanan.sign_letter") and user_kelurahan_id(signer_a)
    assert operator_a.has_perm("layanan.add_letter") and user_kelurahan_id(operator_a)
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:  # reported by the main thread below
            errors.append(exc)
        finally:
            connection.close()

    def signing(letter):
        return lambda: sign(letter, signer_a)

    def reserving(n):
        return lambda: golive.number_reserve(
            kelurahan=kelurahan_a,
            letter_type=letter_type,
            name=f"Di luar {n}",
            nik="",
            on=timezone.localdate(),
            note="",
            by=operator_a,
        )

    jobs = [signing(letter) for letter in letters] + [reserving(n) for n in range(10)]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    numbered = Letter.objects.filter(kelurahan=kelurahan_a, sequence__isnull=False)
    assert sorted(numbered.values_list("sequence", flat=True)) == list(range(1, 21))
    assert numbered.filter(recorded_outside=True).count() == 10
    assert counter_last(kelurahan_a) == 20


# --- Importing the year's earlier register ---------------------------------------------------

HEADER = ["Nomor Urut", "Tanggal", "Jenis/Klasifikasi", "Nama", "NIK", "Keterangan"]


def csv_file(rows, header=HEADER, name="agenda.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), "text/csv")


def xlsx_file(rows, header=HEADER) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(
        "agenda.xlsx",
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def day(month: int, d: int) -> str:
    return f"{d:02d}-{month:02d}-{THIS_YEAR}"


def preview(client, upload, year=THIS_YEAR):
    return client.post(IMPORT_URL, {"year": year, "file": upload})


def confirm(client, response):
    return client.post(IMPORT_URL, {"payload": response.context["payload"]})


def test_operator_previews_then_imports_earlier_register_rows(as_operator_a, kelurahan_a):
    upload = csv_file(
        [
            ["1", day(1, 3), "400.12.2.2", "Ahmad Fauzi", NIK_BUDI, "melamar kerja"],
            ["2", day(1, 5), "Surat Keterangan Domisili", "Siti Aminah", "", ""],
            ["3", day(1, 9), "sktm", "Joko Susilo", NIK_SITI, "beasiswa"],
        ]
    )

    shown = preview(as_operator_a, upload)

    assert shown.status_code == 200
    assert len(shown.context["check"].rows) == 3
    assert not Letter.objects.filter(kelurahan=kelurahan_a).exists()  # nothing until confirmed
    done = confirm(as_operator_a, shown)
    assert done.status_code == 302
    rows = Letter.objects.filter(kelurahan=kelurahan_a).order_by("sequence")
    assert [r.sequence for r in rows] == [1, 2, 3]
    assert all(r.recorded_outside and not r.pdf for r in rows)
    assert [r.letter_type.kind for r in rows] == ["skuter", "domisili", "sktm"]
    assert rows[0].number == f"400.12.2.2/001/33.72.01.1001/I/{THIS_YEAR}"
    assert rows[0].data == {"purpose": "melamar kerja"} and rows[1].nik == ""
    assert timezone.localtime(rows[2].signed_at).date() == datetime.date(THIS_YEAR, 1, 9)
    assert counter_last(kelurahan_a) == 3


def test_import_takes_xlsx_with_date_cells_and_the_number_as_printed(
    as_operator_a, kelurahan_a, issue, sign, operator_a, signer_a
):
    header = [*HEADER, "Nomor Surat"]
    excel_date = datetime.datetime(THIS_YEAR, 1, 2)  # noqa: DTZ001 (Excel date cells are naive)
    upload = xlsx_file(
        [[12, excel_date, "Skuter", "Ahmad", None, None, "470/12/I"]],
        header=header,
    )
    confirm(as_operator_a, preview(as_operator_a, upload))

    row = Letter.objects.get(kelurahan=kelurahan_a, recorded_outside=True)
    assert (row.sequence, row.number) == (12, "470/12/I")
    assert counter_last(kelurahan_a) == 12
    assert sign(issue(kelurahan_a, operator_a), signer_a).sequence == 13


def test_rows_with_a_used_or_repeated_sequence_are_refused_with_the_row_and_reason(
    as_operator_a, kelurahan_a, operator_a, issue, sign, signer_a
):
    signed = sign(issue(kelurahan_a, operator_a), signer_a)  # takes number 1
    upload = csv_file(
        [
            ["1", day(1, 3), "skuter", "Ahmad", "", ""],
            ["2", day(1, 4), "skuter", "Budi", "", ""],
            ["2", day(1, 5), "skuter", "Citra", "", ""],
            ["3", day(1, 6), "surat pindah", "Dewi", "", ""],
            ["x", day(1, 6), "skuter", "Eko", "", ""],
        ]
    )

    shown = preview(as_operator_a, upload)

    html = shown.content.decode()
    assert f"Baris 2: Nomor urut 1 tahun {THIS_YEAR} sudah dipakai oleh surat {signed.number}." in (
        html
    )
    assert "Baris 4: Nomor urut 2 muncul dua kali dalam berkas (juga di baris 3)." in html
    assert "Baris 5: Jenis surat" in html and "surat pindah" in html
    assert "Baris 6: Nomor urut harus bilangan bulat" in html
    confirm(as_operator_a, shown)
    outside = Letter.objects.filter(kelurahan=kelurahan_a, recorded_outside=True)
    assert list(outside.values_list("sequence", "name")) == [(2, "Budi")]
    assert counter_last(kelurahan_a) == 2


def test_a_sequence_used_between_preview_and_confirmation_is_refused(
    as_operator_a, kelurahan_a, operator_a, issue, sign, signer_a
):
    shown = preview(as_operator_a, csv_file([["1", day(1, 3), "skuter", "Ahmad", "", ""]]))
    sign(issue(kelurahan_a, operator_a), signer_a)  # takes number 1 meanwhile

    done = confirm(as_operator_a, shown)

    assert done.status_code == 200
    assert "Baris 2: Nomor urut 1" in done.content.decode()
    assert not Letter.objects.filter(recorded_outside=True).exists()


def test_a_preview_of_another_kelurahan_cannot_be_confirmed(
    as_operator_a, client, operator_b, kelurahan_a
):
    shown = preview(as_operator_a, csv_file([["1", day(1, 3), "skuter", "Ahmad", "", ""]]))
    client.force_login(operator_b)
    assert confirm(client, shown).status_code == 403
    assert not Letter.objects.filter(recorded_outside=True).exists()


def test_a_file_without_the_columns_or_too_long_is_refused(as_operator_a, monkeypatch):
    response = preview(as_operator_a, csv_file([["Ahmad"]], header=["Nama"]))
    assert "tidak memiliki kolom &quot;nomor urut&quot;" in response.content.decode()
    monkeypatch.setattr(golive, "MAX_IMPORT_ROWS", 2)
    rows = [[str(n), day(1, 3), "skuter", f"Warga {n}", "", ""] for n in range(1, 4)]
    response = preview(as_operator_a, csv_file(rows))
    assert "paling banyak 2" in response.content.decode()
    assert not Letter.objects.filter(recorded_outside=True).exists()


def test_rows_outside_the_chosen_year_are_refused(as_operator_a):
    shown = preview(
        as_operator_a, csv_file([["1", f"03-01-{THIS_YEAR - 1}", "skuter", "Ahmad", "", ""]])
    )
    assert f"tidak dalam tahun {THIS_YEAR}" in shown.content.decode()
    assert shown.context["payload"] is None


def test_the_counters_history_shows_who_moved_it(as_operator_a, kelurahan_a):
    as_operator_a.post(SET_URL, {"year": THIS_YEAR, "next_number": 30})
    counter = NumberCounter.objects.get(kelurahan=kelurahan_a, year=THIS_YEAR)

    history = as_operator_a.get(reverse("admin:layanan_numbercounter_history", args=[counter.pk]))

    assert history.status_code == 200
    page = history.content.decode()
    assert "operator.a" in page
    assert f"Nomor berikutnya tahun {THIS_YEAR} diubah dari 1 menjadi 30." in page


def test_diskominfo_sees_a_counter_but_cannot_set_it(as_diskominfo, kelurahan_a, operator_a):
    golive.counter_next_set(
        kelurahan_id=kelurahan_a.pk, year=THIS_YEAR, next_number=10, by=operator_a
    )
    counter = NumberCounter.objects.get(kelurahan=kelurahan_a)

    page = as_diskominfo.get(reverse("admin:layanan_numbercounter_change", args=[counter.pk]))

    assert page.status_code == 200
    assert as_diskominfo.post(SET_URL, {"year": THIS_YEAR, "next_number": 3}).status_code == 403
    assert counter_last(kelurahan_a) == 9
