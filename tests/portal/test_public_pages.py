"""Every public page, as a resident without an account (or JavaScript) sees it."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from kelurahan.catalog import catalog_entry, catalog_for, service_customise
from kelurahan.models import (
    RW,
    Article,
    KarangTaruna,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Kelurahan,
    Official,
)
from kelurahan.services import region_provision
from tests.factories import (
    ArticleFactory,
    KarangTarunaActivityFactory,
    KarangTarunaOfficerFactory,
    OfficialFactory,
    RTFactory,
    RWFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

KELURAHAN_PAGES = ["", "profil/", "struktur/", "rt-rw/", "karang-taruna/", "layanan/", "berita/"]
EMPTY_STATE = 'class="empty-state"'


@pytest.fixture
def pajang(demo_city):
    """Kelurahan Pajang with the full demo content."""
    return demo_city.get(code="33.72.01.1001")


@pytest.fixture
def empty_kelurahan(kelurahan_a):
    """Kelurahan Pajang freshly provisioned: default content only, nothing filled in."""
    return kelurahan_a


def url(kelurahan: Kelurahan, path: str = "") -> str:
    return f"/k/{kelurahan.slug}/{path}"


def kelurahan_links(response) -> list[str]:
    return re.findall(r'href="/k/([^/"]+)/"', response.content.decode())


def publish(kelurahan, count, *, start=0, **fields):
    """`count` published articles, the newest first, titled "Kabar <n>"."""
    now = timezone.now()
    return [
        ArticleFactory(
            kelurahan=kelurahan,
            title=f"Kabar {n:03d}",
            slug=f"kabar-{n:03d}",
            published_at=now - timedelta(minutes=n + 1),
            **fields,
        )
        for n in range(start, start + count)
    ]


# City, kecamatan and search -----------------------------------------------------------------


def test_the_home_page_lists_every_kelurahan_of_the_city_in_the_html(client, demo_city):
    response = client.get("/")

    assertContains(response, "Kota Surakarta")
    for kecamatan in ("Laweyan", "Serengan", "Pasar Kliwon", "Jebres", "Banjarsari"):
        assertContains(response, f"Kecamatan {kecamatan}")
    # The list is plain HTML: no JavaScript needed to find a kelurahan.
    assert sorted(kelurahan_links(response)) == sorted(k.slug for k in demo_city)
    assert len(demo_city) == 54
    # The map only adds to it (noscript.css hides its box without JavaScript), fed from inline JSON.
    assertContains(response, 'id="map" class="map" data-markers="map-markers"')
    markers = json.loads(
        re.search(
            r'<script id="map-markers" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    assert len(markers) == 54
    assert {m["url"] for m in markers} == {k.get_absolute_url() for k in demo_city}


def test_the_home_page_says_so_when_no_kelurahan_is_online(client, db):
    response = client.get("/")

    assertContains(response, EMPTY_STATE)
    assert kelurahan_links(response) == []


def test_a_city_page_lists_its_kecamatan_and_kelurahan(client, kecamatan_laweyan):
    region_provision(codes=["33.72.02.1001"])  # Joyotakan, Kecamatan Serengan
    Kelurahan.objects.update(is_active=True)

    response = client.get("/kota/kota-surakarta/")

    assertContains(response, "Kecamatan Laweyan")
    assertContains(response, "Kecamatan Serengan")
    assert sorted(kelurahan_links(response)) == sorted(
        Kelurahan.objects.values_list("slug", flat=True)
    )


def test_a_kecamatan_page_lists_only_its_own_kelurahan(client, kecamatan_laweyan):
    region_provision(codes=["33.72.02.1001"])
    Kelurahan.objects.update(is_active=True)

    response = client.get("/kecamatan/laweyan/")

    assertContains(response, "Kecamatan Laweyan")
    assertContains(response, "33.72.01")
    assert sorted(kelurahan_links(response)) == sorted(k.slug for k in kecamatan_laweyan)
    assert "joyotakan" not in kelurahan_links(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Pajang", ["33.72.01.1001"]),
        ("pAJANG", ["33.72.01.1001"]),
        ("laweyan", "all"),  # by kecamatan
        ("Surakarta", "all"),  # by city
        ("33.72.01.100", [f"33.72.01.100{n}" for n in range(1, 10)]),  # by code prefix
    ],
)
def test_search_finds_kelurahan_by_name_kecamatan_city_or_code(
    client, kecamatan_laweyan, query, expected
):
    codes = dict(kecamatan_laweyan.values_list("slug", "code"))

    response = client.get("/cari/", {"q": query})

    found = sorted(codes[slug] for slug in kelurahan_links(response))
    assert found == (sorted(codes.values()) if expected == "all" else expected)
    assertNotContains(response, EMPTY_STATE)


def test_search_without_a_match_says_so(client, kecamatan_laweyan):
    response = client.get("/cari/", {"q": "Tidak Ada Kelurahan Ini"})

    assertContains(response, EMPTY_STATE)
    assert kelurahan_links(response) == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_search_without_words_shows_just_the_form(client, kecamatan_laweyan, params):
    response = client.get("/cari/", params)

    assertContains(response, 'name="q"')
    assertNotContains(response, EMPTY_STATE)
    assert kelurahan_links(response) == []


def test_search_refuses_overlong_words_with_a_message(client, kecamatan_laweyan):
    response = client.get("/cari/", {"q": "Pajang" * 20})

    assertContains(response, "alert-danger")
    assert kelurahan_links(response) == []


@pytest.mark.parametrize("query", ["p", "Pa", " a "])
def test_search_asks_for_three_letters_of_a_name(client, kecamatan_laweyan, query):
    response = client.get("/cari/", {"q": query})

    assertContains(response, 'id="search-error"')
    assert kelurahan_links(response) == []


def test_search_by_a_short_region_code_is_allowed(client, kecamatan_laweyan):
    response = client.get("/cari/", {"q": "33"})

    assert len(kelurahan_links(response)) == kecamatan_laweyan.count()


def test_search_words_are_escaped(client, kecamatan_laweyan):
    response = client.get("/cari/", {"q": "<script>alert(1)</script>"})

    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")
    assertNotContains(response, "<script>alert(1)</script>")


# A kelurahan with the demo content ----------------------------------------------------------


def test_a_kelurahan_home_shows_its_head_news_services_and_contact(client, pajang):
    head = Official.objects.for_kelurahan(pajang).get(level=Official.Level.HEAD)
    latest = list(Article.objects.for_kelurahan(pajang).published()[:4])
    catalog = catalog_for(pajang)

    response = client.get(url(pajang))

    assertContains(response, "Pajang")
    assertContains(response, escape(pajang.welcome_text[:80]))
    assertContains(response, escape(head.name))
    for article in latest[:3]:
        assertContains(response, escape(article.title))
    assertNotContains(response, escape(latest[3].title))
    for service in catalog[:6]:
        assertContains(response, f'href="{url(pajang, f"layanan/{service.slug}/")}"')
    assertNotContains(response, f'href="{url(pajang, f"layanan/{catalog[6].slug}/")}"')
    assertContains(response, pajang.phone)
    assertContains(response, f"https://wa.me/{pajang.whatsapp_international}")
    assertNotContains(response, EMPTY_STATE)


def test_a_kelurahan_profile_shows_history_vision_mission_figures_and_location(client, pajang):
    response = client.get(url(pajang, "profil/"))

    assertContains(response, escape(pajang.history.split("\n")[0][:100]))
    assertContains(response, escape(pajang.vision))
    for line in pajang.mission.splitlines():
        assertContains(response, f"<li>{escape(line)}</li>")
    assertContains(response, pajang.code)
    assertContains(response, pajang.postal_code)
    assertContains(response, escape(pajang.address))
    # Without JavaScript the coordinates and a link to a map still show.
    assertContains(response, f"mlat={pajang.latitude}&amp;mlon={pajang.longitude}")
    assertContains(response, 'id="map-markers"')
    assertNotContains(response, EMPTY_STATE)


def test_a_kelurahan_structure_shows_every_official_by_name_and_position(client, pajang):
    officials = list(Official.objects.for_kelurahan(pajang))

    response = client.get(url(pajang, "struktur/"))

    assert officials and all(o.name for o in officials)
    for official in officials:
        assertContains(response, escape(official.name))
        assertContains(response, escape(official.position))
        nip = official.nip  # stored as 18 digits, printed grouped 8 6 1 3
        assertContains(response, f"NIP {nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}")
    assertNotContains(response, EMPTY_STATE)


def test_a_kelurahan_rt_rw_page_lists_every_rw_with_its_rt(client, pajang):
    rws = list(RW.objects.for_kelurahan(pajang).prefetch_related("rts"))

    response = client.get(url(pajang, "rt-rw/"))

    assert len(rws) >= 6
    html = response.content.decode()
    assert re.findall(r'id="rw-(\d+)"', html) == [str(rw.number) for rw in rws]
    for rw in rws:
        assertContains(response, escape(rw.head_name))
        for rt in rw.rts.all():
            assertContains(response, escape(rt.head_name))
    most_rt = max(len(rw.rts.all()) for rw in rws)
    assertContains(response, f"<td>{most_rt:03d}</td>")
    assertNotContains(response, EMPTY_STATE)


def test_a_kelurahan_karang_taruna_page_shows_profile_officers_and_activities(client, pajang):
    organisation = KarangTaruna.objects.for_kelurahan(pajang).get()

    response = client.get(url(pajang, "karang-taruna/"))

    assertContains(response, "Karang Taruna Pajang")
    assertContains(response, escape(organisation.profile[:80]))
    assertContains(response, escape(organisation.vision))
    for officer in KarangTarunaOfficer.objects.for_kelurahan(pajang):
        assertContains(response, f"<td>{escape(officer.name)}</td>")
    for activity in KarangTarunaActivity.objects.for_kelurahan(pajang):
        assertContains(response, escape(activity.title))
    assertNotContains(response, EMPTY_STATE)


def test_a_kelurahan_news_pages_show_its_published_articles_ten_at_a_time(client, pajang):
    articles = list(Article.objects.for_kelurahan(pajang).published())
    assert len(articles) > 10

    first = client.get(url(pajang, "berita/"))
    second = client.get(url(pajang, "berita/"), {"page": 2})

    for article in articles[:10]:
        assertContains(first, escape(article.title))
        assertNotContains(second, escape(article.title))
    for article in articles[10:20]:
        assertContains(second, escape(article.title))
        assertNotContains(first, escape(article.title))
    assertContains(first, 'rel="next"')
    assertContains(second, 'rel="prev"')


def test_a_kelurahan_article_page_shows_the_whole_article(client, pajang):
    article = Article.objects.for_kelurahan(pajang).published().exclude(location="").first()

    response = client.get(url(pajang, f"berita/{article.slug}/"))

    assertContains(response, f'<h1 class="h2">{escape(article.title)}</h1>')
    assertContains(response, escape(article.summary))
    for paragraph in article.body.split("\n\n"):
        assertContains(response, escape(paragraph.splitlines()[0]))
    assertContains(response, escape(article.location))


def test_every_page_of_a_full_kelurahan_and_the_city_takes_at_most_six_queries(
    client, pajang, django_assert_max_num_queries
):
    service = catalog_for(pajang)[0]
    article = Article.objects.for_kelurahan(pajang).published().first()
    urls = [
        "/",
        "/kota/kota-surakarta/",
        "/kecamatan/laweyan/",
        # (The search is one query per kind of result, pinned in test_query_counts.py.)
        *(url(pajang, path) for path in KELURAHAN_PAGES),
        url(pajang, f"layanan/{service.slug}/"),
        url(pajang, f"berita/{article.slug}/"),
        url(pajang, "berita/?page=2"),
        url(pajang, "berita/?q=warga&jenis=berita"),
    ]
    for address in urls:
        with django_assert_max_num_queries(6, info=address):
            response = client.get(address)
        assert response.status_code == 200, address


# A freshly provisioned kelurahan, nothing filled in ------------------------------------------


@pytest.mark.parametrize(
    ("path", "absent"),
    [
        ("", 'class="article-card"'),
        ("profil/", 'id="map-markers"'),
        ("struktur/", "NIP "),
        ("rt-rw/", 'id="rw-'),
        ("karang-taruna/", "<table"),
        ("berita/", 'class="article-card"'),
    ],
)
def test_an_empty_kelurahan_page_says_what_is_missing(client, empty_kelurahan, path, absent):
    response = client.get(url(empty_kelurahan, path))

    assertContains(response, "Pajang")
    assertContains(response, EMPTY_STATE)
    assertNotContains(response, absent)


def test_an_empty_kelurahan_still_shows_its_welcome_positions_and_karang_taruna(
    client, empty_kelurahan
):
    home = client.get(url(empty_kelurahan))
    structure = client.get(url(empty_kelurahan, "struktur/"))
    karang_taruna = client.get(url(empty_kelurahan, "karang-taruna/"))

    assertContains(home, escape(empty_kelurahan.welcome_text[:80]))
    assertContains(home, empty_kelurahan.postal_code)
    for position in ("Lurah", "Sekretaris Kelurahan", "Kepala Seksi Pemerintahan"):
        assertContains(structure, position)
    assertContains(karang_taruna, "Karang Taruna Pajang")


def test_the_default_service_catalog_shows_requirements_and_cost(client, empty_kelurahan):
    catalog = catalog_for(empty_kelurahan)

    response = client.get(url(empty_kelurahan, "layanan/"))

    for service in catalog:
        assertContains(response, escape(service.name))
        for line in service.requirements.splitlines():
            assertContains(response, f"<li>{escape(line)}</li>")
    assertContains(response, "Gratis", count=len(catalog))
    assertNotContains(response, EMPTY_STATE)


def test_a_service_page_shows_requirements_procedure_cost_and_legal_basis(client, empty_kelurahan):
    service = catalog_entry(empty_kelurahan, "keterangan-domisili")

    response = client.get(url(empty_kelurahan, "layanan/keterangan-domisili/"))

    assertContains(response, escape(service.name))
    for text in (service.requirements, service.procedure, service.legal_basis):
        for line in text.splitlines():
            assertContains(response, f"<li>{escape(line)}</li>")
    assertContains(response, "<dd>Gratis</dd>")


def test_a_hidden_service_is_neither_listed_nor_shown(client, empty_kelurahan):
    # Hidden in the kelurahan's own version of the city's entry.
    entry = catalog_entry(empty_kelurahan, "keterangan-domisili")
    version = service_customise(kelurahan=empty_kelurahan, city_service=entry)
    version.is_active = False
    version.save()

    listing = client.get(url(empty_kelurahan, "layanan/"))
    detail = client.get(url(empty_kelurahan, "layanan/keterangan-domisili/"))

    assertNotContains(listing, "layanan/keterangan-domisili/")
    assert detail.status_code == 404


def test_an_empty_kelurahan_page_takes_at_most_six_queries(
    client, empty_kelurahan, django_assert_max_num_queries
):
    for path in [*KELURAHAN_PAGES, "layanan/keterangan-domisili/"]:
        with django_assert_max_num_queries(6, info=path):
            assert client.get(url(empty_kelurahan, path)).status_code == 200


# News: pagination, search, kinds, drafts ----------------------------------------------------


def test_news_are_paginated_ten_to_a_page_newest_first(client, empty_kelurahan):
    publish(empty_kelurahan, 23)

    first = client.get(url(empty_kelurahan, "berita/"))
    pages = [first, *(client.get(url(empty_kelurahan, "berita/"), {"page": n}) for n in (2, 3))]

    for number, response in enumerate(pages):
        titles = re.findall(r"Kabar (\d{3})", response.content.decode())
        expected = range(number * 10, min(number * 10 + 10, 23))
        assert titles == [f"{n:03d}" for n in expected]
    assertContains(pages[0], 'rel="next"')
    assertNotContains(pages[0], 'rel="prev"')
    assertNotContains(pages[2], 'rel="next"')


@pytest.mark.parametrize(
    ("page", "canonical", "first_title"),
    [("99", "?page=3", "Kabar 020"), ("abc", "", "Kabar 000"), ("1", "", "Kabar 000")],
)
def test_a_page_number_out_of_range_redirects_to_a_real_page(
    client, empty_kelurahan, page, canonical, first_title
):
    publish(empty_kelurahan, 23)

    response = client.get(url(empty_kelurahan, "berita/"), {"page": page})

    assertRedirects(response, url(empty_kelurahan, "berita/") + canonical)
    assertContains(client.get(response.url), first_title)


def test_news_search_matches_title_or_summary_and_keeps_the_words_across_pages(
    client, empty_kelurahan
):
    publish(empty_kelurahan, 12, summary="Banjir di bantaran sungai surut.")
    publish(empty_kelurahan, 3, start=50, summary="Lomba tujuhbelasan meriah.")

    by_summary = client.get(url(empty_kelurahan, "berita/"), {"q": "BANJIR"})
    by_title = client.get(url(empty_kelurahan, "berita/"), {"q": "Kabar 05"})

    assert len(re.findall(r'class="article-card"', by_summary.content.decode())) == 10
    assertNotContains(by_summary, "Kabar 050")
    assertContains(by_summary, "?q=BANJIR&amp;page=2")
    assert re.findall(r"Kabar (\d{3})", by_title.content.decode()) == ["050", "051", "052"]


def test_news_search_without_a_match_says_so(client, empty_kelurahan):
    publish(empty_kelurahan, 3)

    response = client.get(url(empty_kelurahan, "berita/"), {"q": "gempa"})

    assertContains(response, EMPTY_STATE)
    assertNotContains(response, 'class="article-card"')


def test_news_can_be_filtered_by_kind(client, empty_kelurahan):
    publish(empty_kelurahan, 2, kind=Article.Kind.NEWS)
    publish(empty_kelurahan, 2, start=10, kind=Article.Kind.AGENDA)
    publish(empty_kelurahan, 2, start=20, kind=Article.Kind.ANNOUNCEMENT)

    agenda = client.get(url(empty_kelurahan, "berita/"), {"jenis": "agenda"})
    unknown = client.get(url(empty_kelurahan, "berita/"), {"jenis": "gosip"}, follow=True)

    assert re.findall(r"Kabar (\d{3})", agenda.content.decode()) == ["010", "011"]
    assertContains(agenda, '<option value="agenda" selected>')
    assert len(re.findall(r"Kabar \d{3}", unknown.content.decode())) == 6


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Article.Status.DRAFT},
        {"published_at": timezone.now() + timedelta(days=1)},
        {"status": Article.Status.DRAFT, "published_at": timezone.now() - timedelta(days=1)},
    ],
    ids=["draft", "scheduled", "old-draft"],
)
def test_a_draft_or_scheduled_article_never_shows(client, empty_kelurahan, hidden):
    publish(empty_kelurahan, 1)
    ArticleFactory(kelurahan=empty_kelurahan, title="Rahasia Redaksi", slug="rahasia", **hidden)

    listings = [
        client.get(url(empty_kelurahan)),
        client.get(url(empty_kelurahan, "berita/")),
        client.get(url(empty_kelurahan, "berita/"), {"jenis": "berita"}),
    ]
    search = client.get(url(empty_kelurahan, "berita/"), {"q": "Rahasia"})
    detail = client.get(url(empty_kelurahan, "berita/rahasia/"))

    for response in listings:
        assertContains(response, "Kabar 000")
        assertNotContains(response, "Rahasia Redaksi")
    assertContains(search, EMPTY_STATE)
    assertNotContains(search, "Rahasia Redaksi")
    assert detail.status_code == 404


def test_another_kelurahans_article_is_not_found_under_this_kelurahan(
    client, kelurahan_a, kelurahan_b
):
    ArticleFactory(kelurahan=kelurahan_b, title="Kabar dari Laweyan", slug="kabar-laweyan")

    own = client.get(url(kelurahan_b, "berita/kabar-laweyan/"))
    foreign = client.get(url(kelurahan_a, "berita/kabar-laweyan/"))
    listing = client.get(url(kelurahan_a, "berita/"))

    assertContains(own, "Kabar dari Laweyan")
    assert foreign.status_code == 404
    assertNotContains(listing, "Kabar dari Laweyan")


def test_another_kelurahans_service_is_not_found_under_this_kelurahan(
    client, kelurahan_a, kelurahan_b
):
    ServiceFactory(kelurahan=kelurahan_b, slug="sewa-pendapa", name="Sewa Pendapa")

    assertContains(client.get(url(kelurahan_b, "layanan/sewa-pendapa/")), "Sewa Pendapa")
    assert client.get(url(kelurahan_a, "layanan/sewa-pendapa/")).status_code == 404


@pytest.mark.parametrize(
    "address",
    [
        "/kota/kota-tidak-ada/",
        "/kecamatan/tidak-ada/",
        *(f"/k/tidak-ada/{path}" for path in KELURAHAN_PAGES),
        "/k/tidak-ada/layanan/keterangan-domisili/",
        "/k/tidak-ada/berita/kabar/",
        "/k/pajang/layanan/tidak-ada/",
        "/k/pajang/berita/tidak-ada/",
    ],
)
def test_an_unknown_slug_is_not_found(client, kelurahan_a, address):
    assert client.get(address).status_code == 404


# Escaping -----------------------------------------------------------------------------------


def test_html_in_content_is_shown_as_text(client, empty_kelurahan):
    ArticleFactory(
        kelurahan=empty_kelurahan,
        title="<script>alert(1)</script>",
        slug="xss",
        summary='<img src=x onerror="alert(2)">',
        body="<iframe src=//evil.example></iframe>",
        location="<b>Balai</b>",
    )
    OfficialFactory(kelurahan=empty_kelurahan, name="<i>Budi</i>", position="<u>Staf</u>")
    RWFactory(kelurahan=empty_kelurahan, head_name="<svg onload=alert(3)>")

    pages = {
        path: client.get(url(empty_kelurahan, path))
        for path in ("", "berita/", "berita/xss/", "struktur/", "rt-rw/")
    }

    for path in ("", "berita/", "berita/xss/"):
        assertContains(pages[path], "&lt;script&gt;alert(1)&lt;/script&gt;")
        assertContains(pages[path], "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;")
    assertContains(pages["berita/xss/"], "&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;")
    assertContains(pages["berita/xss/"], "&lt;b&gt;Balai&lt;/b&gt;")
    assertContains(pages["struktur/"], "&lt;i&gt;Budi&lt;/i&gt;")
    assertContains(pages["rt-rw/"], "&lt;svg onload=alert(3)&gt;")
    for response in pages.values():
        for raw in ("<script>alert", "<img src=x", "<iframe", "<b>Balai", "<i>Budi", "<svg"):
            assertNotContains(response, raw)


# Queries do not grow with content -----------------------------------------------------------


def fill(kelurahan, count, *, start):
    """`count` of everything a kelurahan lists: articles, RW (3 RT each), officials, ..."""
    publish(kelurahan, count, start=start)
    for n in range(start, start + count):
        rw = RWFactory(kelurahan=kelurahan, number=n + 1)
        for rt in (1, 2, 3):
            RTFactory(kelurahan=kelurahan, rw=rw, number=rt)
        OfficialFactory(kelurahan=kelurahan)
        KarangTarunaOfficerFactory(kelurahan=kelurahan, rank=n)
        KarangTarunaActivityFactory(kelurahan=kelurahan)
        ServiceFactory(kelurahan=kelurahan)


@pytest.fixture
def rendered_fresh(settings):
    """Query counts are about rendering: the whole-page cache is off (its own tests are in
    test_page_cache.py)."""
    settings.PAGE_CACHE_SECONDS = 0


def queries_per_page(client, addresses) -> dict[str, int]:
    counts = {}
    for address in addresses:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200, address
        counts[address] = len(queries)
    return counts


@pytest.mark.usefixtures("rendered_fresh")
def test_kelurahan_pages_take_as_many_queries_with_lots_of_content_as_with_little(
    client, empty_kelurahan
):
    fill(empty_kelurahan, 2, start=0)
    addresses = [url(empty_kelurahan, path) for path in KELURAHAN_PAGES]
    addresses += [
        url(empty_kelurahan, f"berita/?jenis={Article.Kind.NEWS}"),
        url(empty_kelurahan, "berita/?q=Kabar"),
    ]
    queries_per_page(client, addresses)  # warm up
    little = queries_per_page(client, addresses)

    fill(empty_kelurahan, 58, start=2)  # 60 articles, 60 RW with 180 RT, ...
    lots = queries_per_page(client, addresses)

    assert RW.objects.for_kelurahan(empty_kelurahan).count() == 60
    assert lots == little
    assert max(lots.values()) <= 6


@pytest.mark.usefixtures("rendered_fresh")
def test_the_news_pages_take_as_many_queries_for_60_articles_as_for_3(client, empty_kelurahan):
    publish(empty_kelurahan, 3)
    addresses = [url(empty_kelurahan), url(empty_kelurahan, "berita/")]
    queries_per_page(client, addresses)  # warm up
    three = queries_per_page(client, addresses)

    publish(empty_kelurahan, 57, start=3)
    sixty = queries_per_page(client, addresses)

    assert sixty == three
    assertContains(client.get(addresses[1], {"page": 6}), "Kabar 059")


@pytest.mark.usefixtures("rendered_fresh")
def test_the_rt_rw_page_takes_as_many_queries_for_40_rw_as_for_2(client, empty_kelurahan):
    def add_rw(numbers):
        for number in numbers:
            rw = RWFactory(kelurahan=empty_kelurahan, number=number)
            for rt in range(1, 6):
                RTFactory(kelurahan=empty_kelurahan, rw=rw, number=rt)

    add_rw(range(1, 3))
    address = [url(empty_kelurahan, "rt-rw/")]
    queries_per_page(client, address)  # warm up
    two = queries_per_page(client, address)

    add_rw(range(3, 41))
    forty = queries_per_page(client, address)

    assert forty == two
    assertContains(client.get(address[0]), 'id="rw-40"')


@pytest.mark.usefixtures("rendered_fresh")
def test_city_pages_take_as_many_queries_for_a_whole_city_as_for_one_kecamatan(
    client, kecamatan_laweyan
):
    addresses = ["/", "/kota/kota-surakarta/", "/kecamatan/laweyan/", "/cari/?q=a"]
    queries_per_page(client, addresses)  # warm up
    one_kecamatan = queries_per_page(client, addresses)

    region_provision(codes=["33.72", "36.72"])  # all 54 of Surakarta, and another city
    # Surakarta's all live; the other city not yet, so the portal still serves one city.
    Kelurahan.objects.filter(kecamatan__city__code="33.72").update(is_active=True)
    whole_city = queries_per_page(client, addresses)

    assert whole_city == one_kecamatan
    assert max(whole_city.values()) <= 6
    assert len(kelurahan_links(client.get("/"))) == 54
