"""The city's logo: uploaded by Diskominfo, re-encoded, printed in every letter's letterhead."""

from __future__ import annotations

import io

import pypdfium2
import pypdfium2.raw as pdfium_c
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kelurahan.models import City
from tests.layanan.helpers import pdf_bytes

# The city page's inline of extra days off, left empty.
NO_DAYS_OFF = {"days_off-TOTAL_FORMS": "0", "days_off-INITIAL_FORMS": "0"}


def _logo_png() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA", (300, 360), (0, 0, 0, 0))
    image.paste((200, 20, 20, 255), (50, 50, 250, 310))
    image.save(out, format="PNG", pnginfo=None)
    return out.getvalue()


def _images_on_first_page(content: bytes) -> int:
    page = pypdfium2.PdfDocument(content)[0]
    return sum(1 for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))


def test_diskominfo_uploads_the_logo_and_letters_print_it(
    client, diskominfo, verified_letter, sign, signer_a
):
    city = City.objects.get(code="33.72")
    client.force_login(diskominfo)

    response = client.post(
        reverse("admin:kelurahan_city_change", args=[city.pk]),
        {
            "logo": SimpleUploadedFile("lambang.png", _logo_png(), content_type="image/png"),
            **NO_DAYS_OFF,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    city.refresh_from_db()
    assert city.logo.name.endswith(".png")  # re-encoded, under a name of ours
    with city.logo.open("rb") as stored:
        assert Image.open(stored).format == "PNG"
    assert _images_on_first_page(pdf_bytes(sign(verified_letter, signer_a))) == 1


def test_without_a_logo_the_letterhead_has_no_image(signed_letter):
    assert _images_on_first_page(pdf_bytes(signed_letter)) == 0


def test_a_file_that_is_not_an_image_is_refused_as_logo(client, diskominfo, kelurahan_a):
    city = City.objects.get(code="33.72")
    client.force_login(diskominfo)

    response = client.post(
        reverse("admin:kelurahan_city_change", args=[city.pk]),
        {
            "logo": SimpleUploadedFile("lambang.png", b"<svg onload=alert(1)>", "image/png"),
            **NO_DAYS_OFF,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["logo"]
    city.refresh_from_db()
    assert not city.logo


def test_an_operator_cannot_change_the_city(client, operator_a):
    city = City.objects.get(code="33.72")
    client.force_login(operator_a)

    response = client.post(
        reverse("admin:kelurahan_city_change", args=[city.pk]),
        {
            "logo": SimpleUploadedFile("lambang.png", _logo_png(), content_type="image/png"),
            **NO_DAYS_OFF,
        },
    )

    assert response.status_code in (302, 403)
    city.refresh_from_db()
    assert not city.logo


def test_an_svg_logo_prints_in_the_letterhead_as_its_png(
    client, diskominfo, verified_letter, sign, signer_a
):
    city = City.objects.get(code="33.72")
    client.force_login(diskominfo)
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 12">'
        b'<circle cx="5" cy="6" r="4" fill="#0a0"/></svg>'
    )

    response = client.post(
        reverse("admin:kelurahan_city_change", args=[city.pk]),
        {
            "logo": SimpleUploadedFile("lambang.svg", svg, content_type="image/svg+xml"),
            **NO_DAYS_OFF,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _images_on_first_page(pdf_bytes(sign(verified_letter, signer_a))) == 1
