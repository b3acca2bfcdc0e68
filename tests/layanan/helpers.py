"""Shared helpers for letter tests: complete letter details, reading PDFs back, page wording."""

from __future__ import annotations

import io

import pypdfium2
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape

from layanan.models import Letter
from tests.isolation import snapshot  # noqa: F401 (the letter tests take it from here)

SITE_URL = "https://portal.surakarta.go.id"
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


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf_bytes(letter: Letter) -> bytes:
    with letter.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def pdf_page_sizes(content: bytes) -> list[tuple[float, float]]:
    """Width and height of every page, in PDF points (1/72 inch)."""
    document = pypdfium2.PdfDocument(content)
    try:
        return [page.get_size() for page in document]
    finally:
        document.close()


def first_page_image(content: bytes, scale: float = 3):
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    try:
        return document[0].render(scale=scale).to_pil()
    finally:
        document.close()


def as_upload(content: bytes, name: str = "surat.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def said(response, text) -> str:
    """`text` (an English source string or a lazy translation) as the page that gave `response`
    shows it: in the page's language, HTML-escaped."""
    with translation.override(response["Content-Language"]):
        return escape(translation.gettext(text) if isinstance(text, str) else str(text))
