"""Accessibility in a real browser: axe-core (WCAG 2.0/2.1/2.2, A and AA) finds nothing on any
public page type, the forms (empty and with errors), the receipt, tracking and verification; and
what axe cannot see for itself: labels, error-summary links, visible focus and 24 px targets."""

from __future__ import annotations

import pytest
from django.utils.functional import empty

from kelurahan.catalog import catalog_for
from kelurahan.models import Article, City, Kecamatan, Kelurahan
from layanan import services
from layanan.storage import private_storage
from portal.demo import DEMO_NIK
from tests.e2e.helpers import axe_violations, describe
from tests.factories import signature
from tests.layanan.helpers import letter_data
from tests.layanan.online import jpeg
from umkm.models import Business, TourismSpot

pytestmark = pytest.mark.django_db(transaction=True)

SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def pajang(demo_city):
    return Kelurahan.objects.get(slug="pajang")


MARKERS_WITHOUT_A_LINK = """() => {
    const links = new Set([...document.querySelectorAll('#content a')]
        .filter(a => !a.closest('.map'))
        .filter(a => a.getBoundingClientRect().height >= 24)
        .map(a => a.textContent.trim()));
    return [...document.querySelectorAll('.map .leaflet-marker-icon[title]')]
        .map(marker => marker.title).filter(title => !links.has(title.trim()));
}"""


def without_map_markers(page, violations: list[dict]) -> list[dict]:
    """Map markers may sit closer than 24 px: places are where they are. WCAG 2.5.8 exempts a
    target whose function another target of the page offers at full size ("Equivalent"): every
    marker's place is also a link in the list beside the map, which this checks."""
    kept = []
    for violation in violations:
        if violation["id"] == "target-size":
            nodes = [n for n in violation["nodes"] if "leaflet-marker-icon" not in n["html"]]
            if len(nodes) < len(violation["nodes"]):
                if page.locator("#content .pagination").count():
                    # A long list goes on over pages: the places are all there, not all here.
                    assert page.locator("#content .place-card a").count(), "no list of places"
                else:
                    missing = page.evaluate(MARKERS_WITHOUT_A_LINK)
                    assert missing == [], f"markers with no link to the same place: {missing}"
            violation = {**violation, "nodes": nodes}
            if not nodes:
                continue
        kept.append(violation)
    return kept


def check(page, label: str, failures: list[str]) -> None:
    """axe on the page as it is now; what it finds is added to failures."""
    violations = without_map_markers(page, axe_violations(page))
    if violations:
        failures.append(f"--- {label} ({page.url}):\n{describe(violations)}")


def public_pages(kelurahan: Kelurahan) -> list[tuple[str, str]]:
    """One page of every public type, from the demo city's content."""
    k = f"/k/{kelurahan.slug}"
    service = catalog_for(kelurahan)[0]
    article = Article.objects.for_kelurahan(kelurahan).published().first()
    business = Business.objects.for_kelurahan(kelurahan).published().first()
    spot = TourismSpot.objects.for_kelurahan(kelurahan).published().first()
    return [
        ("city home", "/"),
        ("search results", "/cari/?q=Pajang"),
        ("kecamatan", Kecamatan.objects.get(pk=kelurahan.kecamatan_id).get_absolute_url()),
        ("city", City.objects.get(code="33.72").get_absolute_url()),
        ("kelurahan home", f"{k}/"),
        ("profile", f"{k}/profil/"),
        ("structure", f"{k}/struktur/"),
        ("RT/RW", f"{k}/rt-rw/"),
        ("karang taruna", f"{k}/karang-taruna/"),
        ("service list", f"{k}/layanan/"),
        ("service detail", f"{k}/layanan/{service.slug}/"),
        ("news list", f"{k}/berita/"),
        ("article", article.get_absolute_url()),
        ("UMKM list", f"{k}/umkm/"),
        ("business", business.get_absolute_url()),
        ("tourism list", f"{k}/wisata/"),
        ("tourism spot", spot.get_absolute_url()),
        ("city-wide UMKM", "/kota/kota-surakarta/umkm/"),
        ("city-wide tourism", "/kota/kota-surakarta/wisata/"),
    ]


