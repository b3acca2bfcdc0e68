from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

CONTENT_MODELS = (
    "kelurahan",
    "official",
    "rw",
    "rt",
    "karangtaruna",
    "karangtarunaofficer",
    "karangtarunaactivity",
    "article",
    "service",
)


def _perms(*actions: str, models=CONTENT_MODELS) -> set[str]:
    return {f"kelurahan.{action}_{model}" for model in models for action in actions}


def _sync_roles(sender, **kwargs):
    from kelurahan.roles import roles_sync

    roles_sync()


class KelurahanConfig(AppConfig):
    name = "kelurahan"
    verbose_name = _("Kelurahan sites")

    # Content: Operators and Redaksi edit; Operators also add/delete rows (never kelurahan
    # themselves, which only Diskominfo provisions). Signers read.
    role_permissions = {
        "Diskominfo": {"kelurahan.*", "auth.view_user", "auth.add_user", "auth.change_user"},
        "Operator": _perms("view", "change") | _perms("add", "delete", models=CONTENT_MODELS[1:]),
        "Redaksi": _perms("view", "change") | _perms("add", "delete", models=CONTENT_MODELS[1:]),
        "Penandatangan": _perms("view"),
    }

    def ready(self):
        # After every app's migrations, so permissions of apps built on this one exist too.
        post_migrate.connect(_sync_roles, dispatch_uid="kelurahan.sync_roles")
        from kelurahan import hosts, pagecache

        pagecache.connect()
        hosts.connect()
