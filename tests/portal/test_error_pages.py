"""Error pages as a visitor meets them (DEBUG off): 400, 403, 404, 500, the CSRF refusal, and the
503 when the database cannot be reached; Indonesian unless the visitor switched, in the portal's
look, with a way home and, on a kelurahan's address, that kelurahan's contact."""

from __future__ import annotations

import psycopg_pool
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.utils import translation

from kelurahan import roles, selectors
from portal import errors
from portal.errors import database_unreachable
from tests.outage import database_down

pytestmark = pytest.mark.django_db

ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}


@pytest.fixture(autouse=True)
def production_like(settings):
    """Django shows its technical pages instead of ours when DEBUG is on; production runs off."""
    settings.DEBUG = False
    settings.PAGE_CACHE_SECONDS = 0
    language = translation.get_language()
    yield
    translation.activate(language)  # a request activates its language in this thread


@pytest.fixture
def visitor():
    """A browser as the public has it: errors come back as pages, not as exceptions."""
    return Client(raise_request_exception=False)


@pytest.fixture
def english_visitor():
    client = Client(raise_request_exception=False)
    client.cookies.load(ENGLISH)
    return client


@pytest.fixture
def pajang(kelurahan_a):
    kelurahan_a.address = "Jl. Dr. Radjiman No. 473"
    kelurahan_a.phone = "0271 714925"
    kelurahan_a.email = "kel.pajang@surakarta.go.id"
    kelurahan_a.save()
    return kelurahan_a


def page(response) -> str:
    return response.content.decode()


def assert_portal_page(response, language="id"):
    """Our page, not Django's bare one nor the plain fallback: the portal's header and footer,
    the language asked for, a way home, kept out of search engines, no stack trace."""
    html = page(response)
    assert f'<html lang="{language}">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'href="/"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert "Traceback" not in html and 'File "' not in html
    assert "leaflet" not in html.lower()  # light: no map scripts
    assert response["Content-Language"] == language


# 404 ----------------------------------------------------------------------------------------


def test_an_unknown_address_is_an_indonesian_404_in_the_portal_look(visitor):
    response = visitor.get("/tidak-ada-halaman-ini/")

    assert response.status_code == 404
    assert_portal_page(response)
    assert "Halaman tidak ditemukan" in page(response)
    assert "Periksa apakah ada salah ketik pada alamat." in page(response)
    assert 'href="/cari/"' in page(response)


def test_the_404_page_is_english_after_switching(english_visitor):
    response = english_visitor.get("/tidak-ada-halaman-ini/")

    assert response.status_code == 404
    assert_portal_page(response, language="en")
    assert "Page not found" in page(response)
    assert "Halaman tidak ditemukan" not in page(response)


def test_a_404_under_a_kelurahan_address_gives_that_kelurahans_contact(visitor, pajang):
    response = visitor.get(f"/k/{pajang.slug}/halaman-tidak-ada/")

    assert response.status_code == 404
    assert_portal_page(response)
    html = page(response)
    assert "Kontak Kelurahan Pajang" in html
    assert "Jl. Dr. Radjiman No. 473" in html
    assert 'href="tel:0271714925"' in html
    assert "mailto:kel.pajang@surakarta.go.id" in html
    assert f'href="/k/{pajang.slug}/"' in html
    assert "Kecamatan Laweyan" in html


def test_a_404_raised_by_a_view_gets_the_page_with_the_contact(visitor, pajang):
    response = visitor.get(f"/k/{pajang.slug}/berita/tidak-ada-berita-ini/")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in page(response)
    assert "Jl. Dr. Radjiman No. 473" in page(response)


def test_an_unknown_kelurahan_is_a_404_without_any_contact(visitor, pajang):
    response = visitor.get("/k/tidak-ada-kelurahan-ini/")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in page(response)
    assert "Kontak" not in page(response)


def test_the_admins_404_is_the_same_page_with_the_staff_home(visitor, diskominfo):
    visitor.force_login(diskominfo)

    response = visitor.get("/admin/kelurahan/tidak-ada/")

    assert response.status_code == 404
    assert_portal_page(response)
    assert "Halaman tidak ditemukan" in page(response)
    assert 'href="/admin/"' in page(response)


# 403 and 400 --------------------------------------------------------------------------------


