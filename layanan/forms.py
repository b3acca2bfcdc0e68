"""Letter forms: the identity block every letter shares, and one form per letter kind.

The register's lists are choices (layanan.register_codes); sex is never preselected; dates of birth
and death may not be after today (checked here, and the date pickers stop at today); an age is
computed from the date of birth, never typed. Long forms come in blocks (`fieldsets`): the staff
issue screen shows each as a fieldset, and a person block's NIK can fill it from the register.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kelurahan.nip import rt_rw_padded
from layanan.documents import MAX_DOCUMENTS, DocumentRejected, document_check
from layanan.models import MAX_DOCUMENT_BYTES, TRACKING_CODE_LENGTH, Resident
from layanan.nik import NIKError, parse_nik
from layanan.register_codes import (
    BLOOD_TYPES,
    EDUCATIONS,
    MARITAL_STATUSES,
    RELATIONSHIPS,
    RELIGIONS,
    coded_choices,
    marital_status_of,
    religion_of,
)
from layanan.tracking import ALPHABET as TRACKING_ALPHABET
from layanan.tracking import tracking_code_clean


def date_input():
    """A native date picker; it only understands ISO dates, whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def time_input():
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


# The empty first option of a choice nothing may preselect (sex: a wrong default is easily missed).
CHOOSE = _("— choose —")


def choices_with_empty(choices) -> list[tuple[str, str]]:
    return [("", CHOOSE), *choices]


def not_after_today(message):
    """A validator refusing dates after today (in the portal's time zone) with `message`, which
    names today's date as %(today)s."""

    def validate(value: datetime.date) -> None:
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(
                message, code="future", params={"today": today.strftime("%d-%m-%Y")}
            )

    return validate


BIRTH_NOT_IN_FUTURE = not_after_today(
    _("The date of birth cannot be after today (%(today)s); check the year.")
)
DEATH_NOT_IN_FUTURE = not_after_today(
    _("The date of death cannot be after today (%(today)s); check the date.")
)


NOT_IN_FUTURE = (BIRTH_NOT_IN_FUTURE, DEATH_NOT_IN_FUTURE)


def birth_date_field(label, **kwargs) -> forms.DateField:
    """A date of birth: not after today, and the form shows the age it makes beside it."""
    widget = date_input()
    widget.attrs["data-age"] = ""
    return forms.DateField(label=label, widget=widget, validators=[BIRTH_NOT_IN_FUTURE], **kwargs)


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years from `born` to `day` (the age on that day)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class DateLimits:
    """Mixin: date pickers of dates that may not be after today stop at today (max=…); the
    validators still decide, for a browser without a picker or a form sent by hand."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate().isoformat()
        for field in self.fields.values():
            if any(check in field.validators for check in NOT_IN_FUTURE):
                field.widget.attrs["max"] = today


class Blocks:
    """Mixin: the form's fields in blocks, `FIELDSETS` = ((legend, person prefix or "", field
    names), …); fields no block names come last, in a block of their own (or the only one)."""

    FIELDSETS: tuple = ()
    REST_LEGEND = None

    def fieldsets(self) -> list[dict]:
        blocks, named = [], set()
        for legend, person, names in self.FIELDSETS:
            present = [name for name in names if name in self.fields]
            named.update(present)
            blocks.append(
                {"legend": legend, "person": person, "fields": [self[n] for n in present]}
            )
        rest = [self[name] for name in self.fields if name not in named]
        if rest:
            blocks.append({"legend": self.REST_LEGEND, "person": "", "fields": rest})
        return [block for block in blocks if block["fields"]]


def person_ages(cleaned: dict, prefixes, day: datetime.date) -> None:
    """Each person's `<prefix>_age` on `day`, from their `<prefix>_birth_date`."""
    for prefix in prefixes:
        born = cleaned.get(f"{prefix}_birth_date")
        if born:
            cleaned[f"{prefix}_age"] = age_on(born, day)


def sex_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Sex"), choices=choices_with_empty(Resident.Sex.choices))


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


# The identity block's optional SIAK lists (not in the register).
OPTIONAL_CODED = ("education", "blood_type", "relationship")


def coded_field(label, labels: tuple[str, ...], **kwargs) -> forms.ChoiceField:
    """One of a SIAK list, stored as its code ("5") and shown (and printed) as its label."""
    return forms.ChoiceField(
        label=label, choices=choices_with_empty(coded_choices(labels)), **kwargs
    )


