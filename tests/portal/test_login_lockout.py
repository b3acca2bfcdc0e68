"""Staff login lockout (django-axes): 5 wrong passwords pause one username from one address."""

import datetime
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from portal.security import client_ip
from tests.conftest import PASSWORD

LOGIN = "/admin/login/"
WRONG = "not-the-password"
HOME = "10.20.30.40"
OFFICE = "10.20.30.41"


def log_in(client, username, password, address=HOME, **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **extra,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_fifth_wrong_password_pauses_the_login_and_even_the_right_one_is_refused(
    english, operator_a
):
    for _attempt in range(4):
        assert log_in(english, "operator.a", WRONG).status_code == 200  # the form, with its error

    fifth = log_in(english, "operator.a", WRONG)
    sixth = log_in(english, "operator.a", PASSWORD)

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert not logged_in(english)
    page = sixth.content.decode()
    assert "Login paused after too many wrong passwords" in page
    assert "operator.a" in page
    assert "Wait 15 minutes without trying" in page
    assert "Ask Diskominfo of your city" in page


def test_four_wrong_passwords_do_not_lock_and_a_success_clears_the_count(client, operator_a):
    for _attempt in range(4):
        log_in(client, "operator.a", WRONG)
    assert log_in(client, "operator.a", PASSWORD).status_code == 302
    client.post("/admin/logout/")

    for _attempt in range(4):
        log_in(client, "operator.a", WRONG)
    response = log_in(client, "operator.a", PASSWORD)

    assert response.status_code == 302 and response.url == "/admin/"
    assert logged_in(client)


def test_another_username_from_the_same_address_is_not_locked(client, operator_a, operator_b):
    for _attempt in range(5):
        log_in(client, "operator.a", WRONG)

    response = log_in(client, "operator.b", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_the_same_username_from_another_address_is_not_locked(client, operator_a):
    for _attempt in range(5):
        log_in(client, "operator.a", WRONG, address=HOME)

    assert log_in(client, "operator.a", PASSWORD, address=HOME).status_code == 429
    assert log_in(client, "operator.a", PASSWORD, address=OFFICE).status_code == 302


def test_the_pause_lifts_after_15_minutes(client, operator_a):
    for _attempt in range(5):
        log_in(client, "operator.a", WRONG)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert log_in(client, "operator.a", PASSWORD).status_code == 302


def test_diskominfo_lifts_the_pause_by_deleting_the_access_attempt(client, diskominfo, operator_a):
    for _attempt in range(5):
        log_in(client, "operator.a", WRONG)
    attempt = AccessAttempt.objects.get(username="operator.a")
    staff = type(client)()
    staff.force_login(diskominfo)

    assert staff.get("/admin/axes/accessattempt/").status_code == 200
    response = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "operator.a", PASSWORD).status_code == 302


def test_only_diskominfo_sees_the_access_attempts(client, operator_a):
    client.force_login(operator_a)

    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert client.get("/admin/axes/accesslog/").status_code == 403
    assert b"/admin/axes/" not in client.get("/admin/").content


def test_behind_a_proxy_each_client_address_counts_on_its_own(client, settings, operator_a):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"

    for _attempt in range(5):
        log_in(client, "operator.a", WRONG, address=proxy, HTTP_X_FORWARDED_FOR=HOME)

    assert AccessAttempt.objects.get().ip_address == HOME
    locked = log_in(client, "operator.a", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=HOME)
    other = log_in(client, "operator.a", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert (locked.status_code, other.status_code) == (429, 302)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.9"),
        (0, "203.0.113.5", "192.0.2.9"),  # no proxy trusted: the header is the client's word
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.1.1.1, 203.0.113.5", "203.0.113.5"),  # the left part was forged by the client
        (2, "1.1.1.1, 203.0.113.5, 198.51.100.7", "203.0.113.5"),
        (2, "203.0.113.5", "192.0.2.9"),  # fewer hops than proxies: not through them
    ],
)
def test_the_client_address_is_read_where_the_trusted_proxies_put_it(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_production_cookies_are_secure_http_only_and_same_site():
    """The settings as production loads them (no DEBUG, not under pytest)."""
    script = (
        "import json, portal.settings as s; print(json.dumps([getattr(s, n) for n in ("
        "'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', "
        "'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'CSRF_COOKIE_SAMESITE', "
        "'LANGUAGE_COOKIE_SECURE', 'LANGUAGE_COOKIE_HTTPONLY', 'LANGUAGE_COOKIE_SAMESITE')]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
        "ALLOWED_HOSTS": "portal.example.go.id",
        "PORTAL_URL": "https://portal.example.go.id",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    values = result.stdout.strip().splitlines()[-1]
    assert values == '[true, true, "Lax", true, true, "Lax", true, true, "Lax"]'
