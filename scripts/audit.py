"""Known vulnerabilities in the locked dependencies: pip-audit on the lock files, said plainly.

    .venv/bin/python scripts/audit.py [--require-database] [LOCK ...]

Audits requirements.lock and requirements-dev.lock (or the files given) without installing
anything: every pin is hashed, so pip-audit reads the versions straight from the file
(--disable-pip) and asks its vulnerability service (PyPI's JSON API by default; --service osv for
OSV) about each one.

pip-audit reports "No known vulnerabilities found" and exits 0 even when it could check nothing:
where the service cannot be reached it skips each dependency with a reason and carries on. This
script counts audited, skipped and vulnerable dependencies and says which happened:
- any known vulnerability: listed with its fix versions, exit 1;
- dependencies that could not be checked: "NOT AUDITED" with pip-audit's reason, exit 0, or exit 2
  with --require-database (where the service is known to be reachable, a skip is a failure);
- otherwise: how many were audited, exit 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.lock", "requirements-dev.lock")


def audit(lock: Path, service: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--disable-pip",
            "--requirement",
            str(lock),
            "--vulnerability-service",
            service,
            "--format",
            "json",
            "--output",
            report.name,
            "--progress-spinner",
            "off",
        ]
        # pip-audit exits 1 when it finds a vulnerability; the report says which, so read it.
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        text = Path(report.name).read_text()
    if not text:
        last = "\n".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"pip-audit failed on {lock.name} (exit {done.returncode}):\n{last}")
    return json.loads(text)


def summarise(name: str, report: dict) -> tuple[list[str], list[str], int]:
    """(vulnerabilities, skip reasons, number audited) of one lock file."""
    found, skipped, audited = [], [], 0
    for dependency in report["dependencies"]:
        if "skip_reason" in dependency:
            skipped.append(dependency["skip_reason"])
            continue
        audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fix released"
            found.append(
                f"{name}: {dependency['name']} {dependency['version']}: {vulnerability['id']} "
                f"(fixed in: {fixes})"
            )
    return found, skipped, audited


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", nargs="*", default=list(LOCKS), help="lock files to audit")
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"])
    parser.add_argument(
        "--require-database",
        action="store_true",
        help="fail (exit 2) when a dependency could not be checked",
    )
    args = parser.parse_args(argv)

    vulnerabilities, skipped, audited = [], [], 0
    for name in args.locks:
        found, skips, count = summarise(name, audit(ROOT / name, args.service))
        vulnerabilities += found
        skipped += skips
        audited += count
        print(f"{name}: {count} audited, {len(skips)} not audited, {len(found)} vulnerabilities")

    if vulnerabilities:
        print("\nKnown vulnerabilities (upgrade the pin in pyproject.toml, then `make lock`):")
        print("\n".join(f"  {line}" for line in vulnerabilities))
        return 1
    if skipped:
        print(
            f"\nNOT AUDITED: {len(skipped)} pinned dependencies could not be checked against the "
            f"'{args.service}' vulnerability service. First reason given by pip-audit:\n"
            f"  {skipped[0]}\n"
            "This is not a clean result: no vulnerability database answered for them."
        )
        return 2 if args.require_database else 0
    print(f"\nNo known vulnerabilities in {audited} audited pins.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
