"""Staff roles: Django groups and the model permissions each one carries.

Each app declares what its roles may do in its AppConfig (`role_permissions`, a mapping of group
name to "app_label.codename" strings or "app_label.*" for every permission of the app);
`roles_sync` collects them so this app never needs to know the apps built on it.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

DISKOMINFO = "Diskominfo"
OPERATOR = "Operator"
SIGNER = "Penandatangan"
REDAKSI = "Redaksi"
ALL = (DISKOMINFO, OPERATOR, SIGNER, REDAKSI)

# What each role is, for the screens that pick one (the invitation, the user form).
LABELS = {
    OPERATOR: _("Operator (letters and site content of one kelurahan)"),
    SIGNER: _("Signer (Lurah or Sekretaris: approves and signs letters)"),
    REDAKSI: _("Redaksi (site content of one kelurahan)"),
    DISKOMINFO: _("Diskominfo (the city's or province's kelurahan sites and staff)"),
}


def declared_permissions() -> dict[str, set[str]]:
    """Every role's permission patterns, gathered from all installed apps."""
    declared: dict[str, set[str]] = {name: set() for name in ALL}
    for config in apps.get_app_configs():
        for role, patterns in getattr(config, "role_permissions", {}).items():
            declared.setdefault(role, set()).update(patterns)
    return declared


def roles_sync() -> None:
    """Create the role groups and give each exactly its declared permissions (idempotent)."""
    permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in declared_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            perm
            for perm in permissions
            if f"{perm.content_type.app_label}.{perm.codename}" in patterns
            or f"{perm.content_type.app_label}.*" in patterns
        ]
        group.permissions.set(wanted)
