"""The standard texts of letters: the kop surat per city, the statements per letter kind.

Diskominfo sets, for its city, the kop surat (the letterhead lines and the address line) and,
per letter kind, the opening statement ("Yang bertanda tangan di bawah ini, …"), the kind's own
statement where it has a fixed one (domisili, SKTM, usaha) and the closing line. A kelurahan may
write its own version of a kind's statements; the kop surat stays the city's. Texts use the
placeholders of layanan.placeholders, checked when saved.

Texts are versioned: a save adds a LetterText row with the next version number and never
changes an old one, and a signed letter records the rows its PDF was made with (Letter.texts).
A city's version 1 is the portal's built-in text, written when its first kelurahan is
provisioned (and by the migration for cities that existed before). Where no row exists (a city
made by hand), the built-in text is used and nothing is recorded.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from layanan.kinds import KINDS
from layanan.models import LetterText
from layanan.placeholders import Catalogue, Placeholder

Text = LetterText.Part
KOP = ""  # the `kind` of the city's letterhead texts, which belong to no one letter kind


def _address_line(values: Mapping[str, object]) -> str:
    parts = [str(values.get("alamat_kantor") or "")]
    if values.get("kode_pos"):
        parts[0] = f"{parts[0]} Kode Pos {values['kode_pos']}".strip()
    if values.get("telepon"):
        parts.append(f"Telp. {values['telepon']}")
    if values.get("email"):
        parts.append(str(values["email"]))
    return " · ".join(part for part in parts if part)


COMMON = Catalogue(
    [
        Placeholder("kota", _("The city or regency, e.g. Kota Surakarta"), "Kota Surakarta"),
        Placeholder("provinsi", _("The province"), "Jawa Tengah"),
        Placeholder("kecamatan", _("The kecamatan's name"), "Laweyan"),
        Placeholder("kelurahan", _("The kelurahan's or desa's name"), "Pajang"),
        Placeholder("jenis_wilayah", _("Kelurahan or Desa"), "Kelurahan"),
        Placeholder("jabatan_kepala", _("Lurah or Kepala Desa"), "Lurah"),
        Placeholder("alamat_kantor", _("The office address"), "Jl. Dr. Radjiman No. 5"),
        Placeholder("kode_pos", _("The postal code"), "57146"),
        Placeholder("telepon", _("The office phone"), "0271 714233"),
        Placeholder("email", _("The office e-mail"), "kel.pajang@surakarta.go.id"),
        Placeholder(
            "alamat_lengkap",
            _("Address, postal code, phone and e-mail, leaving out what is empty"),
            "Jl. Dr. Radjiman No. 5 Kode Pos 57146 · Telp. 0271 714233",
            resolve=_address_line,
        ),
    ]
)

LETTER = Catalogue(
    [
        Placeholder("nama", _("The resident's name"), "Budi Santoso"),
        Placeholder("keperluan", _("The purpose the resident gave"), "melamar pekerjaan"),
    ]
)

# A kind's own fields, by kind: what its statement may name.
KIND_FIELDS: dict[str, Catalogue] = {
    "domisili": Catalogue(
        [Placeholder("sejak", _("Living at the address since (a date)"), "1 Maret 2015")]
    ),
    "sktm": Catalogue(
        [
            Placeholder("penghasilan", _("Household income per month, in rupiah"), "1.200.000"),
            Placeholder("tanggungan", _("Number of dependants"), "3"),
        ]
    ),
    "usaha": Catalogue(
        [
            Placeholder("nama_usaha", _("The business's name"), "Batik Sekar"),
            Placeholder("jenis_usaha", _("The kind of business"), "kerajinan batik"),
            Placeholder("alamat_usaha", _("The business's address"), "Jl. Pajang No. 3"),
            Placeholder("tahun_usaha", _("The year the business started"), "2018"),
        ]
    ),
}
# Where a kind's field is stored in the letter's data, when the name differs.
DATA_KEYS = {
    "nama": "name",
    "keperluan": "purpose",
    "sejak": "since",
    "penghasilan": "household_income",
    "tanggungan": "dependants",
    "nama_usaha": "business_name",
    "jenis_usaha": "business_kind",
    "alamat_usaha": "business_address",
    "tahun_usaha": "business_since",
}


@dataclass(frozen=True, slots=True)
class Part:
    key: str
    label: str
    help: str
    kop: bool  # the city's letterhead (one for all kinds; no kelurahan override)


PARTS = {
    part.key: part
    for part in (
        Part(
            Text.KOP,
            Text.KOP.label,
            _("One line per row, printed in capitals; the last line is printed largest."),
            True,
        ),
        Part(Text.KOP_ADDRESS, Text.KOP_ADDRESS.label, _("Printed under the lines."), True),
        Part(Text.OPENING, Text.OPENING.label, _("Before the resident's details."), False),
        Part(Text.STATEMENT, Text.STATEMENT.label, _("After the resident's details."), False),
        Part(Text.CLOSING, Text.CLOSING.label, _("After the purpose; may be empty."), False),
    )
}

_OPENING = (
    "Yang bertanda tangan di bawah ini, {jabatan_kepala} {kelurahan}, Kecamatan {kecamatan}, "
    "{kota}, menerangkan bahwa:"
)
_CLOSING = "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya."

# The portal's built-in texts (a city's version 1): (kind, part) -> text.
DEFAULTS: dict[tuple[str, str], str] = {
    (KOP, "kop"): "Pemerintah {kota}\nKecamatan {kecamatan}\n{jenis_wilayah} {kelurahan}",
    (KOP, "kop_address"): "{alamat_lengkap}",
    **{(key, "opening"): _OPENING for key in KINDS},
    ("kelahiran", "opening"): _OPENING.replace("bahwa:", "bahwa telah lahir seorang anak:"),
    ("domisili", "statement"): (
        "adalah benar penduduk yang berdomisili di alamat tersebut di atas sejak {sejak}."
    ),
    ("sktm", "statement"): (
        "adalah benar warga kami yang tergolong keluarga tidak mampu, dengan penghasilan "
        "keluarga sekitar Rp{penghasilan} per bulan dan {tanggungan} orang tanggungan."
    ),
    ("usaha", "statement"): (
        "adalah benar memiliki usaha {nama_usaha} ({jenis_usaha}) yang beralamat di "
        "{alamat_usaha} dan berjalan sejak tahun {tahun_usaha}."
    ),
    **{(key, "closing"): _CLOSING for key in ("skuter", "domisili", "sktm", "usaha")},
    ("kematian", "closing"): "",
    ("kelahiran", "closing"): "",
}


def parts_of(kind: str) -> list[Part]:
    """The parts a kind's texts have (KOP: the letterhead's), in print order."""
    return [PARTS[part] for (k, part) in DEFAULTS if k == kind]


def catalogue_for(kind: str) -> Catalogue:
    if kind == KOP:
        return COMMON
    return COMMON + LETTER + KIND_FIELDS.get(kind, Catalogue(()))


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def as_date(value):
    """Dates are stored in a letter's JSON as ISO strings; give them back as dates."""
    if isinstance(value, str) and ISO_DATE.match(value):
        return datetime.date.fromisoformat(value)
    return value


