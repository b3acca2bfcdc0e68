"""Writes for staff login security: the two-factor switch and each step of an authenticator."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import SecuritySettings


class TwoFactorError(Exception):
    """A code that did not confirm or verify an authenticator; the message is for the user."""


@transaction.atomic
def security_settings_update(*, by, two_factor_required: bool) -> SecuritySettings:
    """Set the deployment's switches, recording who changed them last."""
    row, _created = SecuritySettings.objects.select_for_update().get_or_create(pk=1)
    row.two_factor_required = two_factor_required
    row.changed_by = by
    row.save()
    return row


@transaction.atomic
def two_factor_device_prepare(*, user) -> TOTPDevice:
    """The authenticator a user is setting up, created unconfirmed on their first visit.

    Reused on later visits, so a QR code already scanned stays valid when the page reloads.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _code_error(device: TOTPDevice, token: str) -> str | None:
    """None when the code is right; otherwise why not (a wrong code slows the next try)."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until") or timezone.now()
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        return _(
            "Too many wrong codes. Wait %(seconds)d second(s), then type the code your app "
            "shows at that moment."
        ) % {"seconds": seconds}
    if device.verify_token(token):
        return None
    return _(
        "That code is not right. Type the 6-digit code your authenticator app shows right now; "
        "if it keeps failing, check that the phone's clock is set automatically."
    )


def two_factor_device_confirm(*, user, token: str) -> TOTPDevice:
    """Confirm the user's pending authenticator with a code it shows, dropping other pending ones.

    Refused when the account already has a confirmed authenticator: a password alone must never
    add another. Raises TwoFactorError; the check commits first, so a wrong code still counts
    towards the slow-down.
    """
    with transaction.atomic():
        devices = TOTPDevice.objects.select_for_update().filter(user=user)
        if devices.filter(confirmed=True).exists():
            error = _(
                "Two-factor login is already set up for this account. To use a new phone, ask "
                "Diskominfo to reset it first."
            )
        else:
            device = devices.filter(confirmed=False).order_by("pk").first()
            if device is None:
                error = _("This setup page has expired. Open it again and scan the new QR code.")
            else:
                error = _code_error(device, token)
                if error is None:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    devices.filter(confirmed=False).delete()
                    return device
    raise TwoFactorError(error)


def two_factor_verify(*, user, token: str) -> TOTPDevice:
    """The user's confirmed authenticator that accepts this code (the second login step).

    Raises TwoFactorError; as above, a wrong code is committed before the error is raised.
    """
    with transaction.atomic():
        devices = list(
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk")
        )
        error = _(
            "Two-factor login has been reset for this account. Log in again to set it up anew."
        )
        for device in devices:
            error = _code_error(device, token)
            if error is None:
                return device
    raise TwoFactorError(error)
