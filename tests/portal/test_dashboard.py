"""Diskominfo's city dashboard: the admin index for city staff, its figures, sorting, filters,
exports, who may see it, and the letter tally behind it."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import empty

from kelurahan import roles
from kelurahan.models import CityDayOff, Kecamatan, Kelurahan
from kelurahan.services import region_provision
from layanan import services
from layanan.models import Letter, LetterTally
from layanan.storage import private_storage
from layanan.tally import letter_tally_rebuild
from portal.dashboard import COLUMN_KEYS, Figures, dashboard_for, percentile
from tests.factories import signature
from tests.layanan.sample import letter_data

TODAY = datetime.date(2025, 6, 20)  # a Friday
ZONE = timezone.get_current_timezone()
INDEX = reverse("admin:index")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    yield
    private_storage._wrapped = empty


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), ZONE)


_sequence = iter(range(1, 10_000))


def letter(kelurahan, *, created, signed=None, online=False, state=None, outside=False):
    """A letter row as the services leave it (created and signed at the given moments)."""
    letter_type = services.letter_types_ensure(kelurahan=kelurahan)["skuter"]
    data = letter_data()
    number = next(_sequence)
    fields = {}
    if signed:
        fields = {
            "year": signed.year,
            "sequence": number,
            "number": f"470/{number:03d}",
            "signed_at": at(signed, 14),
            "pdf": "" if outside else f"letters/{number}.pdf",
        }
    row = Letter.objects.create(
        kelurahan=kelurahan,
        letter_type=letter_type,
        state=state or (Letter.State.SIGNED if signed else Letter.State.SUBMITTED),
        nik=data["nik"],
        name=data["name"],
        data=data,
        tracking_code=f"TRACK{number:05d}" if online else None,
        recorded_outside=outside,
        **fields,
    )
    Letter.objects.unscoped("test").filter(pk=row.pk).update(created_at=at(created))
    return row


@pytest.fixture
def known_city(kelurahan_a, kelurahan_b, make_staff):
    """Pajang (A) with two checklist items done, staff and letters across a holiday weekend;
    Laweyan (B) not yet active; the other nine kelurahan of Kecamatan Laweyan active, empty."""
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(
        welcome_text="Sugeng rawuh", vision="Maju", address="Jl. Pajang 1", latitude=-7.56,
        longitude=110.79,
    )  # fmt: skip
    Kelurahan.objects.filter(pk=kelurahan_b.pk).update(is_active=False)
    make_staff("operator.a", roles.OPERATOR, kelurahan_a)
    make_staff("operator.a2", roles.OPERATOR, kelurahan_a)
    make_staff("lurah.a", roles.SIGNER, kelurahan_a)
    make_staff("operator.b", roles.OPERATOR, kelurahan_b)
    # Wednesday 28 May to Monday 2 June 2025: Ascension Day (Thu), its cuti bersama (Fri), the
    # weekend with Pancasila Day: one working day.
    letter(kelurahan_a, created=datetime.date(2025, 5, 28), signed=datetime.date(2025, 6, 2))
    # Friday 13 to Tuesday 17 June, online: two working days.
    letter(
        kelurahan_a,
        created=datetime.date(2025, 6, 13),
        signed=datetime.date(2025, 6, 17),
        online=True,
    )
    # Asked and signed the same day, online, later handed over: zero.
    letter(
        kelurahan_a,
        created=datetime.date(2025, 6, 2),
        signed=datetime.date(2025, 6, 2),
        online=True,
        state=Letter.State.HANDED_OVER,
    )
    # March, at the counter: Monday 3 to Monday 10 March, five working days.
    letter(kelurahan_a, created=datetime.date(2025, 3, 3), signed=datetime.date(2025, 3, 10))
    # Not counted: a number recorded outside the portal, and last year's letter.
    letter(
        kelurahan_a,
        created=datetime.date(2025, 6, 10),
        signed=datetime.date(2025, 6, 10),
        outside=True,
    )
    letter(kelurahan_a, created=datetime.date(2024, 12, 2), signed=datetime.date(2024, 12, 3))
    # Open requests: one from 2 June is past its promise on 20 June, one from today is not.
    letter(kelurahan_a, created=datetime.date(2025, 6, 2), online=True)
    letter(kelurahan_a, created=TODAY, online=True)
    letter_tally_rebuild()
    return kelurahan_a


def figures(diskominfo, **params):
    query = QueryDict(mutable=True)
    query.update({key: str(value) for key, value in params.items()})
    return dashboard_for(diskominfo, query, today=TODAY)


def test_percentile_is_the_nearest_rank_of_whole_days():
    assert percentile([1, 1, 1, 0, 0, 1], 0.5) == 1  # 0, 1, 2, 5
    assert percentile([1, 1, 1, 0, 0, 1], 0.9) == 5
    assert percentile([0, 3], 0.5) == 1
    assert percentile(None, 0.5) is None


def test_kelurahan_figures_for_a_known_data_set(known_city, kelurahan_b, diskominfo):
    city_id = known_city.kecamatan.city_id
    found = figures(diskominfo, city=city_id, kecamatan=known_city.kecamatan_id)
    assert found.query.level == "kelurahan"
    rows = {row.key: row for row in found.rows}
    assert len(rows) == 11
    pajang = rows[known_city.pk]
    assert (pajang.active, pajang.sites) == (1, 1)
    assert pajang.completeness == 33  # profile and office: 2 of 6
    assert (pajang.operators, pajang.signers) == (2, 1)
    assert (pajang.letters_month, pajang.letters_year) == (3, 4)
    assert pajang.online_share == 50
    assert (pajang.median, pajang.p90) == (1, 5)
    assert pajang.late == 1
    laweyan = rows[kelurahan_b.pk]
    assert (laweyan.active, laweyan.operators, laweyan.letters_year) == (0, 1, 0)
    assert laweyan.median is None and laweyan.completeness == 0


def test_kecamatan_and_city_totals_add_the_kelurahan_up(known_city, diskominfo):
    city_id = known_city.kecamatan.city_id
    by_kecamatan = figures(diskominfo, city=city_id)
    assert by_kecamatan.query.level == "kecamatan"
    [laweyan] = by_kecamatan.rows
    assert (laweyan.active, laweyan.sites) == (10, 11)
    assert laweyan.completeness == round(2 * 100 / 66)
    assert (laweyan.letters_month, laweyan.letters_year, laweyan.late) == (3, 4, 1)
    assert (laweyan.median, laweyan.p90, laweyan.online_share) == (1, 5, 50)
    by_city = figures(diskominfo)
    assert by_city.query.level == "city"
    [surakarta] = by_city.rows
    assert surakarta.key == city_id
    assert (by_city.total.letters_year, by_city.total.operators, by_city.total.signers) == (4, 3, 1)
    chart = by_kecamatan.chart
    assert chart.months[-1] == datetime.date(2025, 6, 1) and len(chart.months) == 12
    assert chart.rows[0].counts[-1] == 3 and chart.rows[0].counts[-4] == 1  # June, March
    assert chart.total.counts == chart.rows[0].counts


def test_every_kecamatan_of_the_users_cities_is_named_with_its_city(
    known_city, diskominfo, as_diskominfo
):
    """The kecamatan level without a chosen city: each row by its name and city, its link to
    that kecamatan's kelurahan."""
    found = figures(diskominfo, level="kecamatan")
    [laweyan] = found.rows
    assert (laweyan.name, laweyan.parent) == ("Laweyan", "Kota Surakarta")
    assert (laweyan.active, laweyan.sites, laweyan.letters_year) == (10, 11, 4)
    assert f"kecamatan={known_city.kecamatan_id}" in laweyan.url
    assert f"city={known_city.kecamatan.city_id}" in laweyan.url
    page = as_diskominfo.get(INDEX, {"level": "kecamatan"}).content.decode()
    assert ">Laweyan</a>" in page and "Kota Surakarta" in page


