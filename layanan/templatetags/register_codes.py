"""Letter data keeps some of the register's lists as their SIAK code ("5"); letters print the
label ("SLTA/Sederajat"): {{ data.education|code_label:"education" }}."""

from __future__ import annotations

from django import template

from layanan.register_codes import BLOOD_TYPES, EDUCATIONS, RELATIONSHIPS, label_of

register = template.Library()

LISTS = {"education": EDUCATIONS, "blood_type": BLOOD_TYPES, "relationship": RELATIONSHIPS}


@register.filter
def code_label(code, list_name: str) -> str:
    """The label of `code` in the named list; "" for no code or one the list does not have."""
    return label_of(LISTS[list_name], code)