class LetterForm(DateLimits, Blocks, forms.Form):
    """The identity block of the person the letter is about, plus purpose and statement.

    Education, blood type and relationship in the family are not in the register, so they are
    optional here (chosen from the KK when it is at hand) and printed only when chosen.
    """

    nik = NIKField()
    name = forms.CharField(label=_("Full name"), max_length=150)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=100)
    birth_date = birth_date_field(_("Date of birth"))
    sex = sex_field()
    religion = forms.ChoiceField(
        label=_("Religion"), choices=choices_with_empty((v, v) for v in RELIGIONS)
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=choices_with_empty((v, v) for v in MARITAL_STATUSES)
    )
    education = coded_field(_("Education (as in the KK)"), EDUCATIONS, required=False)
    blood_type = coded_field(_("Blood type"), BLOOD_TYPES, required=False)
    relationship = coded_field(
        _("Relationship in the family (SHDK)"), RELATIONSHIPS, required=False
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=100)
    citizenship = forms.CharField(label=_("Citizenship"), max_length=10, initial="WNI")
    address = forms.CharField(label=_("Address"), max_length=255)
    rt = forms.RegexField(label=_("RT"), regex=r"^[0-9]{1,3}$", max_length=3)
    rw = forms.RegexField(label=_("RW"), regex=r"^[0-9]{1,3}$", max_length=3)
    purpose = forms.CharField(
        label=_("Purpose (keperluan)"),
        max_length=300,
        help_text=_("What the letter is for, e.g. “melamar pekerjaan”."),
    )

    def letter_data(self) -> dict:
        """The cleaned fields as JSON-safe letter details (dates, times and decimals as text);
        an optional list left unchosen (education …) is left out, not kept as ""."""
        return {
            key: value.isoformat()
            if hasattr(value, "isoformat")
            else str(value)
            if isinstance(value, Decimal)
            else value
            for key, value in self.cleaned_data.items()
            if not (key in OPTIONAL_CODED and value == "")
        }

    @classmethod
    def initial_from_resident(cls, resident: Resident) -> dict:
        """The identity block from the register row; religion and marital status as one of the
        choices whatever the row's spelling ("islam", "KATHOLIK"), or unchosen."""
        initial = {field: getattr(resident, field) for field in IDENTITY_FIELDS}
        initial["religion"] = religion_of(resident.religion)
        initial["marital_status"] = marital_status_of(resident.marital_status)
        return initial


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


PERSON_FIELDS = ("nik", "name", "birth_date", "occupation", "address")


