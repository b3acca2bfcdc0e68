"""Diskominfo's city dashboard: how many kelurahan are online and complete, how many letters each
issues, how fast, and how many residents ask online; per city, kecamatan or kelurahan.

How it stays under a second with all 83,762 kelurahan provisioned (tests/bench/dashboard.py):
- Letters come from the letter tally (layanan/tally.py), a summary kept current in the signing
  transaction: per kelurahan, month and turnaround in whole working days, the letters signed and
  how many were asked online. Medians and 90th percentiles are read exactly from its histogram;
  computing them from the letters would need each city's working-day calendar inside SQL.
- Site figures are read live: one aggregate query over Kelurahan for the sites, their state
  and the checklist items on the kelurahan's own columns, and one grouped query per item that
  asks other tables (officials, RT/RW, articles) with its EXISTS in the WHERE clause, which
  PostgreSQL answers as one hash semi/anti-join (kelurahan/selectors.py's checklist, the same the
  Redaksi sees); staff counts and the newest article are one grouped query each; requests past
  their promised date are one grouped count over the open letters only (a partial index), with
  each city's days off.
- The kelurahan level (83,762 rows for all of Indonesia) builds figures for the 50 rows of its
  page only: the order comes first, from the index kelurahan_name_order when by name, else from
  the one figure sorted by (SORT_VALUES: two columns per kelurahan, or only the kelurahan that
  have letters or staff); the total is the sum of the cities' rows, the same sums. Building all
  83,762 rows' figures in Python cost more than the rest of the page (1 s of 1.3 s).
So a page costs a fixed number of queries whatever the number of kelurahan, and every figure
except the letters is read live (a site activated a second ago counts at once).

Every query is limited to the cities `kelurahan.tenancy.user_city_ids` allows the user.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from urllib.parse import urlencode

import openpyxl
from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, Exists, Max, Q, Sum, Value, When
from django.db.models.functions import Cast, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kelurahan import roles
from kelurahan.models import Article, City, Kecamatan, Kelurahan, StaffMembership
from kelurahan.selectors import _checklist_annotations
from kelurahan.tenancy import user_city_ids
from layanan.cells import spreadsheet_text
from layanan.models import Letter, LetterTally
from layanan.selectors import letters_past_promise_everywhere

CITY, KECAMATAN, KELURAHAN = "city", "kecamatan", "kelurahan"
LEVELS = (CITY, KECAMATAN, KELURAHAN)
PAGE_SIZE = 50
CHART_MONTHS = 12
CHECKLIST_ITEMS = len(_checklist_annotations())
REASON = "Diskominfo's dashboard, limited to the cities of the user"

# The lookup that groups each source by the level's row, and the ones that filter it by city and
# kecamatan: (group, city, kecamatan).
KELURAHAN_LOOKUPS = {
    CITY: "kecamatan__city_id",
    KECAMATAN: "kecamatan_id",
    KELURAHAN: "id",
}
TALLY_LOOKUPS = {CITY: "city_id", KECAMATAN: "kecamatan_id", KELURAHAN: "kelurahan_id"}
OWNED_LOOKUPS = {
    CITY: "kelurahan__kecamatan__city_id",
    KECAMATAN: "kelurahan__kecamatan_id",
    KELURAHAN: "kelurahan_id",
}


def _as_text(field: str) -> Cast:
    """A timestamp column as the database's ISO text (see Figures.last_change_key)."""
    return Cast(field, output_field=CharField())


def _moment(text: str | None) -> datetime.datetime | None:
    """The moment of a timestamp as _as_text gave it: PostgreSQL writes "+00" (its session is
    in UTC), SQLite no offset (Django keeps UTC there)."""
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def percentile(histogram: list[int] | None, fraction: float) -> int | None:
    """The nearest-rank percentile of whole working days: the smallest number of days within
    which at least `fraction` of the letters were signed (median: 0.5). None without letters."""
    total = sum(histogram or ())
    if not total:
        return None
    rank, running = math.ceil(fraction * total), 0
    for days, count in enumerate(histogram):
        running += count
        if running >= rank:
            return days
    return len(histogram) - 1  # pragma: no cover - the loop always reaches the rank


