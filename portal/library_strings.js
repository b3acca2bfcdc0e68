/* Markers only, never loaded by a page: the msgids of the Django admin's JavaScript whose
   Indonesian this project mends (locale/id/LC_MESSAGES/djangojs.po). `makemessages -d djangojs
   --no-obsolete` keeps a msgid only if a .js file of the project contains it; this is that file.
   See portal/library_strings.py for why and how. */
/* global gettext, pgettext */
[
  gettext("Choose %s by selecting them and then select the \"Choose\" arrow button."),
  gettext("Remove %s by selecting them and then select the \"Remove\" arrow button."),
  gettext("Choose selected %s"),
  gettext("Remove selected %s"),
  gettext("Remove all %s"),
  gettext("Choose all %s"),
  gettext("Available %s"),
  gettext("Chosen %s"),
  gettext("Type into this box to filter down the list of selected %s."),
  gettext("Type into this box to filter down the list of available %s."),
  gettext("(click to clear)"),
  gettext("You have selected an action, and you haven’t made any changes on individual fields. You’re probably looking for the Go button rather than the Save button."),
  gettext("6 a.m."),
  gettext("6 p.m."),
  gettext("Sunday"),
  gettext("Friday"),
  pgettext("abbrev. day Sunday", "Sun"),
];
