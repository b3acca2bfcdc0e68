"""Host names (kelurahan/hosts.py): a city's and a kelurahan's own host land on their site with
the same pages, every address built for the outside names the configured host (never the
request's Host header), unknown hosts are refused, and the page cache keeps each site apart."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
import zxingcpp
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from kelurahan import hosts, urls_host
from kelurahan.models import City
from layanan.models import Letter
from tests import settings_process

# The letter fixtures (and their private storage root) from the layanan tests.
from tests.layanan.conftest import issue, private_root, sign, signer_a  # noqa: F401
from tests.layanan.helpers import first_page_image, pdf_bytes
from tests.layanan.online import request_form

PORTAL = "https://portal.surakarta.go.id"
PAJANG = "pajang.surakarta.go.id"
WELCOME = "Selamat datang di Kelurahan Pajang"


@pytest.fixture
def domains(settings):
    """A deployment answering for surakarta.go.id and its subdomains, as production would set
    PORTAL_DOMAINS (ALLOWED_HOSTS gets ".surakarta.go.id")."""
    settings.PORTAL_URL = PORTAL
    settings.PORTAL_DOMAINS = ["surakarta.go.id"]
    settings.ALLOWED_HOSTS = ["testserver", "portal.surakarta.go.id", ".surakarta.go.id"]
    hosts._forget()
    yield
    hosts._forget()


@pytest.fixture
def pajang(domains, kelurahan_a):
    kelurahan_a.host = PAJANG
    kelurahan_a.save()
    return kelurahan_a


def on(host: str) -> dict:
    return {"HTTP_HOST": host}


def canonical(response) -> str:
    found = re.findall(r'<link rel="canonical" href="([^"]+)">', response.content.decode())
    assert len(found) == 1
    return found[0]


# --- Landing on the site --------------------------------------------------------------------------


def test_a_request_by_the_kelurahan_host_lands_on_its_home_with_links_at_the_root(client, pajang):
    response = client.get("/", **on(PAJANG))

    assert response.status_code == 200
    assert WELCOME in response.content.decode()
    assert '<a href="/profil/">' in response.content.decode()
    assert canonical(response) == f"https://{PAJANG}/"


@pytest.mark.parametrize(
    "address",
    [
        "/profil/",
        "/struktur/",
        "/rt-rw/",
        "/karang-taruna/",
        "/layanan/",
        "/berita/",
        "/umkm/",
        "/wisata/",
        "/layanan/ajukan/skuter/",
    ],
)
def test_every_page_of_the_site_answers_at_the_root_of_its_host(client, pajang, address):
    response = client.get(address, **on(PAJANG))

    assert response.status_code == 200
    assert "Pajang" in response.content.decode()


@pytest.mark.parametrize("address", ["/lacak/", "/verifikasi/", "/healthz", "/favicon.ico"])
def test_addresses_every_site_shares_answer_on_a_kelurahan_host_too(client, pajang, address):
    assert client.get(address, **on(PAJANG)).status_code in (200, 301)


def test_a_kelurahan_without_a_host_of_its_own_takes_the_city_pattern(
    client, domains, kelurahan_a, kelurahan_b
):
    city = kelurahan_b.kecamatan.city
    city.kelurahan_host_pattern = "{slug}.surakarta.go.id"
    city.save()
    kelurahan_a.host = "kelurahan-pajang.surakarta.go.id"
    kelurahan_a.save()

    laweyan = client.get("/", **on(f"{kelurahan_b.slug}.surakarta.go.id"))
    own = client.get("/", **on("kelurahan-pajang.surakarta.go.id"))
    # Pajang answers only at its own host, not at the one the pattern would give it.
    by_pattern = client.get("/", **on(f"{kelurahan_a.slug}.surakarta.go.id"))

    assert laweyan.status_code == 200
    assert "Kelurahan Laweyan" in laweyan.content.decode()
    assert canonical(laweyan) == f"https://{kelurahan_b.slug}.surakarta.go.id/"
    assert own.status_code == 200
    assert WELCOME in own.content.decode()
    assert by_pattern.status_code == 404


def test_a_city_host_shows_that_city_at_its_root(client, settings, domains, kelurahan_a):
    settings.PORTAL_URL = "https://portal.jatengprov.go.id"
    settings.ALLOWED_HOSTS = ["testserver", "portal.jatengprov.go.id", ".surakarta.go.id"]
    city = kelurahan_a.kecamatan.city
    city.host = "portal.surakarta.go.id"
    city.save()

    response = client.get("/", **on("portal.surakarta.go.id"))

    assert response.status_code == 200
    assert "Kota Surakarta" in response.content.decode()
    assert canonical(response) == "https://portal.surakarta.go.id/"


def test_the_portal_address_of_a_kelurahan_keeps_working_and_names_its_host_as_canonical(
    client, pajang
):
    response = client.get(f"/k/{pajang.slug}/berita/")

    assert response.status_code == 200
    assert canonical(response) == f"https://{PAJANG}/berita/"


def test_without_hosts_the_canonical_address_stays_under_portal_url(client, settings, kelurahan_a):
    settings.PORTAL_URL = PORTAL

    response = client.get(f"/k/{kelurahan_a.slug}/berita/?page=1&utm_source=x")
    followed = client.get(f"/k/{kelurahan_a.slug}/berita/?utm_source=x")

    assert response.status_code == 302  # ?page=1 is not the canonical address
    assert canonical(followed) == f"{PORTAL}/k/{kelurahan_a.slug}/berita/"


def test_addresses_of_other_sites_on_a_kelurahan_host_go_to_their_own_host(
    client, pajang, kelurahan_b
):
    city_page = client.get("/portal/kota/kota-surakarta/?x=1", **on(PAJANG))
    other = client.get(f"/k/{kelurahan_b.slug}/profil/", **on(PAJANG))
    itself = client.get(f"/k/{pajang.slug}/profil/", **on(PAJANG))
    home = client.get("/", **on(PAJANG)).content.decode()

    assert city_page["Location"] == f"{PORTAL}/kota/kota-surakarta/?x=1"
    assert other["Location"] == f"{PORTAL}/k/{kelurahan_b.slug}/profil/"
    assert itself["Location"] == f"https://{PAJANG}/profil/"
    # The breadcrumb to the city reaches the portal through that redirect.
    assert 'href="/portal/kota/kota-surakarta/"' in home


def test_staff_screens_are_not_on_a_kelurahan_host(client, pajang):
    assert client.get("/admin/", **on(PAJANG)).status_code == 404
    assert client.get("/portal/admin/", **on(PAJANG))["Location"] == f"{PORTAL}/admin/"


# --- Refused hosts ------------------------------------------------------------------------------


def test_an_allowed_subdomain_that_no_site_has_is_a_404_not_another_site(client, pajang):
    response = client.get("/", **on("tidak-ada.surakarta.go.id"))

    assert response.status_code == 404
    assert WELCOME not in response.content.decode()


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        f"{PAJANG}.evil.com",
        "surakarta.go.id.evil.com",
        f"evil.com#{PAJANG}",
        f"evil.com@{PAJANG}",
        f"{PAJANG}:80@evil.com",
    ],
)
def test_a_host_this_deployment_does_not_answer_for_is_refused(client, pajang, host):
    assert client.get("/", **on(host)).status_code == 400


def test_x_forwarded_host_is_not_believed(client, pajang):
    response = client.get("/", HTTP_X_FORWARDED_HOST=PAJANG)  # Host: testserver, the portal

    assert response.status_code == 200
    assert WELCOME not in response.content.decode()


# --- The page cache -------------------------------------------------------------------------------


def fetch(client, address, host):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, **on(host))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_root_of_two_hosts_is_two_cached_pages(client, pajang):
    portal_first, _ = fetch(client, "/", "portal.surakarta.go.id")
    pajang_first, _ = fetch(client, "/", PAJANG)
    portal_again, portal_queries = fetch(client, "/", "portal.surakarta.go.id")
    pajang_again, pajang_queries = fetch(client, "/", PAJANG)

    assert WELCOME not in portal_first and WELCOME in pajang_first
    assert (portal_again, pajang_again) == (portal_first, pajang_first)
    assert (portal_queries, pajang_queries) == (0, 0)  # both from the cache


def test_an_edit_empties_the_page_under_both_of_its_addresses(client, pajang):
    for address, host in (("/", PAJANG), (f"/k/{pajang.slug}/", "portal.surakarta.go.id")):
        fetch(client, address, host)
    pajang.welcome_text = "Sugeng rawuh di Pajang."
    pajang.save()

    on_host, _ = fetch(client, "/", PAJANG)
    on_portal, _ = fetch(client, f"/k/{pajang.slug}/", "portal.surakarta.go.id")

    assert "Sugeng rawuh di Pajang." in on_host
    assert "Sugeng rawuh di Pajang." in on_portal


def test_a_new_host_takes_effect_at_once_in_this_process(client, domains, kelurahan_a):
    assert client.get("/", **on(PAJANG)).status_code == 404
    kelurahan_a.host = PAJANG
    kelurahan_a.save()

    assert client.get("/", **on(PAJANG)).status_code == 200


# --- Addresses for the outside -------------------------------------------------------------------


def test_the_sitemap_lists_the_pages_on_the_configured_host(client, pajang):
    on_host = client.get("/sitemap.xml", **on(PAJANG))
    on_portal = client.get(f"/k/{pajang.slug}/sitemap.xml")

    addresses = re.findall(r"<loc>([^<]+)</loc>", on_host.content.decode())
    assert on_host["Content-Type"].startswith("application/xml")
    assert f"https://{PAJANG}/" in addresses
    assert f"https://{PAJANG}/profil/" in addresses
    assert any(a.startswith(f"https://{PAJANG}/layanan/") and a.count("/") == 5 for a in addresses)
    assert all(a.startswith(f"https://{PAJANG}/") for a in addresses)
    assert re.findall(r"<loc>([^<]+)</loc>", on_portal.content.decode()) == addresses


def test_without_a_host_the_sitemap_lists_portal_addresses(client, settings, kelurahan_a):
    settings.PORTAL_URL = PORTAL

    response = client.get(f"/k/{kelurahan_a.slug}/sitemap.xml")

    addresses = re.findall(r"<loc>([^<]+)</loc>", response.content.decode())
    assert f"{PORTAL}/k/{kelurahan_a.slug}/" in addresses
    assert all(a.startswith(f"{PORTAL}/k/{kelurahan_a.slug}/") for a in addresses)


def test_the_qr_code_of_a_letter_holds_the_verification_address_on_the_kelurahan_host(
    client,
    pajang,
    issue,  # noqa: F811
    sign,  # noqa: F811
    operator_a,
    signer_a,  # noqa: F811
):
    letter = sign(issue(pajang, operator_a), signer_a)
    image = first_page_image(pdf_bytes(letter), scale=3)

    codes = [code.text for code in zxingcpp.read_barcodes(image) if code.format.name == "QRCode"]

    url = f"https://{PAJANG}/verifikasi/{letter.verification_token}/"
    assert codes == [url]
    assert client.get(url.removeprefix(f"https://{PAJANG}"), **on(PAJANG)).status_code == 200


def test_a_request_made_on_the_host_is_e_mailed_with_the_tracking_address_on_the_host(
    client, pajang, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/layanan/ajukan/skuter/", request_form(), **on(PAJANG))

    assert response.status_code == 302
    assert Letter.objects.get().kelurahan == pajang
    assert mailoutbox
    assert all(f"https://{PAJANG}/lacak/" in mail.body for mail in mailoutbox)
    assert not any("portal.surakarta.go.id" in mail.body for mail in mailoutbox)


def test_site_url_uses_portal_urls_scheme_and_port(settings, kelurahan_a):
    settings.PORTAL_URL = "http://localhost:8000"
    kelurahan_a.host = "pajang.localhost"

    assert hosts.kelurahan_base_url(kelurahan_a) == "http://pajang.localhost:8000"
    assert hosts.site_url(kelurahan_a, f"/k/{kelurahan_a.slug}/profil/") == (
        "http://pajang.localhost:8000/profil/"
    )
    assert hosts.site_url(kelurahan_a, "/lacak/") == "http://pajang.localhost:8000/lacak/"


# --- Validation and who sets the hosts -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("https://pajang.surakarta.go.id", "host_parts"),
        ("pajang.surakarta.go.id:8000", "host_parts"),
        ("pajang.surakarta.go.id/k/", "host_parts"),
        ("Pajang.Surakarta.go.id", "host_case"),
        ("localhost", "host_invalid"),
        ("-pajang.surakarta.go.id", "host_invalid"),
        ("pajang-.surakarta.go.id", "host_invalid"),
        ("pajang..go.id", "host_invalid"),
        ("pa_jang.surakarta.go.id", "host_invalid"),
        ("x" * 64 + ".go.id", "host_invalid"),
        ("*.surakarta.go.id", "host_invalid"),
    ],
)
def test_a_host_name_that_is_not_a_bare_lowercase_dns_name_is_refused(value, code):
    with pytest.raises(ValidationError) as error:
        hosts.hostname_validate(value)

    assert error.value.code == code


@pytest.mark.parametrize("value", ["pajang.surakarta.go.id", "kel-01.go.id", "a.b"])
def test_a_good_host_name_passes(value):
    hosts.hostname_validate(value)


@pytest.mark.parametrize(
    "value", ["surakarta.go.id", "{slug}.{slug}.go.id", "{kelurahan}.go.id", "{slug}:80.go.id"]
)
def test_a_pattern_needs_slug_once_and_makes_a_host_name(value):
    with pytest.raises(ValidationError):
        hosts.host_pattern_validate(value)


def kelurahan_form(kelurahan, **changes) -> dict:
    return {"name": kelurahan.name, "slug": kelurahan.slug, "host": kelurahan.host, **changes}


def test_diskominfo_sets_a_kelurahans_host_in_the_admin(as_diskominfo, domains, kelurahan_a):
    address = reverse("admin:kelurahan_kelurahan_change", args=[kelurahan_a.pk])

    response = as_diskominfo.post(address, kelurahan_form(kelurahan_a, host=PAJANG))

    assert response.status_code == 302
    kelurahan_a.refresh_from_db()
    assert kelurahan_a.host == PAJANG
    assert as_diskominfo.get("/", **on(PAJANG)).status_code == 200


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("laweyan.surakarta.go.id", "Kota atau kelurahan lain sudah memakai nama host ini."),
        ("portal.surakarta.go.id", "Ini salah satu alamat portal sendiri"),
        ("bumi.surakarta.go.id", "Kota atau kelurahan lain sudah memakai nama host ini."),
        ("pajang.example.com", "Portal ini tidak melayani pajang.example.com"),
        ("https://pajang.surakarta.go.id", "tanpa http://"),
    ],
)
def test_the_admin_refuses_a_host_taken_or_not_served_and_says_why(
    as_diskominfo, domains, kelurahan_a, kelurahan_b, host, message
):
    kelurahan_b.host = "laweyan.surakarta.go.id"
    kelurahan_b.save()
    city = kelurahan_a.kecamatan.city
    city.kelurahan_host_pattern = "{slug}.surakarta.go.id"  # bumi.surakarta.go.id: Bumi's
    city.save()
    address = reverse("admin:kelurahan_kelurahan_change", args=[kelurahan_a.pk])

    response = as_diskominfo.post(address, kelurahan_form(kelurahan_a, host=host))

    assert response.status_code == 200
    assert message in response.content.decode()
    kelurahan_a.refresh_from_db()
    assert kelurahan_a.host == ""


def test_an_operator_sees_the_host_but_cannot_change_it(as_operator_a, pajang):
    address = reverse("admin:kelurahan_kelurahan_change", args=[pajang.pk])

    page = as_operator_a.get(address).content.decode()
    response = as_operator_a.post(address, {"host": "lain.surakarta.go.id", "welcome_text": "x"})

    assert 'name="host"' not in page
    assert PAJANG in page
    assert response.status_code == 302
    pajang.refresh_from_db()
    assert (pajang.host, pajang.welcome_text) == (PAJANG, "x")


def test_diskominfo_sets_the_city_host_and_pattern(as_diskominfo, domains, kelurahan_a):
    city = kelurahan_a.kecamatan.city
    address = reverse("admin:kelurahan_city_change", args=[city.pk])

    response = as_diskominfo.post(
        address,
        {
            "host": "kota.surakarta.go.id",
            "kelurahan_host_pattern": "{slug}.surakarta.go.id",
            "days_off-TOTAL_FORMS": "0",  # the city's days off, none added here
            "days_off-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    city = City.objects.get(pk=city.pk)
    assert (city.host, city.kelurahan_host_pattern) == (
        "kota.surakarta.go.id",
        "{slug}.surakarta.go.id",
    )
    assert (
        WELCOME
        in as_diskominfo.get("/", **on(f"{kelurahan_a.slug}.surakarta.go.id")).content.decode()
    )


# --- Every kelurahan page, now and later ----------------------------------------------------------


def _site_routes():
    root = import_module(django_settings.ROOT_URLCONF)
    for route, pattern, _namespaces in urls_host._flatten(root.urlpatterns):
        if route.startswith(urls_host.SITE_PREFIX):
            yield route, pattern


@pytest.mark.parametrize("route", [route for route, _pattern in _site_routes()])
def test_every_address_under_k_slug_is_at_the_root_of_the_kelurahan_host(route):
    address = "/" + re.sub(r"<(\w+:)?(\w+)>", "x1", route.removeprefix("k/<slug:slug>/"))
    on_portal = resolve(f"/k/pajang{address}")
    token = hosts.current_site.set(hosts.Site(kind=hosts.KELURAHAN, slug="pajang"))
    try:
        on_host = resolve(address, urlconf="kelurahan.urls_host")
        back = reverse(on_host.view_name, kwargs=on_portal.kwargs, urlconf="kelurahan.urls_host")
    finally:
        hosts.current_site.reset(token)

    assert (on_host.func, on_host.view_name) == (on_portal.func, on_portal.view_name)
    assert on_host.kwargs == on_portal.kwargs
    assert back == address


# --- Settings ----------------------------------------------------------------------------------


def load_settings(**env_vars):
    return settings_process.load_settings(
        "ALLOWED_HOSTS",
        ALLOWED_HOSTS="portal.surakarta.go.id",
        PORTAL_URL="https://portal.surakarta.go.id",
        **env_vars,
    )


def test_portal_domains_allow_the_domain_and_its_subdomains_and_nothing_else():
    result = load_settings(PORTAL_DOMAINS="Surakarta.go.id, desa-pajang.id")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(
        ["portal.surakarta.go.id", ".surakarta.go.id", ".desa-pajang.id"]
    )


@pytest.mark.parametrize("domain", ["id", "*.surakarta.go.id", "https://surakarta.go.id"])
def test_a_portal_domain_that_is_not_a_domain_stops_start_up(domain):
    result = load_settings(PORTAL_DOMAINS=domain)

    assert result.returncode != 0
    assert "PORTAL_DOMAINS entry" in result.stderr
