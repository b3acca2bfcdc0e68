"""While the database is unreachable the log gets one line, not a traceback per request."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.outage import database_down

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_period_over():
    """The filter remembers the last outage it logged (in this process: other tests' too)."""
    from portal.logfilters import DatabaseOutageFilter

    for log_filter in logging.getLogger("django.request").filters:
        if isinstance(log_filter, DatabaseOutageFilter):
            log_filter.forget()


def test_an_outage_is_logged_once_without_a_traceback(caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    visitor = Client(raise_request_exception=False)
    with database_down():
        statuses = [visitor.get(f"/cari/?q=pajang{n}").status_code for n in range(5)]

    records = [r for r in caplog.records if r.name == "django.request"]
    assert statuses == [503] * 5
    assert len(records) == 1
    assert records[0].getMessage().startswith("Database unreachable, answering 503 (")
    assert records[0].exc_info is None


def test_other_server_errors_keep_their_traceback(caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        logging.getLogger("django.request").exception("Internal Server Error: /cari/")

    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert records[0].getMessage() == "Internal Server Error: /cari/"
