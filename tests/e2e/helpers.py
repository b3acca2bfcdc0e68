"""Helpers for the browser journeys: staff login, a second watched browser context, axe.

A journey with two people (a resident and an operator) opens a second context with
`watched_page`: the same phone viewport, the same blocked external hosts and the same rule as the
`page` fixture, that a console error or an uncaught exception fails the test.
"""

from __future__ import annotations

import contextlib
import re

from axe_playwright_python.sync_playwright import Axe
from django.core import mail

from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, PageProblems

# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe has no separate wcag22a tag).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@contextlib.contextmanager
def watched_page(browser, live_server, **context_options):
    """A page in a new browser context, watched like the `page` fixture's; checked on exit."""
    options = {"viewport": PHONE, "locale": "id-ID", "base_url": live_server.url}
    context = browser.new_context(**{**options, **context_options})
    problems = PageProblems()
    context.on("page", problems.watch)
    context.route(
        re.compile(r"^(?!" + re.escape(live_server.url) + r").*"), lambda route: route.abort()
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = problems
    try:
        yield page
    finally:
        context.close()
    ours = [p for p in problems if "net::ERR_FAILED" not in p]
    assert not ours, "\n".join(ours)


def log_in(page, username: str, next_url: str = "/admin/", password: str = PASSWORD) -> None:
    """Staff login through the admin's own form, landing on next_url."""
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the whole page as it is now."""
    # No CSSOM preload: axe would re-create each stylesheet as an inline <style>, which the
    # Content-Security-Policy refuses (a console error), and resolve its @import (the admin's
    # forms.css imports widgets.css) against the page instead of the sheet. Only
    # css-orientation-lock reads the CSSOM, and no page of ours locks the orientation.
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "preload": False}
    results = Axe().run(page, options=options)
    return results.response["violations"]


def describe(violations: list[dict]) -> str:
    """Rule ids with the selectors and a summary of each failing node, for assertion messages."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {node['target']} {node['html'][:120]} — {summary[:200]}")
    return "\n".join(lines)


def download_link_by_code(page):
    """On /lacak/ showing a signed letter: ask for the e-mailed code, type it from the outbox
    (the live server sends with the test's locmem backend) and return the download link."""
    mail.outbox.clear()
    page.locator("#download form button[type=submit]").last.click()
    page.locator("#id_code").wait_for()
    codes = re.findall(r"^\s+(\d{6})$", mail.outbox[-1].body, re.MULTILINE)
    page.fill("#id_code", codes[-1])
    page.locator("#download form.track-form button[type=submit]").click()
    link = page.locator("a[href^='/lacak/unduh/']")
    link.wait_for()
    return link