def test_a_staff_page_beyond_the_role_is_an_indonesian_403(visitor, make_staff, kelurahan_a):
    visitor.force_login(make_staff("redaksi.a", roles.REDAKSI, kelurahan_a))

    response = visitor.get("/admin/auth/user/")

    assert response.status_code == 403
    assert_portal_page(response)
    assert "Akses ditolak" in page(response)
    assert "Akun petugas Anda tidak memiliki peran yang diperlukan halaman ini." in page(response)


def test_the_403_page_is_english_after_switching(english_visitor, make_staff, kelurahan_a):
    english_visitor.force_login(make_staff("redaksi.a", roles.REDAKSI, kelurahan_a))

    response = english_visitor.get("/admin/auth/user/")

    assert response.status_code == 403
    assert "Access denied" in page(response)


def test_a_request_for_a_foreign_host_is_an_indonesian_400(visitor):
    response = visitor.get("/", HTTP_HOST="portal.example.com")

    assert response.status_code == 400
    assert_portal_page(response)
    assert "Permintaan tidak dapat dipahami" in page(response)


def test_the_400_page_is_english_after_switching(english_visitor):
    response = english_visitor.get("/", HTTP_HOST="portal.example.com")

    assert response.status_code == 400
    assert "The request could not be understood" in page(response)


# CSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookies", "heading"),
    [({}, "Formulir tidak dapat dikirim"), (ENGLISH, "The form could not be sent")],
)
def test_a_form_without_its_security_token_gets_our_page(cookies, heading):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies.load(cookies)

    response = client.post("/lacak/", {"code": "7KQ2M9XD4P", "nik_last4": "1234"})

    assert response.status_code == 403
    assert_portal_page(response, language=cookies and "en" or "id")
    assert heading in page(response)
    assert "no-store" in response["Cache-Control"]


# 500 ----------------------------------------------------------------------------------------


@pytest.fixture
def broken_profile(monkeypatch):
    """The kelurahan lookup of the page views fails as a bug would (not the database)."""

    def broken(slug):
        raise RuntimeError("secret detail of the bug")

    monkeypatch.setattr(selectors, "kelurahan_get_public", broken)


def test_a_bug_is_an_indonesian_500_with_no_detail(visitor, pajang, broken_profile):
    response = visitor.get(f"/k/{pajang.slug}/profil/")

    assert response.status_code == 500
    assert_portal_page(response)
    html = page(response)
    assert "Terjadi kesalahan di pihak kami" in html
    assert "secret detail" not in html and "RuntimeError" not in html
    assert "Retry-After" not in response
    assert "no-store" in response["Cache-Control"]
    # The database is fine, so the kelurahan's contact is there.
    assert "Jl. Dr. Radjiman No. 473" in html


