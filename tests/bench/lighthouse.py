"""Lighthouse on a cheap phone: Google's scores for the public pages, as PageSpeed mobile gives.

    .venv/bin/python tests/bench/lighthouse.py [--kelurahan pajang] [--only LABEL] [--runs 1]

Starts the production-like server of tests/bench/server.py (gunicorn, DEBUG=false, collected hashed
static files served by whitenoise, PostgreSQL, Redis; the demo city), installs Google Lighthouse
into tests/bench/lighthouse/node_modules with `npm ci` when it is missing or differs from the
committed lock file, and runs the Lighthouse CLI with Chromium (/usr/bin/chromium, or $CHROMIUM) on
the city home, the kelurahan home and its section pages, one service page, one UMKM page, the online
letter request form and /lacak/. Lighthouse keeps its defaults, those of PageSpeed Insights' mobile
figure: a Moto G Power screen and simulated throttling (slow 4G: 150 ms RTT, 1.6 Mbit/s; 4× CPU
slowdown). Requests to other hosts (map tiles: https://, the server is plain http) are blocked. Per
page it prints the four category scores, FCP, LCP, TBT, CLS, Speed Index, KB transferred and
requests (medians with --runs > 1), then the failing audits that weigh most. Every report is kept as
JSON and HTML in artifacts/lighthouse/. Figures only; nothing is judged.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.report import table  # noqa: E402
from tests.bench.server import KELURAHAN, PYTHON, Stack, http_get, url_exists  # noqa: E402
from tests.bench.weight import CHROMIUM, section_pages  # noqa: E402

PACKAGE = Path(__file__).with_name("lighthouse")  # package.json, package-lock.json
LIGHTHOUSE = PACKAGE / "node_modules" / ".bin" / "lighthouse"
ARTIFACTS = ROOT / "artifacts" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
# The server is plain http on the loopback, so every https:// request goes to another host: the
# map tile server the CSP allows, unreachable here (and kept out of the figures).
BLOCKED = "https://*"
CATEGORIES = {"performance": "perf", "accessibility": "a11y", "best-practices": "BP", "seo": "SEO"}
# Audits whose figures the main table shows, in its order: (audit id, column, unit divisor).
METRICS = [
    ("first-contentful-paint", "FCP s", 1000),
    ("largest-contentful-paint", "LCP s", 1000),
    ("total-blocking-time", "TBT ms", 1),
    ("cumulative-layout-shift", "CLS", 1),
    ("speed-index", "SI s", 1000),
]
PASSED = 0.9  # Lighthouse shows an audit scoring at least this as passed (green)


@dataclass(frozen=True)
class Target:
    label: str  # short and shell-friendly: --only takes it, report files are named after it
    path: str


def node_packages_ready() -> bool:
    """Whether node_modules holds exactly what package-lock.json pins (npm's hidden lock file,
    node_modules/.package-lock.json, lists what the last install put there)."""
    installed = PACKAGE / "node_modules" / ".package-lock.json"
    if not LIGHTHOUSE.exists() or not installed.exists():
        return False
    wanted = json.loads((PACKAGE / "package-lock.json").read_text())["packages"]
    wanted.pop("", None)  # the project itself
    return json.loads(installed.read_text())["packages"] == wanted


def install_node_packages() -> None:
    """npm ci from the committed lock file, into tests/bench/lighthouse/ only (never global)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed (Node.js 20 or later); nothing was measured.")
    print("Installing Lighthouse: npm ci in tests/bench/lighthouse/", flush=True)
    result = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"npm ci failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def label_of(path: str, slug: str) -> str:
    """/k/<slug>/ is "kelurahan"; a section page is its last path segment (profil, rt-rw...)."""
    if path == f"/k/{slug}/":
        return "kelurahan"
    return path.rstrip("/").rsplit("/", 1)[-1]


def first_link(stack: Stack, path: str, pattern: str, prefer: str = "") -> str | None:
    """The first link on a page whose href matches pattern (the one containing prefer, if any)."""
    _status, body = http_get(stack.url(path))
    links = list(dict.fromkeys(re.findall(rf'href="({pattern})"', body.decode(errors="replace"))))
    preferred = [link for link in links if prefer and prefer in link]
    return (preferred or links or [None])[0]


def targets(stack: Stack, slug: str) -> list[Target]:
    """The pages to measure, found the way a visitor finds them; each must answer 200."""
    found = [Target("city", "/")]
    found += [Target(label_of(path, slug), path) for _text, path in section_pages(stack, slug)]
    umkm = f"/k/{slug}/umkm/"
    item = first_link(stack, umkm, rf"/k/{re.escape(slug)}/umkm/[\w-]+/")
    if item:
        found.append(Target("umkm-item", item))
    else:
        print(f"(no UMKM item linked from {umkm}; left out)")
    service = first_link(stack, f"/k/{slug}/layanan/", rf"/k/{re.escape(slug)}/layanan/[\w-]+/")
    if service:
        found.append(Target("layanan-item", service))
    form = first_link(
        stack, f"/k/{slug}/layanan/", rf"/k/{re.escape(slug)}/layanan/ajukan/[\w-]+/", "skuter"
    ) or url_exists(stack, "layanan:request", slug=slug, kind="skuter")
    if form:
        found.append(Target(f"ajukan-{label_of(form, slug)}", form))
    track = url_exists(stack, "layanan:track")
    if track:
        found.append(Target("lacak", track))
    answering = []
    for target in found:
        status, _body = http_get(stack.url(target.path))  # also fills the server's page cache
        if status == 200:
            answering.append(target)
        else:
            print(f"({target.label}: {target.path} answers {status}; left out)")
    return answering