def days_text(days: int | None) -> str:
    if days is None:
        return "—"
    return f"{days}+" if days >= LetterTally.TURNAROUND_CAP else str(days)


@dataclass(slots=True)  # 83,762 rows on the national kelurahan page: slots save a third
class Figures:
    """The dashboard's figures for one row (a city, a kecamatan, a kelurahan) or their total."""

    sites: int = 0
    active: int = 0
    checks_done: int = 0  # checklist items done, summed over the sites
    operators: int = 0
    signers: int = 0
    # The newest content change as the database's ISO text (it sorts like the moment it is):
    # parsing 83,762 timestamps into datetimes costs more than the rest of the national
    # kelurahan page, so only the rows shown (and the exports) become datetimes (last_change).
    last_change_key: str | None = None
    letters_month: int = 0
    letters_year: int = 0
    online_year: int = 0
    late: int = 0
    histogram: list[int] | None = None  # this year's letters by turnaround (0..30+ days)

    @property
    def last_change(self) -> datetime.datetime | None:
        return _moment(self.last_change_key)

    @property
    def completeness(self) -> int | None:
        if not self.sites:
            return None
        return round(self.checks_done * 100 / (self.sites * CHECKLIST_ITEMS))

    @property
    def online_share(self) -> int | None:
        return round(self.online_year * 100 / self.letters_year) if self.letters_year else None

    @property
    def median(self) -> int | None:
        return percentile(self.histogram, 0.5)

    @property
    def p90(self) -> int | None:
        return percentile(self.histogram, 0.9)

    @property
    def median_text(self) -> str:
        return days_text(self.median)

    @property
    def p90_text(self) -> str:
        return days_text(self.p90)

    SUMMED = (
        "sites",
        "active",
        "checks_done",
        "operators",
        "signers",
        "letters_month",
        "letters_year",
        "online_year",
        "late",
    )

    @classmethod
    def total_of(cls, rows: list[Figures]) -> Figures:
        """The figures of all `rows` together (one pass per figure: 83,762 rows at most)."""
        total = cls(**{name: sum(map(attrgetter(name), rows)) for name in cls.SUMMED})
        total.last_change_key = max(
            (r.last_change_key for r in rows if r.last_change_key), default=None
        )
        histograms = [r.histogram for r in rows if r.histogram]
        if histograms:
            total.histogram = [sum(days) for days in zip(*histograms, strict=True)]
        return total


@dataclass(slots=True)
class Row(Figures):
    key: int = 0
    name: str = ""
    parent: str = ""  # the kecamatan of a kelurahan row, the city of a kecamatan row
    url: str = ""  # the next level down (a kelurahan's own page in the admin); shown rows only
    city: int | None = None  # a kecamatan row's city, for its link


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Row], object]
    numeric: bool = True


COLUMNS = (
    Column("name", _("Name"), lambda r: r.name.lower(), numeric=False),
    Column("active", _("Sites online"), lambda r: (r.active, r.sites)),
    Column("completeness", _("Completeness"), lambda r: r.completeness),
    Column("operators", _("Operators"), lambda r: r.operators),
    Column("signers", _("Signers"), lambda r: r.signers),
    Column("last_change", _("Last content change"), lambda r: r.last_change_key),
    Column("letters_month", _("Letters this month"), lambda r: r.letters_month),
    Column("letters_year", _("Letters this year"), lambda r: r.letters_year),
    Column("online_share", _("Requested online"), lambda r: r.online_share),
    Column("median", _("Median turnaround"), lambda r: r.median),
    Column("p90", _("90th percentile turnaround"), lambda r: r.p90),
    Column("late", _("Past the promised date"), lambda r: r.late),
)
COLUMN_KEYS = {column.key: column for column in COLUMNS}


