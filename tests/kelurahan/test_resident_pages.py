"""The public side as a resident on a cheap phone meets it: /lacak/ in every page's header, the
kelurahan's banner with its main tasks and hours, breadcrumbs that name the kelurahan, each
service's page with "Ajukan online", and a short services page that filters without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from layanan import services as letters
from tests.factories import ArticleFactory
from tests.layanan.helpers import said

TRACK = reverse("layanan:track")
HOURS = "Senin–Kamis 07.30–16.00 WIB\nJumat 07.30–11.00 WIB"


@pytest.fixture
def pajang(kelurahan_a):
    kelurahan_a.office_hours = HOURS
    kelurahan_a.address = "Jl. Pajang No. 80"
    kelurahan_a.save()
    return kelurahan_a


def header(response) -> str:
    html = response.content.decode()
    return html[: html.index("</header>")]


def public_pages(kelurahan) -> dict[str, str]:
    article = ArticleFactory(kelurahan=kelurahan)
    slug = kelurahan.slug
    return {
        "city home": reverse("portal:home"),
        "kecamatan": kelurahan.kecamatan.get_absolute_url(),
        "kelurahan home": f"/k/{slug}/",
        "service list": f"/k/{slug}/layanan/",
        "service": f"/k/{slug}/layanan/keterangan-umum/",
        "office-only service": f"/k/{slug}/layanan/pengantar-skck/",
        "news": f"/k/{slug}/berita/",
        "article": f"/k/{slug}/berita/{article.slug}/",
        "UMKM list": f"/k/{slug}/umkm/",
        "tourism list": f"/k/{slug}/wisata/",
        "tracking": TRACK,
        "code recovery": reverse("layanan:recover_code"),
        "verification by number": reverse("layanan:verify_by_number"),
    }


def test_every_public_page_type_links_to_tracking_in_its_header(client, pajang):
    for name, url in public_pages(pajang).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert f'href="{TRACK}"' in header(response), name


def test_a_kelurahan_banner_has_its_name_the_four_tasks_and_the_office_hours(client, pajang):
    top = header(client.get(f"/k/{pajang.slug}/berita/"))

    assert str(pajang) in top
    services = f"/k/{pajang.slug}/layanan/"
    tasks = re.search(r'<ul class="quick-tasks.*?</ul>', top, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)">', tasks)
    assert links == [f"{services}#online", TRACK, services, "#kontak"]
    assert "Senin–Kamis 07.30–16.00 WIB<br>Jumat 07.30–11.00 WIB" in top
    # The nine sections fold behind a link that opens them without JavaScript.
    assert '<a class="menu-toggle" href="#section-menu">' in top
    assert top.count("<li>", top.index('id="section-menu"')) == 9


def test_the_footer_has_the_contact_that_the_banner_points_to(client, pajang):
    response = client.get(f"/k/{pajang.slug}/")
    html = response.content.decode()

    footer = html[html.index("<footer") :]
    assert 'id="kontak"' in footer
    assert "Jl. Pajang No. 80" in footer
    assert f'href="{TRACK}"' in footer


@pytest.mark.parametrize(
    ("path", "current"),
    [("", None), ("layanan/", "Services"), ("berita/", "News"), ("umkm/", None)],
)
def test_breadcrumbs_name_the_city_the_kecamatan_and_the_kelurahan(client, pajang, path, current):
    response = client.get(f"/k/{pajang.slug}/{path}")
    html = response.content.decode()

    crumbs = html[html.index('<ol class="breadcrumb') : html.index("</ol>")]
    assert pajang.kecamatan.city.name in crumbs
    assert f"Kecamatan {pajang.kecamatan.name}" in crumbs
    assert str(pajang) in crumbs
    last = re.findall(r'<li class="breadcrumb-item active" aria-current="page">(.*?)</li>', crumbs)
    assert len(last) == 1
    if current:
        assert last == [said(response, current)]
        assert f'<a href="/k/{pajang.slug}/">{pajang}</a>' in crumbs
    elif not path:
        assert last == [str(pajang)]


def test_a_service_requested_online_has_the_button_and_says_what_to_prepare(client, pajang):
    response = client.get(f"/k/{pajang.slug}/layanan/keterangan-umum/")

    assertContains(response, f'href="/k/{pajang.slug}/layanan/ajukan/skuter/"', count=1)
    assertContains(response, said(response, "Prepare before you start (about 10 minutes):"))
    assertContains(response, said(response, "your NIK and the details on your KTP and KK;"))
    assertContains(response, "Fotokopi KTP-el pemohon")  # its requirements, on the same page


def test_a_service_only_at_the_office_and_a_letter_turned_off_have_no_button(client, pajang):
    office_only = client.get(f"/k/{pajang.slug}/layanan/pengantar-skck/")
    skuter = letters.letter_types_ensure(kelurahan=pajang)["skuter"]
    skuter.online = False
    skuter.save()
    turned_off = client.get(f"/k/{pajang.slug}/layanan/keterangan-umum/")

    for response in (office_only, turned_off):
        assert response.status_code == 200
        assertNotContains(response, "/ajukan/")
        assertNotContains(response, said(response, "Prepare before you start (about 10 minutes):"))


def test_an_unknown_service_is_not_found(client, pajang):
    assert client.get(f"/k/{pajang.slug}/layanan/tidak-ada/").status_code == 404


def test_the_services_page_is_grouped_and_folds_every_service(client, pajang):
    response = client.get(f"/k/{pajang.slug}/layanan/")
    html = response.content.decode()

    online = html[html.index('id="online"') : html.index('id="office"')]
    office = html[html.index('id="office"') : html.index("</main>")]
    assert online.count("<details") == online.count("/ajukan/") == 6
    assert office.count("<details") == 10
    assert "/ajukan/" not in office
    assert "<details open" not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("domisili", ["keterangan-domisili", "pengantar-pindah"]),  # "pindah domisili"
        ("KEMATIAN", ["keterangan-kematian"]),
        ("pengantar skck", ["pengantar-skck"]),
    ],
)
def test_the_services_filter_works_without_javascript(client, pajang, query, found):
    response = client.get(f"/k/{pajang.slug}/layanan/", {"q": query})

    shown = re.findall(
        r'<details class="service-item" id="layanan-([\w-]+)"', response.content.decode()
    )
    assert shown == found
    assertContains(response, f'value="{query}"')
    assertContains(response, said(response, "Show all services"))


def test_a_filter_that_matches_nothing_says_so(client, pajang):
    response = client.get(f"/k/{pajang.slug}/layanan/", {"q": "<script>zzz"})

    assertNotContains(response, "<details")
    assertNotContains(response, "<script>zzz")
    assertContains(response, "&lt;script&gt;zzz")
