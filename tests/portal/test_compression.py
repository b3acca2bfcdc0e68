"""HTML and JSON go out brotli-compressed to browsers that take br, gzipped to those that take
only gzip, plain to the rest; a cached page is kept compressed both ways and served as kept; a
page holding a secret (a CSRF token) never goes out as br (no BREACH padding there)."""

from __future__ import annotations

import gzip

import brotli
import pytest

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}


def body(response) -> bytes:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    if response.get("Content-Encoding") == "br":
        return brotli.decompress(response.content)
    return response.content


@pytest.mark.parametrize("address", ["/", "/k/pajang/umkm/"])
@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=1.0, gzip;q=0.8", "br"),
        ("gzip, deflate", "gzip"),
        ("gzip, br;q=0", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("identity", None),
        ("", None),
    ],
)
def test_a_page_and_its_cached_copy_go_out_in_the_encoding_the_browser_takes_best(
    client, demo_city, address, accept, encoding
):
    plain = client.get(address).content  # kept by this first visit
    first = client.get(address, HTTP_ACCEPT_ENCODING=accept)
    again = client.get(address, HTTP_ACCEPT_ENCODING=accept)

    for response in (first, again):
        assert response.status_code == 200
        assert response.get("Content-Encoding") == encoding
        assert "Accept-Encoding" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content)
        assert body(response) == plain
    assert b"</html>" in plain
    if encoding is not None:
        assert len(again.content) < len(plain) / 2


def test_a_page_rendered_on_a_miss_is_compressed_once_for_every_encoding(client, demo_city):
    fresh_br = client.get("/k/pajang/", **BROWSER)  # the miss: kept, then served from the copy
    gzipped = client.get("/k/pajang/", **GZIP)

    assert fresh_br["Content-Encoding"] == "br"
    assert gzipped["Content-Encoding"] == "gzip"
    assert body(fresh_br) == body(gzipped)


def test_geojson_goes_out_compressed(client, demo_city):
    for accept, encoding in (BROWSER, "br"), (GZIP, "gzip"):
        response = client.get("/k/pajang/umkm.geojson", **accept)

        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
        assert b'"FeatureCollection"' in body(response)


def test_a_page_with_a_form_is_gzipped_with_padding_never_brotli_and_never_kept(
    client, demo_city, settings
):
    address = "/k/pajang/layanan/ajukan/skuter/"
    first = client.get(address, **BROWSER)
    again = client.get(address, **BROWSER)

    # The CSRF token is a secret BREACH could guess through br; gzip has Django's padding.
    assert first["Content-Encoding"] == again["Content-Encoding"] == "gzip"
    # Each carries its own masked CSRF token: rendered afresh, not served from the cache.
    assert body(first) != body(again)
    assert settings.CSRF_COOKIE_NAME in first.cookies or settings.CSRF_COOKIE_NAME in client.cookies


def test_a_logged_in_visitor_gets_gzip_not_brotli(client, demo_city, operator_a):
    client.force_login(operator_a)
    response = client.get("/k/pajang/", **BROWSER)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
