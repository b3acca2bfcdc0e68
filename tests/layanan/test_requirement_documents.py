"""Requirement documents sent with an online request: every hostile or broken file is refused
with a message and leaves nothing behind; good files are stored privately, re-encoded, and shown
only to staff of their kelurahan, who are logged when they look."""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image
from pytest_django.asserts import assertContains

from layanan.documents import MAX_DOCUMENTS
from layanan.models import MAX_DOCUMENT_BYTES, AccessLog, Letter, RequirementDocument
from layanan.services import letter_files_sweep
from layanan.storage import private_storage
from tests.layanan.helpers import stored_files
from tests.layanan.online import (
    image_as,
    jpeg,
    pdf,
    png,
    png_header_only,
    request_form,
    request_url,
    said_with,
    upload,
)
from tests.security import pdfs

NOT_ALLOWED = (
    "The file %(name)s is not a JPEG, PNG, HEIC or PDF file (whatever its name says). "
    "Take a photo of the document or scan it to PDF."
)
ACTIVE_PDF = (
    "The PDF %(name)s contains %(found)s, which a document scan may not have; it was not "
    "saved. Print the document to PDF again, scan the paper again, or upload a photo of it."
)
DAMAGED_PDF = (
    "The PDF %(name)s is incomplete or damaged (it has no proper end). "
    "Save or scan it again and upload the new file."
)
UNREADABLE_PDF = (
    "The PDF %(name)s is damaged and cannot be opened. "
    "Save or scan it again and upload the new file, or upload a photo of it."
)
ENCRYPTED_PDF = (
    "The PDF %(name)s is protected with a password, so the kelurahan cannot open it. "
    "Save or print it again without a password and upload the new file."
)
DAMAGED_IMAGE = (
    "The image %(name)s is damaged or incomplete and cannot be read. "
    "Take the photo again, or upload a PDF scan."
)
TOO_MANY_PIXELS = (
    "The image %(name)s has too many pixels (the limit is 40 megapixels). "
    "Take the photo again at a lower resolution."
)
EMPTY = "The file %(name)s is empty. Choose the scan or photo again."
TOO_LARGE = (
    "The file %(name)s is %(size)s; the limit is %(limit)s per file. "
    "Scan at a lower resolution or take the photo again at a smaller size."
)
UNREADABLE_PART = "a compressed part that cannot be read and could hide anything"


def _escaped_javascript_name() -> bytes:
    """/JavaScript written /J#61vaScript (a legal name escape); qpdf mends the shifted xref."""
    scan = pdfs.forbidden_pdf("/JavaScript open action", pdfs.PLAIN)
    assert b"/JavaScript" in scan
    return scan.replace(b"/JavaScript", b"/J#61vaScript")


# Each entry: (content, file name, message, what the message names as found, if anything).
HOSTILE = {
    "gif renamed .jpg": (image_as("GIF"), "ktp.jpg", NOT_ALLOWED, ""),
    "webp": (image_as("WEBP"), "ktp.webp", NOT_ALLOWED, ""),
    "bmp": (image_as("BMP"), "ktp.jpg", NOT_ALLOWED, ""),
    "html renamed .jpg": (
        b"<html><script>alert(1)</script></html>",
        "ktp.jpg",
        NOT_ALLOWED,
        "",
    ),
    "svg renamed .png": (b'<svg onload="alert(1)"/>', "ktp.png", NOT_ALLOWED, ""),
    "exe renamed .pdf": (b"MZ\x90\x00" + b"\x00" * 200, "kk.pdf", NOT_ALLOWED, ""),
    "jpeg magic then html": (
        b"\xff\xd8\xff\xe0<html><script>x</script>",
        "ktp.jpg",
        DAMAGED_IMAGE,
        "",
    ),
    "truncated jpeg": (jpeg((400, 300))[:600], "ktp.jpg", DAMAGED_IMAGE, ""),
    "truncated png": (png((300, 300), "RGB")[:120], "ktp.png", DAMAGED_IMAGE, ""),
    "bomb png 64 megapixels": (png_header_only(8000, 8000), "ktp.png", TOO_MANY_PIXELS, ""),
    "bomb png 400 megapixels": (png_header_only(20000, 20000), "ktp.png", TOO_MANY_PIXELS, ""),
    "pdf with javascript": (
        pdfs.forbidden_pdf("/JavaScript open action", pdfs.PLAIN),
        "kk.pdf",
        ACTIVE_PDF,
        pdfs.SCRIPT,
    ),
    "pdf with js action": (
        pdfs.forbidden_pdf("/JS key alone, page open action", pdfs.PLAIN),
        "kk.pdf",
        ACTIVE_PDF,
        pdfs.SCRIPT,
    ),
    "pdf with escaped name": (_escaped_javascript_name(), "kk.pdf", ACTIVE_PDF, pdfs.SCRIPT),
    "pdf with launch": (pdfs.forbidden_pdf("/Launch"), "kk.pdf", ACTIVE_PDF, pdfs.OPENS_OTHER),
    "pdf with embedded file": (
        pdfs.forbidden_pdf("/EmbeddedFiles names tree"),
        "kk.pdf",
        ACTIVE_PDF,
        pdfs.ATTACHMENT,
    ),
    "pdf hiding js in an object stream (issue 11)": (
        pdfs.object_stream_bypass_pdf(),
        "kk.pdf",
        ACTIVE_PDF,
        pdfs.SCRIPT,
    ),
    "pdf with a damaged object stream": (
        pdfs.object_stream_bypass_pdf(packed=b"not zlib at all"),
        "kk.pdf",
        ACTIVE_PDF,
        UNREADABLE_PART,
    ),
    "pdf with a password": (pdfs.encrypted_pdf(user="rahasia"), "kk.pdf", ENCRYPTED_PDF, ""),
    "pdf encrypted without a password": (pdfs.encrypted_pdf(), "kk.pdf", ENCRYPTED_PDF, ""),
    "pdf without an end": (pdfs.clean_pdf()[:-7], "kk.pdf", DAMAGED_PDF, ""),
    "pdf without pages (hand-written)": (pdf(), "kk.pdf", UNREADABLE_PDF, ""),
    "pdf header then garbage": (
        b"%PDF-1.7\nnot a pdf at all\n%%EOF\n",
        "kk.pdf",
        UNREADABLE_PDF,
        "",
    ),
    "empty file": (b"", "ktp.jpg", EMPTY, ""),
    "too large": (b"\xff\xd8\xff" + b"\x00" * MAX_DOCUMENT_BYTES, "ktp.jpg", TOO_LARGE, ""),
}