def test_a_city_day_off_lengthens_the_turnaround_and_the_promise(known_city, diskominfo):
    city = known_city.kecamatan.city
    CityDayOff.objects.create(city=city, date=datetime.date(2025, 6, 16), name="Hari jadi")
    letter_tally_rebuild()
    row = {r.key: r for r in figures(diskominfo, city=city.pk, level="kelurahan").rows}
    pajang = row[known_city.pk]
    # 13 -> 17 June now counts only Tuesday: the histogram is 0, 1, 1, 5.
    assert (pajang.median, pajang.p90) == (1, 5)
    assert pajang.histogram[:3] == [1, 2, 0]


def test_sorting_by_every_column_and_paging(known_city, diskominfo):
    city_id = known_city.kecamatan.city_id
    names = [r.name for r in figures(diskominfo, city=city_id, level="kelurahan").rows]
    assert names == sorted(names, key=str.lower)
    top = figures(diskominfo, city=city_id, level="kelurahan", sort="-letters_year").rows[0]
    assert top.key == known_city.pk
    for key in ("active", "completeness", "operators", "signers", "last_change", "median",
                "p90", "late", "online_share", "letters_month", "-name"):  # fmt: skip
        found = figures(diskominfo, city=city_id, level="kelurahan", sort=key)
        assert found.query.sort == key and len(found.rows) == 11
    # Rows without letters have no median: last, whichever way the column is sorted.
    assert figures(diskominfo, city=city_id, level="kelurahan", sort="median").rows[0].key == (
        known_city.pk
    )
    assert figures(diskominfo, city=city_id, level="kelurahan", sort="-median").rows[0].key == (
        known_city.pk
    )
    assert figures(diskominfo, sort="nonsense").query.sort == "name"


