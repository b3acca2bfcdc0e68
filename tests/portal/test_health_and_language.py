"""The load balancer's health check, and the language a visitor reads the portal in."""

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import translation

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def keep_the_test_language():
    """A request activates its language in this thread; do not let it leak into later tests."""
    language = translation.get_language()
    yield
    translation.activate(language)


def html_lang(response) -> str:
    start = response.content.index(b"<html")
    return response.content[start : response.content.index(b">", start) + 1].decode()


# Health: /healthz is liveness only (readiness: test_readiness.py) ----------------------------


def test_healthz_answers_ok_when_the_process_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content.decode().strip() == "ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_stays_200_when_the_database_is_unreachable(client, monkeypatch):
    """Liveness must not follow the database: an orchestrator would restart every node at once
    for an outage that restarting cannot mend (/readyz answers 503 then)."""

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_healthz_needs_no_data(client):
    assert client.get("/healthz").status_code == 200  # nothing provisioned yet


# Language -----------------------------------------------------------------------------------


@pytest.mark.parametrize("accept_language", ["", "en", "en-US,en;q=0.9", "en-GB,id;q=0.5"])
def test_pages_are_indonesian_even_when_the_browser_prefers_english(
    client, kelurahan_a, accept_language
):
    for address in ("/", "/k/pajang/", "/cari/"):
        response = client.get(address, headers={"accept-language": accept_language})

        assert html_lang(response) == '<html lang="id">', address
        assert response["Content-Language"] == "id", address
        assert "Cookie" in response["Vary"], address


def test_every_page_links_to_the_other_language_without_javascript(client, kelurahan_a):
    response = client.get("/k/pajang/profil/")

    assert b'href="/bahasa/en/?next=/k/pajang/profil/"' in response.content


def test_choosing_english_sets_the_language_cookie_and_returns_to_the_page(client, kelurahan_a):
    response = client.get("/bahasa/en/", {"next": "/k/pajang/"})

    assert response.status_code == 302
    assert response["Location"] == "/k/pajang/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "en"
    assert cookie["max-age"] >= 30 * 24 * 3600
    assert cookie["samesite"] == "Lax"

    page = client.get("/k/pajang/")

    assert html_lang(page) == '<html lang="en">'
    assert page["Content-Language"] == "en"
    assert b'href="/bahasa/id/?next=/k/pajang/"' in page.content


def test_choosing_indonesian_again_switches_back(client, kelurahan_a):
    client.get("/bahasa/en/", {"next": "/"})

    response = client.get("/bahasa/id/", {"next": "/k/pajang/"})

    assert response.cookies[COOKIE].value == "id"
    assert html_lang(client.get("/k/pajang/")) == '<html lang="id">'


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "http://evil.example/k/pajang/",
        "//evil.example/",
        "/\\evil.example/",
        "https://testserver.evil.example/",
        "javascript:alert(1)",
        "ftp://testserver/",
    ],
)
def test_an_off_site_next_address_redirects_home_instead(client, next_url):
    response = client.get("/bahasa/en/", {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_without_a_next_address_the_switch_returns_home(client):
    response = client.get("/bahasa/en/")

    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "en"


@pytest.mark.parametrize("language", ["xx", "de", "EN", "en-us", "id-ID", "0"])
def test_an_unknown_language_changes_nothing(client, kelurahan_a, language):
    response = client.get(f"/bahasa/{language}/", {"next": "/k/pajang/"})

    assert response["Location"] == "/k/pajang/"
    assert COOKIE not in response.cookies
    assert html_lang(client.get("/k/pajang/")) == '<html lang="id">'


def test_an_unknown_language_keeps_a_language_chosen_before(client, kelurahan_a):
    client.get("/bahasa/en/")

    response = client.get("/bahasa/xx/", {"next": "/k/pajang/"})

    assert COOKIE not in response.cookies
    assert html_lang(client.get("/k/pajang/")) == '<html lang="en">'


def test_a_forged_language_cookie_falls_back_to_indonesian(client, kelurahan_a):
    client.cookies[COOKIE] = "xx"

    response = client.get("/k/pajang/")

    assert html_lang(response) == '<html lang="id">'
    assert response["Content-Language"] == "id"


def test_the_browsers_favicon_request_finds_the_portal_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
