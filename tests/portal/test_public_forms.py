"""The public forms as crispy-forms' Bootstrap 5 pack renders them, with the portal's overrides in
templates/bootstrap5/: what a resident sees (in Indonesian, the site's default language) and what
a screen reader is told. The browser checks (axe, tests/e2e/test_accessibility.py) go further."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def tag(html: str, field_id: str) -> str:
    return re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', html).group(0)


def test_optional_fields_say_so_in_indonesian_and_none_has_a_bare_asterisk(client, kelurahan_a):
    html = client.get(reverse("umkm:business_propose", kwargs={"slug": kelurahan_a.slug})).text

    label = re.search(r'<label class="form-label" for="id_products">(.*?)</label>', html, re.S)
    assert "(opsional)" in label.group(1)
    owner = re.search(r'<label class="form-label" for="id_owner_name">(.*?)</label>', html, re.S)
    assert "opsional" not in owner.group(1)
    assert re.search(r"\srequired[\s>]", tag(html, "id_owner_name"))  # told by the widget
    assert "asteriskField" not in html and "*</span>" not in html


def test_a_field_in_error_is_marked_and_its_message_is_tied_to_it(client):
    html = client.post(reverse("layanan:track"), {"code": "", "nik_last4": "12a4"}).text

    field = tag(html, "id_nik_last4")
    assert "is-invalid" in re.search(r'class="([^"]*)"', field).group(1).split()
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_nik_last4_helptext id_nik_last4_error"' in field
    error = re.search(r'<div id="id_nik_last4_error" class="invalid-feedback">(.*?)</div>', html)
    assert "Masukkan tepat 4 angka, yaitu 4 angka terakhir NIK." in error.group(1)
    # The summary above the form leads to the same field.
    summary = html.index('id="error-summary"')
    assert summary < html.index('href="#id_nik_last4"') < html.index('id="div_id_nik_last4"')
