from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (portal/admin_site.py): its index is the work page.
    Named in INSTALLED_APPS in the admin's place; not this module's default config."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"


class PortalConfig(AppConfig):
    default = True
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

    def ready(self):
        from kelurahan import pagecache
        from portal import cache

        # A page-cache invalidation may have been among the writes skipped while Redis did not
        # answer; copies kept from before could then be served stale. Empty them all instead.
        cache.writes_lost.connect(
            lambda sender, **kwargs: pagecache.city_pages_invalidate(),
            dispatch_uid="portal.cache.writes_lost",
            weak=False,
        )
