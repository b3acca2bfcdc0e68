"""Letter PDFs: an HTML print template rendered by WeasyPrint, with a QR code that verifies it.

Rendering never touches the network or the file system: everything the page needs is inline
(CSS in the template, the QR code as SVG, the city logo as a data: URL), and the URL fetcher
refuses anything else.
"""

from __future__ import annotations

import base64
from urllib.parse import urljoin

import segno
import weasyprint
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from PIL import ImageFile

from layanan.kinds import KINDS
from layanan.letter_texts import as_date, letter_texts_render

# Importing WeasyPrint switches Pillow, process-wide, to accept truncated images; that would let
# damaged uploads through kelurahan.images. Letters embed no such images, so switch it back.
ImageFile.LOAD_TRUNCATED_IMAGES = False

PAGE_SIZES = {"A4": "210mm 297mm", "F4": "215mm 330mm"}


class FetchRefused(ValueError):
    pass


class InlineOnlyFetcher(weasyprint.URLFetcher):
    """WeasyPrint URL fetcher that serves data: URLs and refuses everything else.

    WeasyPrint 67+ takes a URLFetcher instance (a plain function breaks on its error path).
    One per rendering: the fetcher keeps per-request state.
    """

    def __init__(self):
        super().__init__(allowed_protocols={"data"})

    def fetch(self, url, headers=None):
        if not url.startswith("data:"):
            raise FetchRefused(f"letter PDFs load nothing from outside: {url[:80]}")
        return super().fetch(url, headers)


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=2)


def logo_data_url(city) -> str:
    logo = getattr(city, "logo", None)
    if not logo:
        return ""
    # PNG since logos keep their transparency (kelurahan/logos.py); JPEG from before that.
    mime = "image/png" if logo.name.lower().endswith(".png") else "image/jpeg"
    with logo.open("rb") as handle:
        return f"data:{mime};base64," + base64.b64encode(handle.read()).decode("ascii")


def render_letter_html(
    letter, *, verify_url: str, paper: str, draft: bool = False, texts: dict | None = None
) -> str:
    """The letter's print page. A draft (before signing, for checking it) is watermarked DRAF
    and carries no number, no QR code and no verification address: it proves nothing.
    `texts`: the standard texts filled in (layanan.letter_texts); default: those in force."""
    kelurahan = letter.kelurahan
    kind = KINDS[letter.letter_type.kind]
    data = {key: as_date(value) for key, value in letter.data.items()}
    if texts is None:
        texts, _rows = letter_texts_render(kelurahan, kind.key, letter.data)
    with translation.override("id"):
        return render_to_string(
            kind.template,
            {
                "letter": letter,
                "kind": kind,
                "data": data,
                "kelurahan": kelurahan,
                "kecamatan": kelurahan.kecamatan,
                "city": kelurahan.kecamatan.city,
                "logo": logo_data_url(kelurahan.kecamatan.city),
                # The local date (settings.TIME_ZONE), as in the number; signed_at is UTC.
                "signed_on": formats.date_format(
                    timezone.localtime(letter.signed_at) if letter.signed_at else timezone.now(),
                    "j F Y",
                ),
                "draft": draft,
                "qr_svg": "" if draft else qr_svg(verify_url),
                "verify_url": verify_url,
                # Without a camera: the form that takes the number, date and NIK digits.
                "verify_by_number_url": ""
                if draft
                else urljoin(verify_url, reverse("layanan:verify_by_number")),
                "page_size": PAGE_SIZES[paper],
                "texts": texts,
                "kop_lines": [line for line in texts["kop"].splitlines() if line.strip()],
            },
        )


def render_letter_pdf(
    letter, *, verify_url: str, paper: str = "A4", draft: bool = False, texts: dict | None = None
) -> bytes:
    html = render_letter_html(letter, verify_url=verify_url, paper=paper, draft=draft, texts=texts)
    return weasyprint.HTML(string=html, url_fetcher=InlineOnlyFetcher()).write_pdf()
