"""A cache hit is answered before the middleware: no session is loaded, no user, no messages,
no cookie set, no query, no template rendered, and the copy carries the headers a fresh render
gets (CSP included). Visitors with a session, and staff, always go through the whole stack."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

PAGE = "/k/pajang/"
POLICY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Content-Language",
    "Content-Type",
)


def visit(client, address=PAGE, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, **extra)
    assert response.status_code == 200, address
    return response, len(queries)


def test_a_hit_skips_sessions_auth_messages_and_rendering(client, kelurahan_a):
    visit(client)  # the miss keeps the finished page
    hit, queries = visit(client)

    request = hit.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "user")
    assert not hasattr(request, "_messages")
    assert not hasattr(request, "site")  # not even SiteMiddleware ran
    assert hit.templates == []
    assert queries == 0
    assert not hit.cookies
    assert "Set-Cookie" not in hit


def test_a_hit_carries_the_headers_of_a_fresh_render_csp_included(client, kelurahan_a, settings):
    fresh, _queries = visit(client)
    hit, _queries = visit(client)

    assert fresh.templates and not hit.templates
    for header in POLICY_HEADERS:
        assert hit[header] == fresh[header], header
    policy = hit["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert hit["Vary"] == fresh["Vary"]
    assert {"Cookie", "Accept-Encoding"} <= {v.strip() for v in hit["Vary"].split(",")}
    assert hit.content == fresh.content


def test_a_logged_in_visitor_never_gets_the_cached_copy(client, operator_a, kelurahan_a):
    visit(client)  # an anonymous visitor's copy is kept
    client.force_login(operator_a)
    staff, queries = visit(client)

    assert staff.wsgi_request.user.is_authenticated
    assert staff.templates  # rendered for them
    assert queries > 0


def test_a_visitor_with_a_session_cookie_goes_through_the_whole_stack(client, kelurahan_a):
    visit(client)
    client.cookies["sessionid"] = "not-a-real-session"
    response, _queries = visit(client)

    assert hasattr(response.wsgi_request, "session")
    assert hasattr(response.wsgi_request, "user")
    assert response.templates


def test_the_language_cookie_picks_its_own_copy_on_a_hit(client, kelurahan_a, settings):
    indonesian, _ = visit(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    visit(client)
    english, queries = visit(client)

    assert queries == 0 and not english.templates
    assert english["Content-Language"] == "en"
    assert indonesian["Content-Language"] == "id"
    assert english.content != indonesian.content


@pytest.mark.parametrize("address", [f"{PAGE}?utm_source=wa", f"{PAGE}?fbclid=abc"])
def test_a_parameter_the_view_does_not_read_is_served_the_kept_copy(client, kelurahan_a, address):
    plain, _ = visit(client)
    tagged, queries = visit(client, address)

    # Through the stack (the address names no copy of its own), from the shared cache.
    assert hasattr(tagged.wsgi_request, "session")
    assert not tagged.templates and queries == 0
    assert tagged.content == plain.content