def test_filters_limit_the_rows(known_city, diskominfo):
    region_provision(codes=["33.72.02"])  # Kecamatan Serengan
    city_id = known_city.kecamatan.city_id
    assert len(figures(diskominfo, city=city_id).rows) == 2
    every = figures(diskominfo, city=city_id, level="kelurahan")
    only = figures(diskominfo, city=city_id, kecamatan=known_city.kecamatan_id)
    assert len(every.rows) == 11 + Kelurahan.objects.filter(kecamatan__code="33.72.02").count()
    assert len(only.rows) == 11
    # A kecamatan of another city, or an unknown city, falls back to what exists.
    assert figures(diskominfo, city=999999).query.city is None


def test_diskominfo_admin_index_is_the_dashboard(known_city, as_diskominfo):
    response = as_diskominfo.get(INDEX, {"city": known_city.kecamatan.city_id, "sort": "-late"})
    assert response.status_code == 200
    assert response.templates[0].name == "admin/dashboard.html"
    page = response.content.decode()
    assert "Laweyan" in page and 'aria-sort="descending"' in page
    assert "<svg" in page and "<table" in page  # the chart and its table
    assert reverse("admin:kelurahan_kelurahan_changelist") in page  # the menus stay reachable


def test_kelurahan_staff_still_get_their_work_page(known_city, as_operator_a):
    response = as_operator_a.get(INDEX)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/work_page.html"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_operator_cannot_download_the_dashboard(known_city, as_operator_a, file_format):
    response = as_operator_a.get(reverse("admin:dashboard_export", args=[file_format]))
    assert response.status_code == 403


