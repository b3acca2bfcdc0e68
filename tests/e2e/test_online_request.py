"""A resident on a phone, without an account: asks for a letter online, notes the tracking code,
and follows the request; every page passes axe's accessibility checks."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils.functional import empty

from layanan.models import Letter
from layanan.storage import private_storage
from tests.layanan.helpers import NIK_BUDI, letter_data
from tests.layanan.online import jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


def accessible(page) -> None:
    """axe finds nothing in the page's own content (the shared header and banner are checked
    by the tests of the pages they belong to)."""
    results = Axe().run(page, context="#content")
    assert results.violations_count == 0, results.generate_report()


def test_a_resident_requests_a_letter_and_follows_it(page, shot, kelurahan_a):
    page.goto(f"/k/{kelurahan_a.slug}/layanan/")
    accessible(page)
    page.locator('details:has(a[href$="/ajukan/skuter/"]) summary').click()  # folded
    page.locator('a[href$="/ajukan/skuter/"]').click()
    page.wait_for_url("**/ajukan/skuter/")
    accessible(page)

    # First with a mistake: the error summary leads to the field.
    data = letter_data()
    for name, value in data.items():
        if name in ("sex", "religion", "marital_status"):  # choices
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    page.fill("#id_nik", NIK_BUDI[:15])
    page.fill("#id_phone", "0812 3456 7890")
    page.set_input_files(
        "#id_documents", files=[{"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.get_by_role("button").last.click()
    page.locator("#error-summary").wait_for()
    shot(page, "errors")
    accessible(page)
    assert not Letter.objects.exists()
    page.locator('#error-summary a[href="#id_nik"]').click()
    assert page.evaluate("document.activeElement.id") == "id_nik"

    page.fill("#id_nik", NIK_BUDI)
    page.set_input_files(
        "#id_documents", files=[{"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.get_by_role("button").last.click()
    page.locator("#tracking-code").wait_for()
    shot(page, "receipt")
    accessible(page)
    letter = Letter.objects.get()
    code = page.locator("#tracking-code").inner_text()
    assert code.replace("-", "") == letter.tracking_code

    page.locator("#follow-request").click()
    page.fill("#id_nik_last4", NIK_BUDI[-4:])
    page.get_by_role("button").last.click()
    page.locator("#status").wait_for()
    shot(page, "status")
    accessible(page)
    assert letter.tracking_code[:5] in page.content()