@dataclass(frozen=True)
class DashboardQuery:
    """What the page shows: level, filters, sort and page, read leniently from the query string
    (anything unknown or outside the user's cities falls back to the default)."""

    level: str = CITY
    city: int | None = None
    kecamatan: int | None = None
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_params(cls, params) -> DashboardQuery:
        def number(name):
            value = params.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        city = number("city")
        kecamatan = number("kecamatan") if city else None
        default = KELURAHAN if kecamatan else KECAMATAN if city else CITY
        level = params.get("level", default)
        if level not in LEVELS or (level == CITY and city):
            level = default
        if level == KECAMATAN and kecamatan:
            level = KELURAHAN
        sort = params.get("sort", "name")
        if sort.removeprefix("-") not in COLUMN_KEYS:
            sort = "name"
        return cls(level, city, kecamatan, sort, max(number("page") or 1, 1))

    def params(self, **changes) -> str:
        values = {
            "level": self.level,
            "city": self.city,
            "kecamatan": self.kecamatan,
            "sort": self.sort,
            "page": self.page,
            **changes,
        }
        defaults = {"sort": "name", "page": 1}
        kept = {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}
        return urlencode(kept)


BAR_WIDTH, BAR_GAP, BAR_HEIGHT = 8, 2, 32  # the SVG bars of one chart line, in px


@dataclass
class ChartLine:
    """One line of the chart: a kecamatan (or the total) and its letters per month, with the
    SVG bars drawn to the chart's common peak so lines compare."""

    name: str
    counts: list[int]
    bars: list[tuple[int, float, float, int]] = ()  # x, y, height, count

    def draw(self, peak: int) -> ChartLine:
        self.bars = []
        for i, count in enumerate(self.counts):
            height = round(count * BAR_HEIGHT / peak, 1) if peak else 0
            self.bars.append((i * (BAR_WIDTH + BAR_GAP), BAR_HEIGHT - height, height, count))
        return self


@dataclass
class Chart:
    """Letters per month per kecamatan of the chosen city (all cities: the total only), the
    last CHART_MONTHS months."""

    months: list[datetime.date]
    rows: list[ChartLine]
    total: ChartLine
    width: int = CHART_MONTHS * (BAR_WIDTH + BAR_GAP)
    height: int = BAR_HEIGHT


@dataclass
class Dashboard:
    query: DashboardQuery
    cities: list[tuple[int, str]]
    kecamatan: list[tuple[int, str]]
    city_name: str
    total: Figures
    page: object  # django.core.paginator.Page of rows
    chart: Chart
    today: datetime.date
    every_row: Callable[[], list[Row]]  # every row of the table, sorted (exports take them all)

    @functools.cached_property
    def rows(self) -> list[Row]:
        return self.every_row()


def _months_back(today: datetime.date, count: int) -> list[datetime.date]:
    months, month = [], today.replace(day=1)
    for _index in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


@dataclass(frozen=True)
class Scope:
    """What one query of the dashboard counts: grouped per `level`, limited to the user's
    `cities` (None: every city), the chosen city and kecamatan, and, when `only` is set, to
    those kelurahan (the rows of one page)."""

    level: str
    cities: frozenset[int] | None = None
    city: int | None = None
    kecamatan: int | None = None
    only: tuple[int, ...] | None = None

    def filter(self, queryset, lookups: dict[str, str]):
        """`queryset` limited to the scope; `lookups` are its paths to the city, kecamatan and
        kelurahan (KELURAHAN_LOOKUPS, TALLY_LOOKUPS or OWNED_LOOKUPS)."""
        if self.cities is not None:
            queryset = queryset.filter(**{f"{lookups[CITY]}__in": sorted(self.cities)})
        if self.city:
            queryset = queryset.filter(**{lookups[CITY]: self.city})
        if self.kecamatan:
            queryset = queryset.filter(**{lookups[KECAMATAN]: self.kecamatan})
        if self.only is not None:
            queryset = queryset.filter(**{f"{lookups[KELURAHAN]}__in": self.only})
        return queryset.order_by()

    def kelurahan(self):
        return self.filter(Kelurahan.objects.all(), KELURAHAN_LOOKUPS)

    def owned(self, model):
        return self.filter(model.objects.unscoped(REASON), OWNED_LOOKUPS)


