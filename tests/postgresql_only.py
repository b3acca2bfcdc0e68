"""The `postgresql` marker: a test that can only show something on PostgreSQL (row locks that
really wait, concurrent writers) is skipped on SQLite, and must run when the suite is on
PostgreSQL: there, a skip of a marked test, for whatever reason, fails the run.

Registered by tests/conftest.py (`pytest_plugins`); it imports nothing of Django, so
tests/test_postgresql_marker.py can load it into a pytest run of its own.

    pytestmark = pytest.mark.postgresql(reason="why SQLite cannot show it")
"""

from __future__ import annotations

import os

import pytest

MARKER = "postgresql"


def on_postgresql() -> bool:
    """Whether the suite runs on PostgreSQL: DATABASE_URL names it (portal/settings.py reads it;
    without one the database is SQLite)."""
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))


def _reason(item: pytest.Item) -> str:
    marker = item.get_closest_marker(MARKER)
    return marker.kwargs.get("reason", "") or "needs PostgreSQL"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if on_postgresql():
        return
    for item in items:
        if item.get_closest_marker(MARKER):
            item.add_marker(pytest.mark.skip(reason=f"{_reason(item)} (this run is on SQLite)"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    expected = hasattr(report, "wasxfail")  # an expected failure is reported as a skip too
    if report.skipped and not expected and on_postgresql() and item.get_closest_marker(MARKER):
        why = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (
            "a PostgreSQL-only test was skipped on PostgreSQL, where it must run: "
            + why.removeprefix("Skipped: ")
        )
    return report