def test_every_public_page_type_has_no_wcag_violations(page, shot, pajang):
    failures: list[str] = []
    for label, url in public_pages(pajang):
        response = page.goto(url)
        assert response.status == 200, f"{label}: {url} answered {response.status}"
        page.wait_for_load_state("networkidle")  # maps drawn from GeoJSON are part of the page
        check(page, label, failures)
        shot(page, label.replace("/", "-").replace(" ", "-"))
    assert not failures, "\n".join(failures)


def test_a_missing_page_has_no_wcag_violations(page, shot, pajang):
    response = page.goto("/k/tidak-ada-kelurahan-ini/")
    assert response.status == 404
    # The browser reports the 404 of the page itself on the console; that one is expected.
    page.problems[:] = [p for p in page.problems if "status of 404" not in p]
    shot(page, "not-found")
    failures: list[str] = []
    check(page, "404", failures)
    assert not failures, "\n".join(failures)


def unlabelled_fields(page) -> list[str]:
    """Visible form fields in the main content with no label, aria-label or aria-labelledby."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                   '#content form input, #content form select, #content form textarea')]
            .filter(el => el.type !== 'hidden')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )


def summary_links(page) -> list[str]:
    """The error summary's links; each one's target must exist (a form field)."""
    hrefs = page.locator("#error-summary a").evaluate_all("links => links.map(a => a.hash)")
    assert hrefs, "the error summary links to no field"
    for href in hrefs:
        target = page.locator(href)
        assert target.count() == 1, f"the error summary links to {href}, which is not there"
        assert target.evaluate("el => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)")
    return hrefs


def invalid_fields_are_marked_in_words(page, hrefs: list[str]) -> None:
    """A field in error is not shown by a red border alone: aria-invalid, and its message is
    text next to it that its aria-describedby points at."""
    for href in hrefs:
        field = page.locator(href)
        assert field.get_attribute("aria-invalid") == "true", href
        described = (field.get_attribute("aria-describedby") or "").split()
        texts = [
            page.locator(f"#{i}").inner_text() for i in described if page.locator(f"#{i}").count()
        ]
        assert any(t.strip() for t in texts), f"{href}: no error text tied to the field"


def test_the_forms_have_labels_linked_error_summaries_and_no_wcag_violations(
    page, shot, pajang, settings
):
    failures: list[str] = []
    forms = [
        ("UMKM proposal", f"/k/{pajang.slug}/usulkan-umkm/"),
        ("online request", f"/k/{pajang.slug}/layanan/ajukan/skuter/"),
        ("tracking", "/lacak/"),
    ]
    for label, url in forms:
        page.goto(url)
        check(page, f"{label} (empty)", failures)
        assert unlabelled_fields(page) == [], label
        shot(page, f"{label}-empty".replace(" ", "-"))
        # Sent empty past the browser's own checks (`required`): the server's error summary.
        page.locator("#content form").last.evaluate("form => { form.noValidate = true; }")
        page.locator("#content form button[type=submit]").last.click()
        page.locator("#error-summary").wait_for()
        check(page, f"{label} (errors)", failures)
        assert unlabelled_fields(page) == [], label
        hrefs = summary_links(page)
        invalid_fields_are_marked_in_words(page, hrefs)
        # Following a link of the summary puts the cursor in that field.
        page.locator("#error-summary a").first.click()
        assert "#" + page.evaluate("document.activeElement.id") == hrefs[0]
        shot(page, f"{label}-errors".replace(" ", "-"))

    # A request that goes through: its receipt, then tracking it.
    page.goto(f"/k/{pajang.slug}/layanan/ajukan/skuter/")
    fill_request(page, letter_data(nik=DEMO_NIK, birth_date="1990-08-17"))
    page.locator("#content form button[type=submit]").last.click()
    page.locator("#tracking-code").wait_for()
    check(page, "receipt", failures)
    shot(page, "receipt")
    code = page.locator("#tracking-code").inner_text()
    page.goto("/lacak/")
    page.fill("#id_code", code)
    page.fill("#id_nik_last4", DEMO_NIK[-4:])
    page.locator("#content form button[type=submit]").click()
    page.locator("#status").wait_for()
    check(page, "tracking result", failures)
    shot(page, "tracking-result")
    assert not failures, "\n".join(failures)


def fill_request(page, data: dict) -> None:
    for name, value in data.items():
        if name in ("sex", "religion", "marital_status"):  # choices
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    page.fill("#id_phone", "0812 3456 7890")
    page.set_input_files(
        "#id_documents", files=[{"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )


def signed_letter(kelurahan, operator, signer):
    letter = services.letter_create(
        kelurahan=kelurahan,
        kind="skuter",
        by=operator,
        data=letter_data(nik=DEMO_NIK, birth_date="1990-08-17"),
    )
    return services.letter_move(
        action="sign",
        letter_id=letter.pk,
        by=signer,
        **signature(signer, kelurahan),
    )


def test_the_verification_page_of_a_valid_and_a_void_letter_has_no_wcag_violations(
    page, shot, pajang, django_user_model
):
    operator = django_user_model.objects.get(username="operator.pajang")
    signer = django_user_model.objects.get(username="lurah.pajang")
    valid = signed_letter(pajang, operator, signer)
    void = signed_letter(pajang, operator, signer)
    services.letter_move(
        action="void", letter_id=void.pk, by=signer, reason="Salah ketik nama jalan."
    )
    failures: list[str] = []
    for label, letter in (("valid", valid), ("void", void)):
        page.goto(letter.get_verification_url())
        check(page, f"verification ({label})", failures)
        shot(page, f"verification-{label}")
    assert not failures, "\n".join(failures)


def focus_indicator(page) -> dict:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {tag: document.activeElement.tagName, outline: s.outlineStyle,
                           width: s.outlineWidth, shadow: s.boxShadow}; }"""
    )


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching selector has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def visible(indicator: dict) -> bool:
    outline = indicator["outline"] != "none" and indicator["width"] != "0px"
    return outline or indicator["shadow"] not in ("", "none")


