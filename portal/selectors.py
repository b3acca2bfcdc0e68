"""Reads for staff login security: the deployment's switches and the login step a user owes."""

from __future__ import annotations

from django.conf import settings
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
    confirmed authenticator always types its code; without one only while two-factor login is
    required of them (two_factor_required).
    """
    if not (user.is_authenticated and user.is_staff) or user.is_verified():
        return None
    if user_has_device(user, confirmed=True):
        return STEP_VERIFY
    if two_factor_required(user):
        return STEP_SETUP
    return None


def two_factor_required(user) -> bool:
    """Whether this staff user must log in with two factors: always while Diskominfo requires it
    for all staff, and always for the roles in settings.STAFF_TWO_FACTOR_ROLES (by default in
    production Diskominfo and signers: one can reach every kelurahan of a city, the other signs
    letters in the Lurah's name). Superusers count as every role."""
    if security_settings().two_factor_required:
        return True
    roles = settings.STAFF_TWO_FACTOR_ROLES
    if not roles:
        return False
    return user.is_superuser or user.groups.filter(name__in=roles).exists()
