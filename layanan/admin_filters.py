"""How the staff lists of letters and residents are narrowed: the letter-kind filter, and a whole
NIK or KK number typed in the search box looked up exactly."""

from __future__ import annotations

import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kelurahan.tenancy import user_kelurahan
from layanan.kinds import KINDS
from layanan.models import LetterType
from layanan.selectors import letters_past_promise

# A search term that is a whole NIK or KK number: 16 digits, maybe typed with spaces or dots.
FULL_NUMBER = re.compile(r"[0-9]{16}")


def full_number(search_term: str) -> str | None:
    """The 16 digits of a search term that is a whole NIK/KK number, else None.

    Such a term is looked up exactly (an index lookup), not with icontains on every searched
    column, which reads the whole register; the rows found are the same.
    """
    digits = re.sub(r"[\s.]", "", search_term)
    return digits if FULL_NUMBER.fullmatch(digits) else None


class LetterKindFilter(admin.SimpleListFilter):
    """The letter kinds this code knows (layanan.kinds.KINDS), under the parameter and labels
    of the plain `letter_type__kind` filter it replaces, which listed the distinct kinds of every
    letter type of every kelurahan on each page."""

    title = LetterType._meta.get_field("kind").verbose_name
    parameter_name = "letter_type__kind"

    def lookups(self, request, model_admin):
        # Labels, not codes: the kind's name ("Surat Keterangan Kematian"), not "kematian".
        return [(key, kind.name) for key, kind in KINDS.items()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(letter_type__kind=self.value())
        return queryset


class PromiseFilter(admin.SimpleListFilter):
    """Letters past their promised date (layanan.selectors.letters_past_promise), the work page's
    "past the promised date" queue as a list."""

    title = _("promised date")
    parameter_name = "promise"

    def lookups(self, request, model_admin):
        return [("late", _("Past the promised date"))]

    def queryset(self, request, queryset):
        if self.value() != "late":
            return queryset
        kelurahan = user_kelurahan(request.user)
        city_id = kelurahan.kecamatan.city_id if kelurahan else None
        return letters_past_promise(queryset, city_id=city_id)
