"""Letter forms: the identity block every letter shares, and one form per letter kind."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from layanan.models import Letter, Resident
from layanan.nik import NIKError, parse_nik

IDENTITY_FIELDS = (
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "religion",
    "marital_status",
    "occupation",
    "citizenship",
    "address",
    "rt",
    "rw",
)


class NIKField(forms.CharField):
    """A NIK typed any way (spaces, dots); cleaned to its 16 digits or a precise error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", _("NIK"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return parse_nik(value).value
        except NIKError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class LetterForm(forms.Form):
    """The identity block of the person the letter is about, plus purpose and statement."""

    nik = NIKField()
    name = forms.CharField(label=_("Full name"), max_length=150)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=100)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Resident.Sex.choices)
    religion = forms.CharField(label=_("Religion"), max_length=30)
    marital_status = forms.CharField(label=_("Marital status"), max_length=30)
    occupation = forms.CharField(label=_("Occupation"), max_length=100)
    citizenship = forms.CharField(label=_("Citizenship"), max_length=10, initial="WNI")
    address = forms.CharField(label=_("Address"), max_length=255)
    rt = forms.RegexField(label=_("RT"), regex=r"^\d{1,3}$", max_length=3)
    rw = forms.RegexField(label=_("RW"), regex=r"^\d{1,3}$", max_length=3)
    purpose = forms.CharField(
        label=_("Purpose (keperluan)"),
        max_length=300,
        help_text=_("What the letter is for, e.g. “melamar pekerjaan”."),
    )

    def letter_data(self) -> dict:
        """The cleaned fields as JSON-safe letter details (dates as ISO strings)."""
        return {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in self.cleaned_data.items()
        }

    @classmethod
    def initial_from_resident(cls, resident: Resident) -> dict:
        return {field: getattr(resident, field) for field in IDENTITY_FIELDS}


class SkuterForm(LetterForm):
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the kelurahan states about this resident, in full sentences."),
    )


class DomisiliForm(LetterForm):
    since = forms.DateField(
        label=_("Living at this address since"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class SktmForm(LetterForm):
    household_income = forms.IntegerField(
        label=_("Household income per month (Rp)"), min_value=0, max_value=1_000_000_000
    )
    dependants = forms.IntegerField(label=_("Number of dependants"), min_value=0, max_value=30)


class UsahaForm(LetterForm):
    business_name = forms.CharField(label=_("Business name"), max_length=150)
    business_kind = forms.CharField(label=_("Kind of business"), max_length=150)
    business_address = forms.CharField(label=_("Business address"), max_length=255)
    business_since = forms.IntegerField(
        label=_("Running since (year)"), min_value=1900, max_value=2100
    )


class SignForm(forms.Form):
    capacity = forms.ChoiceField(
        label=_("Signing capacity"), choices=Letter.Capacity.choices, required=False
    )
    signer_name = forms.CharField(label=_("Signer's name"), max_length=150)
    signer_position = forms.CharField(label=_("Signer's position"), max_length=150)
    signer_nip = forms.RegexField(
        label=_("Signer's NIP"), regex=r"^\d{18}$", required=False, max_length=18
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=1000,
        help_text=_("The resident sees this; say what to fix or bring."),
    )
