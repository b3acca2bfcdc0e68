"""The register's lists (SIAK/Dukcapil codes, as in shared/reference/siak-codes.md) the letter
forms offer as choices, with the spellings registers and spreadsheets use for each, so a row typed
"islam", "KATHOLIK" or "2" still reads as one of the choices.

Religion and marital status are stored as the register spells them today ("Islam", "Belum Kawin"),
in SIAK code order; education, blood type and relationship in the family as their code (below).
"""

from __future__ import annotations

import re

# SIAK agama codes 1–7.
RELIGIONS = (
    "Islam",
    "Kristen",
    "Katolik",
    "Hindu",
    "Buddha",
    "Konghucu",
    "Kepercayaan terhadap Tuhan YME",
)
# SIAK status perkawinan codes 1–4; "Kawin Tercatat"/"Kawin Belum Tercatat" on the KK are both 2.
MARITAL_STATUSES = ("Belum Kawin", "Kawin", "Cerai Hidup", "Cerai Mati")


def _key(text) -> str:
    """Lowercase letters and digits only: "Belum  Kawin", "BELUM-KAWIN" and "belumkawin" alike."""
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


def _spellings(values: tuple[str, ...], more: dict[str, str]) -> dict[str, str]:
    by_code = {str(code): value for code, value in enumerate(values, start=1)}
    return {**{_key(v): v for v in values}, **by_code, **{_key(k): v for k, v in more.items()}}


RELIGION_SPELLINGS = _spellings(
    RELIGIONS,
    {
        "Protestan": "Kristen",
        "Kristen Protestan": "Kristen",
        "Katholik": "Katolik",
        "Kristen Katolik": "Katolik",
        "Katolik Roma": "Katolik",
        "Budha": "Buddha",
        "Budhha": "Buddha",
        "Khonghucu": "Konghucu",
        "Konghuchu": "Konghucu",
        "Khonghuchu": "Konghucu",
        "Kong Hu Cu": "Konghucu",
        "Kepercayaan": RELIGIONS[6],
        "Kepercayaan Terhadap Tuhan Yang Maha Esa": RELIGIONS[6],
        "Kepercayaan Terhadap Tuhan YME / Lainnya": RELIGIONS[6],
        "Penghayat Kepercayaan": RELIGIONS[6],
    },
)
MARITAL_STATUS_SPELLINGS = _spellings(
    MARITAL_STATUSES,
    {
        "BK": "Belum Kawin",
        "Belum Menikah": "Belum Kawin",
        "Lajang": "Belum Kawin",
        "K": "Kawin",
        "Menikah": "Kawin",
        "Kawin Tercatat": "Kawin",
        "Kawin Belum Tercatat": "Kawin",
        "CH": "Cerai Hidup",
        "Cerai Hidup Tercatat": "Cerai Hidup",
        "Cerai Hidup Belum Tercatat": "Cerai Hidup",
        "Janda": "",  # cerai hidup or cerai mati: the operator asks
        "Duda": "",
        "CM": "Cerai Mati",
    },
)


def religion_of(text) -> str:
    """The register's religion for a spelling of it, or "" when it is not one."""
    return RELIGION_SPELLINGS.get(_key(text), "")


def marital_status_of(text) -> str:
    """The register's marital status for a spelling of it, or "" when it is not one."""
    return MARITAL_STATUS_SPELLINGS.get(_key(text), "")


# --- Lists stored as their SIAK code ---------------------------------------------------------
# Education, blood type and relationship in the family have no column in the register (Resident):
# they are typed on a letter and kept in Letter.data as the code ("5"), as Dukcapil's forms write
# them, and printed as the label ("SLTA/Sederajat"). Code n is the n-th label.

# Pendidikan dalam KK, codes 1–10.
EDUCATIONS = (
    "Tidak/Belum Sekolah",
    "Belum Tamat SD/Sederajat",
    "Tamat SD/Sederajat",
    "SLTP/Sederajat",
    "SLTA/Sederajat",
    "Diploma I/II",
    "Akademi/Diploma III/Sarjana Muda",
    "Diploma IV/Strata I",
    "Strata II",
    "Strata III",
)
# Golongan darah, codes 1–13.
BLOOD_TYPES = ("A", "B", "AB", "O", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "Tidak Tahu")
# Status hubungan dalam keluarga (SHDK), codes 1–11.
RELATIONSHIPS = (
    "Kepala Keluarga",
    "Suami",
    "Istri",
    "Anak",
    "Menantu",
    "Cucu",
    "Orang Tua",
    "Mertua",
    "Famili Lain",
    "Pembantu",
    "Lainnya",
)


