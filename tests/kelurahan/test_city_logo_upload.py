"""The city logo in the admin: SVG accepted (checked, then rasterised), PNG kept PNG with its
transparency, anything hostile, oversized or disguised refused in Indonesian, and a preview."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kelurahan.logos import LOGO_EDGE
from kelurahan.models import City

NO_DAYS_OFF = {"days_off-TOTAL_FORMS": "0", "days_off-INITIAL_FORMS": "0"}
EMBLEM_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120">'
    b'<rect x="10" y="10" width="80" height="100" fill="#c00"/></svg>'
)
HOSTILE = "SVG ini berisi skrip"
HOSTILE_SVGS = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "event handler": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "external image": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="https://example.com/x.png" width="10" height="10"/></svg>'
    ),
    "local file": (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<image href="file:///etc/passwd" width="10" height="10"/></svg>'
    ),
    "css import": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://example.com/a.css);'
        b"</style></svg>"
    ),
    "css url": (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<rect style="fill:url(https://example.com/#a)" width="1" height="1"/></svg>'
    ),
    "javascript link": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)">'
        b'<rect width="1" height="1"/></a></svg>'
    ),
    "embedded html": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject>'
        b'<div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>'
    ),
}
ENTITY_SVGS = {
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>'
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>'
    ),
}


def _transparent_png() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA", (300, 360), (0, 0, 0, 0))
    image.paste((200, 20, 20, 255), (50, 50, 250, 310))
    image.save(out, format="PNG")
    return out.getvalue()


def _upload(client, city, name, content, content_type):
    return client.post(
        reverse("admin:kelurahan_city_change", args=[city.pk]),
        {"logo": SimpleUploadedFile(name, content, content_type=content_type), **NO_DAYS_OFF},
    )


def _stored(city) -> Image.Image:
    city.refresh_from_db()
    with city.logo.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    image.load()
    return image


@pytest.fixture
def city(diskominfo):
    return City.objects.get(code="33.72")


def test_an_svg_logo_is_rasterised_to_a_transparent_png(client, diskominfo, city):
    client.force_login(diskominfo)

    response = _upload(client, city, "lambang.svg", EMBLEM_SVG, "image/svg+xml")

    assert response.status_code == 302, response.context["adminform"].form.errors
    image = _stored(city)
    assert city.logo.name.endswith(".png")
    assert (image.format, image.mode) == ("PNG", "RGBA")
    assert max(image.size) == LOGO_EDGE
    assert image.getpixel((0, 0))[3] == 0  # the ground stays transparent
    assert image.getpixel((image.width // 2, image.height // 2)) == (204, 0, 0, 255)


def test_a_png_logo_stays_a_png_with_its_transparency(client, diskominfo, city):
    client.force_login(diskominfo)

    response = _upload(client, city, "lambang.png", _transparent_png(), "image/png")

    assert response.status_code == 302, response.context["adminform"].form.errors
    image = _stored(city)
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (300, 360))
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((150, 180)) == (200, 20, 20, 255)


@pytest.mark.parametrize("content", HOSTILE_SVGS.values(), ids=HOSTILE_SVGS.keys())
def test_a_hostile_svg_is_refused_in_indonesian(client, diskominfo, city, content):
    client.force_login(diskominfo)

    response = _upload(client, city, "lambang.svg", content, "image/svg+xml")

    assert response.status_code == 200
    assert HOSTILE in " ".join(response.context["adminform"].form.errors["logo"])
    city.refresh_from_db()
    assert not city.logo


@pytest.mark.parametrize("content", ENTITY_SVGS.values(), ids=ENTITY_SVGS.keys())
def test_an_svg_with_entities_is_refused_unexpanded(client, diskominfo, city, content):
    client.force_login(diskominfo)

    response = _upload(client, city, "lambang.svg", content, "image/svg+xml")

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["logo"])
    assert "deklarasi entitas atau DTD" in errors
    city.refresh_from_db()
    assert not city.logo


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # Larger than any emblem: refused before it is parsed.
        (
            "besar.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g/>" * 200_000 + b"</svg>",
            "lebih besar dari 512 KB",
        ),
        # Copies of copies: the drawing would explode.
        (
            "salinan.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect id="r" width="1" height="1"/>'
            + b'<use href="#r"/>' * 101
            + b"</svg>",
            "terlalu rumit",
        ),
        # A 1-by-5000 strip would be a huge bitmap at the logo's size.
        (
            "pita.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="5000"/>',
            "jauh lebih lebar",
        ),
        # A web page named as a logo.
        ("lambang.svg", b"<html><body>bukan logo</body></html>", "bukan gambar yang valid"),
        ("lambang.png", b"<html><body>bukan logo</body></html>", "bukan gambar yang valid"),
        # SVG without its namespace is not an SVG document.
        ("lambang.svg", b'<svg><rect width="1" height="1"/></svg>', "bukan SVG"),
    ],
    ids=["oversized", "use bomb", "strip", "html as svg", "html as png", "no namespace"],
)
def test_an_oversized_or_disguised_logo_is_refused(
    client, diskominfo, city, name, content, message
):
    client.force_login(diskominfo)

    response = _upload(client, city, name, content, "image/svg+xml")

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["logo"])
    city.refresh_from_db()
    assert not city.logo


def test_the_change_page_previews_the_stored_logo(client, diskominfo, city):
    client.force_login(diskominfo)
    url = reverse("admin:kelurahan_city_change", args=[city.pk])
    assert "Belum ada logo" in client.get(url).content.decode()

    _upload(client, city, "lambang.svg", EMBLEM_SVG, "image/svg+xml")

    city.refresh_from_db()
    page = client.get(url).content.decode()
    assert f'<img src="{city.logo.url}"' in page
    assert 'class="logo-preview"' in page