class RowsOnDemand:
    """Rows made when a figure's source first names them: sorting every kelurahan of Indonesia
    by letters or staff reads only the few thousand kelurahan that have any, and the others
    share the empty row's value (Row())."""

    def __init__(self):
        self.made: dict[int, Row] = {}

    def get(self, key: int) -> Row:
        row = self.made.get(key)
        if row is None:
            row = self.made[key] = Row(key=key)
        return row


def _reads_other_tables(condition) -> bool:
    """Whether a checklist item asks other tables (an EXISTS) or only the kelurahan's row."""
    if isinstance(condition, Exists):
        return True
    return isinstance(condition, Q) and any(_reads_other_tables(c) for c in condition.children)


def _checklist_split() -> tuple[list, list]:
    """The checklist's items on the kelurahan's own columns, and those that ask other tables."""
    items = list(_checklist_annotations().values())
    return (
        [c for c in items if not _reads_other_tables(c)],
        [c for c in items if _reads_other_tables(c)],
    )


def _checks_done(conditions) -> Value:
    """How many of these conditions a kelurahan row meets, as one integer expression."""
    expression = Value(0)
    for condition in conditions:
        expression = expression + Case(When(condition, then=Value(1)), default=Value(0))
    return expression


def _in_name_order(kelurahan):
    """Kelurahan by name, names that repeat in the order of their region code (provisioning
    creates them in that order), as the index kelurahan_name_order reads them."""
    return kelurahan.order_by(Lower("name"), "id")


def _site_rows(scope: Scope, names: dict[int, tuple[str, str]]) -> dict[int, Row]:
    """One row per city, kecamatan or kelurahan with its sites and completeness.

    The checklist items on the kelurahan's own columns are counted in the one aggregate query;
    each item that asks other tables (officials, RT/RW, articles) is one more query that puts its
    EXISTS in the WHERE clause, where PostgreSQL answers it as a hash semi- or anti-join over the
    whole table at once, instead of one subquery per kelurahan in the SELECT list (0.5 s and
    more over 83,762 kelurahan). A fixed number of queries: one plus one per such item.
    """
    kelurahan = scope.kelurahan()
    own_columns, other_tables = _checklist_split()
    rows: dict[int, Row] = {}
    group = KELURAHAN_LOOKUPS[scope.level]
    if scope.level == KELURAHAN:
        kinds = {key: str(label) for key, label in Kelurahan.Kind.choices}
        # In name order already (as _sorted wants them): the sort by a figure is then stable.
        for pk, name, kind, is_active, updated_at, kecamatan_name, checks in _in_name_order(
            kelurahan.annotate(checks=_checks_done(own_columns), changed=_as_text("updated_at"))
        ).values_list("id", "name", "kind", "is_active", "changed", "kecamatan__name", "checks"):
            rows[pk] = Row(
                key=pk,
                name=f"{kinds.get(kind, '')} {name}".strip(),
                parent=kecamatan_name,
                sites=1,
                active=1 if is_active else 0,
                checks_done=checks,
                last_change_key=updated_at,
            )
    else:
        for found in kelurahan.values(group).annotate(
            sites=Count("id"),
            active=Count("id", filter=Q(is_active=True)),
            checks=Sum(_checks_done(own_columns)),
            last=_as_text(Max("updated_at")),
        ):
            key = found[group]
            name, parent = names.get(key, ("", ""))
            rows[key] = Row(
                key=key,
                name=name,
                parent=parent,
                sites=found["sites"],
                active=found["active"],
                checks_done=found["checks"] or 0,
                last_change_key=found["last"],
            )
    _add_checks_on_other_tables(rows, scope, other_tables)
    return rows