def coded_choices(labels: tuple[str, ...]) -> list[tuple[str, str]]:
    """[("1", first label), ("2", second label), …]: a form's choices, stored as the code."""
    return [(str(code), label) for code, label in enumerate(labels, start=1)]


def _code_spellings(labels: tuple[str, ...], more: dict[str, int], key=_key) -> dict[str, str]:
    """Spelling key -> code: the labels, the codes themselves, and `more` (spelling -> code)."""
    spellings = {key(label): str(code) for code, label in enumerate(labels, start=1)}
    spellings.update({str(code): str(code) for code in range(1, len(labels) + 1)})
    spellings.update({key(spelling): str(code) for spelling, code in more.items()})
    return spellings


def _blood_key(text) -> str:
    """As _key, but the rhesus sign kept: "A+", "a pos", "A Rh+" and "A positif" alike; "0" read
    as the letter O, as it is often typed."""
    text = str(text or "").lower().replace("−", "-")
    text = re.sub(r"\brh\b|rhesus", "", text)
    text = re.sub(r"\+|\bpos(itif|itive)?\b", "plus", text)
    text = re.sub(r"(?<=[abo0\s])-|\bneg(atif|ative)?\b", "minus", text)
    text = re.sub(r"^\s*0", "o", text)
    return re.sub(r"[^0-9a-z]", "", text)


EDUCATION_SPELLINGS = _code_spellings(
    EDUCATIONS,
    {
        "Tidak Sekolah": 1,
        "Belum Sekolah": 1,
        "Tidak / Belum Sekolah": 1,
        "Tidak Tamat SD": 2,
        "Belum Tamat SD": 2,
        "SD": 3,
        "Tamat SD": 3,
        "SD/MI": 3,
        "SMP": 4,
        "SLTP": 4,
        "SMP/MTs": 4,
        "SMP/Sederajat": 4,
        "SMA": 5,
        "SMK": 5,
        "SLTA": 5,
        "SMA/SMK": 5,
        "SMA/Sederajat": 5,
        "SMA/MA": 5,
        "D1": 6,
        "D2": 6,
        "D I": 6,
        "D II": 6,
        "Diploma I": 6,
        "Diploma II": 6,
        "D3": 7,
        "D III": 7,
        "Diploma III": 7,
        "Akademi": 7,
        "Sarjana Muda": 7,
        "Akademi/ Diploma III/S. Muda": 7,
        "D4": 8,
        "D IV": 8,
        "Diploma IV": 8,
        "S1": 8,
        "Strata I": 8,
        "Sarjana": 8,
        "S2": 9,
        "Magister": 9,
        "S3": 10,
        "Doktor": 10,
    },
)
BLOOD_TYPE_SPELLINGS = _code_spellings(
    BLOOD_TYPES,
    {"Tidak Diketahui": 13, "Belum Tahu": 13, "TT": 13, "Tdk Tahu": 13},
    key=_blood_key,
)
RELATIONSHIP_SPELLINGS = _code_spellings(
    RELATIONSHIPS,
    {
        "KK": 1,
        "Kepala KK": 1,
        "Kepala Rumah Tangga": 1,
        "Isteri": 3,
        "Anak Kandung": 4,
        "Anak Angkat": 4,
        "Anak Tiri": 4,
        "Orangtua": 7,
        "Ayah": 7,
        "Ibu": 7,
        "Famili": 9,
        "Keluarga Lain": 9,
        "Pembantu Rumah Tangga": 10,
        "PRT": 10,
        "Lain-lain": 11,
    },
)


def education_of(text) -> str:
    """The SIAK education code ("5") for a spelling of it ("SMA", "SLTA / SEDERAJAT"), or ""."""
    return EDUCATION_SPELLINGS.get(_key(text), "")


def blood_type_of(text) -> str:
    """The SIAK blood-type code ("11") for a spelling of it ("O+", "o positif", "0 Rh+"), or ""."""
    return BLOOD_TYPE_SPELLINGS.get(_blood_key(text), "")


def relationship_of(text) -> str:
    """The SIAK SHDK code ("4") for a spelling of it ("ANAK", "Anak Kandung"), or ""."""
    return RELATIONSHIP_SPELLINGS.get(_key(text), "")


def label_of(labels: tuple[str, ...], code) -> str:
    """The label of a stored code ("5" -> "SLTA/Sederajat"); "" for no code or an unknown one."""
    code = str(code or "")
    return labels[int(code) - 1] if code.isdigit() and 1 <= int(code) <= len(labels) else ""
