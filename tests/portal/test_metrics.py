"""/metrics for Diskominfo's IT: who may read it, and that each family moves with the real thing
it counts (a page served, the page cache, a letter signed, an online request, a Redis outage),
added up across processes as gunicorn's workers are."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from kelurahan import pagecache
from tests.layanan.conftest import issue, private_root, sign, signer_a  # noqa: F401 - fixtures
from tests.layanan.online import request_form, request_url
from tests.portal.metrics_scrape import LOOPBACK, families, scrape, value
from tests.redis_server import redis_cache_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-" + "k" * 40
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


# --- Who may read it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"HTTP_AUTHORIZATION": TOKEN},
    ],
    ids=["no-token", "wrong", "longer", "other-scheme", "no-scheme"],
)
def test_metrics_are_not_found_from_another_address_without_the_token(client, settings, headers):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", **ELSEWHERE, **headers)

    assert response.status_code == 404
    assert b"portal_" not in response.content  # the portal's ordinary 404 page, nothing more


def test_metrics_are_served_from_another_address_with_the_token(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", **ELSEWHERE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert "portal_http_requests_total" in families(response.content.decode())


def test_without_a_token_configured_no_bearer_header_opens_it(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", **ELSEWHERE, HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", **ELSEWHERE, HTTP_AUTHORIZATION="Bearer").status_code == 404


def test_loopback_is_served_without_the_token_unless_a_proxy_relayed_it(client, settings):
    settings.METRICS_TOKEN = TOKEN

    assert client.get("/metrics", **LOOPBACK).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    # A balancer on the same machine relays strangers from 127.0.0.1, and says so.
    relayed = client.get("/metrics", **LOOPBACK, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert relayed.status_code == 404
    with_token = client.get(
        "/metrics",
        **LOOPBACK,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert with_token.status_code == 200


# --- Requests by view -----------------------------------------------------------------------------


def test_a_page_request_is_counted_and_timed_under_its_view_name_not_its_path(client, kelurahan_a):
    before = scrape(client)

    assert client.get(f"/k/{kelurahan_a.slug}/").status_code == 200
    assert client.get(f"/k/{kelurahan_a.slug}/tidak-ada/").status_code == 404

    after = scrape(client)
    home = {"view": "kelurahan:home", "status": "2xx"}
    assert value(after, "portal_http_requests_total", **home) == (
        value(before, "portal_http_requests_total", **home) + 1
    )
    assert value(after, "portal_http_request_duration_seconds_count", **home) == (
        value(before, "portal_http_request_duration_seconds_count", **home) + 1
    )
    missing = {"view": "unresolved", "status": "4xx"}
    assert value(after, "portal_http_requests_total", **missing) == (
        value(before, "portal_http_requests_total", **missing) + 1
    )
    # No slug or path in any label: the series are bounded by the URL names.
    labels = {v for (_name, pairs) in after for _key, v in pairs}
    assert not any(kelurahan_a.slug in label or "/" in label for label in labels)


# --- Page cache -----------------------------------------------------------------------------------


def test_the_page_cache_counts_a_miss_then_a_hit(client, kelurahan_a, settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    visitor = Client()  # no session: the page is cacheable
    before = scrape(client)

    visitor.get(f"/k/{kelurahan_a.slug}/profil/")
    middle = scrape(client)
    visitor.get(f"/k/{kelurahan_a.slug}/profil/")
    after = scrape(client)

    name = "portal_page_cache_requests_total"
    assert value(middle, name, result="miss") == value(before, name, result="miss") + 1
    assert value(middle, name, result="hit") == value(before, name, result="hit")
    assert value(after, name, result="hit") == value(middle, name, result="hit") + 1
    assert value(after, name, result="miss") == value(middle, name, result="miss")
    # The hit is answered before any URL is resolved, and still counted under its view.
    profile = {"view": "kelurahan:profile", "status": "2xx"}
    assert value(after, "portal_http_requests_total", **profile) == (
        value(middle, "portal_http_requests_total", **profile) + 1
    )


# --- Letters --------------------------------------------------------------------------------------


def test_a_signed_letter_is_counted_once_the_signing_commits(
    client,
    kelurahan_a,
    operator_a,
    signer_a,  # noqa: F811
    issue,  # noqa: F811
    sign,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    letter = issue(kelurahan_a, operator_a)
    before = scrape(client)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sign(letter, signer_a)
        # Not before the commit: a signing that rolls back used no number and counts nothing.
        assert value(scrape(client), "portal_letters_signed_total", kind="skuter") == value(
            before, "portal_letters_signed_total", kind="skuter"
        )

    assert callbacks
    after = scrape(client)
    assert value(after, "portal_letters_signed_total", kind="skuter") == (
        value(before, "portal_letters_signed_total", kind="skuter") + 1
    )


def test_an_online_request_is_counted_once_and_not_again_when_the_form_is_resent(
    client, kelurahan_a, django_capture_on_commit_callbacks
):
    form = request_form()
    before = scrape(client)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(request_url(kelurahan_a), form).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        again = request_form(request_key=form["request_key"])  # a double tap: the same form
        assert client.post(request_url(kelurahan_a), again).status_code == 302

    after = scrape(client)
    assert value(after, "portal_online_requests_total", kind="skuter") == (
        value(before, "portal_online_requests_total", kind="skuter") + 1
    )


# --- Cache breaker --------------------------------------------------------------------------------


def test_the_breaker_gauge_follows_a_redis_outage(client, kelurahan_a, redis_server):
    page = f"/k/{kelurahan_a.slug}/"
    with redis_cache_settings(redis_server.url, breaker_seconds=0.2):
        Client().get(page)
        assert value(scrape(client), "portal_breaker_open", part="cache") == 0
        assert ("portal_breaker_open", frozenset({("part", "cache")})) in scrape(client)

        redis_server.stop()
        # Past the page cache's check interval: the copy in this process is not served on
        # trust, so the next request asks Redis and finds it gone.
        time.sleep(pagecache.CHECK_SECONDS + 0.05)
        assert Client().get(page).status_code == 200  # served uncached
        assert value(scrape(client), "portal_breaker_open", part="cache") == 1

        redis_server.start()
        time.sleep(0.3)  # past the cooldown, so the next request tries Redis again
        assert Client().get(page).status_code == 200
        assert value(scrape(client), "portal_breaker_open", part="cache") == 0


# --- Task queue -----------------------------------------------------------------------------------


def test_a_task_that_fails_in_process_is_counted(client):
    from kelurahan import background

    @background.task()
    def doomed(*, key: str) -> None:
        raise RuntimeError("the gateway said no")

    before = scrape(client)
    background._run_inline(doomed, "doomed:1", {})

    after = scrape(client)
    labels = {"task": doomed.name, "outcome": "failed"}
    assert value(after, "portal_task_failures_total", **labels) == (
        value(before, "portal_task_failures_total", **labels) + 1
    )


@pytest.mark.postgresql(reason="the queue's table exists only on PostgreSQL")
def test_queue_depth_is_read_from_the_jobs_table_at_scrape_time(client):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status)"
            " VALUES ('default', 'a', '{}', 'todo'), ('default', 'b', '{}', 'todo'),"
            " ('default', 'c', '{}', 'failed'), ('default', 'd', '{}', 'succeeded')"
        )

    samples = scrape(client)

    assert value(samples, "portal_task_jobs", status="todo") == 2
    assert value(samples, "portal_task_jobs", status="doing") == 0
    assert value(samples, "portal_task_jobs", status="failed") == 1
    assert ("portal_task_jobs", frozenset({("status", "succeeded")})) not in samples


# --- Several processes, one scrape ----------------------------------------------------------------

WORKER = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
from kelurahan import metrics
for _ in range(int(sys.argv[1])):
    metrics.letters_signed_total.labels("skuter").inc()
    metrics.page_cache_hit()
metrics.breaker_open.labels("cache").set(int(sys.argv[2]))
print(os.getpid())
"""


