"""portal.settings loaded as a process outside pytest loads it (TESTING off, as in production),
for the tests of what production refuses to start with."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

# The least a production process is started with; each test adds or overrides variables.
PRODUCTION = {
    "PATH": "/usr/bin:/bin",
    "SECRET_KEY": "x" * 60,
    "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
    "ALLOWED_HOSTS": "portal.example.go.id",
}


def load_settings(setting: str, **env_vars) -> subprocess.CompletedProcess:
    """Start a Python that imports portal.settings and prints `setting`."""
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", f"import portal.settings as s; print(s.{setting})"],
        cwd=settings.BASE_DIR,
        env={**PRODUCTION, **env_vars},
        capture_output=True,
        text=True,
        check=False,
    )