def _add_checks_on_other_tables(rows, scope: Scope, conditions) -> None:
    kelurahan = scope.kelurahan()
    group = KELURAHAN_LOOKUPS[scope.level]
    for condition in conditions:
        if scope.level == KELURAHAN:  # one row per kelurahan: the ids that meet it, no GROUP BY
            found = ((pk, 1) for pk in kelurahan.filter(condition).values_list("id", flat=True))
        else:
            found = (
                kelurahan.filter(condition)
                .values(group)
                .annotate(done=Count("id"))
                .values_list(group, "done")
            )
        for key, done in found:
            row = rows.get(key)
            if row is not None:
                row.checks_done += done


# The kelurahan level sorts every kelurahan of the scope by one figure read alone: a value per
# kelurahan id (one or a few queries of two columns, no rows built) and the value of those the
# source does not name. Each value orders as the column's own (COLUMNS) for a row of one site.
def _state_values(scope: Scope, column: Column, today):
    return dict(scope.kelurahan().values_list("id", "is_active")), None


def _completeness_values(scope: Scope, column: Column, today):
    own_columns, other_tables = _checklist_split()
    kelurahan = scope.kelurahan()
    checks = dict(kelurahan.annotate(done=_checks_done(own_columns)).values_list("id", "done"))
    for condition in other_tables:
        for pk in kelurahan.filter(condition).values_list("id", flat=True):
            checks[pk] += 1
    return checks, None


def _last_change_values(scope: Scope, column: Column, today):
    changed = dict(scope.kelurahan().annotate(at=_as_text("updated_at")).values_list("id", "at"))
    articles = RowsOnDemand()
    _add_articles(articles, scope, today)
    for pk, row in articles.made.items():
        if row.last_change_key and (not changed.get(pk) or row.last_change_key > changed[pk]):
            changed[pk] = row.last_change_key
    return changed, None


def _figure_values(source):
    """The values of a figure that only some kelurahan have (letters, staff, late requests):
    rows made for those its source names; the others have the empty row's value."""

    def values(scope: Scope, column: Column, today):
        found = RowsOnDemand()
        source(found, scope, today)
        return {pk: column.value(row) for pk, row in found.made.items()}, column.value(Row())

    return values


def _add_articles(rows, scope: Scope, today) -> None:
    """A published article newer than the site's last save is its last content change.

    Each source of figures takes the rows (anything with .get(key): a dict, RowsOnDemand), the
    scope and the day the figures are for."""
    group = OWNED_LOOKUPS[scope.level]
    for key, newest in (
        scope.owned(Article)
        .filter(status=Article.Status.PUBLISHED)
        .values(group)
        .annotate(newest=_as_text(Max("published_at")))
        .values_list(group, "newest")
    ):
        row = rows.get(key)
        if row is not None and newest and (not row.last_change_key or newest > row.last_change_key):
            row.last_change_key = newest


def _add_staff(rows, scope: Scope, today) -> None:
    """Active accounts with the Operator or Penandatangan role (one account may hold both)."""
    group = OWNED_LOOKUPS[scope.level]
    for key, role, count in (
        scope.owned(StaffMembership)
        .filter(user__is_active=True, user__groups__name__in=[roles.OPERATOR, roles.SIGNER])
        .values(group, "user__groups__name")
        .annotate(count=Count("user_id", distinct=True))
        .values_list(group, "user__groups__name", "count")
    ):
        row = rows.get(key)
        if row is not None:
            if role == roles.OPERATOR:
                row.operators = count
            else:
                row.signers = count


def _tallies(scope: Scope, *, first: datetime.date, last: datetime.date):
    """The letter tally's rows of the months from `first` to `last`, in the scope."""
    tallies = scope.filter(LetterTally.objects.unscoped(REASON), TALLY_LOOKUPS)
    return tallies.filter(month__gte=first, month__lte=last)


def _add_letters(rows, scope: Scope, today) -> None:
    """This month's and this year's letters, the online share and the turnaround histogram,
    from the letter tally (one query)."""
    group = TALLY_LOOKUPS[scope.level]
    month = today.replace(day=1)
    tallies = _tallies(scope, first=today.replace(month=1, day=1), last=month)
    for found in tallies.values(group, "days").annotate(
        year_letters=Sum("letters"),
        year_online=Sum("online"),
        month_letters=Sum("letters", filter=Q(month=month)),
    ):
        row = rows.get(found[group])
        if row is None:
            continue
        row.letters_year += found["year_letters"]
        row.online_year += found["year_online"]
        row.letters_month += found["month_letters"] or 0
        row.histogram = row.histogram or [0] * (LetterTally.TURNAROUND_CAP + 1)
        row.histogram[found["days"]] += found["year_letters"]


