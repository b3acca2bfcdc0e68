"""Staff login security: the client's address, the lockout page and the two-factor login steps.

The two steps live under /admin/two-factor/ and look like the admin's login page; the middleware
in portal.middleware sends every staff session that owes a step to the right one.
"""

import textwrap
from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal import services
from portal.forms import TwoFactorCodeForm
from portal.selectors import STEP_SETUP, STEP_VERIFY, security_settings, two_factor_step


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost one saw (that many entries from the right of X-Forwarded-For; anything left of it
    came from the client and may be forged)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): what happened, how long
    to wait and whom to ask."""
    return render(
        request,
        "portal/login_locked_out.html",
        {
            "username": get_client_username(request, credentials) or "",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "login_url": reverse("admin:login"),
        },
        status=429,
    )


def step_url(step: str, target: str) -> str:
    """The address of a two-factor step that goes on to `target` when done."""
    name = "portal:two_factor_setup" if step == STEP_SETUP else "portal:two_factor_verify"
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _login_completed(request, device) -> None:
    """Mark the session as verified by this authenticator, under a new session key."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _render(request, template: str, **context):
    context = {**admin.site.each_context(request), "next": _next_url(request), **context}
    return TemplateResponse(request, template, context)


@never_cache
@staff_member_required
def two_factor_verify(request):
    """The second login step: the code from the authenticator app the user set up."""
    step = two_factor_step(request.user)
    if step != STEP_VERIFY:
        return redirect(step_url(step, _next_url(request)) if step else _next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(user=request.user, token=form.cleaned_data["token"])
        except services.TwoFactorError as exc:
            form.add_error("token", str(exc))
        else:
            _login_completed(request, device)
            return redirect(_next_url(request))
    return _render(
        request, "admin/portal/two_factor_verify.html", form=form, title=_("Two-factor login")
    )


@never_cache
@staff_member_required
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code.

    Required for every staff member when Diskominfo says so, open to anyone who wants it
    otherwise. An account that already has one is only told so (or sent to type its code).
    """
    step = two_factor_step(request.user)
    if step == STEP_VERIFY:
        return redirect(step_url(step, _next_url(request)))
    if request.user.is_verified():
        return _render(
            request,
            "admin/portal/two_factor_setup.html",
            enabled=True,
            title=_("Two-factor login"),
        )
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_device_confirm(
                user=request.user, token=form.cleaned_data["token"]
            )
        except services.TwoFactorError as exc:
            form.add_error("token", str(exc))
        else:
            _login_completed(request, device)
            messages.success(
                request,
                _(
                    "Two-factor login is on. From now on, type the code from your app after "
                    "your password."
                ),
            )
            return redirect(_next_url(request))
    device = services.two_factor_device_prepare(user=request.user)
    secret = b32encode(device.bin_key).decode()
    qr_code = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, title=_("QR code for your authenticator app")
    )
    return _render(
        request,
        "admin/portal/two_factor_setup.html",
        form=form,
        title=_("Set up two-factor login"),
        required=security_settings().two_factor_required,
        # segno's own SVG: the only data in it is the otpauth:// address drawn as modules.
        qr_code=mark_safe(qr_code),  # noqa: S308
        secret=" ".join(textwrap.wrap(secret, 4)),
    )
