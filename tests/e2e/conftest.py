"""Browser journeys: Playwright drives Debian's chromium against pytest-django's live server.

Every page a test opens is watched: a console error or an uncaught exception fails the test.
`shot(page, name)` saves a screenshot under artifacts/e2e/<test>/ for a person to look at.
Without chromium these tests are skipped on a developer's machine, but CI sets E2E_REQUIRED=1
(and installs chromium), where a missing browser is a failure, never a skip.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make here
# are ordinary synchronous ones, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"chromium not found at {CHROMIUM}; install Debian's chromium package"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class PageProblems(list):
    """Console errors and uncaught exceptions seen by one page, checked after the test."""

    def watch(self, page):
        page.on(
            "console",
            lambda message: message.type == "error" and self.append(f"console: {message.text}"),
        )
        page.on("pageerror", lambda error: self.append(f"exception: {error}"))


def _blocked_hosts(route):
    """Nothing outside the live server: map tiles and any stray CDN are cut off, as offline."""
    return route.abort()


@pytest.fixture(autouse=True)
def _portal_url(settings, live_server):
    """The portal's configured address (QR codes, e-mailed links) is the live server's here."""
    settings.PORTAL_URL = live_server.url


@pytest.fixture
def page(browser, live_server, request):
    """A phone-sized page (360×740); external hosts are blocked so the page must stand alone."""
    context = browser.new_context(viewport=PHONE, locale="id-ID", base_url=live_server.url)
    problems = PageProblems()
    context.on("page", problems.watch)
    context.route(re.compile(r"^(?!" + re.escape(live_server.url) + r").*"), _blocked_hosts)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = problems
    yield page
    # Let requests still in flight finish before the test database is flushed: on SQLite a
    # request writing its session during the flush fails the teardown ("table is locked").
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()
    # A blocked tile shows as a failed resource load in the console; that is the offline case
    # the pages are built for, not an error of ours.
    ours = [p for p in problems if "net::ERR_FAILED" not in p]
    assert not ours, "\n".join(ours)


@pytest.fixture
def shot(request):
    """shot(page, "name") saves artifacts/e2e/<test name>/<nn>-<name>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    counter = iter(range(1, 100))

    def take(page, name):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{next(counter):02d}-{name}.png"), full_page=True)

    return take