def _add_late(rows, scope: Scope, today) -> None:
    group = OWNED_LOOKUPS[scope.level]
    late = letters_past_promise_everywhere(scope.owned(Letter), today=today)
    for key, count in late.values(group).annotate(count=Count("id")).values_list(group, "count"):
        row = rows.get(key)
        if row is not None:
            row.late = count


def _figures(scope: Scope, names: dict[int, tuple[str, str]], today) -> dict[int, Row]:
    """Every figure of every row in the scope."""
    rows = _site_rows(scope, names)
    for source in (_add_articles, _add_staff, _add_letters, _add_late):
        source(rows, scope, today)
    return rows


# How the kelurahan level reads each column's values to sort by it (_kelurahan_order).
SORT_VALUES = {
    "active": _state_values,
    "completeness": _completeness_values,
    "last_change": _last_change_values,
    **dict.fromkeys(("operators", "signers"), _figure_values(_add_staff)),
    **dict.fromkeys(
        ("letters_month", "letters_year", "online_share", "median", "p90"),
        _figure_values(_add_letters),
    ),
    "late": _figure_values(_add_late),
}


def _chart(scope: Scope, kecamatan_names, today) -> Chart:
    """Letters per month per kecamatan of the chosen city (all cities: one line)."""
    months = _months_back(today, CHART_MONTHS)
    index = {month: i for i, month in enumerate(months)}
    tallies = _tallies(scope, first=months[0], last=months[-1])
    by_group: dict[int, list[int]] = {}
    group = "kecamatan_id" if scope.city else "city_id"
    for key, month, count in (
        tallies.values(group, "month")
        .annotate(month_letters=Sum("letters"))
        .values_list(group, "month", "month_letters")
    ):
        line = by_group.setdefault(key if scope.city else 0, [0] * len(months))
        line[index[month]] += count
    empty = [0] * len(months)
    total = ChartLine(
        str(_("Total")), [sum(column) for column in zip(*by_group.values(), strict=True)] or empty
    )
    rows = [
        ChartLine(name, by_group.get(pk, empty))
        for pk, name in (kecamatan_names if scope.city else ())
        if not scope.kecamatan or pk == scope.kecamatan
    ]
    peak = max((max(line.counts) for line in rows), default=0) or 1
    return Chart(
        months=months,
        rows=[line.draw(peak) for line in rows],
        total=total.draw(max(total.counts) or 1),
    )


def _link_rows(rows, query: DashboardQuery) -> None:
    """Each shown row's link one level down (a kelurahan: its admin page); only the page's
    rows get one (building 83,762 links would cost more than the page)."""
    change = reverse("admin:kelurahan_kelurahan_change", args=[0]).replace("/0/", "/{}/")
    for row in rows:
        if query.level == KELURAHAN:
            row.url = change.format(row.key)
        elif query.level == KECAMATAN:
            city = query.city or row.city
            row.url = "?" + DashboardQuery(level=KELURAHAN, city=city, kecamatan=row.key).params()
        else:
            row.url = "?" + DashboardQuery(level=KECAMATAN, city=row.key).params()


def _sorted(items: list, value: Callable, descending: bool) -> list:
    """`items` (in name order) sorted by `value`, ties in name order; items without a value (no
    letters yet) always last."""
    valued = [item for item in items if value(item) is not None]
    empty = [item for item in items if value(item) is None]
    return sorted(valued, key=value, reverse=descending) + empty


