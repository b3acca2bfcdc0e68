"""PORTAL_URL, the portal's public address for QR codes and e-mailed links: required in
production, a local default only for development."""

from __future__ import annotations

import pytest

from tests import settings_process


def load_settings(**env_vars):
    return settings_process.load_settings("PORTAL_URL", **env_vars)


def test_production_refuses_to_start_without_portal_url_and_says_what_to_set():
    result = load_settings()

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert (
        "PORTAL_URL must be set to the portal's public address, e.g. https://portal.example.go.id"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("env_vars", "expected"),
    [
        ({"PORTAL_URL": "https://portal.surakarta.go.id"}, "https://portal.surakarta.go.id"),
        ({"DEBUG": "true"}, "http://localhost:8000"),
    ],
    ids=["production", "development"],
)
def test_portal_url_is_taken_from_the_environment_or_defaults_only_in_development(
    env_vars, expected
):
    result = load_settings(**env_vars)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
