"""Shared helpers for letter tests: complete letter details, reading PDFs back, page wording."""

from __future__ import annotations

import io

import pypdfium2
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape

from layanan.models import Letter
from tests.isolation import snapshot  # noqa: F401 (the letter tests take it from here)
from tests.layanan.sample import NIK_BUDI, NIK_SITI, letter_data  # noqa: F401 (as for snapshot)

SITE_URL = "https://portal.surakarta.go.id"


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
