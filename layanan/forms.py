"""Letter forms: the identity block every letter shares, and one form per letter kind."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from layanan.models import Letter, Resident
from layanan.nik import NIKError, parse_nik


def date_input():
    """A native date picker; it only understands ISO dates, whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def time_input():
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


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
    birth_date = forms.DateField(label=_("Date of birth"), widget=date_input())
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
        """The cleaned fields as JSON-safe letter details (dates, times and decimals as text)."""
        return {
            key: value.isoformat()
            if hasattr(value, "isoformat")
            else str(value)
            if isinstance(value, Decimal)
            else value
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
        widget=date_input(),
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


def person_fields(prefix: str, label, *, required: bool = True) -> dict[str, forms.Field]:
    """NIK, name, age, occupation and address of a reporter, witness or parent."""

    def text(what):
        return format_lazy("{}: {}", label, what)

    return {
        f"{prefix}_nik": NIKField(label=text("NIK"), required=required),
        f"{prefix}_name": forms.CharField(label=text(_("name")), max_length=150, required=required),
        f"{prefix}_age": forms.IntegerField(
            label=text(_("age")), min_value=0, max_value=130, required=required
        ),
        f"{prefix}_occupation": forms.CharField(
            label=text(_("occupation")), max_length=100, required=required
        ),
        f"{prefix}_address": forms.CharField(
            label=text(_("address")), max_length=255, required=required
        ),
    }


WITNESSES = (
    ("reporter", _("Reporter")),
    ("witness1", _("Witness 1")),
    ("witness2", _("Witness 2")),
)


class KematianForm(LetterForm):
    """Surat keterangan kematian: the deceased (identity block), the death, reporter, witnesses."""

    death_date = forms.DateField(label=_("Date of death"), widget=date_input())
    death_time = forms.TimeField(label=_("Time of death"), widget=time_input())
    death_place = forms.CharField(label=_("Place of death"), max_length=200)
    cause = forms.CharField(label=_("Cause of death"), max_length=200)
    certified_by = forms.CharField(
        label=_("Certified by"),
        max_length=200,
        help_text=_("Who stated the death, e.g. a doctor of RSUD Dr. Moewardi."),
    )
    father_name = forms.CharField(label=_("Father's name"), max_length=150, required=False)
    mother_name = forms.CharField(label=_("Mother's name"), max_length=150, required=False)

    def clean(self):
        cleaned = super().clean()
        born, died = cleaned.get("birth_date"), cleaned.get("death_date")
        if born and died:
            if died < born:
                self.add_error("death_date", _("The date of death is before the date of birth."))
            else:
                before_birthday = (died.month, died.day) < (born.month, born.day)
                cleaned["age"] = died.year - born.year - before_birthday
        return cleaned


for _prefix, _label in WITNESSES:
    KematianForm.base_fields.update(person_fields(_prefix, _label))


class KelahiranForm(forms.Form):
    """Surat keterangan kelahiran, keyed by a parent's NIK; `name` is the baby's name."""

    PLACE_KINDS = [(v, v) for v in ("Rumah Sakit", "Puskesmas", "Polindes", "Rumah", "Lainnya")]
    ATTENDANTS = [(v, v) for v in ("Dokter", "Bidan/Perawat", "Dukun", "Lainnya")]

    nik = NIKField(label=_("NIK of a parent"))
    name = forms.CharField(label=_("Baby's name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Resident.Sex.choices)
    place_kind = forms.ChoiceField(label=_("Kind of birthplace"), choices=PLACE_KINDS)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=200)
    birth_date = forms.DateField(label=_("Date of birth"), widget=date_input())
    birth_time = forms.TimeField(label=_("Time of birth"), widget=time_input())
    birth_kind = forms.ChoiceField(
        label=_("Single or multiple birth"),
        choices=[(v, v) for v in ("Tunggal", "Kembar 2", "Kembar 3", "Kembar 4 atau lebih")],
    )
    birth_order = forms.IntegerField(
        label=_("Birth order (child number)"), min_value=1, max_value=30
    )
    attendant = forms.ChoiceField(label=_("Birth attended by"), choices=ATTENDANTS)
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"), min_value=0.3, max_value=9, decimal_places=2
    )
    length_cm = forms.DecimalField(
        label=_("Length (cm)"), min_value=20, max_value=70, decimal_places=1
    )
    mother_nik = NIKField(label=_("Mother: NIK"))
    mother_name = forms.CharField(label=_("Mother: name"), max_length=150)
    mother_birth_date = forms.DateField(label=_("Mother: date of birth"), widget=date_input())
    mother_occupation = forms.CharField(label=_("Mother: occupation"), max_length=100)
    mother_address = forms.CharField(label=_("Mother: address"), max_length=255)
    father_nik = NIKField(label=_("Father: NIK"), required=False)
    father_name = forms.CharField(label=_("Father: name"), max_length=150, required=False)
    father_birth_date = forms.DateField(
        label=_("Father: date of birth"),
        widget=date_input(),
        required=False,
    )
    father_occupation = forms.CharField(
        label=_("Father: occupation"), max_length=100, required=False
    )
    father_address = forms.CharField(label=_("Father: address"), max_length=255, required=False)
    purpose = forms.CharField(
        label=_("Purpose (keperluan)"), max_length=300, initial="Pengurusan akta kelahiran"
    )

    letter_data = LetterForm.letter_data

    def clean(self):
        cleaned = super().clean()
        nik = cleaned.get("nik")
        if nik and nik not in (cleaned.get("mother_nik"), cleaned.get("father_nik")):
            self.add_error("nik", _("The NIK must be the mother's or the father's NIK below."))
        return cleaned

    @classmethod
    def initial_from_resident(cls, resident: Resident) -> dict:
        parent = "mother" if resident.sex == Resident.Sex.FEMALE else "father"
        return {
            "nik": resident.nik,
            f"{parent}_nik": resident.nik,
            f"{parent}_name": resident.name,
            f"{parent}_birth_date": resident.birth_date,
            f"{parent}_occupation": resident.occupation,
            f"{parent}_address": resident.address,
        }


for _prefix, _label in WITNESSES:
    KelahiranForm.base_fields.update(person_fields(_prefix, _label))
