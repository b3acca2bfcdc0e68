"""/readyz: each part the portal leans on, as JSON; 503 only when the database is unreachable,
"degraded" (200) when the cache or storage is, and each change of state logged once."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from tests.outage import database_down
from tests.redis_server import redis_cache_settings

pytestmark = pytest.mark.django_db


def test_readyz_says_ok_part_by_part_when_everything_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    parts = {"database": True, "cache": True, "storage": True}
    if connection.vendor == "postgresql":
        parts["tasks"] = True  # the queue is there: jobs waiting, workers alive
        assert set(body["checks"]["tasks"]) >= {"waiting", "workers"}
    assert {name: part["ok"] for name, part in body["checks"].items()} == parts


def test_readyz_answers_503_when_the_database_is_unreachable():
    with database_down():
        response = Client(raise_request_exception=False).get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert "OperationalError" in body["checks"]["database"]["error"]
    assert body["checks"]["cache"]["ok"] is True


def test_readyz_is_degraded_not_unavailable_with_redis_stopped(client, stopped_redis):
    with redis_cache_settings(stopped_redis.url):
        response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_readyz_is_degraded_when_private_storage_is_gone(client, settings, tmp_path):
    from django.utils.functional import empty

    from layanan.storage import private_storage

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.PRIVATE_ROOT = blocker / "private"  # cannot be created (as a lost mount cannot)
    private_storage._wrapped = empty
    try:
        body = client.get("/readyz").json()
    finally:
        private_storage._wrapped = empty

    assert body["status"] == "degraded"
    assert body["checks"]["storage"]["ok"] is False
    assert "a-file" in body["checks"]["storage"]["error"]


def test_readyz_logs_a_part_going_down_once_and_coming_back_once(client, stopped_redis, caplog):
    caplog.set_level(logging.WARNING, logger="portal.health")
    with redis_cache_settings(stopped_redis.url):
        for _ in range(3):
            client.get("/readyz")
    for _ in range(3):
        client.get("/readyz")

    messages = [
        r.getMessage()
        for r in caplog.records
        if r.name == "portal.health" and r.getMessage().startswith("readyz: cache")
    ]
    assert messages == [
        messages[0],
        "readyz: cache is available again",
    ]
    assert messages[0].startswith("readyz: cache is unavailable")


def test_a_read_is_not_retried_when_the_pool_already_waited_for_a_connection():
    """The retry of a GET (portal.middleware) is for a connection cut mid-request; when the pool
    found no connection within its timeout, a second wait would only double the visitor's."""
    with database_down(pool=True) as outage:
        response = Client(raise_request_exception=False).get("/cari/?q=pajang")

    assert response.status_code == 503
    assert outage.attempts == 1