def person_fields(prefix: str, label, *, required: bool = True) -> dict[str, forms.Field]:
    """NIK, name, date of birth, occupation and address of a reporter or witness; the letter
    keeps the age the date of birth makes (`<prefix>_age`, computed on clean)."""

    def text(what):
        return format_lazy("{}: {}", label, what)

    return {
        f"{prefix}_nik": NIKField(label=text("NIK"), required=required),
        f"{prefix}_name": forms.CharField(label=text(_("name")), max_length=150, required=required),
        f"{prefix}_birth_date": birth_date_field(text(_("date of birth")), required=required),
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


def person_block(prefix: str, legend) -> tuple:
    """A fieldset of one person (see Blocks): typing its NIK can fill it from the register."""
    return (legend, prefix, [f"{prefix}_{name}" for name in PERSON_FIELDS])


WITNESS_BLOCKS = tuple(person_block(prefix, label) for prefix, label in WITNESSES)
PURPOSE_LEGEND = _("Purpose of the letter")


def resident_address(resident: Resident) -> str:
    """A register row's address as one line, with RT/RW as printed: "Jl. Mawar 7 RT 004/RW 002"."""
    parts = [resident.address]
    if resident.rt or resident.rw:
        parts.append(f"RT {rt_rw_padded(resident.rt)}/RW {rt_rw_padded(resident.rw)}")
    return " ".join(part for part in parts if part)


def person_from_resident(resident: Resident) -> dict:
    """A person block's fields (without prefix) from their register row."""
    return {
        "nik": resident.nik,
        "name": resident.name,
        "birth_date": resident.birth_date,
        "occupation": resident.occupation,
        "address": resident_address(resident),
    }


class KematianForm(LetterForm):
    """Surat keterangan kematian: the deceased (identity block), the death, reporter, witnesses.

    The letter keeps the deceased's age at death (`age`) and each person's age today."""

    FIELDSETS = (
        (_("Deceased"), "", [*IDENTITY_FIELDS, "education", "blood_type", "relationship"]),
        (
            _("Death"),
            "",
            [
                "death_date",
                "death_time",
                "death_place",
                "cause",
                "certified_by",
                "father_name",
                "mother_name",
            ],
        ),
        *WITNESS_BLOCKS,
    )
    REST_LEGEND = PURPOSE_LEGEND

    death_date = forms.DateField(
        label=_("Date of death"), widget=date_input(), validators=[DEATH_NOT_IN_FUTURE]
    )
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
                cleaned["age"] = age_on(born, died)
        person_ages(cleaned, [prefix for prefix, _label in WITNESSES], timezone.localdate())
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The deceased's age shown beside the date of birth is the age at death.
        self.fields["birth_date"].widget.attrs["data-age-at"] = self.add_prefix("death_date")


for _prefix, _label in WITNESSES:
    KematianForm.base_fields.update(person_fields(_prefix, _label))


class KelahiranForm(DateLimits, Blocks, forms.Form):
    """Surat keterangan kelahiran, keyed by a parent's NIK; `name` is the baby's name.

    The letter keeps each parent's, the reporter's and the witnesses' age today (`<prefix>_age`).
    """

    FIELDSETS = (
        (_("Letter"), "", ["nik", "purpose"]),
        (
            _("Baby"),
            "",
            [
                "name",
                "sex",
                "place_kind",
                "birth_place",
                "birth_date",
                "birth_time",
                "birth_kind",
                "birth_order",
                "attendant",
                "weight_kg",
                "length_cm",
            ],
        ),
        person_block("mother", _("Mother")),
        person_block("father", _("Father")),
        *WITNESS_BLOCKS,
    )

    PLACE_KINDS = [(v, v) for v in ("Rumah Sakit", "Puskesmas", "Polindes", "Rumah", "Lainnya")]
    ATTENDANTS = [(v, v) for v in ("Dokter", "Bidan/Perawat", "Dukun", "Lainnya")]

    nik = NIKField(label=_("NIK of a parent"))
    name = forms.CharField(label=_("Baby's name"), max_length=150)
    sex = sex_field()
    place_kind = forms.ChoiceField(label=_("Kind of birthplace"), choices=PLACE_KINDS)
    birth_place = forms.CharField(label=_("Place of birth"), max_length=200)
    birth_date = birth_date_field(_("Date of birth"))
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
    mother_birth_date = birth_date_field(_("Mother: date of birth"))
    mother_occupation = forms.CharField(label=_("Mother: occupation"), max_length=100)
    mother_address = forms.CharField(label=_("Mother: address"), max_length=255)
    father_nik = NIKField(label=_("Father: NIK"), required=False)
    father_name = forms.CharField(label=_("Father: name"), max_length=150, required=False)
    father_birth_date = birth_date_field(_("Father: date of birth"), required=False)
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
        person_ages(
            cleaned, ["mother", "father", *(p for p, _label in WITNESSES)], timezone.localdate()
        )
        return cleaned

    @classmethod
    def initial_from_resident(cls, resident: Resident) -> dict:
        parent = "mother" if resident.sex == Resident.Sex.FEMALE else "father"
        person = person_from_resident(resident)
        return {"nik": resident.nik, **{f"{parent}_{k}": v for k, v in person.items()}}


for _prefix, _label in WITNESSES:
    KelahiranForm.base_fields.update(person_fields(_prefix, _label))


# --- Online requests from residents ---------------------------------------------------------

PHONE_SEPARATORS = str.maketrans("", "", " .-()/")
FORM_INCOMPLETE = _("This form is incomplete; reload the page and fill it in again.")


class PhoneField(forms.CharField):
    """An Indonesian phone or WhatsApp number typed any way; cleaned to "08…" digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        digits = value.translate(PHONE_SEPARATORS)
        if digits.startswith("+"):
            digits = digits[1:]
        if not (digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(
                _("A phone number has only digits (and + at the start), e.g. 0812 3456 7890."),
                code="characters",
            )
        if digits.startswith("62"):
            digits = "0" + digits[2:]
        if not (digits.startswith("0") and 10 <= len(digits) <= 14):
            raise forms.ValidationError(
                _(
                    "Enter an Indonesian number of 10–14 digits starting with 0 or +62, "
                    "e.g. 0812 3456 7890; the number entered has %(count)d digits."
                ),
                code="length",
                params={"count": len(digits)},
            )
        return digits


class MultipleDocumentInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several requirement documents in one file input, each checked by layanan.documents;
    cleaned to a list of CheckedDocument, in the order chosen."""

    widget = MultipleDocumentInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleDocumentInput(
                attrs={"accept": "image/jpeg,image/png,image/heic,image/heif,application/pdf"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_DOCUMENTS:
            raise forms.ValidationError(
                _(
                    "You chose %(count)d files; at most %(max)d may be sent. "
                    "Put several pages into one PDF, or leave out what is not required."
                ),
                code="too_many",
                params={"count": len(uploads), "max": MAX_DOCUMENTS},
            )
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(document_check(upload))
            except DocumentRejected as exc:
                errors.append(forms.ValidationError(exc.message, code="rejected"))
        if errors:
            raise forms.ValidationError(errors)
        return checked


class OnlineRequestForm(forms.Form):
    """What a resident adds to a letter's own form when asking online: contact details, the
    requirement documents, a honeypot for bots, and the form's hidden id (request_key)."""

    CONTACT_FIELDS = ("phone", "email")
    EXTRA_FIELDS = ("phone", "email", "documents", "website", "request_key")

    phone = PhoneField(
        label=_("Phone/WhatsApp number"),
        help_text=_("The kelurahan calls or messages you here if something is missing."),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("If you give one, we email you each time the status changes."),
    )
    documents = DocumentsField(
        label=_("Photos or scans of the documents"),
        help_text=format_lazy(
            _(
                "Photos or scans of the documents listed for this letter (KTP, KK, …): "
                "JPEG, PNG, HEIC or PDF, at most {size} each, at most {count} files."
            ),
            size=lazy(filesizeformat, str)(MAX_DOCUMENT_BYTES),
            count=MAX_DOCUMENTS,
        ),
        error_messages={
            "required": _(
                "Attach the requirement documents: photos or scans (JPEG, PNG, HEIC or PDF) of "
                "the documents listed for this letter."
            )
        },
    )
    # Honeypot: hidden from people (and skipped by the keyboard), filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    request_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": FORM_INCOMPLETE,
            "invalid": FORM_INCOMPLETE,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("statement",):
            if name in self.fields:
                self.fields[name].help_text = _(
                    "What you need the letter to state about you; the kelurahan checks it."
                )

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get(self.add_prefix("website"), "").strip())

    def clean(self):
        cleaned = super().clean()
        if self.honeypot_filled:
            raise forms.ValidationError(
                _(
                    "This form could not be accepted because a hidden field was filled in, "
                    "perhaps by your browser. Reload the page and fill the form in again."
                ),
                code="honeypot",
            )
        return cleaned

    def letter_fields(self):
        return [self[name] for name in self.fields if name not in self.EXTRA_FIELDS]

    def letter_data(self) -> dict:
        return {
            key: value
            for key, value in super().letter_data().items()
            if key not in self.EXTRA_FIELDS
        }


def online_request_form(letter_form: type[forms.Form]) -> type[OnlineRequestForm]:
    """The public request form for a letter kind: the operator's form of that kind (the same
    fields, checks and NIK validation) followed by OnlineRequestForm's fields."""
    return type(f"Online{letter_form.__name__}", (OnlineRequestForm, letter_form), {})


class TrackForm(forms.Form):
    """/lacak/: a tracking code and the NIK's last 4 digits; both must match one request."""

    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        help_text=_("The 10 letters and digits on your receipt, e.g. 7KQ2M-9XD4P."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    nik_last4 = forms.RegexField(
        label=_("Last 4 digits of the NIK"),
        regex=r"^[0-9]{4}$",  # ASCII only: \d also matches "٣" and "３"
        max_length=4,
        min_length=4,
        error_messages={"invalid": _("Enter exactly 4 digits: the last 4 of the NIK.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The NIK you gave in the request (for a birth letter: the parent's NIK)."),
    )

    def clean_code(self):
        code = tracking_code_clean(self.cleaned_data["code"])
        if len(code) != TRACKING_CODE_LENGTH or not set(code) <= set(TRACKING_ALPHABET):
            raise forms.ValidationError(
                _(
                    "A tracking code has 10 letters and digits, e.g. 7KQ2M-9XD4P; "
                    "check it against your receipt."
                ),
                code="invalid",
            )
        return code


class DownloadCodeForm(forms.Form):
    """/lacak/: the one-time code e-mailed to the resident, to take the signed PDF."""

    code = forms.RegexField(
        label=_("Code from the email"),
        regex=r"^[0-9]{6}$",  # ASCII only, as for the NIK digits
        max_length=6,
        min_length=6,
        strip=True,
        error_messages={"invalid": _("Enter the 6 digits of the code in the email.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


# Month names as a letter prints its date ("3 Desember 2026"), in Indonesian and English, in full
# and shortened, for a date typed where the browser has no date picker.
PRINTED_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "january", "jan"),
            ("februari", "february", "feb", "pebruari"),
            ("maret", "march", "mar"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("agustus", "august", "agu", "agt", "ags", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nopember", "nov", "nop"),
            ("desember", "december", "des", "dec"),
        ),
        start=1,
    )
    for name in names
}
# "3 Desember 2026", also after the place as signed: "Surakarta, 3 Desember 2026".
PRINTED_DATE = re.compile(r"(?:[^,]*,\s*)?(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4})")


class LetterDateField(forms.DateField):
    """The date of a letter from a date picker (2026-12-03), as printed (3 Desember 2026) or as
    people write it (03/12/2026, 3-12-2026, 3.12.2026)."""

    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]

    def to_python(self, value):
        if isinstance(value, str):
            printed = PRINTED_DATE.fullmatch(value.strip())
            if printed and printed[2].lower() in PRINTED_MONTHS:
                day, month, year = printed[1], PRINTED_MONTHS[printed[2].lower()], printed[3]
                try:
                    return datetime.date(int(year), month, int(day))
                except ValueError:
                    raise forms.ValidationError(
                        self.error_messages["invalid"], code="invalid"
                    ) from None
        return super().to_python(value)


# "Nomor: 470/…" or "No. 470/…" copied with the number: the label is not part of it.
NUMBER_LABEL = re.compile(r"^\s*(?:nomor\s*:?|no\s*[.:])\s*", re.IGNORECASE)


class VerifyByNumberForm(forms.Form):
    """/verifikasi/: a letter looked up by what is printed on it. Its number and date are
    sequential and easy to guess, so the last 4 digits of the NIK must match too."""

    number = forms.CharField(
        label=_("Letter number"),
        max_length=120,
        help_text=_(
            "As printed under the letter's title after “Nomor”, "
            "e.g. 400.12.3.1/007/33.72.01.1001/XII/2026."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    date = LetterDateField(
        label=_("Date of the letter"),
        help_text=_("The date above the signature, e.g. 3 Desember 2026."),
        error_messages={
            "invalid": _(
                "Enter the date printed on the letter, e.g. 3 Desember 2026 or 03/12/2026."
            )
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    nik_last4 = forms.RegexField(
        label=_("Last 4 digits of the NIK"),
        regex=r"^[0-9]{4}$",  # ASCII only: \d also matches "٣" and "３"
        max_length=4,
        min_length=4,
        error_messages={"invalid": _("Enter exactly 4 digits: the last 4 of the NIK.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_(
            "Of the NIK of the person the letter is about "
            "(for a birth letter: of the parent who asked for it)."
        ),
    )

    def clean_number(self):
        number = NUMBER_LABEL.sub("", self.cleaned_data["number"]).strip()
        if not number:
            raise forms.ValidationError(
                _("Enter the letter number as printed on the letter."), code="required"
            )
        return number


class CodeRecoveryForm(forms.Form):
    """/lacak/lupa-kode/: a lost tracking code asked for again with the NIK and the e-mail (or
    phone number) given in the request. `contact_kind` after cleaning: "email" or "phone"."""

    nik = NIKField(
        help_text=_("The NIK you gave in the request (for a birth letter: the parent's NIK).")
    )
    contact = forms.CharField(
        label=_("Email or phone number given in the request"),
        max_length=254,
        help_text=_("The tracking code is sent to this email address."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_contact(self):
        value = self.cleaned_data["contact"].strip()
        if "@" in value:
            self.contact_kind = "email"
            return forms.EmailField(
                error_messages={
                    "invalid": _("This email address is not complete, e.g. nama@contoh.id.")
                }
            ).clean(value)
        digits = "".join(ch for ch in value if ch in "0123456789")
        if len(digits) < 8 or not set(value) <= set("0123456789 +-()."):
            raise forms.ValidationError(
                _("Enter the email address or the phone number you gave, e.g. 0812 3456 7890.")
            )
        self.contact_kind = "phone"
        return digits
