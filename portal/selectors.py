"""Reads for staff login security: the deployment's switches and the login step a user owes."""

from __future__ import annotations

from django_otp import user_has_device

from portal.models import SecuritySettings

# What a staff session still owes before it counts as logged in.
STEP_VERIFY = "verify"  # has an authenticator: type its code
STEP_SETUP = "setup"  # two-factor is required and there is no authenticator yet


def security_settings() -> SecuritySettings:
    """The deployment's security switches (unsaved defaults when the row does not exist yet)."""
    return SecuritySettings.objects.filter(pk=1).first() or SecuritySettings()


def two_factor_step(user) -> str | None:
    """The second login step a staff user still owes in this session, or None.

    Needs django_otp's OTPMiddleware to have run (it gives the user `is_verified`). A user with a
    confirmed authenticator always types its code; without one only while Diskominfo requires it.
    """
    if not (user.is_authenticated and user.is_staff) or user.is_verified():
        return None
    if user_has_device(user, confirmed=True):
        return STEP_VERIFY
    if security_settings().two_factor_required:
        return STEP_SETUP
    return None
