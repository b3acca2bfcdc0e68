"""Input validation for staff login security: the 6-digit authenticator code."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _


class TwoFactorCodeForm(forms.Form):
    """The code an authenticator app shows; spaces (as some apps group the digits) are ignored."""

    token = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
        error_messages={"required": _("Type the 6-digit code your authenticator app shows.")},
    )

    def clean_token(self):
        token = re.sub(r"\s+", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(
                _(
                    "The code is 6 digits (numbers only); you typed %(count)d character(s). "
                    "Type the code your authenticator app shows right now."
                ),
                params={"count": len(token)},
            )
        return token
