"""Django's own staff-screen strings whose Indonesian this project mends.

Django's Indonesian catalogs (django.contrib.admin and django.contrib.auth) have strings staff
see every day that are wrong, glued together or half English ("Autentidikasi berdasarkan-sandi",
"Pindahkan%s … tombol panah \"Remove\"", "Go" as "Buka"). Our catalog in locale/ comes first
(LOCALE_PATHS), so a msgid with our msgstr there replaces Django's for the whole site, the admin
included. But `make messages` runs makemessages with --no-obsolete, which drops every msgid no
file of this project contains. The markers below are those msgids, in this project's own
source, so makemessages keeps them and their translations.

Nothing imports this module for use: gettext_noop and ngettext_lazy only mark the strings (the
lazy object is never evaluated). The JavaScript strings of the admin (filter_horizontal's
"Choose"/"Remove" buttons, the calendar) are in the djangojs domain; their markers are in
portal/library_strings.js and their translations in locale/id/LC_MESSAGES/djangojs.po, which the
admin's /admin/jsi18n/ merges over Django's catalog.

To mend another string: copy Django's msgid exactly (from django/contrib/*/locale/id/), add it
here and its msgstr to locale/id/LC_MESSAGES/django.po.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_STRINGS = (
    gettext_noop("Password-based authentication"),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, "
        "they may still be able to authenticate using other backends, such as Single Sign-On or "
        "LDAP."
    ),
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented lowercase a-z and "
        "uppercase A-Z letters, numbers, and @/./+/-/_ characters."
    ),
    gettext_noop(
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
        "characters."
    ),
    gettext_noop("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
    gettext_noop("codename"),
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("A user with that username already exists."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop(
        "The groups this user belongs to. A user will get all permissions granted to each of "
        "their groups."
    ),
    gettext_noop("Reset password"),
    gettext_noop("Go"),
    gettext_noop("None"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Sidebar"),
    gettext_noop("Change history: %s"),
    gettext_noop("Change or view list link"),
    gettext_noop(
        "Deleting %(class_name)s %(instance)s would require deleting the following protected "
        "related objects: %(related_objects)s"
    ),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop(
        "This action will <strong>enable</strong> password-based authentication for this user."
    ),
    gettext_noop("Filter navigation items"),
    ngettext_lazy(
        "%(counter)s result",
        "%(counter)s results",
        1,
    ),
    gettext_noop("Thanks for spending some quality time with the web site today."),
    gettext_noop(
        "Items must be selected in order to perform actions on them. No items have been changed."
    ),
    gettext_noop("Remove from sorting"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("In case you’ve forgotten, you are:"),
    ngettext_lazy(
        "Please correct the error below.",
        "Please correct the errors below.",
        1,
    ),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("change message"),
    gettext_noop("You may edit it again below."),
    gettext_noop("View selected %(model)s"),
)
