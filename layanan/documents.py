"""Requirement documents a resident uploads (KTP, KK scans): sniffed, checked and normalised.

Only JPEG, PNG, HEIC/HEIF and PDF are accepted, recognised by their bytes, never by the file
name or the declared content type. Images are decoded and re-encoded as JPEG (metadata gone,
Pillow's bomb limits as errors). PDFs are opened with pikepdf and every object is inspected;
one that passes is kept as sent, or as a copy without its web links (see _pdf_check).
Nothing in this module touches storage or the database.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import resource
import unicodedata
import warnings
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image

from kelurahan.images import MAX_PIXELS, ImageRejected, reencode_image
from layanan.models import MAX_DOCUMENT_BYTES
from layanan.text import interpolate_lazy

MAX_DOCUMENTS = 5
# Scans must stay readable: a KK is A4 and full of small print.
DOCUMENT_MAX_EDGE = 2400

PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
PDF_WHITESPACE = b"\x00\t\n\x0c\r "  # as the PDF standard counts it
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# HEIF (HEIC from iPhones and many Android phones) is an ISO media file: a "ftyp" box whose
# brand names the codec. AVIF shares the box but not the codec and is not taken.
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)

# A PDF may carry code or other files: JavaScript runs in many readers (/JS, /JavaScript),
# /Launch starts a program, /GoToR, /GoToE and /ImportData open or pull in other files,
# /SubmitForm sends what the reader holds to any address, embedded files smuggle any file (an
# .exe) inside a "scan", and /RichMedia and /XFA bring Flash and scripted forms. A KTP or KK
# scan needs none of them, and staff open these files on office computers, so any of them,
# as a key or as a name value anywhere in any object, means the file is refused. The value is
# what the refusal names.
PDF_SCRIPT = "script"
PDF_OPENS_OTHER = "opens_other"
PDF_SENDS_DATA = "sends_data"
PDF_ATTACHMENT = "attachment"
PDF_MEDIA = "media"
PDF_XFA = "xfa"
PDF_UNREADABLE_PART = "unreadable_part"
PDF_FORBIDDEN_NAMES = {
    "/JS": PDF_SCRIPT,
    "/JavaScript": PDF_SCRIPT,
    "/Launch": PDF_OPENS_OTHER,
    "/GoToR": PDF_OPENS_OTHER,
    "/GoToE": PDF_OPENS_OTHER,
    "/ImportData": PDF_OPENS_OTHER,
    "/SubmitForm": PDF_SENDS_DATA,
    "/EmbeddedFile": PDF_ATTACHMENT,
    "/EmbeddedFiles": PDF_ATTACHMENT,
    "/FileAttachment": PDF_ATTACHMENT,
    "/RichMedia": PDF_MEDIA,
    "/XFA": PDF_XFA,
}
# What the PDF check in its child process concludes (_pdf_verdict).
PDF_OK = "ok"
PDF_ACTIVE = "active"
PDF_DAMAGED = "damaged"
PDF_UNREADABLE = "unreadable"
PDF_ENCRYPTED = "encrypted"
PDF_TOO_COSTLY = "too_costly"
# Objects are walked without following references (each indirect object is visited on its
# own), so only direct nesting counts here; no honest scan nests dictionaries this deep.
MAX_PDF_NESTING = 100


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
            interpolate_lazy(
                _("The file %(name)s is empty. Choose the scan or photo again."), {"name": label}
            )
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise DocumentRejected(
            interpolate_lazy(
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
        return CheckedDocument(_pdf_check(content, label), "application/pdf", "pdf", label)
    if content.startswith((JPEG_MAGIC, PNG_MAGIC)) or _is_heif(content):
        return CheckedDocument(_image_reencoded(content, label), "image/jpeg", "jpg", label)
    raise DocumentRejected(
        interpolate_lazy(
            _(
                "The file %(name)s is not a JPEG, PNG, HEIC or PDF file (whatever its name "
                "says). Take a photo of the document or scan it to PDF."
            ),
            {"name": label},
        )
    )


def _is_heif(content: bytes) -> bool:
    return content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS


def _image_reencoded(content: bytes, label: str) -> bytes:
    """The image re-encoded as JPEG; our own messages, as the photo ones speak of WebP."""
    too_many_pixels = DocumentRejected(
        interpolate_lazy(
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
            interpolate_lazy(
                _(
                    "The image %(name)s is damaged or incomplete and cannot be read. "
                    "Take the photo again, or upload a PDF scan."
                ),
                {"name": label},
            )
        ) from exc


def _pdf_check(content: bytes, label: str) -> bytes:
    """The bytes to store for a PDF that passes, or DocumentRejected naming what is wrong."""
    kind, detail = _pdf_verdict_bounded(content)
    if kind == PDF_OK:
        return detail
    if kind == PDF_ACTIVE:
        raise _pdf_active(label, set(detail))
    raise {
        PDF_DAMAGED: _pdf_damaged,
        PDF_UNREADABLE: _pdf_unreadable,
        PDF_ENCRYPTED: _pdf_encrypted,
        PDF_TOO_COSTLY: _pdf_too_costly,
    }[kind](label)


def _pdf_verdict_bounded(content: bytes) -> tuple[str, object]:
    """_pdf_verdict in a child process with a memory and a CPU-time cap.

    qpdf decodes an object stream whole, in memory, when its objects are read: a 600 KB file
    whose object stream inflates to 600 MB of zeros took 1.1 GB and 13 s (measured with
    pikepdf 10.18), and a 5 MB one would take a web worker's whole machine. The check runs in a
    forked child (fork: pikepdf is loaded already, so it starts in milliseconds) whose address
    space may grow by at most PDF_CHECK_MEMORY_BYTES and which gets PDF_CHECK_SECONDS of CPU;
    a child that dies or overruns means the file costs more than any scan may.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_pdf_verdict_child, args=(content, sender), daemon=True)
    child.start()
    sender.close()
    seconds = settings.PDF_CHECK_SECONDS
    try:
        if receiver.poll(seconds + 2):
            return receiver.recv()
        return PDF_TOO_COSTLY, None
    except EOFError:  # the child died: out of memory or CPU time
        return PDF_TOO_COSTLY, None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _pdf_verdict_child(content: bytes, sender) -> None:
    memory = _address_space_bytes() + settings.PDF_CHECK_MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = settings.PDF_CHECK_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    try:
        verdict = _pdf_verdict(content)
    except MemoryError:
        verdict = (PDF_TOO_COSTLY, None)
    sender.send(verdict)
    sender.close()


