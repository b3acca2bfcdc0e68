"""One corpus of hostile files sent through every upload entry point: each is refused with a
message on its field (or, on the verification page, told it is not the issued letter), nothing is
stored, and nothing answers with a 500. Good files with hostile names are stored under a random
name inside the right root.

Files are sent as raw multipart bodies, so the file names reach Django exactly as a hostile
client would send them (the test client would strip the folders itself).
"""

from __future__ import annotations

import io
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import empty
from django.utils.html import escape
from PIL import Image, PngImagePlugin

from kelurahan.models import City, Official
from layanan import views as layanan_views
from layanan.models import MAX_DOCUMENT_BYTES, Letter, RequirementDocument
from layanan.storage import private_storage
from tests.factories import BusinessFactory, OfficialFactory
from tests.isolation import form_payload
from tests.layanan.conftest import issue, sign, signed_letter, signer_a, verified_letter  # noqa: F401
from tests.layanan.online import request_form, request_url
from tests.security import pdfs
from tests.umkm.test_admin import management
from tests.umkm.test_moderation import proposal
from umkm.models import Business, BusinessPhoto

PHP = b"<?php system($_GET[c]); ?>"

# --- The corpus -------------------------------------------------------------------------------


def _jpeg(size=(320, 240), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


def _noisy(fmt: str, size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(out, format=fmt)
    return out.getvalue()


def _encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), "blue").save(out, format=fmt)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` pixels over a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def _jpeg_with_comment(comment: bytes) -> bytes:
    """A valid JPEG with `comment` in a COM segment right after SOI."""
    image = _jpeg()
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return image[:2] + segment + image[2:]


def _png_with_comment(comment: str) -> bytes:
    """A valid PNG with a text chunk named "comment" (Pillow reads it as the image's comment)."""
    text = PngImagePlugin.PngInfo()
    text.add_text("comment", comment)
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "green").save(out, format="PNG", pnginfo=text)
    return out.getvalue()


def _with_html_comment(pdf: bytes) -> bytes:
    """`pdf` with an HTML page in a comment line after its header: a PDF/HTML polyglot."""
    header, rest = pdf.split(b"\n", 1)
    return header + b"\n%" + HTML + b"\n" + rest


def _zip_with_php() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("shell.php", PHP)
    return out.getvalue()


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'

# What each kind of entry point says, in English, about each kind of bad file.
NOT_DOCUMENT = "is not a JPEG, PNG, HEIC or PDF file"
DAMAGED_DOCUMENT = "is damaged or incomplete and cannot be read"
ACTIVE_PDF = "which a document scan may not have"
NO_END = "is incomplete or damaged (it has no proper end)"
NOT_PHOTO = "not a valid image or is damaged"
HOSTILE_SVG = "This SVG contains scripts"
NOT_ALLOWED_PHOTO = "This kind of image is not accepted. Upload a JPEG, PNG, HEIC or WebP photo."
DIFFERS = "No: this file differs from the issued letter."


@dataclass(frozen=True)
class Bad:
    content: Callable[[int], bytes]  # the file, given the entry point's byte limit
    name: str
    document: str  # what the requirement-document upload says
    photo: str  # what every photo and logo upload says
    check: str = DIFFERS  # what the verification page's PDF check says
    logo: str = ""  # what the city logo says where it differs from a photo (it takes SVG)


def fixed(data: bytes) -> Callable[[int], bytes]:
    return lambda _limit: data


HOSTILE = {
    "bomb png 30000x30000": Bad(
        fixed(_png_claiming(30000, 30000)),
        "ktp.png",
        "has too many pixels",
        "too large in pixels",
    ),
    "bomb png 7000x7000": Bad(
        fixed(_png_claiming(7000, 7000)), "ktp.png", "has too many pixels", "too large in pixels"
    ),
    "gif renamed .jpg": Bad(fixed(_encoded("GIF")), "ktp.jpg", NOT_DOCUMENT, NOT_ALLOWED_PHOTO),
    # The city logo reads SVG (kelurahan/logos.py) whatever the name, and refuses a script.
    "svg renamed .jpg": Bad(fixed(SVG), "ktp.jpg", NOT_DOCUMENT, NOT_PHOTO, logo=HOSTILE_SVG),
    "html renamed .jpg": Bad(fixed(HTML), "ktp.jpg", NOT_DOCUMENT, NOT_PHOTO),
    "php renamed .jpg": Bad(fixed(PHP), "ktp.jpg", NOT_DOCUMENT, NOT_PHOTO),
    "jpeg magic then html": Bad(
        fixed(b"\xff\xd8\xff\xe0" + HTML), "ktp.jpg", DAMAGED_DOCUMENT, NOT_PHOTO
    ),
    "pdf with javascript": Bad(
        fixed(pdfs.forbidden_pdf("/JavaScript open action", pdfs.PLAIN)),
        "kk.pdf",
        ACTIVE_PDF,
        NOT_PHOTO,
    ),
    "pdf with javascript renamed .jpg": Bad(
        fixed(pdfs.forbidden_pdf("/JavaScript open action")),
        "ktp.jpg",
        ACTIVE_PDF,
        NOT_PHOTO,
    ),
    "pdf/html polyglot with script": Bad(
        fixed(_with_html_comment(pdfs.forbidden_pdf("/JavaScript open action", pdfs.PLAIN))),
        "kk.pdf",
        ACTIVE_PDF,
        NOT_PHOTO,
    ),
    "pdf/zip polyglot": Bad(fixed(pdfs.clean_pdf() + _zip_with_php()), "kk.pdf", NO_END, NOT_PHOTO),
    "pdf/html polyglot": Bad(fixed(pdfs.clean_pdf() + HTML), "kk.pdf", NO_END, NOT_PHOTO),
    "pdf hiding javascript in an object stream (issue 11)": Bad(
        fixed(pdfs.object_stream_bypass_pdf()), "kk.pdf", ACTIVE_PDF, NOT_PHOTO
    ),
    "truncated jpeg": Bad(fixed(_noisy("JPEG")[:1500]), "ktp.jpg", DAMAGED_DOCUMENT, NOT_PHOTO),
    "truncated png": Bad(fixed(_noisy("PNG")[:2000]), "ktp.png", DAMAGED_DOCUMENT, NOT_PHOTO),
    "empty file": Bad(
        fixed(b""), "ktp.jpg", "is empty", "empty", check="The submitted file is empty."
    ),
    "one byte over the limit": Bad(
        lambda limit: b"\xff\xd8\xff" + b"\x00" * (limit - 2),
        "ktp.jpg",
        "the limit is",
        "the limit is",
        check="larger than any letter we issue",
    ),
    # Hostile names carrying hostile content: the content decides.
    "html named ../../etc/passwd.jpg": Bad(
        fixed(HTML), "../../etc/passwd.jpg", NOT_DOCUMENT, NOT_PHOTO
    ),
    "gif named ..\\..\\win.ini.jpg": Bad(
        fixed(_encoded("GIF")), "..\\..\\win.ini.jpg", NOT_DOCUMENT, NOT_ALLOWED_PHOTO
    ),
    "exe named ktp<RLO>gpj.exe": Bad(
        fixed(b"MZ\x90\x00" + b"\x00" * 300), "ktp\u202egpj.exe", NOT_DOCUMENT, NOT_PHOTO
    ),
    "html named in full-width letters": Bad(fixed(HTML), "ｋｔｐ.jpg", NOT_DOCUMENT, NOT_PHOTO),
    "html named with 300 characters": Bad(fixed(HTML), "k" * 296 + ".jpg", NOT_DOCUMENT, NOT_PHOTO),
    "html named with a NUL": Bad(fixed(HTML), "ktp\x00.php.jpg", NOT_DOCUMENT, NOT_PHOTO),
}

# Names a good photo may arrive with; the photo is kept, the name never is.
WEIRD_NAMES = {
    "posix traversal": "../../etc/passwd.jpg",
    "windows traversal": "..\\..\\win.ini.jpg",
    "right-to-left override": "ktp\u202egpj.exe",
    "full-width letters": "ｋｔｐ.jpg",
    "300 characters": "k" * 296 + ".jpg",
    "NUL inside": "ktp\x00.php.jpg",
    "markup": "<img src=x onerror=alert(1)>.jpg",
}
# Parts of those names that must never show up in a stored file's path.
NAME_PARTS = ("passwd", "etc", "win", "ini", "ktp", "ｋｔｐ", "exe", "php", "kkkk", "img", "..")


# --- Sending raw multipart bodies -------------------------------------------------------------


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with the file names exactly as given (UTF-8, unescaped)."""
    boundary = f"----corpus-{uuid.uuid4().hex}"
    parts = []
    for key, values in fields.items():
        for value in values if isinstance(values, list | tuple) else [values]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    for field, name, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(client, url: str, fields: dict, files: list[tuple[str, str, bytes]]):
    body, content_type = multipart(fields, files)
    return client.generic("POST", url, body, content_type=content_type)


# --- The entry points -------------------------------------------------------------------------


@dataclass
class EntryPoint:
    """One upload form, ready to take a file: how to send it, read its errors, see its rows."""

    kind: str  # "document", "photo", "logo" (a photo kept as PNG) or "check"
    limit: int  # bytes; one more is refused
    root: object  # where its files are stored (None: nothing is ever stored)
    send: Callable  # (client, name, content) -> response
    errors: Callable  # response -> list of error messages on the file field
    rows: Callable  # () -> what in the database a stored upload would change


def _inline_errors(response, prefix: str, field: str) -> list[str]:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return [str(e) for form in inline.formset.forms for e in form.errors.get(field, [])]
    raise AssertionError(f"no inline {prefix} on the page")


def _documents(request) -> EntryPoint:
    kelurahan = request.getfixturevalue("kelurahan_a")
    fields = {k: v for k, v in request_form().items() if k != "documents"}
    return EntryPoint(
        kind="document",
        limit=MAX_DOCUMENT_BYTES,
        root=settings.PRIVATE_ROOT,
        send=lambda client, name, content: post(
            client, request_url(kelurahan), fields, [("documents", name, content)]
        ),
        errors=lambda response: [str(e) for e in response.context["form"].errors["documents"]],
        rows=lambda: (Letter.objects.count(), RequirementDocument.objects.count()),
    )


def _proposal(request) -> EntryPoint:
    kelurahan = request.getfixturevalue("kelurahan_a")
    url = reverse("umkm:business_propose", kwargs={"slug": kelurahan.slug})
    return EntryPoint(
        kind="photo",
        limit=settings.MAX_IMAGE_UPLOAD_BYTES,
        root=settings.MEDIA_ROOT,
        send=lambda client, name, content: post(
            client, url, proposal(), [("photos", name, content)]
        ),
        errors=lambda response: [str(e) for e in response.context["form"].errors["photos"]],
        rows=lambda: (Business.objects.count(), BusinessPhoto.objects.count()),
    )


def _official_photo(request) -> EntryPoint:
    client = request.getfixturevalue("client")
    client.force_login(request.getfixturevalue("operator_a"))
    official = OfficialFactory(kelurahan=request.getfixturevalue("kelurahan_a"))
    url = reverse("admin:kelurahan_official_change", args=[official.pk])
    fields = form_payload(client.get(url))
    return EntryPoint(
        kind="photo",
        limit=settings.MAX_IMAGE_UPLOAD_BYTES,
        root=settings.MEDIA_ROOT,
        send=lambda client, name, content: post(client, url, fields, [("photo", name, content)]),
        errors=lambda response: [
            str(e) for e in response.context["adminform"].form.errors["photo"]
        ],
        rows=lambda: list(Official.objects.values_list("pk", "photo")),
    )


def _business_photo(request) -> EntryPoint:
    client = request.getfixturevalue("client")
    client.force_login(request.getfixturevalue("operator_a"))
    business = BusinessFactory(kelurahan=request.getfixturevalue("kelurahan_a"))
    url = reverse("admin:umkm_business_change", args=[business.pk])
    fields = form_payload(client.get(url))
    row = int(fields["photos-TOTAL_FORMS"]) - 1  # the blank extra row
    fields.update(management("photos", total=row + 1, initial=row))
    fields.update({f"photos-{row}-rank": "0", f"photos-{row}-place": str(business.pk)})
    return EntryPoint(
        kind="photo",
        limit=settings.MAX_IMAGE_UPLOAD_BYTES,
        root=settings.MEDIA_ROOT,
        send=lambda client, name, content: post(
            client, url, fields, [(f"photos-{row}-image", name, content)]
        ),
        errors=lambda response: _inline_errors(response, "photos", "image"),
        rows=lambda: BusinessPhoto.objects.count(),
    )


def _city_logo(request) -> EntryPoint:
    request.getfixturevalue("kelurahan_a")  # provisions the city
    client = request.getfixturevalue("client")
    client.force_login(request.getfixturevalue("diskominfo"))
    city = City.objects.get(code="33.72")
    url = reverse("admin:kelurahan_city_change", args=[city.pk])
    fields = form_payload(client.get(url))
    return EntryPoint(
        kind="logo",
        limit=settings.MAX_IMAGE_UPLOAD_BYTES,
        root=settings.MEDIA_ROOT,
        send=lambda client, name, content: post(client, url, fields, [("logo", name, content)]),
        errors=lambda response: [str(e) for e in response.context["adminform"].form.errors["logo"]],
        rows=lambda: list(City.objects.values_list("pk", "logo")),
    )


def _verification_check(request) -> EntryPoint:
    letter = request.getfixturevalue("signed_letter")

    def errors(response) -> list[str]:
        found = [str(e) for e in response.context["form"].errors.get("pdf", [])]
        if response.context["matches"] is False:
            found.append(DIFFERS)
        return found

    return EntryPoint(
        kind="check",
        limit=layanan_views.MAX_CHECK_BYTES,
        root=None,
        send=lambda client, name, content: post(
            client, letter.get_verification_url(), {}, [("pdf", name, content)]
        ),
        errors=errors,
        rows=lambda: list(Letter.objects.values_list("pk", "state", "pdf", "pdf_sha256")),
    )


ENTRY_POINTS = {
    "letter request documents": _documents,
    "umkm proposal photos": _proposal,
    "admin official photo": _official_photo,
    "admin business photo inline": _business_photo,
    "admin city logo": _city_logo,
    "verification pdf check": _verification_check,
}


@pytest.fixture(autouse=True)
def roots(settings, tmp_path):
    """Both storage roots under this test's tmp_path; the lazy private storage re-reads them."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    private_storage._wrapped = empty
    yield
    private_storage._wrapped = empty


@pytest.fixture(params=ENTRY_POINTS.values(), ids=ENTRY_POINTS.keys())
def entry(request, db, client, roots) -> EntryPoint:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return request.param(request)


def listing(tmp_path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())


def shown(response) -> str:
    return response.content.decode()


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_refused_with_a_message_on_its_field_and_nothing_is_stored(
    client, entry, bad, tmp_path
):
    before_files, before_rows = listing(tmp_path), entry.rows()

    response = entry.send(client, bad.name, bad.content(entry.limit + 1))

    assert response.status_code == 200
    with translation.override("en"):
        errors = entry.errors(response)
    expected = (bad.logo or bad.photo) if entry.kind == "logo" else getattr(bad, entry.kind)
    assert errors, "no error message on the file field"
    assert any(expected in error for error in errors), errors
    for error in errors:
        assert escape(error) in shown(response)
    assert listing(tmp_path) == before_files
    assert entry.rows() == before_rows


@pytest.mark.parametrize("name", WEIRD_NAMES.values(), ids=WEIRD_NAMES.keys())
def test_a_good_file_with_a_hostile_name_is_kept_under_a_random_name_inside_its_root(
    client, entry, name, tmp_path
):
    if entry.kind == "check":
        letter = Letter.objects.get()
        with letter.pdf.open("rb") as handle:
            content = handle.read()
    else:
        content = _jpeg()
    before = set(listing(tmp_path))

    response = entry.send(client, name, content)

    assert response.status_code < 500
    new = sorted(set(listing(tmp_path)) - before)
    if entry.root is None:  # the verification page keeps nothing and says the file matches
        assert response.status_code == 200
        assert response.context["matches"] is True
        assert new == []
        return
    assert response.status_code == 302, entry.errors(response)
    assert new, "the accepted file was not stored"
    root = entry.root.resolve()
    for relative in new:
        path = (tmp_path / relative).resolve()
        assert path.is_relative_to(root), f"{relative} is outside {root}"
        stored_name = path.relative_to(root).as_posix().lower()
        assert not any(part in stored_name for part in NAME_PARTS), stored_name
        assert path.suffix in ((".png",) if entry.kind == "logo" else (".jpg", ".webp"))


# Real images with a payload where a comment goes: usable photos, so they are kept, but only as
# our own re-encoding, which carries no comment.
PAYLOAD_IN_COMMENT = {
    "jpeg with php in a COM segment": (_jpeg_with_comment(PHP), "ktp.php.jpg"),
    "png with php in a comment chunk": (_png_with_comment(PHP.decode()), "ktp.php.png"),
    # Longer than a JPEG marker holds: copied over, it made Pillow's save raise (a 500).
    "png with an 80 KB comment chunk": (_png_with_comment(PHP.decode() * 3000), "ktp.php.png"),
}


@pytest.mark.parametrize(
    ("content", "name"), PAYLOAD_IN_COMMENT.values(), ids=PAYLOAD_IN_COMMENT.keys()
)
def test_an_image_carrying_php_in_a_comment_is_kept_only_re_encoded_without_it(
    client, entry, tmp_path, content, name
):
    assert Image.open(io.BytesIO(content)).info["comment"]
    before = set(listing(tmp_path))

    response = entry.send(client, name, content)

    new = sorted(set(listing(tmp_path)) - before)
    if entry.kind == "check":  # nothing kept; just not the letter
        assert response.status_code == 200
        with translation.override("en"):
            assert entry.errors(response) == [DIFFERS]
        assert new == []
        return
    assert response.status_code == 302, entry.errors(response)
    assert new
    for relative in new:
        stored = (tmp_path / relative).read_bytes()
        assert b"<?php" not in stored and b"system(" not in stored
        assert "php" not in relative
        with Image.open(tmp_path / relative) as image:
            assert "comment" not in image.info


def _heic(size=(320, 240), color=(200, 30, 30)) -> bytes:
    """A phone photo as iPhones save it: HEIC, encoded by pillow-heif, with a GPS position."""
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (7.0, 33.0, 52.0)  # GPSLatitude
    exif[0x010F] = "KameraRahasia"  # Make
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="HEIF", quality=80, exif=exif.tobytes())
    return out.getvalue()


def test_a_heic_photo_from_a_phone_is_taken_everywhere_and_kept_only_re_encoded(
    client, entry, tmp_path
):
    content = _heic()
    assert content[4:12] == b"ftypheic"
    before = set(listing(tmp_path))

    response = entry.send(client, "IMG_0001.HEIC", content)

    if entry.root is None:  # the verification check: only compared with the letter, not kept
        assert entry.errors(response) == [DIFFERS]
        assert set(listing(tmp_path)) == before
        return
    assert response.status_code == 302, entry.errors(response)
    new = sorted(set(listing(tmp_path)) - before)
    kept = {".png"} if entry.kind == "logo" else {".jpg", ".webp"}  # a logo keeps transparency
    assert new and {(tmp_path / relative).suffix for relative in new} <= kept
    for relative in new:
        stored = (tmp_path / relative).read_bytes()
        assert b"KameraRahasia" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format in (("PNG",) if entry.kind == "logo" else ("JPEG", "WEBP"))
            assert not image.getexif()
