"""NIP (Nomor Induk Pegawai) and RT/RW numbers: typed any way, stored plainly, printed as
Indonesian offices print them (NIP "19800101 200501 1 001", RT/RW "003/005")."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

NIP_LENGTH = 18
# Between the NIP's groups people type spaces (any kind), dots or dashes.
NIP_SEPARATORS = str.maketrans("", "", ".-")
# Birth date (8), appointment month (6), sex (1), serial number (3): PP 11/2017's NIP layout.
NIP_GROUPS = (8, 6, 1, 3)


def nip_digits(value: str) -> str:
    """The NIP without the separators typed between its groups."""
    return "".join(value.split()).translate(NIP_SEPARATORS)


def nip_grouped(value) -> str:
    """An 18-digit NIP grouped 8 6 1 3 as printed on letters; anything else as it is."""
    text = "" if value is None else str(value)
    if len(text) != NIP_LENGTH or not (text.isascii() and text.isdigit()):
        return text
    groups, start = [], 0
    for size in NIP_GROUPS:
        groups.append(text[start : start + size])
        start += size
    return " ".join(groups)


def rt_rw_padded(value) -> str:
    """An RT or RW number as printed: three digits ("3" → "003"); empty or non-numbers as they
    are. The register stores them without leading zeros (layanan.cells.RTRWWidget)."""
    text = "" if value is None else str(value).strip()
    if text.isascii() and text.isdigit():
        return text.zfill(3)
    return text


class NIPField(forms.CharField):
    """A NIP typed with or without spaces or dots ("19800101 200501 1 001"); cleaned to its 18
    digits, or an error that says what is wrong."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)  # room for the separators; 18 digits are stored
        kwargs.setdefault("label", _("NIP"))
        kwargs.setdefault("help_text", _("18 digits; spaces between the groups are fine."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        digits = nip_digits(value)
        if not (digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(
                _("A NIP has only digits (spaces between the groups are fine), e.g. %(example)s."),
                code="characters",
                params={"example": "19800101 200501 1 001"},
            )
        if len(digits) != NIP_LENGTH:
            raise forms.ValidationError(
                _("A NIP has 18 digits, e.g. %(example)s; the one entered has %(count)d."),
                code="length",
                params={"example": "19800101 200501 1 001", "count": len(digits)},
            )
        return digits