def _raise_if_out_of_memory(exc: Exception) -> None:
    """qpdf reports running out of memory as a PdfError saying std::bad_alloc: as MemoryError,
    so the check says "too costly" rather than "damaged"."""
    if isinstance(exc, MemoryError) or "std::bad_alloc" in str(exc):
        raise MemoryError from exc


def _address_space_bytes() -> int:
    """This process's virtual size now (the cap is on top of what the worker maps already)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _pdf_verdict(content: bytes) -> tuple[str, object]:
    """(PDF_OK, bytes to store) or (the kind of refusal, detail).

    The file is opened with pikepdf (qpdf), which reads object streams, every filter and
    predictor, name escapes and damaged cross-reference tables the way PDF readers do, so what
    is checked is what a reader of the staff would see, not a guess from the raw bytes.
    """
    # Only whitespace may follow the last %%EOF: bytes appended there (a ZIP, an HTML page) make
    # the file a polyglot, a PDF that is also something else. Kept, rather than always saving a
    # clean copy through pikepdf: the resident's file is stored byte for byte (its SHA-256 is
    # the one on their phone), and a scanner or "print to PDF" never writes such a tail, so a
    # file with one was made by hand; it is refused with a message rather than mended silently.
    end = content.rfind(PDF_END)
    if end < 0 or content[end + len(PDF_END) :].strip(PDF_WHITESPACE):
        return PDF_DAMAGED, None
    try:
        # Page attributes are not pushed down to the pages: that would change the file and may
        # fail on a damaged page tree before the active content is looked for.
        pdf = pikepdf.open(io.BytesIO(content), inherit_page_attributes=False)
    except pikepdf.PasswordError:
        return PDF_ENCRYPTED, None
    except Exception as exc:  # noqa: BLE001 - qpdf gives up: whatever the reason, it cannot be opened
        _raise_if_out_of_memory(exc)
        return PDF_UNREADABLE, None
    with pdf:
        # Encrypted with an empty user password: it opens, but the objects are only readable
        # decrypted, readers behave differently, and staff cannot print or copy it.
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            return PDF_ENCRYPTED, None
        found, links = _pdf_inspect(pdf)
        if found:
            return PDF_ACTIVE, sorted(found)
        try:
            if len(pdf.pages) == 0:
                return PDF_UNREADABLE, None
        except Exception as exc:  # noqa: BLE001 - a page tree qpdf cannot walk: damaged
            _raise_if_out_of_memory(exc)
            return PDF_UNREADABLE, None
        if not links:
            return PDF_OK, content
        # Web links (/URI) are removed, not refused. Phone scanner apps (CamScanner and the
        # like) put a link annotation on every page, so refusing them would refuse many honest
        # scans; but a link in a stranger's file, one click away for staff, is how phishing
        # starts, and a requirement document never needs one. The stored copy is pikepdf's
        # rewrite without them (the page contents untouched), so its fingerprint is the copy's.
        _pdf_strip_links(links)
        out = io.BytesIO()
        pdf.save(out)
        return PDF_OK, out.getvalue()


def _pdf_inspect(pdf) -> tuple[set[str], list]:
    """What forbidden content `pdf` has (PDF_FORBIDDEN_NAMES' kinds) and its /URI actions.

    Every object of the file is visited, those inside object streams and those nothing points
    to included: a hidden object is refused whether or not a reader would reach it. Direct
    dictionaries and arrays are walked down; references are not followed (each indirect object
    is visited itself). Links are (container, key or index) pairs to remove.
    """
    found: set[str] = set()
    links: list = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            if obj.stream_dict.get("/Type") == "/ObjStm":
                try:
                    obj.read_bytes()  # an object stream qpdf cannot decode may hide anything
                except Exception as exc:  # noqa: BLE001 - any decoding failure
                    _raise_if_out_of_memory(exc)
                    found.add(PDF_UNREADABLE_PART)
            stack = [(obj.stream_dict, 0)]
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Array | pikepdf.Name):
            stack = [(obj, 0)]
        else:
            continue
        while stack:
            item, depth = stack.pop()
            if depth > MAX_PDF_NESTING:
                found.add(PDF_UNREADABLE_PART)  # nothing honest nests this deep
                break
            if isinstance(item, pikepdf.Name):
                kind = PDF_FORBIDDEN_NAMES.get(str(item))
                if kind:
                    found.add(kind)
                continue
            if isinstance(item, pikepdf.Dictionary):
                entries = [(key, item.get(key)) for key in item.keys()]
            elif isinstance(item, pikepdf.Array):
                entries = list(enumerate(item))
            else:
                continue
            for key, value in entries:
                if isinstance(key, str) and key in PDF_FORBIDDEN_NAMES:
                    found.add(PDF_FORBIDDEN_NAMES[key])
                if isinstance(value, pikepdf.Dictionary) and value.get("/S") == "/URI":
                    links.append((item, key))
                # Numbers and booleans come back as Python values; only PDF objects nest.
                if isinstance(value, pikepdf.Object) and not value.is_indirect:
                    stack.append((value, depth + 1))
    return found, links


def _pdf_strip_links(links) -> None:
    """Remove each /URI action from where it hangs (annotation /A, /AA entry, outline item,
    the catalog's /OpenAction, an action's /Next), last first, so array indexes stay valid."""
    for container, key in reversed(links):
        try:
            del container[key]
        except (KeyError, IndexError, TypeError):
            continue


def _pdf_damaged(label: str) -> DocumentRejected:
    return DocumentRejected(
        interpolate_lazy(
            _(
                "The PDF %(name)s is incomplete or damaged (it has no proper end). "
                "Save or scan it again and upload the new file."
            ),
            {"name": label},
        )
    )


def _pdf_unreadable(label: str) -> DocumentRejected:
    return DocumentRejected(
        interpolate_lazy(
            _(
                "The PDF %(name)s is damaged and cannot be opened. "
                "Save or scan it again and upload the new file, or upload a photo of it."
            ),
            {"name": label},
        )
    )


def _pdf_too_costly(label: str) -> DocumentRejected:
    return DocumentRejected(
        interpolate_lazy(
            _(
                "The PDF %(name)s is built in a way that takes far more memory or time to open "
                "than any scan needs, so it was not saved. Print the document to PDF again, "
                "scan the paper again, or upload a photo of it."
            ),
            {"name": label},
        )
    )


def _pdf_encrypted(label: str) -> DocumentRejected:
    return DocumentRejected(
        interpolate_lazy(
            _(
                "The PDF %(name)s is protected with a password, so the kelurahan cannot "
                "open it. Save or print it again without a password and upload the new file."
            ),
            {"name": label},
        )
    )


# What a refusal names, one phrase per kind of forbidden content.
PDF_FOUND_LABELS = {
    PDF_SCRIPT: _("a script (JavaScript)"),
    PDF_OPENS_OTHER: _("an action that opens another file or program"),
    PDF_SENDS_DATA: _("a form that sends data elsewhere"),
    PDF_ATTACHMENT: _("an attached file"),
    PDF_MEDIA: _("embedded multimedia"),
    PDF_XFA: _("a scripted form (XFA)"),
    PDF_UNREADABLE_PART: _("a compressed part that cannot be read and could hide anything"),
}


def _pdf_active(label: str, found: set[str]) -> DocumentRejected:
    what = lazy(lambda: ", ".join(str(PDF_FOUND_LABELS[kind]) for kind in sorted(found)), str)()
    return DocumentRejected(
        interpolate_lazy(
            _(
                "The PDF %(name)s contains %(found)s, which a document scan may not have; "
                "it was not saved. Print the document to PDF again, scan the paper again, "
                "or upload a photo of it."
            ),
            {"name": label, "found": what},
        )
    )