def _shown(value) -> object:
    value = as_date(value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j F Y")
    return value


def values_for(kelurahan, data: Mapping[str, object] | None = None) -> dict[str, object]:
    """Every placeholder's value for a letter of this kelurahan with this data (Indonesian)."""
    kecamatan = kelurahan.kecamatan
    city = kecamatan.city
    values: dict[str, object] = {
        "kota": city.name,
        "provinsi": city.province_name,
        "kecamatan": kecamatan.name,
        "kelurahan": kelurahan.name,
        "jenis_wilayah": kelurahan.get_kind_display(),
        "jabatan_kepala": kelurahan.head_title,
        "alamat_kantor": kelurahan.address,
        "kode_pos": kelurahan.postal_code,
        "telepon": kelurahan.phone,
        "email": kelurahan.email,
    }
    with translation.override("id"):
        values["jenis_wilayah"] = str(values["jenis_wilayah"])
        for name, key in DATA_KEYS.items():
            if data and key in data:
                value = data[key]
                values[name] = intcomma(value) if name == "penghasilan" else _shown(value)
    return values


# Reads and writes ---------------------------------------------------------------------------


@dataclass(slots=True)
class CurrentText:
    """One part as it stands for a city, or for one kelurahan of it."""

    part: Part
    text: str  # the text in force
    row: object | None  # its LetterText version (None: the built-in text)
    city_text: str  # the city's text, which a kelurahan follows unless it has its own
    city_row: object | None
    own_row: object | None  # the kelurahan's own version, when it has one in force

    @property
    def overridden(self) -> bool:
        return self.own_row is not None


def texts_for(*, city, kind: str, kelurahan=None, kinds: tuple[str, ...] = ()) -> dict:
    """The texts in force of these kinds (default: `kind` alone) for the city, or for one of
    its kelurahan: {(kind, part): CurrentText}. One query."""
    kinds = kinds or (kind,)
    rows = LetterText.objects.filter(city=city, kind__in=kinds).order_by("-version")
    rows = (
        rows.filter(kelurahan=None)
        if kelurahan is None
        else rows.filter(models.Q(kelurahan=None) | models.Q(kelurahan=kelurahan))
    )
    latest: dict[tuple[str, str, bool], object] = {}
    for row in rows:
        latest.setdefault((row.kind, row.part, row.kelurahan_id is not None), row)
    current = {}
    for k in kinds:
        for part in parts_of(k):
            city_row = latest.get((k, part.key, False))
            own = None if part.kop else latest.get((k, part.key, True))
            if own is not None and own.inherits:
                own = None
            city_text = city_row.text if city_row else DEFAULTS[(k, part.key)]
            current[(k, part.key)] = CurrentText(
                part=part,
                text=own.text if own else city_text,
                row=own or city_row,
                city_text=city_text,
                city_row=city_row,
                own_row=own,
            )
    return current


def letter_texts_render(kelurahan, kind: str, data: Mapping[str, object]):
    """The kop surat and the kind's statements for a letter, filled in: ({part: text}, the
    LetterText versions used)."""
    current = texts_for(
        city=kelurahan.kecamatan.city, kind=kind, kelurahan=kelurahan, kinds=(KOP, kind)
    )
    values = values_for(kelurahan, data)
    rendered = {
        part: catalogue_for(k).render(text.text, values) for (k, part), text in current.items()
    }
    return rendered, [text.row for text in current.values() if text.row is not None]


def preview_values(city, kelurahan=None) -> dict[str, object]:
    """What a preview fills in: a real kelurahan's own values (the city's first when none is
    given), and the examples for a letter's fields."""
    from kelurahan.models import Kelurahan

    values = {p.name: p.example for k in KIND_FIELDS for p in catalogue_for(k)}
    values.update(LETTER.examples())
    sample = kelurahan or (
        Kelurahan.objects.filter(kecamatan__city=city).select_related("kecamatan__city").first()
    )
    if sample is not None:
        values.update({k: v for k, v in values_for(sample).items() if k in COMMON})
    return values


def _may_write(user, *, city, kelurahan) -> bool:
    from kelurahan import tenancy

    if not user.has_perm("layanan.add_lettertext"):
        return False
    if kelurahan is None:
        city_ids = tenancy.user_city_ids(user)
        return tenancy.is_city_staff(user) and (city_ids is None or city.pk in city_ids)
    return tenancy.user_kelurahan_id(user) == kelurahan.pk


@transaction.atomic
def letter_text_save(*, by, city, kind: str, part: str, text: str, kelurahan=None):
    """Save a new version of one text, for the city (kelurahan None) or one kelurahan; None
    when the text is what is already in force. `text=None` on a kelurahan's part returns it to
    the city's text."""
    if kind not in {KOP, *KINDS} or part not in {p.key for p in parts_of(kind)}:
        raise PermissionDenied("no such letter text")
    if kelurahan is not None and (PARTS[part].kop or kelurahan.kecamatan.city_id != city.pk):
        raise PermissionDenied("the kop surat is the city's")
    if not _may_write(by, city=city, kelurahan=kelurahan):
        raise PermissionDenied(_("You may not change these letter texts."))
    inherits = text is None
    if not inherits:
        text = text.replace("\r\n", "\n").strip()
        catalogue_for(kind).validate(text)
    current = texts_for(city=city, kind=kind, kelurahan=kelurahan)[(kind, part)]
    if kelurahan is None:
        if text == current.text:
            return None
    elif (inherits and current.own_row is None) or (
        not inherits and current.own_row is not None and current.own_row.text == text
    ):
        return None
    versions = LetterText.objects.filter(city=city, kind=kind, part=part, kelurahan=kelurahan)
    last = versions.aggregate(last=models.Max("version"))["last"] or 0
    return LetterText.objects.create(
        city=city,
        kelurahan=kelurahan,
        kind=kind,
        part=part,
        version=last + 1,
        text="" if inherits else text,
        inherits=inherits,
        created_by=by,
    )


def letter_texts_seed(*, city_ids) -> None:
    """Version 1 (the built-in texts) for each of these cities that has none yet: runs when
    kelurahan are provisioned, so every letter of a provisioned city records its versions."""
    have = set(
        LetterText.objects.filter(city_id__in=city_ids, kelurahan=None)
        .values_list("city_id", flat=True)
        .distinct()
    )
    LetterText.objects.bulk_create(
        [
            LetterText(city_id=city_id, kind=kind, part=part, version=1, text=text)
            for city_id in sorted(set(city_ids) - have)
            for (kind, part), text in DEFAULTS.items()
        ]
    )
