"""django-import-export's texts that staff see on the register import and export screens, so our
Indonesian catalog can translate them.

The library ships no Indonesian (import_export/locale has no id), so its buttons, headings and
form labels came out in English. We translate them in locale/id/LC_MESSAGES/django.po; but
`make messages` runs makemessages with --no-obsolete, which drops every msgid that no file of
ours contains. Naming them here, as gettext_noop markers (nothing is translated at import time,
nothing calls this module), keeps them in the catalog. Django admin's own texts are mended in
portal/library_strings.py; only import-export's belong here. When upgrading django-import-export,
compare with its templates and `_()` calls (admin.py, forms.py, resources.py, widgets.py).
"""

from django.utils.translation import gettext_noop, ngettext

IMPORT_EXPORT_STRINGS = (
    # admin.py: the page titles, the changelist buttons and the action.
    gettext_noop("Import"),
    gettext_noop("Export"),
    gettext_noop("Export selected %(verbose_name_plural)s"),
    gettext_noop("Import finished: {} new, {} updated, {} deleted and {} skipped {}."),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. "
        "Ensure you have chosen the correct format for the file."
    ),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers or data for import."
    ),
    # forms.py
    gettext_noop("Resource"),
    gettext_noop("Format"),
    gettext_noop("File to import"),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    # widgets.py, formats/base_formats.py
    gettext_noop("Value could not be parsed."),
    gettext_noop("export failed due to IllegalCharacterError"),
    # templates/admin/import_export/import.html
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, "
        "click 'Confirm import'"
    ),
    gettext_noop("Confirm import"),
    gettext_noop("Submit"),
    gettext_noop("Errors"),
    gettext_noop("Line number"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using the "
        "form above."
    ),
    gettext_noop("Row"),
    gettext_noop("Non field specific"),
    gettext_noop("Skipped"),
    # templates/admin/import_export/resource_fields_list.html and export.html
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("Select all"),
)


def _plural_strings() -> None:  # pragma: no cover - never called; makemessages reads it
    ngettext("Export %(len)s selected item.", "Export %(len)s selected items.", 1)
