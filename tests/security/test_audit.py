"""scripts/audit.py tells a clean audit from one that checked nothing, and fails on a finding.

pip-audit's JSON report is stood in for here (the vulnerability services are on the internet);
what is tested is the reading of it and the verdict."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit.py"


@pytest.fixture
def audit_script(monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reporting(module, monkeypatch, dependencies):
    monkeypatch.setattr(module, "audit", lambda lock, service: {"dependencies": dependencies})


CLEAN = {"name": "django", "version": "5.2.8", "vulns": []}
SKIPPED = {
    "name": "asgiref",
    "skip_reason": "Dependency not found on PyPI and could not be audited: asgiref (3.13.0)",
}
VULNERABLE = {
    "name": "pillow",
    "version": "11.0.0",
    "vulns": [{"id": "GHSA-xxxx-yyyy-zzzz", "fix_versions": ["11.3.0"], "description": "..."}],
}


def test_a_known_vulnerability_fails_and_names_the_fix(audit_script, monkeypatch, capsys):
    reporting(audit_script, monkeypatch, [CLEAN, VULNERABLE])

    assert audit_script.main(["requirements.lock"]) == 1
    out = capsys.readouterr().out
    assert "pillow 11.0.0: GHSA-xxxx-yyyy-zzzz (fixed in: 11.3.0)" in out


def test_a_dependency_that_could_not_be_checked_is_never_called_clean(
    audit_script, monkeypatch, capsys
):
    reporting(audit_script, monkeypatch, [CLEAN, SKIPPED])

    assert audit_script.main(["requirements.lock"]) == 0
    out = capsys.readouterr().out
    assert "NOT AUDITED: 1 pinned dependencies" in out
    assert "asgiref (3.13.0)" in out
    assert "No known vulnerabilities" not in out
    assert audit_script.main(["--require-database", "requirements.lock"]) == 2


def test_a_clean_audit_says_how_many_pins_were_checked(audit_script, monkeypatch, capsys):
    reporting(audit_script, monkeypatch, [CLEAN, {**CLEAN, "name": "segno"}])

    assert audit_script.main(["requirements.lock", "requirements-dev.lock"]) == 0
    assert "No known vulnerabilities in 4 audited pins." in capsys.readouterr().out
