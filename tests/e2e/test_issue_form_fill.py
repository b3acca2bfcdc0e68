"""The staff issue screen in a real browser: typing a mother's NIK fills her block from the
register and says so in the block's status line; each date of birth shows its age; the page passes
axe at a desk's 1366×768 and at a phone's 360×740."""

from __future__ import annotations

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils.http import urlencode

from layanan.models import Resident
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import WCAG_TAGS, describe, log_in

pytestmark = pytest.mark.django_db(transaction=True)

DESK = {"width": 1366, "height": 768}
NIK_BUDI = "3372011508950001"
NIK_SITI = "3372015508950002"


def axe_violations(page) -> list[dict]:
    """As tests.e2e.helpers.axe_violations, without axe's stylesheet preload: it fetches the
    admin's forms.css `@import url('widgets.css')` against the page's address (a 404) and
    writes the sheets back as inline <style>, which the CSP refuses; the page itself does
    neither. The rules run are the same."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "preload": False}
    return Axe().run(page, options=options).response["violations"]


def resident(kelurahan, **fields) -> Resident:
    base = {
        "birth_place": "Surakarta",
        "birth_date": datetime.date(1995, 8, 15),
        "religion": "Islam",
        "marital_status": "Kawin",
        "address": "Jl. Mawar No. 7",
        "rt": "3",
        "rw": "5",
    }
    return Resident.objects.create(kelurahan=kelurahan, **{**base, **fields})


def test_typing_the_mothers_nik_fills_her_block_from_the_register(
    page, shot, kelurahan_a, kelurahan_b, operator_a
):
    resident(kelurahan_a, nik=NIK_BUDI, name="Budi Santoso", sex="L", occupation="Guru")
    resident(kelurahan_a, nik=NIK_SITI, name="Siti Aminah", sex="P", occupation="Bidan")
    resident(kelurahan_b, nik="3372012003750002", name="Orang Laweyan", sex="L")
    log_in(page, operator_a.username)
    query = urlencode({"kind": "kelahiran", "nik": NIK_BUDI})
    page.goto(f"{reverse('admin:layanan_letter_issue')}?{query}")
    assert page.input_value("#id_father_name") == "Budi Santoso"  # from step 1, server side
    assert page.input_value("#id_mother_name") == ""

    page.fill("#id_mother_nik", "3372 0155 0895 0002")

    mother = page.locator("fieldset[data-person=mother]")
    status = mother.locator("[role=status]")
    status.filter(has_text="Siti Aminah").wait_for()
    assert "Diisi dari register penduduk" in status.inner_text()
    assert page.input_value("#id_mother_name") == "Siti Aminah"
    assert page.input_value("#id_mother_birth_date") == "1995-08-15"
    assert page.input_value("#id_mother_occupation") == "Bidan"
    assert page.input_value("#id_mother_address") == "Jl. Mawar No. 7 RT 003/RW 005"
    assert "Umur: " in mother.locator(".age-hint").inner_text()
    assert page.get_attribute("#id_mother_birth_date", "max")

    # Another kelurahan's resident is not there for this operator: nothing is filled.
    page.fill("#id_witness1_nik", "3372012003750002")
    witness = page.locator("fieldset[data-person=witness1]")
    witness.locator("[role=status]").filter(has_text="tidak terdapat").wait_for()
    assert page.input_value("#id_witness1_name") == ""

    # A field already typed is left as typed.
    page.fill("#id_reporter_name", "Nama Diketik")
    page.fill("#id_reporter_nik", NIK_SITI)
    page.locator("fieldset[data-person=reporter] [role=status]").filter(
        has_text="Siti Aminah"
    ).wait_for()
    assert page.input_value("#id_reporter_name") == "Nama Diketik"
    assert page.input_value("#id_reporter_occupation") == "Bidan"

    failures = []
    for name, viewport in (("desk", DESK), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        shot(page, f"issue-kelahiran-{name}")
        violations = axe_violations(page)
        if violations:
            failures.append(f"--- {name}:\n{describe(violations)}")
    assert not failures, "\n".join(failures)


def test_the_first_step_and_a_short_form_pass_axe_and_align_labels(
    page, shot, kelurahan_a, operator_a
):
    resident(kelurahan_a, nik=NIK_BUDI, name="Budi Santoso", sex="L", occupation="Guru")
    log_in(page, operator_a.username)
    page.set_viewport_size(DESK)
    page.goto(reverse("admin:layanan_letter_issue"))
    shot(page, "issue-step-1-desk")
    label = page.locator("label[for=id_nik]").bounding_box()
    field = page.locator("#id_nik").bounding_box()
    assert label["x"] + label["width"] <= field["x"]  # beside it, not glued on top
    assert not axe_violations(page)

    page.select_option("#id_kind", "skuter")
    page.fill("#id_nik", NIK_BUDI)
    page.locator("input[type=submit]").first.click()
    page.locator("#id_name").wait_for()
    # Under load the stylesheet can land after the field appears: measure once the page is
    # loaded, not at the first frame.
    page.wait_for_load_state("load")
    label = page.locator("label[for=id_name]").bounding_box()
    field = page.locator("#id_name").bounding_box()
    assert label["x"] + label["width"] <= field["x"]
    assert abs(label["y"] - field["y"]) < 20
    shot(page, "issue-skuter-desk")
    page.set_viewport_size(PHONE)
    shot(page, "issue-skuter-phone")
    violations = axe_violations(page)
    assert not violations, describe(violations)