def _sorted_rows(rows: list[Row], sort: str, *, in_name_order: bool = False) -> list[Row]:
    """Sorted by one column, ties by name; rows without a value always last."""
    column = COLUMN_KEYS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    by_name = (
        rows
        if in_name_order
        else sorted(rows, key=lambda r: (r.name.lower(), r.parent.lower(), r.key))
    )
    if column.key == "name":
        return by_name[::-1] if descending else by_name
    return _sorted(by_name, column.value, descending)


def _kelurahan_order(scope: Scope, sort: str, today) -> Sequence[int]:
    """Every kelurahan of the scope in the page's order, as ids, with no figures built beyond
    the sort's own. By name: a query, which the page slices (OFFSET and LIMIT read the index
    kelurahan_name_order). By a figure: that figure's values alone (SORT_VALUES), and the ids
    in name order sorted by them, as _sorted does."""
    column = COLUMN_KEYS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    ids = _in_name_order(scope.kelurahan()).values_list("id", flat=True)
    if column.key == "name":
        return ids.reverse() if descending else ids
    values, everyone = SORT_VALUES[column.key](scope, column, today)
    ids = list(ids)
    if everyone is not None:  # 0 letters, 0 staff: every kelurahan has a value
        values = {**dict.fromkeys(ids, everyone), **values}
    # As _sorted, without a Python call per kelurahan (83,762 of them): dict lookups.
    valued = [pk for pk in ids if values.get(pk) is not None]
    empty = [pk for pk in ids if values.get(pk) is None] if len(valued) < len(ids) else []
    return sorted(valued, key=values.__getitem__, reverse=descending) + empty


def _kelurahan_level(scope: Scope, query: DashboardQuery, today):
    """The kelurahan level: the page's rows, the total and the sorted list of every row.

    All of Indonesia is 83,762 kelurahan/desa, and building each one's figures in Python costs
    more than the rest of the page. So the order is found first (_kelurahan_order), only the 50
    rows of the page get their figures, and the total is the sum of the cities' (or the chosen
    city's kecamatan) rows: the same sums over a few hundred rows. Every row is built only for
    an export.
    """
    order = _kelurahan_order(scope, query.sort, today)
    page = Paginator(order, PAGE_SIZE).get_page(query.page)
    shown = _figures(dataclasses.replace(scope, only=tuple(page.object_list)), {}, today)
    page.object_list = [shown[pk] for pk in page.object_list]
    coarse = dataclasses.replace(scope, level=KECAMATAN if scope.city else CITY)
    total = Figures.total_of(list(_figures(coarse, {}, today).values()))

    def every_row() -> list[Row]:
        rows = _figures(scope, {}, today)
        return [rows[pk] for pk in list(order)]

    return page, total, every_row


def dashboard_for(user, params, *, today: datetime.date | None = None) -> Dashboard:
    """The dashboard the user asked for (`params`: the query string), in a fixed number of
    queries: the cities (and the chosen city's kecamatan) for the filters, the sites, the
    newest articles, the staff, the letter tally, the chart, and the three of the late count
    (at the kelurahan level: the order, then those for the page's rows and for the total)."""
    today = today or timezone.localdate()
    allowed = user_city_ids(user)
    query = DashboardQuery.from_params(params)
    every_city = list(City.objects.order_by("name").values_list("pk", "name"))
    cities = [c for c in every_city if allowed is None or c[0] in allowed]
    if allowed is not None and len(cities) == len(every_city):
        allowed = None  # a national role: no city filter (and none of its joins) is needed
    city_names = dict(cities)
    if query.city and query.city not in city_names:
        query = DashboardQuery(sort=query.sort)
    kecamatan = []
    if query.city:
        kecamatan = list(
            Kecamatan.objects.filter(city_id=query.city).order_by("name").values_list("pk", "name")
        )
        if query.kecamatan and query.kecamatan not in dict(kecamatan):
            query = DashboardQuery(level=KECAMATAN, city=query.city, sort=query.sort)
    scope = Scope(
        query.level,
        None if allowed is None else frozenset(allowed),
        query.city,
        query.kecamatan,
    )
    if query.level == KELURAHAN:
        page, total, every_row = _kelurahan_level(scope, query, today)
    else:
        if query.level == CITY:
            names = {pk: (name, "") for pk, name in cities}
        elif query.city:
            names = {pk: (name, "") for pk, name in kecamatan}
        else:  # every kecamatan of the user's cities, with their city
            everywhere = Kecamatan.objects.all()
            if allowed is not None:
                everywhere = everywhere.filter(city_id__in=sorted(allowed))
            found = list(everywhere.values_list("pk", "name", "city_id"))
            names = {pk: (name, city_names.get(city_id, "")) for pk, name, city_id in found}
            kecamatan_cities = {pk: city_id for pk, _name, city_id in found}
        rows = _figures(scope, names, today)
        if query.level == KECAMATAN and not query.city:
            for row in rows.values():
                row.city = kecamatan_cities.get(row.key)
        total = Figures.total_of(list(rows.values()))
        ordered = _sorted_rows(list(rows.values()), query.sort)
        # Paged at every level: all of Indonesia is 514 cities and 7,285 kecamatan.
        page = Paginator(ordered, PAGE_SIZE).get_page(query.page)

        def every_row() -> list[Row]:
            return ordered

    _link_rows(page.object_list, query)
    return Dashboard(
        query=query,
        cities=cities,
        kecamatan=kecamatan,
        city_name=city_names.get(query.city, ""),
        total=total,
        page=page,
        chart=_chart(scope, kecamatan, today),
        today=today,
        every_row=every_row,
    )


