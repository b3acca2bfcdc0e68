from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

PLACE_MODELS = ("business", "product", "businessphoto", "tourismspot", "tourismspotphoto")


def _perms(*actions: str, models: tuple[str, ...] = PLACE_MODELS) -> set[str]:
    return {f"umkm.{action}_{model}" for model in models for action in actions}


def _ensure_categories(sender, **kwargs):
    from umkm.defaults import categories_ensure

    categories_ensure()


class UmkmConfig(AppConfig):
    name = "umkm"
    verbose_name = _("UMKM and tourism")

    # Operators and Redaksi manage their kelurahan's places; the category list is city-wide, so
    # only Diskominfo edits it (the others pick from it). Signers may look.
    role_permissions = {
        "Diskominfo": {"umkm.*"},
        "Operator": _perms("view", "add", "change", "delete") | {"umkm.view_businesscategory"},
        "Redaksi": _perms("view", "add", "change", "delete") | {"umkm.view_businesscategory"},
        "Penandatangan": _perms("view"),
    }

    def ready(self):
        # Not a data migration: test runs that flush the database get the list back this way.
        post_migrate.connect(_ensure_categories, sender=self, dispatch_uid="umkm.categories")
