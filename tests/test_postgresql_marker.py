"""The `postgresql` marker (tests/postgresql_only.py), run in a pytest of its own: skipped with
its reason on SQLite; on PostgreSQL a marked test that is skipped fails the run."""

from __future__ import annotations

import pytest

MARKED = """
import pytest

@pytest.mark.postgresql(reason="needs row locks that wait")
def test_runs_only_on_postgresql():
    pass

@pytest.mark.postgresql
def test_skips_itself():
    pytest.skip("redis-server is not installed")

def test_unmarked_skip():
    pytest.skip("no chromium")

@pytest.mark.postgresql
@pytest.mark.xfail(reason="known bug")
def test_expected_failure():
    raise AssertionError
"""


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makepyfile(test_marked=MARKED)
    # The marker is registered in pyproject.toml, which this run in a scratch folder does not read.
    quiet = ("-W", "ignore::pytest.PytestUnknownMarkWarning")
    return pytester.runpytest("-p", "tests.postgresql_only", "-p", "no:django", "-rsf", *quiet)


def test_on_sqlite_a_postgresql_test_is_skipped_with_its_reason(pytester, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/db.sqlite3")

    result = run(pytester)

    result.assert_outcomes(skipped=4)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*needs row locks that wait (this run is on SQLite)*"])


def test_on_postgresql_a_skipped_postgresql_test_fails_the_run(pytester, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")

    result = run(pytester)

    # The marked skip fails; an unmarked skip and an expected failure stay what they are.
    result.assert_outcomes(passed=1, failed=1, skipped=1, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*_ test_skips_itself _*",
            "a PostgreSQL-only test was skipped on PostgreSQL, where it must run: "
            "redis-server is not installed",
        ]
    )
