"""A read whose database connection is cut mid-request (PostgreSQL restarting) is retried once
instead of answering 500; writes are never retried."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from kelurahan import selectors

# Outside a test transaction, as requests run in production (a request inside a transaction is
# never retried: the transaction is already broken).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connection_cut_once(monkeypatch):
    """The first lookup of a kelurahan fails as a cut connection does; later ones work."""
    calls = []
    real = selectors.kelurahan_get_public

    def flaky(slug):
        calls.append(slug)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real(slug)

    monkeypatch.setattr(selectors, "kelurahan_get_public", flaky)
    return calls


def test_a_page_read_is_retried_once_and_answers(kelurahan_a, connection_cut_once, settings):
    settings.PAGE_CACHE_SECONDS = 0
    response = Client(raise_request_exception=False).get(f"/k/{kelurahan_a.slug}/profil/")

    assert response.status_code == 200
    assert connection_cut_once == [kelurahan_a.slug, kelurahan_a.slug]


def test_a_read_that_fails_twice_is_the_503_page(kelurahan_a, monkeypatch, settings):
    settings.PAGE_CACHE_SECONDS = 0
    calls = []

    def broken(slug):
        calls.append(slug)
        raise OperationalError("the database is gone")

    monkeypatch.setattr(selectors, "kelurahan_get_public", broken)
    response = Client(raise_request_exception=False).get(f"/k/{kelurahan_a.slug}/profil/")

    assert response.status_code == 503  # the database is away (portal/errors.py)
    assert len(calls) == 2


def test_a_form_post_is_never_repeated(kelurahan_a, connection_cut_once):
    response = Client(raise_request_exception=False).post(
        f"/k/{kelurahan_a.slug}/usulkan-umkm/", {"name": "Warung"}
    )

    assert response.status_code == 503  # the database is away (portal/errors.py)
    assert len(connection_cut_once) == 1
