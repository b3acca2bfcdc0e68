"""Page weight on a phone: what a kelurahan's home and section pages cost to load, measured.

    .venv/bin/python tests/bench/weight.py [--kelurahan pajang]
    .venv/bin/python tests/bench/run.py --only weight

Starts the production-like server of tests/bench/server.py (gunicorn, DEBUG=false, collected
hashed static files served by whitenoise, PostgreSQL, Redis; the demo city), then opens each page
in a fresh Chromium context (cold cache, 360×740, external hosts such as map tiles blocked) and
records every response: bytes on the wire (headers + body as transferred, so compressed where the
server compressed), type and encoding. Photos (/media/) and map tiles are left out of the totals,
as the budget says. Per page it prints the responses, then a summary: requests, KB transferred,
render-blocking scripts (script tags in <head> without defer/async), images without width/height
or without loading="lazy", and whether static files are hashed, compressed (gzip/br) and cached
for a year (Cache-Control max-age >= 31536000 and immutable). Figures only; nothing is judged.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.report import table  # noqa: E402
from tests.bench.server import KELURAHAN, PYTHON, Stack, http_get  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
YEAR = 31536000
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")

# What the page itself says about its scripts and images, read in the browser after load. Map
# internals (Leaflet's tiles and marker icons, made by script) are not the page's <img> tags.
PAGE_FACTS = """() => {
  const images = [...document.querySelectorAll('img')].filter(i => !i.closest('.leaflet-pane'));
  return {
    blocking: [...document.head.querySelectorAll('script[src]')]
      .filter(s => !s.defer && !s.async && s.type !== 'module').map(s => s.getAttribute('src')),
    inlineHeadScripts: document.head.querySelectorAll('script:not([src]):not([type])').length,
    images: images.length,
    noSize: images.filter(i => !i.getAttribute('width') || !i.getAttribute('height'))
      .map(i => i.getAttribute('src')),
    notLazy: images.filter(i => i.getAttribute('loading') !== 'lazy')
      .map(i => i.getAttribute('src')),
  };
}"""


@dataclass
class Response:
    path: str
    kind: str
    status: int
    transferred: int
    body: int
    encoding: str
    cache_control: str
    excluded: str = ""  # why it is left out of the totals (photo, tile)


@dataclass
class PageWeight:
    label: str
    path: str
    responses: list[Response] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    blocked: int = 0  # requests to other hosts (tiles), aborted as offline

    @property
    def counted(self) -> list[Response]:
        return [r for r in self.responses if not r.excluded]


def section_pages(stack: Stack, slug: str) -> list[tuple[str, str]]:
    """The kelurahan home and every page its section nav links to, as the server renders it."""
    status, body = http_get(stack.url(f"/k/{slug}/"))
    if status != 200:
        raise SystemExit(f"/k/{slug}/ answered {status}")
    nav = re.search(rb'<nav class="section-nav".*?</nav>', body, re.S)
    links = re.findall(rb'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0) if nav else b"")
    return [(text.decode().strip(), href.decode()) for href, text in links]


def measure(browser, stack: Stack, label: str, path: str) -> PageWeight:
    weight = PageWeight(label, path)
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    origin = stack.base_url

    def block(route):
        weight.blocked += 1
        route.abort()

    context.route(re.compile(r"^(?!" + re.escape(origin) + r").*"), block)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(stack.url(path), wait_until="load")
    page.wait_for_load_state("networkidle")
    weight.facts = page.evaluate(PAGE_FACTS)
    for request in finished:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        headers = response.headers
        url_path = urlsplit(request.url).path
        excluded = ""
        if request.resource_type == "image" and url_path.startswith("/media/"):
            excluded = "photo"
        weight.responses.append(
            Response(
                path=url_path
                + (f"?{urlsplit(request.url).query}" if urlsplit(request.url).query else ""),
                kind=request.resource_type,
                status=response.status,
                transferred=sizes["responseBodySize"] + sizes["responseHeadersSize"],
                body=len(response.body()),
                encoding=headers.get("content-encoding", ""),
                cache_control=headers.get("cache-control", ""),
                excluded=excluded,
            )
        )
    context.close()
    return weight


def kb(size: int) -> str:
    return f"{size / 1024:,.1f}"


def year_cached(cache_control: str) -> bool:
    found = re.search(r"max-age=(\d+)", cache_control)
    return bool(found) and int(found.group(1)) >= YEAR and "immutable" in cache_control


def print_page(weight: PageWeight, command: str) -> None:
    table(
        f"Page weight: {weight.label} ({weight.path}), 360×740, cold cache",
        command,
        ["type", "path", "status", "encoding", "KB on wire", "KB body", "note"],
        [
            [
                r.kind,
                r.path if len(r.path) <= 60 else r.path[:57] + "...",
                r.status,
                r.encoding or "—",
                kb(r.transferred),
                kb(r.body),
                f"excluded ({r.excluded})" if r.excluded else "",
            ]
            for r in weight.responses
        ],
        align="llrlrrl",
        notes=[f"Requests to other hosts (map tiles), blocked as offline: {weight.blocked}."]
        if weight.blocked
        else [],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kelurahan", default=KELURAHAN, help="slug of a demo kelurahan")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database (emptied)")
    parser.add_argument("--database", default="portal_bench_weight")
    args = parser.parse_args(argv)
    arguments = sys.argv[1:] if argv is None else argv
    python = Path(PYTHON)
    command = shlex.join(
        [
            str(python.relative_to(ROOT) if python.is_relative_to(ROOT) else python),
            "tests/bench/weight.py",
            *arguments,
        ]
    )
    if not Path(CHROMIUM).exists():
        print(f"chromium not found at {CHROMIUM}; nothing was measured.")
        return 1
    from playwright.sync_api import sync_playwright

    with Stack(database=args.database, redis_db=args.redis_db) as stack:
        pages = section_pages(stack, args.kelurahan)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--headless", "--disable-gpu"],
            )
            for label, path in pages:
                measure(browser, stack, label, path)  # warm the server's page cache
            weights = [measure(browser, stack, label, path) for label, path in pages]
            browser.close()
        for weight in weights:
            print_page(weight, command)

        summary = []
        statics: dict[str, Response] = {}
        for weight in weights:
            counted = weight.counted
            document = next(r for r in counted if r.kind == "document")
            for response in counted:
                if response.path.startswith("/static/"):
                    statics.setdefault(response.path, response)
            total = sum(r.transferred for r in counted)
            summary.append(
                [
                    weight.label,
                    weight.path,
                    len(counted),
                    kb(total),
                    kb(document.transferred),
                    document.encoding or "none",
                    len(weight.responses) - len(counted) + weight.blocked,
                    len(weight.facts["blocking"]),
                    weight.facts["images"],
                    len(weight.facts["noSize"]),
                    len(weight.facts["notLazy"]),
                ]
            )
        table(
            "Page weight summary: kelurahan home and section pages (photos and map tiles aside)",
            command,
            [
                "page",
                "path",
                "requests",
                "KB wire",
                "HTML KB",
                "HTML enc",
                "excluded",
                "blocking JS",
                "img",
                "img no w/h",
                "img not lazy",
            ],
            summary,
            align="llrrrlrrrrr",
            notes=[
                "KB wire = headers + bodies as transferred (Chromium's request sizes), cold cache.",
                "HTML enc = the page's Content-Encoding (the portal gzips HTML itself).",
                "excluded = photos under /media/ and blocked requests to other hosts (tiles).",
                "blocking JS = <script src> in <head> without defer or async; "
                "img = <img> tags of the page (Leaflet's own marker/tile images aside).",
            ],
        )
        table(
            "Static files as served (first page that loaded each)",
            command,
            ["path", "type", "hashed", "encoding", "KB wire", "Cache-Control", "year+immutable"],
            [
                [
                    r.path,
                    r.kind,
                    "yes" if HASHED.search(r.path) else "NO",
                    r.encoding or "NONE",
                    kb(r.transferred),
                    r.cache_control or "—",
                    "yes" if year_cached(r.cache_control) else "NO",
                ]
                for r in sorted(statics.values(), key=lambda r: r.path)
            ],
            align="llllrll",
            notes=[
                "Encoding as negotiated by Chromium (Accept-Encoding: gzip, deflate, br, zstd); "
                "PNG is not recompressed (already compressed).",
            ],
        )
        for weight in weights:
            for response in weight.responses:
                if response.status >= 400:
                    print(f"{weight.path}: {response.status} for {response.path}")
            facts = weight.facts
            for key in ("blocking", "noSize", "notLazy"):
                if facts[key]:
                    print(f"{weight.path}: {key}: {', '.join(map(str, facts[key]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
