"""Forms of the staff letter screens: issuing by NIK, signing or refusing, register, settings."""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from kelurahan.catalog import catalog_for
from kelurahan.models import CityService
from layanan.forms import NIKField
from layanan.kinds import KINDS
from layanan.models import Letter, LetterSettings, LetterType
from layanan.numbering import NumberFormatError, check_format


class IssueStartForm(forms.Form):
    """Step one of issuing: which letter, for which NIK."""

    kind = forms.ChoiceField(label=_("Letter"), choices=[(k, v.name) for k, v in KINDS.items()])
    nik = NIKField()


class AuthorityChoiceField(forms.TypedChoiceField):
    """The list offers the signer's authorities; any id sent is passed on, since the service
    decides (and says why it refuses one: another's, another kelurahan's, out of its period)."""

    def valid_value(self, value):
        return True


class SignForm(forms.Form):
    """Signing: the signer picks one of their own signing authorities valid today (the register,
    layanan.models.SigningAuthority); the signature block comes from it, nothing is typed.

    `authorities` are the signing user's authorities for the letter's kelurahan valid today
    (layanan.workflow.sign_form_options); without any, `notice` says so and whom to ask. The
    service checks the chosen one again: whose it is, its kelurahan and its period."""

    authority = AuthorityChoiceField(label=_("Sign as"), coerce=int, empty_value=None)

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        authorities = list(authorities)
        field = self.fields["authority"]
        field.choices = [(a.pk, signing_authority_label(a)) for a in authorities]
        if len(authorities) == 1:
            field.initial = authorities[0].pk
        elif authorities:
            field.choices = [("", "---------"), *field.choices]
        self.notice = (
            ""
            if authorities
            else _(
                "No signing authority valid today is recorded for your account, so you cannot "
                "sign. Ask the kelurahan's operator to record yours (with its decree) under "
                "Letter services → Signing authorities."
            )
        )


def signing_authority_label(authority) -> str:
    """How the list names an authority: "a.n. Lurah Pajang / Sekretaris Kelurahan — Budi
    Santoso (SK 800/12/2026, sampai 31 Desember 2026)"."""
    official = authority.official
    label = authority.title_line()
    if authority.capacity == Letter.Capacity.ON_BEHALF:
        label += f" / {official.position}"
    label += f" — {official.name}"
    details = []
    if authority.decree_number:
        details.append(_("decree %(number)s") % {"number": authority.decree_number})
    if authority.valid_until:
        details.append(
            _("until %(date)s") % {"date": formats.date_format(authority.valid_until, "j F Y")}
        )
    return f"{label} ({', '.join(details)})" if details else label


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=1000,
        help_text=_("The resident sees this; say what to fix or bring."),
    )


def _entry_key(entry) -> str:
    if entry is None:
        return ""
    return f"{'kota' if isinstance(entry, CityService) else 'kel'}-{entry.pk}"


class LetterTypeForm(forms.ModelForm):
    """A letter type with its catalog entry chosen from what its kelurahan's catalog holds: the
    city's entries it follows and its own rows, in one list (two foreign keys underneath)."""

    catalog = forms.ChoiceField(
        label=_("Catalog entry"),
        required=False,
        help_text=_(
            "The service whose requirements residents see and whose working days set the "
            "promised date."
        ),
    )

    class Meta:
        model = LetterType
        fields = ("name", "classification", "online", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._entries = {}
        if self.instance.kelurahan_id:
            self._entries = {
                _entry_key(e): e for e in catalog_for(self.instance.kelurahan, shown_only=False)
            }
        self.fields["catalog"].choices = [
            ("", "---------"),
            *((key, entry.name) for key, entry in self._entries.items()),
        ]
        self.fields["catalog"].initial = _entry_key(self.instance.catalog_entry)

    def save(self, commit=True):
        entry = self._entries.get(self.cleaned_data["catalog"])
        letter_type = self.instance
        if isinstance(entry, CityService):
            letter_type.service, letter_type.city_service = None, entry
        elif entry is not None:
            letter_type.service = entry
            letter_type.city_service_id = entry.city_service_id
        else:
            letter_type.service = letter_type.city_service = None
        return super().save(commit)


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
