"""HTML and JSON go out gzipped to browsers that accept it; a cached page is kept gzipped and
served as kept; a browser that does not accept gzip still gets the plain page."""

from __future__ import annotations

import gzip

import pytest

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def body(response) -> bytes:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


@pytest.mark.parametrize("address", ["/", "/k/pajang/", "/k/pajang/umkm/", "/k/pajang/berita/"])
def test_a_page_goes_out_gzipped_and_so_does_its_cached_copy(client, demo_city, address):
    first = client.get(address, **GZIP)
    again = client.get(address, **GZIP)  # from the page cache

    for response in (first, again):
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content)
    assert body(again) == body(first)
    assert b"</html>" in body(again)
    assert len(again.content) < len(body(again)) / 2


def test_a_browser_without_gzip_gets_the_plain_page_from_the_cache_too(client, demo_city):
    plain = client.get("/k/pajang/")
    zipped = client.get("/k/pajang/", **GZIP)  # the copy kept by the first visit
    plain_again = client.get("/k/pajang/")

    assert "Content-Encoding" not in plain and "Content-Encoding" not in plain_again
    assert plain_again.content == plain.content == body(zipped)
    assert "Accept-Encoding" in plain_again["Vary"]


def test_geojson_goes_out_gzipped(client, demo_city):
    response = client.get("/k/pajang/umkm.geojson", **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b'"FeatureCollection"' in body(response)


def test_a_page_with_a_form_is_compressed_but_never_kept(client, demo_city, settings):
    address = "/k/pajang/layanan/ajukan/skuter/"
    first = client.get(address, **GZIP)
    again = client.get(address, **GZIP)

    assert first["Content-Encoding"] == again["Content-Encoding"] == "gzip"
    # Each carries its own masked CSRF token: rendered afresh, not served from the cache.
    assert body(first) != body(again)
    assert settings.CSRF_COOKIE_NAME in first.cookies or settings.CSRF_COOKIE_NAME in client.cookies
