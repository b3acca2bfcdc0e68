"""City logos: an SVG or a photo-format image in, a PNG with its transparency out.

A regency's emblem usually comes as SVG (or a PNG on a transparent ground). Both end as a PNG of
at most LOGO_EDGE pixels a side: the letterhead (layanan/pdf.py) and the pages print one format,
and nothing an uploader wrote runs anywhere.

SVG is rasterised here rather than stored and sanitised: a stored SVG is a document (scripts,
external references, event handlers) that every browser and WeasyPrint would interpret again,
while a PNG is only pixels. It is parsed first with defusedxml (no DTD, so neither entity bombs
nor external entities) and refused with a clear message when it holds scripts, event handlers,
embedded documents or references outside itself; cairosvg (Kozea, who also make WeasyPrint),
never run "unsafe", then draws it and fetches nothing but data: URLs. The PNG it makes goes
through Pillow like any other upload, so its size and pixels are checked the same way.
"""

from __future__ import annotations

import io
import re

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext_lazy as _
from PIL import Image

from kelurahan.images import ImageRejected, ReencodedImageField, image_decode

# An emblem's SVG is a few dozen kilobytes; past this it is not a logo.
MAX_SVG_BYTES = 512 * 1024
MAX_SVG_ELEMENTS = 5_000
# <use> copies another element; copies of copies grow exponentially (the SVG "billion laughs").
MAX_SVG_USES = 100
LOGO_EDGE = 800
# A logo is roughly square; a 1×100000 drawing would make a huge bitmap at LOGO_EDGE.
MAX_ASPECT = 8

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code or pull in another document.
FORBIDDEN = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
# Inside the file only: "#id", or a picture carried in a data: URL.
LOCAL_REFERENCE = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp);)", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"]*)", re.IGNORECASE)
# An XML document (declaration, doctype, comment or the root itself first) with an <svg> root.
XML_START = re.compile(rb"^(\xef\xbb\xbf)?\s*<(\?xml|!doctype|!--|svg[\s>/])", re.IGNORECASE)
NUMBER = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")

HOSTILE = _(
    "This SVG contains scripts, event handlers, embedded documents or links to files outside "
    "it, which a logo may not have. Save it again as a plain SVG (in Inkscape: “Plain SVG”) "
    "or upload a PNG."
)


def looks_like_svg(head: bytes) -> bool:
    """Whether an upload's first bytes are an SVG document (the file name is never trusted)."""
    return bool(XML_START.match(head)) and b"<svg" in head


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _references_outside(value: str) -> bool:
    return any(not LOCAL_REFERENCE.match(url) for url in CSS_URL.findall(value))


def svg_check(data: bytes):
    """The parsed root of a harmless SVG, else ImageRejected saying what is wrong."""
    if len(data) > MAX_SVG_BYTES:
        raise ImageRejected(_("The SVG is larger than 512 KB; a logo is far smaller."))
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ImageRejected(
            _("This SVG declares entities or a DTD, which a logo may not have. Save it again.")
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any XML error means "not an SVG we can read"
        raise ImageRejected(_("The SVG file is damaged or not an SVG; upload it again.")) from exc
    if root.tag != f"{SVG_NS}svg":
        raise ImageRejected(_("The SVG file is damaged or not an SVG; upload it again."))
    elements = list(root.iter())
    if len(elements) > MAX_SVG_ELEMENTS:
        raise ImageRejected(_("The SVG is too complex for a logo; simplify it or upload a PNG."))
    if sum(1 for e in elements if _tag(e) == "use") > MAX_SVG_USES:
        raise ImageRejected(_("The SVG is too complex for a logo; simplify it or upload a PNG."))
    for element in elements:
        if _tag(element) in FORBIDDEN:
            raise ImageRejected(HOSTILE)
        if _tag(element) == "style" and (
            "@import" in (element.text or "") or _references_outside(element.text or "")
        ):
            raise ImageRejected(HOSTILE)
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise ImageRejected(HOSTILE)
            if (name == XLINK_HREF or local == "href") and not LOCAL_REFERENCE.match(value):
                raise ImageRejected(HOSTILE)
            if _references_outside(value):
                raise ImageRejected(HOSTILE)
    return root


def _aspect(root) -> float:
    """Height over width, from width/height or the viewBox; 1 when neither says."""
    width, height = (NUMBER.match(root.get(key, "")) for key in ("width", "height"))
    if width and height:
        w, h = float(width.group(1)), float(height.group(1))
    else:
        parts = root.get("viewBox", "").replace(",", " ").split()
        try:
            w, h = float(parts[2]), float(parts[3])
        except (IndexError, ValueError):
            return 1.0
    if w <= 0 or h <= 0:
        raise ImageRejected(_("The SVG file is damaged or not an SVG; upload it again."))
    return h / w


def svg_rasterise(data: bytes) -> bytes:
    """A checked SVG drawn as a PNG whose longer side is LOGO_EDGE, transparency kept."""
    root = svg_check(data)
    aspect = _aspect(root)
    if not 1 / MAX_ASPECT <= aspect <= MAX_ASPECT:
        raise ImageRejected(_("The logo is far wider than it is tall (or the reverse)."))
    size = {"output_height": LOGO_EDGE} if aspect > 1 else {"output_width": LOGO_EDGE}
    try:
        # Imported here: cairosvg loads the system's libcairo when imported, and a server
        # without it must still start (only SVG logos are refused there, with the message below).
        import cairosvg

        return cairosvg.svg2png(bytestring=data, unsafe=False, **size)
    except Exception as exc:  # noqa: BLE001 - anything cairosvg cannot draw is not usable
        raise ImageRejected(
            _("The SVG could not be drawn; save it again or upload a PNG.")
        ) from exc


def logo_reencode(data: bytes) -> bytes:
    """Any accepted logo upload (SVG, PNG, JPEG, WebP, HEIC) as a PNG, alpha kept, metadata
    gone, at most LOGO_EDGE a side."""
    if looks_like_svg(data[:4096]):
        data = svg_rasterise(data)
    image = image_decode(io.BytesIO(data))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((LOGO_EDGE, LOGO_EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class LogoImageField(ReencodedImageField):
    """The city logo's form field: SVG or a photo format in, a PNG (logo_reencode) stored."""

    extension, content_type = "png", "image/png"

    def reencode(self, data) -> bytes:
        return logo_reencode(data.read())
