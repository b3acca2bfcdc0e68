"""The register's lists for religion and marital status (SIAK/Dukcapil codes, as in
shared/reference/siak-codes.md), with the spellings registers and spreadsheets use for each, so a
row typed "islam", "KATHOLIK" or "2" still reads as one of the letter forms' choices.

Values are stored as the register spells them today ("Islam", "Belum Kawin"), in SIAK code order.
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
