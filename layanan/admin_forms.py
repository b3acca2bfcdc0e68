"""Forms of the staff letter screens: issuing by NIK, signing or refusing, register, settings."""

from __future__ import annotations

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from kelurahan.nip import NIPField
from layanan.forms import NIKField
from layanan.kinds import KINDS
from layanan.models import Letter, LetterSettings
from layanan.numbering import NumberFormatError, check_format


class IssueStartForm(forms.Form):
    """Step one of issuing: which letter, for which NIK."""

    kind = forms.ChoiceField(label=_("Letter"), choices=[(k, v.name) for k, v in KINDS.items()])
    nik = NIKField()


class SignForm(forms.Form):
    capacity = forms.ChoiceField(
        label=_("Signing capacity"), choices=Letter.Capacity.choices, required=False
    )
    signer_name = forms.CharField(label=_("Signer's name"), max_length=150)
    signer_position = forms.CharField(label=_("Signer's position"), max_length=150)
    signer_nip = NIPField(label=_("Signer's NIP"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=1000,
        help_text=_("The resident sees this; say what to fix or bring."),
    )


class LetterSettingsForm(forms.ModelForm):
    class Meta:
        model = LetterSettings
        fields = ("kelurahan", "number_format", "paper", "online_requests", "resident_pdf_download")

    def clean_number_format(self):
        value = self.cleaned_data["number_format"]
        try:
            check_format(value)
        except NumberFormatError as exc:
            raise forms.ValidationError(str(exc.args[0])) from exc
        return value


class LetterRegisterForm(forms.Form):
    """Which month (or whole year) of the outgoing-letter register, in which file format."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[("", _("Whole year")), *MONTHS.items()],
        coerce=int,
        empty_value=None,
        required=False,
    )
    format = forms.ChoiceField(
        label=_("File format"),
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
        initial="xlsx",
        widget=forms.RadioSelect,
    )
