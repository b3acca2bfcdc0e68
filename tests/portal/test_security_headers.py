"""Security headers on every kind of response: pages, forms, map data, files, errors, admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

PAGES = [
    "/",
    "/cari/?q=Pajang",
    "/k/pajang/",
    "/k/pajang/layanan/",
    "/k/pajang/layanan/ajukan/skuter/",
    "/k/pajang/umkm/",
    "/k/pajang/umkm.geojson",
    "/kota/kota-surakarta/umkm/",
    "/lacak/",
    "/verifikasi/tidak-ada/",
    "/k/tidak-ada/",
    "/admin/login/",
    "/healthz",
]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("address", PAGES)
def test_every_response_carries_the_security_headers(client, demo_city, address):
    response = client.get(address)

    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no other host
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_map_tiles_are_the_only_other_images_allowed(client, db, settings):
    response = client.get(reverse("portal:home"))

    images = directives(response["Content-Security-Policy"])["img-src"]
    assert images == ["'self'", "data:", "https://tile.openstreetmap.org"]


def test_the_staff_admin_carries_them_too(client, operator_a, kelurahan_a):
    client.force_login(operator_a)

    response = client.get(reverse("admin:index"))

    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