def test_the_kelurahan_table_downloads_as_csv(known_city, as_diskominfo):
    url = reverse("admin:dashboard_export", args=["csv"])
    city_id = known_city.kecamatan.city_id
    response = as_diskominfo.get(url, {"city": city_id, "level": "kelurahan", "sort": "-late"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 12  # the header and 11 kelurahan, every page
    header, first = rows[0], rows[1]
    assert first[0] == str(known_city) and first[1] == "Laweyan"
    # Sorted by requests past their promise: both of Pajang's open ones are, by now.
    assert len(header) == 13 and first[-1] == "2"


def test_the_kecamatan_table_downloads_as_xlsx(known_city, as_diskominfo):
    url = reverse("admin:dashboard_export", args=["xlsx"])
    response = as_diskominfo.get(url, {"city": known_city.kecamatan.city_id})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "Laweyan" and rows[1][1] == "10/11"
    assert rows[1][2] == round(2 * 100 / 66)  # a number, not text
    assert rows[1][3] == 3  # operators


def test_the_tally_is_current_after_signing_and_matches_a_rebuild(
    kelurahan_a, make_staff, diskominfo
):
    operator = make_staff("operator.sign", roles.OPERATOR, kelurahan_a)
    signer = make_staff("lurah.sign", roles.SIGNER, kelurahan_a)
    issued = services.letter_create(
        kelurahan=kelurahan_a, kind="skuter", by=operator, data=letter_data()
    )
    services.letter_move(
        action="sign", letter_id=issued.pk, by=signer, **signature(signer, kelurahan_a)
    )
    today = timezone.localdate()
    row = {r.key: r for r in dashboard_for(diskominfo, QueryDict(), today=today).rows}[
        kelurahan_a.kecamatan.city_id
    ]
    assert (row.letters_month, row.letters_year, row.median) == (1, 1, 0)
    tally = LetterTally.objects.unscoped("test")
    incremental = sorted(tally.values_list("kelurahan_id", "month", "days", "letters", "online"))
    assert incremental == [(kelurahan_a.pk, today.replace(day=1), 0, 1, 0)]
    call_command("letter_tally_rebuild", stdout=io.StringIO())
    rebuilt = sorted(tally.values_list("kelurahan_id", "month", "days", "letters", "online"))
    assert rebuilt == incremental


def test_the_rebuild_counts_what_the_known_data_set_says(known_city):
    rows = LetterTally.objects.unscoped("test").filter(kelurahan=known_city)
    assert sum(rows.values_list("letters", flat=True)) == 5  # four this year, one last year
    assert sum(rows.values_list("online", flat=True)) == 2


def _queries(user) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        dashboard_for(user, QueryDict("level=kelurahan"), today=TODAY)
    return [query["sql"][:60] for query in captured.captured_queries]


def test_the_query_count_does_not_grow_with_the_kelurahan(known_city, diskominfo):
    _queries(diskominfo)  # the user's role is looked up once and kept on the user
    before = _queries(diskominfo)
    # The cities; the kelurahan in name order (their count, the page's slice); the figures
    # (sites: 1 + 3 checklist items on other tables, articles, staff, tally, late: 3) once for
    # the page's rows and once for the total's cities; the chart.
    assert len(before) == 1 + 2 + 10 + 10 + 1
    region_provision(codes=["33.72.02", "33.72.03"])
    more = Kelurahan.objects.exclude(kecamatan=known_city.kecamatan).first()
    letter(more, created=datetime.date(2025, 6, 2), signed=datetime.date(2025, 6, 3))
    letter(more, created=datetime.date(2025, 6, 2), online=True)
    letter_tally_rebuild()
    assert Kecamatan.objects.count() == 3
    assert _queries(diskominfo) == before


@pytest.mark.parametrize("sort", [f"{way}{key}" for key in COLUMN_KEYS for way in ("", "-")])
def test_the_kelurahan_page_and_total_are_those_of_every_row_built(known_city, diskominfo, sort):
    """The kelurahan level builds figures only for the page's rows and sums the total from the
    kecamatan; that is the same table as building every row, whatever the sort."""
    region_provision(codes=["33.72"])  # 54 kelurahan: two pages
    more = Kelurahan.objects.filter(kecamatan__city=known_city.kecamatan.city).last()
    letter(more, created=datetime.date(2025, 6, 2), signed=datetime.date(2025, 6, 4))
    letter_tally_rebuild()
    for page in (1, 2):
        found = figures(diskominfo, level="kelurahan", sort=sort, page=page)
        every = found.rows
        assert len(every) == Kelurahan.objects.count()
        shown = list(found.page.object_list)
        assert [r.key for r in shown] == [r.key for r in every][(page - 1) * 50 : page * 50]
        full = {r.key: r for r in every}
        for row in shown:
            assert (row.name, row.parent, row.url != "") == (
                full[row.key].name,
                full[row.key].parent,
                True,
            )
            assert [getattr(row, name) for name in Figures.SUMMED] == [
                getattr(full[row.key], name) for name in Figures.SUMMED
            ]
            assert (row.histogram, row.last_change_key) == (
                full[row.key].histogram,
                full[row.key].last_change_key,
            )
        total = Figures.total_of(every)
        assert [getattr(found.total, name) for name in Figures.SUMMED] == [
            getattr(total, name) for name in Figures.SUMMED
        ]
        assert (found.total.histogram, found.total.last_change_key) == (
            total.histogram,
            total.last_change_key,
        )


def test_long_tables_are_paged_and_the_page_links_keep_the_filters(known_city, as_diskominfo):
    region_provision(codes=["33.72"])  # all of Kota Surakarta: 54 kelurahan
    city_id = known_city.kecamatan.city_id
    total = Kelurahan.objects.filter(kecamatan__city_id=city_id).count()
    assert total > 50
    first = as_diskominfo.get(INDEX, {"city": city_id, "level": "kelurahan", "sort": "-late"})
    assert len(first.context["dashboard"].page.object_list) == 50
    assert first.context["dashboard"].page.object_list[0].key == known_city.pk
    next_url = first.context["next_url"]
    assert f"city={city_id}" in next_url and "sort=-late" in next_url and "page=2" in next_url
    second = as_diskominfo.get(INDEX + next_url)
    assert len(second.context["dashboard"].page.object_list) == total - 50