def row_cells(row: Row, level: str) -> list[object]:
    """A row's values as an export writes them (numbers stay numbers for XLSX)."""
    active = (
        (_("active") if row.active else _("not yet active"))
        if level == KELURAHAN
        else f"{row.active}/{row.sites}"
    )
    cells = [row.name]
    if level == KELURAHAN:
        cells.append(row.parent)
    cells += [
        str(active),
        row.completeness,
        row.operators,
        row.signers,
        timezone.localtime(row.last_change).strftime("%Y-%m-%d %H:%M") if row.last_change else "",
        row.letters_month,
        row.letters_year,
        row.online_share,
        row.median,
        row.p90,
        row.late,
    ]
    return cells


def header_cells(level: str) -> list[str]:
    level_name = {CITY: _("City"), KECAMATAN: _("Kecamatan"), KELURAHAN: _("Kelurahan/desa")}
    headers = [str(level_name[level])]
    if level == KELURAHAN:
        headers.append(str(_("Kecamatan")))
    headers += [
        str(_("Site state") if level == KELURAHAN else _("Sites online")),
        str(_("Completeness (%)")),
        str(_("Operators")),
        str(_("Signers")),
        str(_("Last content change")),
        str(_("Letters this month")),
        str(_("Letters this year")),
        str(_("Requested online (%)")),
        str(_("Median turnaround (working days)")),
        str(_("90th percentile turnaround (working days)")),
        str(_("Past the promised date")),
    ]
    return headers


def dashboard_table(dashboard: Dashboard) -> list[list[object]]:
    """The table shown (every page of it, filters and sort applied), header first."""
    level = dashboard.query.level
    return [header_cells(level), *(row_cells(row, level) for row in dashboard.rows)]


def dashboard_csv(dashboard: Dashboard) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for cells in dashboard_table(dashboard):
        writer.writerow(
            [spreadsheet_text(c) if isinstance(c, str) else ("" if c is None else c) for c in cells]
        )
    return out.getvalue().encode()


def dashboard_xlsx(dashboard: Dashboard) -> bytes:
    """The same table as XLSX (openpyxl's write-only mode), numbers as numbers."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(str(_("Dashboard")))
    for cells in dashboard_table(dashboard):
        sheet.append([spreadsheet_text(c) if isinstance(c, str) else c for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name(dashboard: Dashboard, extension: str) -> str:
    query = dashboard.query
    parts = ["dasbor", query.level]
    if query.city:
        parts.append(str(query.city))
    if query.kecamatan:
        parts.append(str(query.kecamatan))
    return f"{'-'.join(parts)}-{dashboard.today:%Y-%m-%d}.{extension}"