def test_the_500_page_is_english_after_switching(english_visitor, pajang, broken_profile):
    response = english_visitor.get(f"/k/{pajang.slug}/profil/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in page(response)


# 503: the database cannot be reached --------------------------------------------------------


def assert_unavailable(response, language="id"):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert_portal_page(response, language=language)
    html = page(response)
    assert ("Layanan sedang tidak tersedia" if language == "id" else "briefly unavailable") in html
    assert "OperationalError" not in html and "127.0.0.1" not in html
    assert "Kontak" not in html  # no kelurahan lookup while the database is away


@pytest.mark.parametrize("path", ["/", "/k/pajang/", "/k/pajang/profil/", "/cari/?q=pajang"])
def test_a_public_page_with_the_database_down_is_an_indonesian_503(visitor, pajang, path):
    with database_down() as outage:
        response = visitor.get(path)

    assert_unavailable(response)
    # The view, and its one retry (RetryReadAfterLostConnectionMiddleware); the 503 page itself
    # tried nothing.
    assert outage.attempts == 2


def test_the_503_page_is_english_after_switching(english_visitor, pajang):
    with database_down():
        response = english_visitor.get(f"/k/{pajang.slug}/")

    assert_unavailable(response, language="en")


def test_a_form_sent_with_the_database_down_is_a_503_and_never_repeated(visitor, pajang):
    with database_down() as outage:
        response = visitor.post("/lacak/", {"code": "7KQ2M9XD4P", "nik_last4": "1234"})

    assert_unavailable(response)
    assert outage.attempts == 1


def test_a_logged_in_visitor_fails_in_the_session_middleware_and_still_gets_the_503(
    visitor, operator_a
):
    """The session lives in the database: reading it (for request.user, in the two-factor
    middleware) fails before any view runs, and Django turns that into the 500 handler."""
    visitor.force_login(operator_a)

    with database_down() as outage:
        response = visitor.get("/")

    assert_unavailable(response)
    assert outage.attempts >= 1


@pytest.mark.parametrize("path", ["/admin/", "/admin/layanan/letter/"])
def test_the_admin_with_the_database_down_is_a_503(visitor, operator_a, path):
    visitor.force_login(operator_a)

    with database_down():
        response = visitor.get(path)

    assert_unavailable(response)


def test_the_admin_login_with_the_database_down_is_a_503(visitor, operator_a):
    with database_down():
        response = visitor.post("/admin/login/", {"username": "operator.a", "password": "x"})

    assert_unavailable(response)


def test_a_pool_timeout_reaches_the_handler_wrapped_and_is_a_503(visitor, pajang):
    """Django 5.2 wraps psycopg_pool.PoolTimeout (a psycopg.OperationalError) in its own
    OperationalError; either way the page is the 503."""
    with database_down(pool=True):
        with pytest.raises(OperationalError) as raised:
            connection.ensure_connection()
        response = visitor.get(f"/k/{pajang.slug}/")

    assert isinstance(raised.value.__cause__, psycopg_pool.PoolTimeout)
    assert_unavailable(response)


def test_the_service_comes_back_by_itself_when_the_database_does(visitor, pajang):
    with database_down():
        assert visitor.get(f"/k/{pajang.slug}/").status_code == 503

    assert visitor.get(f"/k/{pajang.slug}/").status_code == 200


@pytest.mark.parametrize(
    ("exception", "unreachable"),
    [
        (OperationalError("server closed the connection unexpectedly"), True),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 10.00 sec"), True),
        (RuntimeError("a bug"), False),
        (KeyError("slug"), False),
    ],
    ids=["operational-error", "unwrapped-pool-timeout", "bug", "key-error"],
)
def test_only_database_connection_errors_count_as_unreachable(exception, unreachable):
    assert database_unreachable(exception) is unreachable


def test_an_error_raised_while_handling_a_lost_connection_counts_as_unreachable():
    try:
        try:
            raise OperationalError("the database is gone")
        except OperationalError:
            raise KeyError("cache")  # noqa: B904 - as careless code would
    except KeyError as error:
        exception = error

    assert database_unreachable(exception) is True


def test_if_even_the_error_page_fails_a_plain_indonesian_page_goes_out(visitor, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template storage unreadable")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)

    with database_down():
        response = visitor.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = page(response)
    assert '<html lang="id">' in html
    assert "Layanan sedang tidak tersedia untuk sementara" in html
    assert "template storage" not in html and "Traceback" not in html


# Object storage unreachable ----------------------------------------------------------------------


def test_a_request_with_scans_while_the_file_storage_is_down_is_a_503_that_stores_nothing(
    visitor, pajang, monkeypatch
):
    from botocore.exceptions import EndpointConnectionError

    from layanan.models import Letter, RequirementDocument
    from layanan.storage import private_storage
    from tests.layanan.online import request_form, request_url

    def unreachable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://s3.internal:8333/private")

    private_storage._setup()
    monkeypatch.setattr(private_storage._wrapped, "save", unreachable)

    response = visitor.post(request_url(pajang), request_form())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = page(response)
    with translation.override("id"):
        assert translation.gettext("Files cannot be saved or opened right now") in html
        assert (
            translation.gettext(
                "If you were sending a form with files, it was not saved: send it again in a few "
                "minutes."
            )
            in html
        )
    assert "s3.internal" not in html and "EndpointConnectionError" not in html
    assert not Letter.objects.exists()
    assert not RequirementDocument.objects.exists()


@pytest.mark.parametrize(
    ("status", "outage"), [(503, True), (500, True), (403, False), (404, False)]
)
def test_only_a_storage_server_error_counts_as_an_outage(status, outage):
    from botocore.exceptions import ClientError

    error = ClientError({"ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")

    assert errors.storage_unreachable(error) is outage
