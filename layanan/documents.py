"""Requirement documents a resident uploads (KTP, KK scans): sniffed, checked and normalised.

Only JPEG, PNG and PDF are accepted, recognised by their bytes, never by the file name or the
declared content type. Images are decoded and re-encoded (metadata gone, Pillow's bomb limits
as errors); PDFs cannot be re-encoded here, so they are kept as sent once they pass the checks
below. Nothing in this module touches storage or the database.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zlib
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image

from kelurahan.images import MAX_PIXELS, ImageRejected, reencode_image
from layanan.models import MAX_DOCUMENT_BYTES

MAX_DOCUMENTS = 5
# Scans must stay readable: a KK is A4 and full of small print.
DOCUMENT_MAX_EDGE = 2400

PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
PDF_WHITESPACE = b"\x00\t\n\x0c\r "  # as the PDF standard counts it
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# A PDF may carry code or other files: JavaScript runs in many readers (/JavaScript, /JS),
# /Launch starts a program, /EmbeddedFile(s) smuggles any file (an .exe) inside a "scan", and
# /RichMedia and /XFA bring Flash and scripted forms. A KTP or KK scan needs none of them, and
# staff open these files on office computers, so any of them means the file is refused.
PDF_FORBIDDEN_NAMES = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA"}
)
# A PDF name token; "#4A" inside a name is the byte 0x4A, so "/J#61vaScript" is /JavaScript.
PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+-]|#[0-9A-Fa-f]{2})+)")
PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Since PDF 1.5 dictionaries may sit compressed inside object streams, out of sight of a plain
# byte scan; those streams are inflated (up to a cap) and scanned too. A stream's dictionary is
# the text between the last "obj" and the "stream" keyword.
PDF_STREAM_START = re.compile(rb">>\s*stream\r?\n")
PDF_FILTERS = frozenset(
    {
        b"ASCIIHexDecode",
        b"ASCII85Decode",
        b"LZWDecode",
        b"FlateDecode",
        b"RunLengthDecode",
        b"CCITTFaxDecode",
        b"JBIG2Decode",
        b"DCTDecode",
        b"JPXDecode",
        b"Crypt",
    }
)
MAX_DICTIONARY_BYTES = 4096
MAX_INFLATED_BYTES = 20 * 1024 * 1024


def _interpolate(template, params) -> str:
    return template % params


# Formats when shown, so the message follows the language of the page that shows it.
_format_lazy = lazy(_interpolate, str)


class DocumentRejected(ValueError):
    """A file that is not accepted; `message` says which file, what is wrong, what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class CheckedDocument:
    """A document that passed every check, ready to store: only these bytes are ever kept."""

    content: bytes
    content_type: str  # "image/jpeg" or "application/pdf"
    extension: str  # "jpg" or "pdf"
    label: str  # the resident's file name, made safe to show

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def safe_label(name: str | None) -> str:
    """The file name as a short, printable label: no folders, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = " ".join(name.split()).strip(". ")
    return name[:100] or "dokumen"


def document_check(upload) -> CheckedDocument:
    """Check one uploaded file and return what may be stored, or raise DocumentRejected."""
    label = safe_label(getattr(upload, "name", ""))
    if upload.size == 0:
        raise DocumentRejected(
            _format_lazy(
                _("The file %(name)s is empty. Choose the scan or photo again."), {"name": label}
            )
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise DocumentRejected(
            _format_lazy(
                _(
                    "The file %(name)s is %(size)s; the limit is %(limit)s per file. "
                    "Scan at a lower resolution or take the photo again at a smaller size."
                ),
                {
                    "name": label,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_DOCUMENT_BYTES),
                },
            )
        )
    upload.seek(0)
    content = upload.read(MAX_DOCUMENT_BYTES + 1)
    if content.startswith(PDF_MAGIC):
        _pdf_check(content, label)
        return CheckedDocument(content, "application/pdf", "pdf", label)
    if content.startswith((JPEG_MAGIC, PNG_MAGIC)):
        return CheckedDocument(_image_reencoded(content, label), "image/jpeg", "jpg", label)
    raise DocumentRejected(
        _format_lazy(
            _(
                "The file %(name)s is not a JPEG, PNG or PDF file (whatever its name says). "
                "Take a photo of the document or scan it to PDF."
            ),
            {"name": label},
        )
    )


def _image_reencoded(content: bytes, label: str) -> bytes:
    """The image re-encoded as JPEG; our own messages, as the photo ones speak of WebP."""
    too_many_pixels = DocumentRejected(
        _format_lazy(
            _(
                "The image %(name)s has too many pixels (the limit is 40 megapixels). "
                "Take the photo again at a lower resolution."
            ),
            {"name": label},
        )
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:  # reads the header only
                pixels = image.width * image.height
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except Exception:  # noqa: BLE001 - an unreadable header: reported as damaged below
        pixels = 0
    if pixels > MAX_PIXELS:
        raise too_many_pixels
    try:
        return reencode_image(io.BytesIO(content), max_edge=DOCUMENT_MAX_EDGE)
    except ImageRejected as exc:
        raise DocumentRejected(
            _format_lazy(
                _(
                    "The image %(name)s is damaged or incomplete and cannot be read. "
                    "Take the photo again, or upload a PDF scan."
                ),
                {"name": label},
            )
        ) from exc


def _pdf_check(content: bytes, label: str) -> None:
    # Only whitespace may follow the last %%EOF: bytes appended there (a ZIP, an HTML page) make
    # the file a polyglot, a PDF that is also something else.
    end = content.rfind(PDF_END)
    if end < 0 or content[end + len(PDF_END) :].strip(PDF_WHITESPACE):
        raise DocumentRejected(
            _format_lazy(
                _(
                    "The PDF %(name)s is incomplete or damaged (it has no proper end). "
                    "Save or scan it again and upload the new file."
                ),
                {"name": label},
            )
        )
    names = _names(content)
    if b"Encrypt" in names:
        raise DocumentRejected(
            _format_lazy(
                _(
                    "The PDF %(name)s is protected with a password, so the kelurahan cannot "
                    "open it. Save or print it again without a password and upload the new file."
                ),
                {"name": label},
            )
        )
    if _pdf_has_active_content(content, names):
        raise DocumentRejected(
            _format_lazy(
                _(
                    "The PDF %(name)s contains scripts, attached files or actions, which are "
                    "not accepted. Scan the paper document again, or upload a photo of it."
                ),
                {"name": label},
            )
        )


def _names(content: bytes) -> set[bytes]:
    return {
        PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        for name in PDF_NAME.findall(content)
    }


def _pdf_has_active_content(content: bytes, names: set[bytes]) -> bool:
    if names & PDF_FORBIDDEN_NAMES:
        return True
    budget = MAX_INFLATED_BYTES
    for match in PDF_STREAM_START.finditer(content):
        low = max(0, match.start() - MAX_DICTIONARY_BYTES)
        start = content.rfind(b"obj", low, match.start())
        dictionary = _names(content[low if start < 0 else start : match.start()])
        if b"ObjStm" not in dictionary or b"Filter" not in dictionary:
            continue  # not an object stream, or one stored as is: the plain scan saw it
        if dictionary & PDF_FILTERS != {b"FlateDecode"}:
            return True  # compressed in a way not checked here: it could hide anything
        try:
            inflated = zlib.decompressobj().decompress(content[match.end() :], budget + 1)
        except zlib.error:
            return True  # unreadable (damaged or encrypted): it could hide anything
        budget -= len(inflated)
        if budget < 0 or _names(inflated) & PDF_FORBIDDEN_NAMES:
            return True
    return False