def _worker(folder: Path, count: int, breaker: int) -> int:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    env.pop("PYTEST_VERSION", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", WORKER, str(count), str(breaker)],
        cwd=ROOT,
        env={**env, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.split()[-1])


def test_one_scrape_adds_up_the_processes_writing_into_one_multiprocess_folder(
    client, tmp_path, monkeypatch
):
    folder = tmp_path / "metrics"
    folder.mkdir()
    first = _worker(folder, 3, breaker=1)
    second = _worker(folder, 4, breaker=0)
    assert first != second

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    samples = scrape(client)

    assert value(samples, "portal_letters_signed_total", kind="skuter") == 7
    assert value(samples, "portal_page_cache_requests_total", result="hit") == 7
    # A gauge is the highest of the live processes' values: one still sees the outage.
    assert value(samples, "portal_breaker_open", part="cache") == 1

    # gunicorn's child_exit hook: the dead worker's gauge leaves, its counts stay.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(first, str(folder))
    samples = scrape(client)
    assert value(samples, "portal_breaker_open", part="cache") == 0
    assert value(samples, "portal_letters_signed_total", kind="skuter") == 7


# --- The Grafana dashboard ------------------------------------------------------------------------

DASHBOARD = ROOT / "docs" / "grafana" / "portal.json"
SUFFIXES = ("_bucket", "_count", "_sum")


def _expressions(dashboard: dict) -> list[str]:
    """The panels' queries and the template variables' (label_values(portal_..., job))."""
    panels = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    variables = [variable["query"]["query"] for variable in dashboard["templating"]["list"]]
    return panels + variables


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\bportal_[a-z_]+\b", expr))


def test_the_grafana_dashboard_is_valid_and_graphs_only_metrics_the_endpoint_exports(client):
    dashboard = json.loads(DASHBOARD.read_text())
    response = client.get("/metrics", **LOOPBACK)
    exported = families(response.content.decode())
    exported |= {f"{name}{suffix}" for name in exported for suffix in SUFFIXES}
    exported |= {f"{name}_total" for name in exported}  # the parser drops counters' _total

    expressions = _expressions(dashboard)
    assert expressions
    names = set().union(*map(_metric_names, expressions))
    assert names and names <= exported, sorted(names - exported)
    # Every family the portal defines has a panel.
    defined = {
        "portal_http_requests_total",
        "portal_http_request_duration_seconds_bucket",
        "portal_page_cache_requests_total",
        "portal_breaker_open",
        "portal_task_jobs",
        "portal_task_failures_total",
        "portal_letters_signed_total",
        "portal_online_requests_total",
    }
    assert defined <= names, sorted(defined - names)
    assert dashboard["schemaVersion"] >= 36  # Grafana 9.x/10+
    assert {panel["id"] for panel in dashboard["panels"]} == set(
        range(1, len(dashboard["panels"]) + 1)
    )
