"""The long public lists (UMKM, wisata, news) at a few thousand rows: each page holds the rows
Django's own Paginator gives, in the same order, and on PostgreSQL the page is read off the
list's index in order, never by sorting every row of the list."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone

from kelurahan import selectors as kelurahan_selectors
from kelurahan.models import Article, Kelurahan
from kelurahan.pagination import IdsFirstPaginator
from kelurahan.services import region_provision
from kelurahan.views import ARTICLES_PER_PAGE
from umkm import selectors
from umkm.models import Business, BusinessCategory, Status, TourismSpot
from umkm.views import PER_PAGE

pytestmark = pytest.mark.django_db

# Several places share each name, so the order between them is the id's (Meta.ordering).
NAMES = ("Warung Soto", "Batik Tulis", "Angkringan", "Kerajinan Bambu", "Jasa Jahit")


def businesses(kelurahan_list: list[Kelurahan], count: int, *, status=Status.PUBLISHED) -> None:
    categories = list(BusinessCategory.objects.all())
    Business.objects.bulk_create(
        Business(
            kelurahan=kelurahan_list[n % len(kelurahan_list)],
            name=f"{NAMES[n % len(NAMES)]} {n % 40}",
            slug=f"usaha-{status}-{n}",
            category=categories[n % len(categories)],
            status=status,
        )
        for n in range(count)
    )


def spots(kelurahan_list: list[Kelurahan], count: int) -> None:
    TourismSpot.objects.bulk_create(
        TourismSpot(
            kelurahan=kelurahan_list[n % len(kelurahan_list)],
            name=f"Wisata {n % 30}",
            slug=f"wisata-{n}",
            category=TourismSpot.Category.values[n % len(TourismSpot.Category.values)],
            status=Status.PUBLISHED,
        )
        for n in range(count)
    )


def articles(kelurahan: Kelurahan, count: int) -> None:
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            kelurahan=kelurahan,
            title=f"Kabar warga {n}",
            slug=f"kabar-warga-{n}",
            body="Isi.",
            status=Article.Status.PUBLISHED if n % 9 else Article.Status.DRAFT,
            # Pairs share a publication time, so the id decides between them; some are
            # scheduled for later and are not public yet.
            published_at=now - datetime.timedelta(hours=n // 2 - 5),
        )
        for n in range(count)
    )


@pytest.fixture
def inactive_kelurahan(kecamatan_laweyan) -> Kelurahan:
    """A site of the same city that Diskominfo has not activated (Serengan's first)."""
    region_provision(codes=["33.72.02.1001"])
    kelurahan = Kelurahan.objects.get(code="33.72.02.1001")
    assert not kelurahan.is_active
    return kelurahan


def pages_to_check(count: int, per_page: int) -> list[int]:
    last = Paginator(range(count), per_page).num_pages
    return sorted({1, 2, last // 2, last // 2 + 1, last - 1, last})


def page_ids(paginator_class, queryset, per_page: int, number: int) -> list[int]:
    return [row.pk for row in paginator_class(queryset, per_page).page(number)]


def test_every_page_of_the_lists_holds_what_djangos_paginator_gives(
    kecamatan_laweyan, kelurahan_a, kelurahan_b, inactive_kelurahan
):
    businesses([kelurahan_a, kelurahan_b], 500)
    businesses([kelurahan_a, kelurahan_b], 30, status=Status.PENDING)
    businesses([inactive_kelurahan], 40)  # never on the city-wide list
    spots([kelurahan_a, kelurahan_b, inactive_kelurahan], 150)
    articles(kelurahan_a, 300)
    city = kelurahan_a.kecamatan.city
    no_filter = selectors.Filters()
    lists = [
        (selectors.places_published(selectors.BUSINESSES, filters=no_filter, city=city), PER_PAGE),
        (
            selectors.places_published(
                selectors.BUSINESSES, filters=selectors.Filters(category="kuliner"), city=city
            ),
            PER_PAGE,
        ),
        (selectors.places_published(selectors.SPOTS, filters=no_filter, city=city), PER_PAGE),
        (
            selectors.places_published(
                selectors.BUSINESSES, filters=no_filter, kelurahan=kelurahan_a
            ),
            PER_PAGE,
        ),
        (kelurahan_selectors.articles_for(kelurahan_a), ARTICLES_PER_PAGE),
    ]
    for queryset, per_page in lists:
        count = queryset.count()
        assert count > 4 * per_page
        for number in pages_to_check(count, per_page):
            assert page_ids(IdsFirstPaginator, queryset, per_page, number) == page_ids(
                Paginator, queryset, per_page, number
            ), (queryset.model.__name__, number)

    city_list = lists[0][0]
    assert city_list.count() == 500
    assert not city_list.filter(kelurahan=inactive_kelurahan).exists()


def test_a_list_with_no_rows_has_one_empty_page(kelurahan_a):
    queryset = selectors.places_published(
        selectors.BUSINESSES, filters=selectors.Filters(), kelurahan=kelurahan_a
    )
    page = IdsFirstPaginator(queryset, PER_PAGE).get_page("3")
    assert page.number == 1
    assert list(page) == []


@pytest.mark.parametrize(
    ("table", "name", "columns", "orders"),
    [
        ("umkm_business", "business_list", ["kelurahan_id", "status", "name", "id"], None),
        (
            "umkm_business",
            "business_city_list",
            ["status", "name", "id", "kelurahan_id", "category_id"],
            None,
        ),
        ("umkm_tourismspot", "tourismspot_list", ["kelurahan_id", "status", "name", "id"], None),
        (
            "umkm_tourismspot",
            "tourismspot_city_list",
            ["status", "name", "id", "kelurahan_id", "category"],
            None,
        ),
        (
            "kelurahan_article",
            "article_list",
            ["kelurahan_id", "status", "published_at", "id"],
            ["ASC", "ASC", "DESC", "DESC"],
        ),
    ],
)
def test_the_migrations_create_the_list_indexes(table, name, columns, orders):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert name in constraints
    index = constraints[name]
    assert index["index"]
    assert index["columns"] == columns
    if orders is not None and index.get("orders"):
        assert index["orders"] == orders


# --- The plans (PostgreSQL) ----------------------------------------------------------------


def plan_nodes(queryset) -> list[dict]:
    """Every node of EXPLAIN ANALYZE's plan for the queryset, depth first."""
    (root,) = json.loads(queryset.explain(format="json", analyze=True))
    nodes, todo = [], [root["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    return nodes


def assert_read_off_the_index(queryset, per_page: int, number: int, index: str) -> None:
    nodes = plan_nodes(IdsFirstPaginator(queryset, per_page).page(number).object_list)
    scans = [node for node in nodes if node.get("Index Name") == index]
    summary = [
        (node["Node Type"], node.get("Index Name"), node.get("Actual Rows")) for node in nodes
    ]
    assert scans, f"page {number} does not read {index}: {summary}"
    assert all(node["Node Type"] in ("Index Scan", "Index Only Scan") for node in scans)
    # A page may sort its own rows; no sort is fed more than a page's worth of rows.
    for node in nodes:
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            fed = sum(child["Actual Rows"] for child in node.get("Plans", []))
            assert fed <= per_page, f"page {number} sorts {fed} rows"


@pytest.mark.postgresql(reason="the plan of PostgreSQL's planner is what is checked")
def test_on_postgresql_the_first_and_the_last_page_are_read_off_the_lists_indexes(
    kecamatan_laweyan, kelurahan_a, kelurahan_b, inactive_kelurahan
):
    active = list(kecamatan_laweyan.order_by("code"))
    businesses(active, 4000)
    businesses(active, 300, status=Status.PENDING)
    businesses([inactive_kelurahan], 300)
    spots([*active, inactive_kelurahan], 2000)
    articles(kelurahan_a, 3000)
    # Statistics of every table the lists read, as autovacuum keeps them: with the kelurahan's
    # left from earlier tests, the planner misjudges how many places the city's sites hold.
    with connection.cursor() as cursor:
        for table in (
            "umkm_business",
            "umkm_tourismspot",
            "umkm_businesscategory",
            "kelurahan_article",
            "kelurahan_kelurahan",
            "kelurahan_kecamatan",
            "kelurahan_city",
        ):
            cursor.execute(f"ANALYZE {table}")
    city = kelurahan_a.kecamatan.city
    no_filter = selectors.Filters()
    city_businesses = selectors.places_published(selectors.BUSINESSES, filters=no_filter, city=city)
    city_spots = selectors.places_published(selectors.SPOTS, filters=no_filter, city=city)
    own_businesses = selectors.places_published(
        selectors.BUSINESSES, filters=no_filter, kelurahan=kelurahan_a
    )
    news = kelurahan_selectors.articles_for(kelurahan_a)
    for queryset, per_page, index in (
        (city_businesses, PER_PAGE, "business_city_list"),
        (city_spots, PER_PAGE, "tourismspot_city_list"),
        (own_businesses, PER_PAGE, "business_list"),
        (news, ARTICLES_PER_PAGE, "article_list"),
    ):
        last = IdsFirstPaginator(queryset, per_page).num_pages
        assert last > 30
        for number in (1, 2, last - 1, last):
            assert_read_off_the_index(queryset, per_page, number, index)
