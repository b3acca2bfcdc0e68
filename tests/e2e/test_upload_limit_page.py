"""A resident on a phone attaches a scan far over the form's limit: the browser gets our 413 page
(Indonesian, the portal's look, the limit and what to do), on a phone and on a desktop screen,
and axe finds nothing on it."""

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.functional import empty

from layanan import views as layanan_views
from layanan.models import Letter
from layanan.storage import private_storage
from tests.e2e.helpers import axe_violations, describe
from tests.layanan.helpers import NIK_BUDI, letter_data

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


def test_a_scan_over_the_limit_gets_our_413_page_on_phone_and_desktop(
    page, shot, kelurahan_a, tmp_path
):
    scan = tmp_path / "scan-kk-600dpi.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + b"\0" * (layanan_views.MAX_REQUEST_BYTES + 1024 * 1024))
    page.goto(f"/k/{kelurahan_a.slug}/layanan/ajukan/skuter/")
    for name, value in letter_data().items():
        if name in ("sex", "religion", "marital_status"):  # choices
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    page.fill("#id_nik", NIK_BUDI)
    page.fill("#id_phone", "0812 3456 7890")
    page.set_input_files("#id_documents", files=[str(scan)])

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button").last.click()
    page.locator("h1").wait_for()

    assert posted.value.status == 413
    # Chromium logs every 4xx document as "Failed to load resource": expected here, and only it.
    expected = [p for p in page.problems if "status of 413" in p]
    assert len(expected) == 1
    page.problems.remove(expected[0])
    with translation.override("id"):
        limit = filesizeformat(layanan_views.MAX_REQUEST_BYTES)
    assert page.locator("h1").inner_text() == "Berkas terlalu besar"
    assert limit in page.locator("#content").inner_text()
    assert page.locator("html").get_attribute("lang") == "id"
    shot(page, "phone")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    # Nothing sideways on a phone: the page fits its 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.set_viewport_size(DESKTOP)
    shot(page, "desktop")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert not Letter.objects.exists()

    page.get_by_role("link", name="Kembali ke formulir").click()
    page.wait_for_url("**/ajukan/skuter/")