@pytest.mark.parametrize(
    ("content", "name", "message", "found"), HOSTILE.values(), ids=HOSTILE.keys()
)
def test_a_hostile_or_broken_file_is_refused_with_a_message_and_nothing_is_stored(
    client, kelurahan_a, private_root, tmp_path, content, name, message, found
):
    files = [upload(jpeg(), "kk.jpg"), upload(content, name)]

    response = client.post(request_url(kelurahan_a), request_form(documents=files))

    assert response.status_code == 200
    with translation.override(response["Content-Language"]):
        sizes = {
            "size": filesizeformat(len(content)),
            "limit": filesizeformat(MAX_DOCUMENT_BYTES),
            "found": translation.gettext(found) if found else "",
        }
    assertContains(response, said_with(response, message, name=name, **sizes))
    assertContains(response, 'href="#id_documents"')
    assert not Letter.objects.exists()
    assert not RequirementDocument.objects.exists()
    assert stored_files(private_root) == []
    assert stored_files(tmp_path / "media") == []


def test_more_than_five_files_are_refused(client, kelurahan_a, private_root):
    files = [upload(jpeg(), f"hal-{n}.jpg") for n in range(MAX_DOCUMENTS + 1)]

    response = client.post(request_url(kelurahan_a), request_form(documents=files))

    assert response.status_code == 200
    assert "6" in str(response.context["form"].errors["documents"])
    assert stored_files(private_root) == []


