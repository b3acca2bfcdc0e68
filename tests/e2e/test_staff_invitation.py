"""Inviting a staff member in the browser: Diskominfo's "Undang staf" screen, then the invitee's
password page from the e-mailed link, on an office screen and a phone, axe-clean."""

from __future__ import annotations

import re

from django.core import mail

from kelurahan import roles
from kelurahan.models import StaffMembership
from tests.e2e.conftest import PHONE
from tests.e2e.helpers import axe_violations, describe, log_in

OFFICE = {"width": 1366, "height": 768}
LINK = re.compile(r"https?://\S+(?P<path>/staf/undangan/[\w-]+/)")


def assert_clean_on_both_screens(page, shot, name):
    for size, label in ((OFFICE, "office"), (PHONE, "phone")):
        page.set_viewport_size(size)
        shot(page, f"{name}-{label}")
        violations = axe_violations(page)
        assert not violations, describe(violations)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"] + 1, f"{name} is {width}px wide on a {size['width']}px screen"


def test_diskominfo_invites_an_operator_who_sets_a_password_from_the_link(
    page, shot, diskominfo, kelurahan_a, django_user_model
):
    page.set_viewport_size(OFFICE)
    log_in(page, "diskominfo", next_url="/admin/auth/user/")
    page.click("text=Undang staf")
    page.wait_for_url("**/admin/auth/user/undang/")
    assert_clean_on_both_screens(page, shot, "invite")

    page.fill("#id_full_name", "Sri Rahayu")
    page.fill("#id_email", "sri@example.org")
    page.select_option("#id_role", roles.OPERATOR)
    page.select_option("#id_kelurahan", str(kelurahan_a.pk))
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/auth/user/")
    assert "Undangan dikirim ke sri@example.org" in page.content()

    assert len(mail.outbox) == 1
    path = LINK.search(mail.outbox[0].body)["path"]
    page.context.clear_cookies()  # the invitee's own browser
    page.goto(path)
    assert_clean_on_both_screens(page, shot, "accept")

    page.fill("#id_password1", "12345678")
    page.fill("#id_password2", "12345678")
    page.click("input[type=submit]")
    page.locator(".errorlist").first.wait_for()
    assert "Kata sandi ini terlalu umum." in page.content()
    assert_clean_on_both_screens(page, shot, "accept-error")

    page.fill("#id_password1", "Sapu-Lidi-Kampung-47")
    page.fill("#id_password2", "Sapu-Lidi-Kampung-47")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    user = django_user_model.objects.get(email="sri@example.org")
    assert StaffMembership.objects.get(user=user).kelurahan == kelurahan_a