def run_lighthouse(url: str, output: Path) -> dict | None:
    """One Lighthouse run on url; its JSON report (also written, with the HTML one, next to
    output), or None when Lighthouse failed (its log is printed)."""
    result = subprocess.run(  # noqa: S603 - our own node_modules, fixed arguments
        [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            "--output=html",
            f"--output-path={output}",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--blocked-url-patterns={BLOCKED}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report_path = output.with_name(output.name + ".report.json")
    if result.returncode or not report_path.exists():
        tail = "\n".join(result.stderr.splitlines()[-15:])
        print(f"Lighthouse failed on {url} ({result.returncode}):\n{tail}", flush=True)
        return None
    report = json.loads(report_path.read_text())
    if report.get("runtimeError"):
        print(f"Lighthouse on {url}: {report['runtimeError'].get('message')}", flush=True)
    return report


def figures(report: dict) -> dict[str, float | None]:
    """Scores (0–100) and metrics of one report, keyed by the main table's column names."""
    audits = report["audits"]
    out: dict[str, float | None] = {}
    for category, column in CATEGORIES.items():
        score = report["categories"].get(category, {}).get("score")
        out[column] = None if score is None else score * 100
    for audit, column, divisor in METRICS:
        value = audits.get(audit, {}).get("numericValue")
        out[column] = None if value is None else value / divisor
    weight = audits.get("total-byte-weight", {}).get("numericValue")
    out["KB"] = None if weight is None else weight / 1024
    requests = ((audits.get("network-requests") or {}).get("details") or {}).get("items")
    out["requests"] = None if requests is None else len(requests)
    out["blocked"] = (
        None if requests is None else sum(r["url"].startswith("https://") for r in requests)
    )
    return out


def median_figures(runs: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Each figure's median over the runs that have it."""
    medians: dict[str, float | None] = {}
    for key in runs[0]:
        values = [run[key] for run in runs if run[key] is not None]
        medians[key] = statistics.median(values) if values else None
    return medians


def median_report(reports: list[dict]) -> dict:
    """The run whose performance score is the median one (for its audits)."""
    ranked = sorted(reports, key=lambda r: r["categories"]["performance"]["score"] or 0)
    return ranked[(len(ranked) - 1) // 2]


def failing_audits(report: dict) -> list[dict]:
    """Audits that did not pass, weightiest first: scored audits under PASSED in any category,
    leaving out the performance metrics themselves (the main table has them) and Lighthouse's
    hidden duplicates."""
    audits = report["audits"]
    failing: dict[str, dict] = {}
    for category, column in CATEGORIES.items():
        for ref in report["categories"].get(category, {}).get("auditRefs", []):
            audit = audits[ref["id"]]
            if ref.get("group") in ("metrics", "hidden") or ref["id"] in failing:
                continue
            if audit.get("scoreDisplayMode") in ("notApplicable", "manual", "informative"):
                continue
            score = audit.get("score")
            if score is not None and score >= PASSED:
                continue
            failing[ref["id"]] = {
                "category": column,
                "id": ref["id"],
                "title": audit.get("title", ""),
                "value": audit.get("displayValue", "")
                or ("error" if audit.get("scoreDisplayMode") == "error" else ""),
                "score": score,
                "weight": ref.get("weight", 0),
            }
    return sorted(failing.values(), key=lambda a: (-a["weight"], a["score"] or 0))


def chromium_version() -> str:
    result = subprocess.run(  # noqa: S603 - the browser Lighthouse drives
        [CHROMIUM, "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "Chromium (version unknown)"


def shown(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def clipped(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kelurahan", default=KELURAHAN, help="slug of a demo kelurahan")
    parser.add_argument(
        "--only",
        help="measure one page: its label (city, kelurahan, profil, layanan-item, lacak...)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per page; medians when > 1")
    parser.add_argument("--audits", type=int, default=8, help="failing audits shown per page")
    parser.add_argument("--redis-db", type=int, default=11, help="Redis database (emptied)")
    parser.add_argument("--database", default="portal_bench_lighthouse")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    arguments = sys.argv[1:] if argv is None else argv
    python = Path(PYTHON)
    command = shlex.join(
        [
            str(python.relative_to(ROOT) if python.is_relative_to(ROOT) else python),
            "tests/bench/lighthouse.py",
            *arguments,
        ]
    )
    if not Path(CHROMIUM).exists():
        print(f"chromium not found at {CHROMIUM}; nothing was measured.")
        return 1
    if not node_packages_ready():
        install_node_packages()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with Stack(database=args.database, redis_db=args.redis_db) as stack:
        pages = targets(stack, args.kelurahan)
        if args.only:
            pages = [page for page in pages if args.only in (page.label, page.path)]
            if not pages:
                print(f"No page labelled {args.only!r}; nothing was measured.")
                return 1
        reports: dict[str, list[dict]] = {}
        for page in pages:
            for stale in ARTIFACTS.glob(f"{page.label}-*.report.*"):
                stale.unlink()
            for run in range(1, args.runs + 1):
                print(f"lighthouse {page.path} (run {run}/{args.runs}) ...", flush=True)
                output = ARTIFACTS / f"{page.label}-{run}"
                report = run_lighthouse(stack.url(page.path), output)
                if report is not None and report.get("runtimeError"):
                    # e.g. NO_NAVSTART, a trace Chromium did not record; Lighthouse's own advice
                    # is to run it again. A second failure stays in the table as blanks.
                    print("  ... running it once more, as Lighthouse advises", flush=True)
                    report = run_lighthouse(stack.url(page.path), output)
                if report is not None:
                    reports.setdefault(page.label, []).append(report)

    measured = [page for page in pages if page.label in reports]
    if not measured:
        print("Lighthouse gave no report; nothing was measured.")
        return 1
    columns = [
        *CATEGORIES.values(),
        *(column for _id, column, _d in METRICS),
        "KB",
        "requests",
        "blocked",
    ]
    digits = {"FCP s": 1, "LCP s": 1, "CLS": 3, "SI s": 1, "KB": 1}
    rows = []
    for page in measured:
        values = median_figures([figures(report) for report in reports[page.label]])
        rows.append([page.label, page.path, *(shown(values[c], digits.get(c, 0)) for c in columns)])
    sample = reports[measured[0].label][0]
    settings = sample["configSettings"]
    throttling = settings["throttling"]
    speeds = [r["environment"]["benchmarkIndex"] for runs in reports.values() for r in runs]
    warnings: dict[str, list[str]] = {}
    for label, runs in reports.items():
        for warning in {w for report in runs for w in report["runWarnings"]}:
            warnings.setdefault(" ".join(warning.split()), []).append(label)
    table(
        f"Lighthouse {sample['lighthouseVersion']}: {settings['formFactor']}, "
        f"{settings['throttlingMethod']}d throttling"
        + (f", median of {args.runs} runs" if args.runs > 1 else ""),
        command,
        ["page", "path", *columns],
        rows,
        align="ll" + "r" * len(columns),
        notes=[
            "Scores 0–100 (perf, a11y = accessibility, BP = best practices, SEO); FCP, LCP, "
            "SI (Speed Index) in seconds and TBT in ms, simulated; KB = total transfer "
            "(Lighthouse's total-byte-weight); requests = its network-requests, of which "
            "blocked = to other hosts (map tiles), not loaded.",
            f"Throttling: RTT {throttling['rttMs']:g} ms, {throttling['throughputKbps']:g} kbit/s, "
            f"CPU slowdown {throttling['cpuSlowdownMultiplier']:g}× (PageSpeed Insights' mobile "
            f"setting); screen {settings['screenEmulation']['width']}×"
            f"{settings['screenEmulation']['height']}.",
            f"{chromium_version()} ({CHROMIUM}); flags {CHROME_FLAGS}; blocked {BLOCKED} "
            "(map tiles); Lighthouse's "
            f"benchmarkIndex of this machine (CPU speed; ~1000+ expected): {min(speeds):.0f}–"
            f"{max(speeds):.0f} over the runs ({len(os.sched_getaffinity(0))} CPUs shared with "
            "gunicorn).",
            f"Reports (JSON and HTML): {ARTIFACTS.relative_to(ROOT)}/<page>-<run>.report.*",
            *(
                f"Run warning ({', '.join(labels)}): {clipped(warning, 90)}"
                for warning, labels in warnings.items()
            ),
        ],
    )
    audit_rows = []
    for page in measured:
        for n, audit in enumerate(failing_audits(median_report(reports[page.label]))):
            if n == args.audits:
                break
            audit_rows.append(
                [
                    page.label if n == 0 else "",
                    audit["category"],
                    shown(None if audit["score"] is None else audit["score"] * 100, 0),
                    audit["id"],
                    clipped(audit["value"], 28),
                    clipped(audit["title"], 60),
                ]
            )
    table(
        "Lighthouse: failing audits per page" + (" (median run)" if args.runs > 1 else ""),
        command,
        ["page", "cat", "score", "audit", "value", "title"],
        audit_rows,
        align="llrlll",
        notes=[
            f"Audits scoring under {PASSED * 100:.0f} (not passed), weightiest in their category "
            f"first, at most {args.audits} per page; the metrics themselves are in the table "
            "above.",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
