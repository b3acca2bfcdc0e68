"""The SQL queries of every staff screen that grows with the resident register, pinned, and the
same with 25 times more residents, letters and access-log rows.

An operator of Pajang (and Diskominfo, for the city-wide lists) after one warm-up request, like
tests/portal/test_query_counts.py for the public pages. Counts include the session and user
lookups of a logged-in request. Measured at 100 vs 100,000 residents by
tests/bench/residents.py.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.layanan.staff_pages import (
    anchors_create,
    city_staff_pages,
    operator_pages,
    register_fill,
)

PINNED = {
    "residents": 11,
    "residents ?q=<full NIK>": 11,
    "residents ?q=lestari": 11,
    "residents ?sex=P": 11,
    "resident page": 12,
    "resident export form": 8,
    "resident export CSV (POST)": 10,
    "letters": 13,
    "letters ?q=<full NIK>": 13,
    "letters ?q=lestari": 13,
    "letters, date range 30 days": 13,
    "letters, year (date hierarchy)": 12,
    "letters ?kind=skuter": 13,
    "online requests (submitted)": 13,
    # One more than the list: whether the NIK is recorded as deceased (a warning before signing).
    "letter page (verified)": 14,
    "letter page (online request)": 14,
    "issue screen": 9,
    "issue ?nik=<in register>": 10,
    "issue ?nik=<not in register>": 10,
    "letter register form": 7,
    "letter register CSV, this month": 10,
    "access log": 13,
    "access log ?q=<name>": 13,
    "city staff: residents": 11,
    "city staff: letters": 13,
    "city staff: access log": 12,
}
SMALL = 20  # residents, letters and access-log rows of each kelurahan to start with
LARGE = 500  # Pajang's, after adding more


@pytest.fixture
def register(kelurahan_a, kelurahan_b, operator_a, operator_b):
    """Pajang and its neighbour Laweyan with SMALL rows of everything; Pajang's anchors."""
    anchors = anchors_create(kelurahan_a, by=operator_a)
    anchors_create(kelurahan_b, by=operator_b)
    for kelurahan, operator in ((kelurahan_a, operator_a), (kelurahan_b, operator_b)):
        register_fill(kelurahan, by=operator, residents=SMALL, letters=SMALL, access_logs=SMALL)
    return anchors


@pytest.fixture
def pages(register, client, operator_a, diskominfo):
    """Label: (page, the client logged in as the staff member who opens it)."""
    client.force_login(operator_a)
    city_client = Client()
    city_client.force_login(diskominfo)
    return {
        **{page.label: (page, client) for page in operator_pages(register)},
        **{page.label: (page, city_client) for page in city_staff_pages()},
    }


def warm_up(page, client) -> None:
    response = page.request(client)
    assert response.status_code == 200, (page.label, response.status_code)


def counted(page, client, *, warm: bool = True) -> int:
    if warm:
        warm_up(page, client)
    with CaptureQueriesContext(connection) as captured:
        response = page.request(client)
    assert response.status_code == 200, (page.label, response.status_code)
    return len(captured.captured_queries)


def test_every_staff_page_that_grows_with_the_register_is_pinned(pages):
    assert set(pages) == set(PINNED)


@pytest.mark.parametrize("label", PINNED)
def test_each_staff_page_takes_its_pinned_number_of_queries(
    label, pages, django_assert_num_queries
):
    page, client = pages[label]
    warm_up(page, client)

    with django_assert_num_queries(PINNED[label]):
        assert page.request(client).status_code == 200


def test_staff_pages_take_as_many_queries_with_25_times_more_residents_and_letters(
    pages, kelurahan_a, operator_a
):
    small = {label: counted(page, client) for label, (page, client) in pages.items()}
    more = LARGE - SMALL
    register_fill(
        kelurahan_a, by=operator_a, residents=more, letters=more, access_logs=more, start=SMALL
    )

    # Already warm: the same process, the same users.
    large = {label: counted(page, client, warm=False) for label, (page, client) in pages.items()}

    assert large == small
    assert small == PINNED
