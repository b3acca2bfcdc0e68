"""Staff sessions end after 30 idle minutes and 12 hours after login, with a message on the login
page that says why; residents (no login) are not touched, and the session is written at most once
a minute."""

import time

import pytest
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal.middleware import SESSION_SEEN, SESSION_STARTED
from portal.security import AxesHandler
from tests.conftest import PASSWORD

IDLE = "Sesi Anda berakhir karena tidak aktif selama 30 menit; silakan masuk lagi."
TOO_LONG = "Sesi Anda berakhir karena sudah terbuka selama 12 jam; silakan masuk lagi."


def log_in(client, username="operator.a"):
    response = client.post(
        "/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, "the password step failed"


def shift(client, **ago):
    """Pretend the login, or the last request, happened this many seconds ago."""
    session = client.session
    now = int(time.time())
    if "started" in ago:
        session[SESSION_STARTED] = now - ago["started"]
    if "seen" in ago:
        session[SESSION_SEEN] = now - ago["seen"]
    session.save()


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_defaults_are_30_idle_minutes_and_12_hours():
    assert settings.STAFF_SESSION_IDLE_SECONDS == 30 * 60
    assert settings.STAFF_SESSION_MAX_SECONDS == 12 * 3600


def test_logging_in_starts_the_clock(client, operator_a):
    before = int(time.time())
    log_in(client)

    session = client.session
    assert before <= session[SESSION_STARTED] <= int(time.time())
    assert session[SESSION_SEEN] == session[SESSION_STARTED]


def test_a_staff_member_working_within_the_limits_stays_logged_in(client, operator_a):
    log_in(client)
    shift(client, started=11 * 3600, seen=29 * 60)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert logged_in(client)
    assert int(time.time()) - client.session[SESSION_SEEN] < 5  # this request counted


def test_30_idle_minutes_end_the_session_with_a_message_on_the_login_page(client, operator_a):
    log_in(client)
    shift(client, seen=31 * 60)

    response = client.get("/admin/layanan/letter/?q=budi")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=%2Fadmin%2Flayanan%2Fletter%2F%3Fq%3Dbudi"
    assert not logged_in(client)
    login_page = client.get(response["Location"])
    assert IDLE in login_page.content.decode()


def test_12_hours_after_login_the_session_ends_even_while_working(client, operator_a):
    log_in(client)
    shift(client, started=12 * 3600 + 60, seen=10)

    response = client.get("/admin/", follow=True)

    assert not logged_in(client)
    assert response.redirect_chain[0] == ("/admin/login/?next=%2Fadmin%2F", 302)
    assert TOO_LONG in response.content.decode()


def test_the_message_follows_the_chosen_language(client, operator_a):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    log_in(client)
    shift(client, seen=31 * 60)

    response = client.get("/admin/")

    with translation.override("en"):
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "Your session ended because you were inactive for 30 minutes; please log in again."
        ]


def test_a_staff_download_outside_the_admin_also_ends(client, operator_a):
    log_in(client)
    shift(client, seen=31 * 60)

    response = client.get("/staf/surat/1/pdf/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=%2Fstaf%2Fsurat%2F1%2Fpdf%2F")


def test_an_ended_session_on_a_public_page_just_shows_the_page(client, operator_a, kelurahan_a):
    log_in(client)
    shift(client, seen=31 * 60)

    response = client.get(f"/k/{kelurahan_a.slug}/")

    assert response.status_code == 200
    assert not logged_in(client)


def test_a_form_posted_after_the_idle_time_is_not_saved(client, operator_a):
    log_in(client)
    shift(client, seen=31 * 60)

    response = client.post("/admin/kelurahan/article/add/", {"title": "Kerja bakti"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/"
    assert not logged_in(client)


def test_the_session_is_written_at_most_once_a_minute(client, operator_a):
    log_in(client)
    shift(client, seen=0)
    seen = client.session[SESSION_SEEN]

    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/admin/").status_code == 200

    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []
    assert client.session[SESSION_SEEN] == seen

    shift(client, seen=61)
    client.get("/admin/")
    assert int(time.time()) - client.session[SESSION_SEEN] < 5


def test_residents_without_a_login_are_not_touched(client, kelurahan_a):
    response = client.get(f"/k/{kelurahan_a.slug}/")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_session_from_before_these_rules_starts_its_clock_at_its_next_request(client, operator_a):
    client.force_login(operator_a)
    session = client.session
    session.pop(SESSION_STARTED, None)
    session.pop(SESSION_SEEN, None)
    session.save()

    assert client.get("/admin/").status_code == 200
    assert int(time.time()) - client.session[SESSION_STARTED] < 5


@pytest.mark.parametrize("limit", ["STAFF_SESSION_IDLE_SECONDS", "STAFF_SESSION_MAX_SECONDS"])
def test_each_limit_is_a_setting(client, settings, operator_a, limit):
    setattr(settings, limit, 120)
    log_in(client)
    shift(client, started=121, seen=121)

    assert client.get("/admin/").status_code == 302
    assert not logged_in(client)


def test_sessions_and_login_lockouts_live_in_the_database_not_the_cache():
    """Redis may fail; a staff session or a lockout must not vanish (or block) with it."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "portal.security.AxesHandler"
    assert issubclass(AxesHandler, AxesDatabaseHandler)
