"""Messages formatted when shown, so they follow the language of the page that shows them."""

from __future__ import annotations

from django.utils.functional import lazy


def _interpolate(template, params) -> str:
    return template % params


# `interpolate_lazy(gettext_lazy("… %(x)s …"), {"x": …})`: the %-formatting of a lazy translation,
# done only when the message is turned into text (a form error, a ValueError shown on a page).
interpolate_lazy = lazy(_interpolate, str)
