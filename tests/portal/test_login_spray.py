"""Staff logins per address across usernames: trying many usernames from one address pauses that
address, but never for staff who have logged in from it before (an office shares one address)."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tests.conftest import PASSWORD

LOGIN = "/admin/login/"
WRONG = "not-the-password"
OFFICE = "10.20.30.41"
ELSEWHERE = "10.20.30.99"


def log_in(client, username, password, address=OFFICE):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def spray(client, count, address=OFFICE):
    """Wrong passwords for `count` different usernames: none reaches the per-username limit."""
    return [log_in(client, f"guess.{n}", WRONG, address).status_code for n in range(count)]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_spraying_usernames_from_one_address_pauses_that_address(english, operator_a):
    limit = settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT
    statuses = spray(english, limit)

    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert statuses[-1] == 429  # the failure that reaches the limit already gets the pause
    another_guess = log_in(english, "guess.new", WRONG)
    # operator.a never logged in from this address: a guess of theirs is paused like any other.
    newcomer = log_in(english, "operator.a", PASSWORD)

    assert another_guess.status_code == 429
    assert newcomer.status_code == 429
    page = newcomer.content.decode()
    assert "Logging in from your connection is paused" in page
    assert f"there were {limit} wrong logins from it, for several accounts" in page
    assert "operator.a" not in page
    assert "Wait 15 minutes without trying" in page


def test_one_fewer_failure_than_the_limit_pauses_nothing(client, operator_a):
    spray(client, settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT - 1)

    assert log_in(client, "operator.a", PASSWORD).status_code == 302


def test_staff_who_logged_in_from_the_address_before_still_log_in(client, operator_a):
    assert log_in(client, "operator.a", PASSWORD).status_code == 302
    client.post("/admin/logout/")
    spray(client, settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT + 5)

    assert log_in(client, "guess.new", WRONG).status_code == 429
    assert log_in(client, "operator.a", PASSWORD).status_code == 302


def test_a_login_from_long_ago_does_not_count_as_known(client, operator_a):
    assert log_in(client, "operator.a", PASSWORD).status_code == 302
    client.post("/admin/logout/")
    old = timezone.now() - datetime.timedelta(days=settings.STAFF_LOGIN_TRUSTED_DAYS + 1)
    AccessLog.objects.update(attempt_time=old)
    spray(client, settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT)

    assert log_in(client, "operator.a", PASSWORD).status_code == 429


def test_another_address_is_not_paused(client, operator_a):
    spray(client, settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT)

    assert log_in(client, "operator.a", PASSWORD, address=ELSEWHERE).status_code == 302


def test_the_address_pause_lifts_after_the_cool_off(client, operator_a):
    spray(client, settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert log_in(client, "operator.a", PASSWORD).status_code == 302


def test_the_address_limit_can_be_turned_off(client, settings, operator_a):
    settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT = 0
    spray(client, 40)

    assert log_in(client, "operator.a", PASSWORD).status_code == 302


def test_failures_are_counted_in_the_database_not_the_cache(client, operator_a):
    """Sessions and lockouts must survive the cache being emptied (or Redis being gone)."""
    spray(client, settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT)
    cache.clear()

    assert settings.AXES_HANDLER == "portal.security.AxesHandler"
    assert log_in(client, "operator.a", PASSWORD).status_code == 429
