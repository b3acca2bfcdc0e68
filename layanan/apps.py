from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _perms(*actions: str, models: tuple[str, ...]) -> set[str]:
    return {f"layanan.{action}_{model}" for model in models for action in actions}


class LayananConfig(AppConfig):
    name = "layanan"
    verbose_name = _("Letter services")

    # Letters are never deleted, by anyone: no delete permission is handed out. The register of
    # signing authority is kept by the operator (as the officials list is) and Diskominfo; an
    # authority ends by its end date, never by deletion. Signers read it but cannot give
    # themselves authority.
    role_permissions = {
        "Diskominfo": _perms(
            "view", models=("letter", "letterevent", "lettertype", "resident", "accesslog")
        )
        | _perms("view", "change", models=("lettersettings",))
        | _perms("view", "add", "change", models=("signingauthority",))
        | _perms("view", models=("numbercounter",))
        # The city's kop surat and standard statements (layanan.letter_texts), a new version
        # per save: rows are added, never changed.
        | _perms("view", "add", models=("lettertext",)),
        "Operator": _perms("view", "add", "change", models=("letter", "resident"))
        | _perms("view", models=("letterevent",))
        | _perms("view", "change", models=("lettertype", "lettersettings"))
        | _perms("view", "add", "change", models=("signingauthority",))
        # The year's letter counters: the next number, set at go-live (layanan.golive).
        | _perms("view", "add", "change", models=("numbercounter",))
        | {"layanan.delete_resident", "layanan.void_letter", "layanan.view_accesslog"}
        # The kelurahan's own version of a letter kind's statements.
        | _perms("view", "add", models=("lettertext",)),
        "Penandatangan": _perms(
            "view", models=("letter", "letterevent", "resident", "signingauthority")
        )
        | {"layanan.sign_letter", "layanan.void_letter", "layanan.view_accesslog"},
    }

    def ready(self):
        from kelurahan.catalog import catalog_entry_changed
        from kelurahan.signals import kelurahan_provisioned
        from layanan.services import letter_types_follow_catalog, letter_types_on_provision

        kelurahan_provisioned.connect(
            letter_types_on_provision, dispatch_uid="layanan.letter_types"
        )
        catalog_entry_changed.connect(
            letter_types_follow_catalog, dispatch_uid="layanan.letter_types_catalog"
        )
