from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("City portal")

    # Login security is Diskominfo's: the two-factor switch, and django-axes' records of failed
    # logins (deleting an access attempt unlocks that username and address at once).
    role_permissions = {
        "Diskominfo": {
            "portal.view_securitysettings",
            "portal.change_securitysettings",
            "axes.view_accessattempt",
            "axes.delete_accessattempt",
            "axes.view_accesslog",
        },
    }
