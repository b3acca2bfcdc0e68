"""Staff login security: the client's address, login lockouts (per username and address, and
per address across usernames) with their page, the staff invitation's password page, and the
two-factor login steps.

The two steps live under /admin/two-factor/ and look like the admin's login page; the middleware
in portal.middleware sends every staff session that owes a step to the right one.
"""

import datetime
import textwrap
from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.decorators import ratelimit

from kelurahan import services as kelurahan_services
from kelurahan.forms import InvitationAcceptForm
from portal import services
from portal.forms import TwoFactorCodeForm
from portal.selectors import STEP_SETUP, STEP_VERIFY, two_factor_required, two_factor_step


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


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler plus a limit per address across usernames.

    Axes locks a username+address pair after AXES_FAILURE_LIMIT wrong passwords; someone trying
    many usernames from one address is never slowed by that. Axes 8.3 compares every lockout
    parameter with the same failure limit (AXES_LOCKOUT_PARAMETERS = [[username, ip], ip] would
    lock an address after 5 failures of anyone behind it), so the per-address count is read here
    from axes' own AccessAttempt rows: in the database, like sessions, never in Redis.

    An office's staff share one address, and so may a stranger in it. So the per-address pause
    never applies to a username that logged in successfully from that address within
    STAFF_LOGIN_TRUSTED_DAYS (axes' AccessLog): staff who work there keep logging in, the one
    trying names gets nothing. The pause lifts AXES_COOLOFF_TIME after the failures stop.
    """

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return address_locked(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        """As axes does for a username, the failure that reaches the address limit is already
        answered with the lockout page."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not getattr(request, "axes_locked_out", False):
            if address_locked(request, credentials):
                request.axes_locked_out = True
                request.axes_credentials = credentials


def address_failures(ip_address: str) -> int:
    """Wrong logins from this address within the cool-off time, across usernames."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def address_locked(request, credentials=None) -> bool:
    """Whether logins from the request's address are paused for this username (see AxesHandler);
    marks the request so the lockout page can say which limit it met."""
    limit = settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    if not limit or address_failures(ip_address) < limit:
        return False
    username = get_client_username(request, credentials)
    if username:
        trusted_since = timezone.now() - datetime.timedelta(days=settings.STAFF_LOGIN_TRUSTED_DAYS)
        if AccessLog.objects.filter(
            username=username, ip_address=ip_address, attempt_time__gte=trusted_since
        ).exists():
            return False
    request.axes_address_locked = True
    return True


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): what happened, how long
    to wait and whom to ask. The pause of a whole address (many usernames tried) says so."""
    by_address = getattr(request, "axes_address_locked", False)
    return render(
        request,
        "portal/login_locked_out.html",
        {
            "username": "" if by_address else get_client_username(request, credentials) or "",
            "by_address": by_address,
            "failure_limit": settings.STAFF_LOGIN_ADDRESS_FAILURE_LIMIT
            if by_address
            else settings.AXES_FAILURE_LIMIT,
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
        required=two_factor_required(request.user),
        # segno's own SVG: the only data in it is the otpauth:// address drawn as modules.
        qr_code=mark_safe(qr_code),  # noqa: S308
        secret=" ".join(textwrap.wrap(secret, 4)),
    )


INVITATION_RATE_PER_IP = "20/h"
_INVITATION_PROBLEMS = {"unknown": 404, "used": 410, "expired": 410}


@never_cache
@sensitive_post_parameters("password1", "password2")
@ratelimit(key="ip", rate=INVITATION_RATE_PER_IP, method="POST", block=True)
def staff_invitation(request, token):
    """The link of a staff invitation: the invitee chooses a password (Django's validators), the
    account is made or updated with its role and place, and they are logged in, then sent to
    set up two-factor login where it is required of them. A link that is unknown, used or
    expired gets a page that says so; nothing is made."""
    invitation, problem = kelurahan_services.staff_invitation_for_token(token)
    if invitation is None:
        return _invitation_problem(request, problem)
    account = invitation.user or kelurahan_services.staff_invitation_account(invitation)
    first, _sep, last = invitation.full_name.partition(" ")
    account.first_name, account.last_name, account.email = first, last, invitation.email
    form = InvitationAcceptForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            user = kelurahan_services.staff_invitation_accept(
                token=token, password=form.cleaned_data["password1"]
            )
        except kelurahan_services.InvitationError as exc:
            return _invitation_problem(request, str(exc))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome, %(name)s. Your password is set; your login name is %(username)s.")
            % {"name": user.get_full_name() or user.get_username(), "username": user.username},
        )
        if two_factor_required(user):
            return redirect(step_url(STEP_SETUP, reverse("admin:index")))
        return redirect("admin:index")
    return TemplateResponse(
        request,
        "admin/portal/staff_invitation.html",
        {
            **admin.site.each_context(request),
            "title": _("Choose your password"),
            "form": form,
            "invitation": invitation,
            "username": account.username,
        },
    )


def _invitation_problem(request, problem: str):
    return TemplateResponse(
        request,
        "admin/portal/staff_invitation_problem.html",
        {
            **admin.site.each_context(request),
            "title": _("This invitation link does not work"),
            "problem": problem,
            "login_url": reverse("admin:login"),
        },
        status=_INVITATION_PROBLEMS.get(problem, 404),
    )