def test_keyboard_focus_is_visible_on_links_and_buttons(page, shot, pajang):
    page.goto(f"/k/{pajang.slug}/")
    tab_to(page, ".section-nav a")
    assert visible(focus_indicator(page)), focus_indicator(page)
    shot(page, "focus-link")
    page.goto("/lacak/")
    tab_to(page, "#content button[type=submit]")
    indicator = focus_indicator(page)
    assert indicator["tag"] == "BUTTON" and visible(indicator), indicator
    shot(page, "focus-button")
    page.goto(f"/k/{pajang.slug}/layanan/ajukan/skuter/")
    tab_to(page, "#content input, #content select")
    assert visible(focus_indicator(page)), focus_indicator(page)


SMALL_TARGETS = """(selector) => [...document.querySelectorAll(selector)]
    .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden, .honeypot'))
    .map(el => ({html: el.outerHTML.slice(0, 100), box: el.getBoundingClientRect()}))
    .filter(t => t.box.width < 24 || t.box.height < 24)
    .map(t => `${Math.round(t.box.width)}x${Math.round(t.box.height)} ${t.html}`)"""

TARGETS = (
    "nav a, #content form button, #content form input:not([type=hidden]), "
    "#content form select, #content form textarea, #content form a, .pagination a"
)


def test_targets_in_navigation_and_forms_are_at_least_24_px(page, pajang):
    small = {}
    for url in (
        "/",
        "/cari/?q=Pajang",
        f"/k/{pajang.slug}/",
        f"/k/{pajang.slug}/berita/",
        f"/k/{pajang.slug}/umkm/",
        f"/k/{pajang.slug}/usulkan-umkm/",
        f"/k/{pajang.slug}/layanan/ajukan/skuter/",
        "/lacak/",
        "/kota/kota-surakarta/umkm/",
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")  # leaving mid-load would cut off map requests
        found = page.evaluate(SMALL_TARGETS, TARGETS)
        if found:
            small[url] = found
    assert not small, "\n".join(f"{url}: {items}" for url, items in small.items())
