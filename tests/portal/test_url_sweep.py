"""A sweep over every URL pattern (get.gov's URL-sweep test): each one is either a public page,
listed in PUBLIC below, or refuses an anonymous visitor and a user of another kelurahan.

A new URL fails the suite until it is classified here: public on purpose, or a staff URL with a
way to point it at a real object of kelurahan A (STAFF), so the refusal is tested against
something that exists. Admin URLs all go through the admin site's login (swept here for anonymous
visitors); their per-kelurahan isolation is swept model by model in
tests/kelurahan/test_admin_isolation.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLResolver, get_resolver, reverse

# The letter fixtures (and their private storage root) from the layanan tests.
from layanan.models import RequirementDocument
from tests.layanan.conftest import (  # noqa: F401
    issue,
    private_root,
    sign,
    signed_letter,
    signer_a,
    verified_letter,
)
from tests.layanan.online import request_form, request_url

# Named patterns anyone may open (pages, their forms, the verification and tracking pages).
PUBLIC = {
    "portal:home",
    "portal:search",
    "portal:city",
    "portal:kecamatan",
    "portal:set_language",
    "healthz",
    "readyz",
    "kelurahan:home",
    "kelurahan:profile",
    "kelurahan:structure",
    "kelurahan:rt_rw",
    "kelurahan:karang_taruna",
    "kelurahan:services",
    "kelurahan:service",
    "kelurahan:articles",
    "kelurahan:article",
    "kelurahan:sitemap",
    "layanan:verify",
    # Checking a letter by the number, date and NIK digits printed on it (rate-limited).
    "layanan:verify_by_number",
    # Online letter requests: the service list with its buttons, the form, its receipt (a signed
    # token), tracking (code + NIK digits) and the resident's PDF (a signed, expiring token).
    "portal:kelurahan_services",
    "portal:kelurahan_service",
    "layanan:request",
    "layanan:receipt",
    "layanan:track",
    # A lost tracking code, e-mailed again to the request's own address (never shown; rate-limited).
    "layanan:recover_code",
    "layanan:resident_pdf",
    # UMKM and wisata: lists, pages, map data, and the residents' proposal form.
    "umkm:city_businesses",
    "umkm:city_business_geojson",
    "umkm:city_spots",
    "umkm:city_spot_geojson",
    # The addresses from before several cities: redirects to a city's own.
    "umkm:businesses_anywhere",
    "umkm:business_geojson_anywhere",
    "umkm:spots_anywhere",
    "umkm:spot_geojson_anywhere",
    "umkm:businesses",
    "umkm:business_geojson",
    "umkm:business",
    "umkm:business_propose",
    "umkm:spots",
    "umkm:spot_geojson",
    "umkm:spot",
    # A staff invitation's one-time link: only the SHA-256 of its token is stored, so the page
    # opens for whoever holds the e-mailed link (rate-limited; tests/kelurahan/test_staff_accounts).
    "portal:staff_invitation",
}
# Unnamed patterns that are public: the favicon and public media (officials' photos; private
# documents never live under MEDIA_ROOT).
PUBLIC_ROUTES = {"favicon.ico", r"^media/(?P<path>.*)$"}
# For machines of Diskominfo's IT, not people: the loopback address or a bearer token only; to
# anyone else they do not exist (404). tests/portal/test_metrics.py tests the token itself.
OPERATIONS = {"metrics"}


def _signed_letter_pk(context) -> dict:
    return {"pk": context["signed_letter"].pk}


def _requirement_document_pk(context) -> dict:
    return {"pk": context["document"].pk}


# Staff URLs outside the admin: name -> kwargs for an object of kelurahan A.
STAFF: dict[str, Callable[[dict], dict]] = {
    "layanan:letter_pdf": _signed_letter_pk,
    "layanan:document": _requirement_document_pk,
}


def patterns(resolvers=None, prefix: str = "", namespace: str | None = None) -> Iterator:
    """(route, name) for every URL pattern of the project, names with their namespaces."""
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name


def _is_admin(route: str) -> bool:
    return route.startswith("admin/")


def test_every_url_is_public_on_purpose_or_a_swept_staff_url():
    unclassified = [
        (route, name)
        for route, name in patterns()
        if not _is_admin(route)
        and name not in PUBLIC
        and name not in STAFF
        and name not in OPERATIONS
        and route not in PUBLIC_ROUTES
    ]
    assert not unclassified, f"classify these URLs in PUBLIC, STAFF or OPERATIONS: {unclassified}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_an_operations_url_does_not_exist_for_a_stranger_or_staff(name, client, operator_a):
    stranger = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get(reverse(name), **stranger).status_code == 404
    client.force_login(operator_a)  # staff of a kelurahan are no machine of Diskominfo's
    assert client.get(reverse(name), **stranger).status_code == 404


@pytest.fixture
def context(signed_letter, client, kelurahan_a):  # noqa: F811
    """A signed letter and a requirement document of kelurahan A, made as users make them."""
    response = client.post(request_url(kelurahan_a), request_form())
    assert response.status_code == 302
    return {"signed_letter": signed_letter, "document": RequirementDocument.objects.get()}


@pytest.mark.parametrize("name", sorted(STAFF))
def test_a_staff_url_refuses_anonymous_visitors_and_other_kelurahan(
    name, context, client, operator_a, operator_b
):
    url = reverse(name, kwargs=STAFF[name](context))

    anonymous = client.get(url)  # sent to log in
    assert anonymous.status_code == 302, anonymous.status_code
    assert anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))

    client.force_login(operator_b)
    assert client.get(url).status_code == 404

    client.force_login(operator_a)  # the object is real: its own staff get it
    assert client.get(url).status_code == 200


def _sample_path(route: str) -> str:
    """An admin route with each parameter filled with something plausible."""
    path = re.sub(r"<(?:int:)?(?:object_id|pk|id)>", "1", route)
    path = re.sub(r"<path:object_id>", "1", path)
    path = re.sub(r"<[^>]+>", "x", path)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", path)
    return "/" + path


ADMIN_OPEN = {"admin:login", "admin:logout", "admin:jsi18n", "admin:view_on_site"}


@pytest.mark.django_db
def test_every_admin_url_sends_an_anonymous_visitor_to_the_login(client):
    checked = 0
    for route, name in patterns():
        if not _is_admin(route) or name in ADMIN_OPEN:
            continue
        response = client.get(_sample_path(route))
        assert response.status_code in (302, 404), (route, response.status_code)
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"], route
        checked += 1
    assert checked > 50  # the sweep reached the whole admin
