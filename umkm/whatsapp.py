"""WhatsApp numbers: typed any way a resident writes them, stored as wa.me wants them (628…)."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# 62, then an Indonesian mobile number without its leading 0: 10 to 13 digits with the 0
# (0812-3456-78 up to 0812-3456-7890-1), so 8 and then 8 to 11 more digits.
INTERNATIONAL = re.compile(r"^628\d{8,11}$")
SEPARATORS = re.compile(r"[\s\-.()/]")
INVALID = _(
    "Enter an Indonesian mobile number for WhatsApp, e.g. 0812 3456 7890 or +62 812 3456 7890."
)

whatsapp_validator = RegexValidator(INTERNATIONAL, INVALID, code="invalid_whatsapp")


def normalize_whatsapp(value: str) -> str:
    """08… and +62 8… and 62 8… all become 628…; separators go. Anything else is left as typed
    (without separators) for the validator to refuse."""
    digits = SEPARATORS.sub("", value or "")
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits


class WhatsAppFormField(forms.CharField):
    default_validators = [whatsapp_validator]

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})
        )
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        # Room for what people type ("+62 812-3456-7890"); the stored form is at most 15.
        return {**super().widget_attrs(widget), "maxlength": "25"}

    def to_python(self, value):
        return normalize_whatsapp(super().to_python(value))


class WhatsAppField(models.CharField):
    """A CharField that keeps only a normalised number (628…); forms normalise what is typed."""

    default_validators = [whatsapp_validator]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 15)
        kwargs.setdefault(
            "help_text", _("A mobile number such as 0812 3456 7890; it is stored as 62812….")
        )
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # No max_length check in forms: the pattern bounds the length, and its message is clearer.
        return super().formfield(**{"form_class": WhatsAppFormField, "max_length": None, **kwargs})
