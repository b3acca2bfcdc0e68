"""A resident and a complete letter as the issue form stores it; no Django needed, so the
cluster test (tests/cluster/run.py), which drives the portal over HTTP, types the same one."""

from __future__ import annotations

NIK_BUDI = "3372011508950001"  # Laweyan, Surakarta; a man born 15-08-1995
NIK_SITI = "3372015508950002"  # the same day, 40 added to the day: a woman


def letter_data(**changes) -> dict:
    """Complete, valid details of a Skuter letter as the issue form stores them."""
    return {
        "nik": NIK_BUDI,
        "name": "Budi Santoso",
        "birth_place": "Surakarta",
        "birth_date": "1995-08-15",
        "sex": "L",
        "religion": "Islam",
        "marital_status": "Kawin",
        "occupation": "Karyawan Swasta",
        "citizenship": "WNI",
        "address": "Jl. Slamet Riyadi No. 10",
        "rt": "3",
        "rw": "5",
        "purpose": "melamar pekerjaan",
        "statement": "Yang bersangkutan benar warga kami dan berkelakuan baik.",
        **changes,
    }