def test_a_body_larger_than_any_valid_request_is_refused_unread(client, kelurahan_a, private_root):
    response = client.post(
        request_url(kelurahan_a),
        request_form(),
        CONTENT_LENGTH=str(MAX_DOCUMENTS * MAX_DOCUMENT_BYTES + 2 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert not Letter.objects.exists()
    assert stored_files(private_root) == []


def _raw_multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----portal-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; '
        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _text_fields() -> dict:
    return {k: v for k, v in request_form().items() if k != "documents"}


def test_a_traversal_file_name_with_hostile_content_is_refused(client, kelurahan_a, tmp_path):
    body, content_type = _raw_multipart(
        _text_fields(), "../../../../static/x.html", b"<script>alert(1)</script>"
    )

    response = client.generic("POST", request_url(kelurahan_a), body, content_type=content_type)

    assert response.status_code == 200
    assert not Letter.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_traversal_file_name_never_chooses_where_a_good_file_is_stored(
    client, kelurahan_a, private_root, tmp_path
):
    body, content_type = _raw_multipart(
        _text_fields(), "..\\..\\..//..//etc/ktp\x07 asli.jpg", jpeg()
    )

    response = client.generic("POST", request_url(kelurahan_a), body, content_type=content_type)

    assert response.status_code == 302
    document = RequirementDocument.objects.get()
    assert document.label == "ktp asli.jpg"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == stored_files(private_root)
    assert stored_files(private_root) == [private_root / document.file.name]
    assert document.file.name.startswith("documents/")
    assert ".." not in document.file.name and "ktp" not in document.file.name


def _stored(document: RequirementDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def test_photos_are_stored_re_encoded_without_metadata(client, kelurahan_a):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraRahasia"
    exif[ExifTags.Base.Orientation] = 1
    photo = jpeg((120, 90), exif=exif.tobytes())
    assert b"KameraRahasia" in photo
    files = [upload(photo, "ktp.jpg"), upload(png((50, 50)), "kk.png", "image/png")]

    response = client.post(request_url(kelurahan_a), request_form(documents=files))

    assert response.status_code == 302
    first, second = RequirementDocument.objects.order_by("id")
    for document in (first, second):
        content = _stored(document)
        image = Image.open(io.BytesIO(content))
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert document.content_type == "image/jpeg"
        assert document.size == len(content)
        assert document.file.name.endswith(".jpg")
    assert b"KameraRahasia" not in _stored(first)
    assert (first.label, second.label) == ("ktp.jpg", "kk.png")


CLEAN_PDFS = {
    "plain": pdfs.clean_pdf(pdfs.PLAIN),
    "compressed object stream": pdfs.clean_pdf(),
    "object stream stored as is": pdfs.clean_pdf(compress_streams=False),
}


@pytest.mark.parametrize("scan", CLEAN_PDFS.values(), ids=CLEAN_PDFS.keys())
def test_a_clean_pdf_is_stored_as_sent_with_its_fingerprint(client, kelurahan_a, scan):
    files = [upload(scan, "kk.pdf", "application/pdf")]

    response = client.post(request_url(kelurahan_a), request_form(documents=files))

    assert response.status_code == 302
    document = RequirementDocument.objects.get()
    assert _stored(document) == scan
    assert document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(scan).hexdigest()


def test_documents_live_in_private_storage_and_have_no_url(client, kelurahan_a, settings):
    client.post(request_url(kelurahan_a), request_form())
    document = RequirementDocument.objects.get()

    path = private_storage.path(document.file.name)
    assert path.startswith(str(settings.PRIVATE_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no URL"):
        document.file.url  # noqa: B018


# --- Staff access ---------------------------------------------------------------------------------


@pytest.fixture
def document(client, kelurahan_a) -> RequirementDocument:
    response = client.post(request_url(kelurahan_a), request_form())
    assert response.status_code == 302
    return RequirementDocument.objects.get()


def document_url(document) -> str:
    return reverse("layanan:document", args=[document.pk])


def test_an_operator_of_the_kelurahan_gets_the_document_and_is_logged(document, operator_a):
    staff = Client()
    staff.force_login(operator_a)

    response = staff.get(document_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")  # opens in the browser
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == _stored(document)
    log = AccessLog.objects.get()
    assert (log.user, log.kelurahan, log.action) == (operator_a, document.kelurahan, "view")
    assert "ktp.jpg" in log.subject
    saved = staff.get(document_url(document) + "?download=1")
    assert saved["Content-Disposition"].startswith("attachment;")


def test_a_document_goes_out_as_stored_never_gzipped_again(document, operator_a):
    staff = Client()
    staff.force_login(operator_a)

    response = staff.get(document_url(document), HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == _stored(document)


def test_a_signer_of_the_kelurahan_may_see_the_document_too(document, signer_a):
    staff = Client()
    staff.force_login(signer_a)

    assert staff.get(document_url(document)).status_code == 200


def test_an_operator_of_another_kelurahan_gets_not_found_and_no_log(document, operator_b):
    staff = Client()
    staff.force_login(operator_b)

    assert staff.get(document_url(document)).status_code == 404
    assert staff.get(reverse("layanan:document", args=[999999])).status_code == 404
    assert not AccessLog.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login(document):
    response = Client().get(document_url(document))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_letter_page_shows_contact_and_document_links(document, operator_a):
    staff = Client()
    staff.force_login(operator_a)
    letter = document.letter

    response = staff.get(reverse("admin:layanan_letter_change", args=[letter.pk]))

    assertContains(response, f'href="{document_url(document)}"')
    assertContains(response, letter.tracking_code)
    assertContains(response, "081234567890")
    assertContains(response, "budi@example.com")
    assertContains(response, letter.nik)


def test_staff_find_an_online_request_by_its_tracking_code(document, operator_a):
    staff = Client()
    staff.force_login(operator_a)
    letter = document.letter

    response = staff.get(reverse("admin:layanan_letter_changelist"), {"q": letter.tracking_code})

    assert list(response.context["cl"].queryset) == [letter]


def test_an_orphaned_old_document_file_is_swept_and_a_letters_document_kept(document):
    storage = RequirementDocument._meta.get_field("file").storage
    orphan = storage.save("documents/2026/orphan.jpg", ContentFile(jpeg()))
    stamp = time.time() - 2 * 3600
    for name in (orphan, document.file.name):
        os.utime(storage.path(name), (stamp, stamp))

    assert letter_files_sweep(older_than=datetime.timedelta(hours=1)) == 1
    assert not storage.exists(orphan)
    assert storage.exists(document.file.name)
