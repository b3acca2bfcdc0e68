"""Request bodies over their form's limit are refused before they are read (kelurahan.uploads):
a declared Content-Length over the limit gets our 413 page without a byte read, and a body
whose upload data runs past the limit is cut off there by the upload handler."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.test import AsyncClient
from django.test.client import FakePayload
from django.urls import reverse
from django.utils import translation

from layanan import views as layanan_views
from layanan.models import Letter, RequirementDocument
from tests.factories import OfficialFactory
from tests.layanan.conftest import (  # noqa: F401
    issue,
    private_root,
    sign,
    signed_letter,
    signer_a,
    verified_letter,
)
from tests.layanan.helpers import stored_files
from tests.layanan.online import jpeg, request_form, request_url
from tests.security.test_upload_corpus import multipart
from umkm.models import Business

GIGABYTES_1_5 = 1536 * 1024 * 1024
TITLE_ID = "Berkas terlalu besar"
TITLE_EN = "The files are too large"


class UnreadableInput:
    """A wsgi.input standing for a 1.5 GB upload still on the wire: reading it fails the test."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        raise AssertionError("the body was read")

    readline = read

    def __iter__(self):
        raise AssertionError("the body was read")


class CountingInput:
    """A wsgi.input with `body` in it that counts what is read of it."""

    def __init__(self, body: bytes):
        self.body = body
        self.position = 0

    def read(self, size=-1):
        end = len(self.body) if size is None or size < 0 else self.position + size
        chunk = self.body[self.position : end]
        self.position += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)


def _letter_request(request) -> str:
    return request_url(request.getfixturevalue("kelurahan_a"))


def _verification(request) -> str:
    return request.getfixturevalue("signed_letter").get_verification_url()


def _proposal(request) -> str:
    kelurahan = request.getfixturevalue("kelurahan_a")
    return reverse("umkm:business_propose", kwargs={"slug": kelurahan.slug})


def _admin_official_photo(request) -> str:
    official = OfficialFactory(kelurahan=request.getfixturevalue("kelurahan_a"))
    return reverse("admin:kelurahan_official_change", args=[official.pk])


def _resident_import(request) -> str:
    return reverse("admin:layanan_resident_import")


def _tracking_form(request) -> str:
    return reverse("layanan:track")


def _no_such_page(request) -> str:
    return "/tidak-ada/"


FORMS = {
    "online letter request": _letter_request,
    "verification pdf check": _verification,
    "umkm proposal": _proposal,
    "admin official photo": _admin_official_photo,
    "admin resident import": _resident_import,
    "text-only tracking form": _tracking_form,
    "an address with no page": _no_such_page,
}


@pytest.mark.parametrize("url", FORMS.values(), ids=FORMS.keys())
def test_a_huge_declared_body_gets_our_413_page_before_a_byte_is_read(
    request, client, db, settings, tmp_path, url
):
    settings.MEDIA_ROOT = tmp_path / "media"
    address = url(request)
    letters = Letter.objects.count()

    # UnreadableInput fails the test on the first read: the answer comes from the headers alone
    # (how fast that is, a benchmark would say; here it is what matters).
    response = client.generic(
        "POST",
        address,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(GIGABYTES_1_5),
        **{"wsgi.input": UnreadableInput()},
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert TITLE_ID in page  # Indonesian by default
    with translation.override(response["Content-Language"]):
        assert filesizeformat(GIGABYTES_1_5) in page  # what was sent
    assert "portal.css" in page  # the portal's look (base.html)
    assert f'href="{address}"' in page  # back to the form
    assert Letter.objects.count() == letters and not Business.objects.exists()
    assert stored_files(tmp_path / "media") == []


def test_the_413_page_is_english_when_the_visitor_switched(client, kelurahan_a):
    client.cookies["django_language"] = "en"

    response = client.generic(
        "POST",
        request_url(kelurahan_a),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(GIGABYTES_1_5),
        **{"wsgi.input": UnreadableInput()},
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert TITLE_EN in page
    with translation.override("en"):
        limit = filesizeformat(layanan_views.MAX_REQUEST_BYTES)
    assert f"this form takes at most {limit} in total" in page


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_not(request, client):
    """The verification check's own limit: its form is answered at the limit, 413 past it."""
    letter = request.getfixturevalue("signed_letter")
    limit = layanan_views.MAX_CHECK_BYTES + 64 * 1024
    url = letter.get_verification_url()
    body, content_type = multipart({}, [("pdf", "surat.pdf", b"%PDF-1.7 not this letter")])
    body += b"\r\n" * ((limit - len(body)) // 2)  # epilogue after the last boundary: ignored
    assert len(body) == limit

    at_limit = client.generic("POST", url, body, content_type=content_type)
    over = client.generic(
        "POST",
        url,
        body,
        content_type=content_type,
        CONTENT_LENGTH=str(limit + 1),
        **{"wsgi.input": UnreadableInput()},
    )

    assert at_limit.status_code == 200
    assert at_limit.context["matches"] is False  # read, hashed and compared
    assert over.status_code == 413


def test_admin_screens_and_the_resident_import_have_their_own_limits(
    client, operator_a, settings, kelurahan_a
):
    settings.ADMIN_MAX_REQUEST_BYTES = 10_000
    settings.RESIDENT_IMPORT_MAX_BYTES = 100_000
    client.force_login(operator_a)
    register = b"NIK;Nama\n" + b"3372010101900001;Budi\n" * 1000  # about 22 KB
    body, content_type = multipart({"format": "0"}, [("import_file", "warga.csv", register)])
    official = OfficialFactory(kelurahan=kelurahan_a)

    photo_form = client.generic(
        "POST",
        reverse("admin:kelurahan_official_change", args=[official.pk]),
        body,
        content_type=content_type,
    )
    resident_import = client.generic(
        "POST", reverse("admin:layanan_resident_import"), body, content_type=content_type
    )

    assert photo_form.status_code == 413
    assert resident_import.status_code == 200  # read: import-export's own page answers


def test_a_chunked_body_without_content_length_is_never_read_under_wsgi(
    client, kelurahan_a, settings, tmp_path
):
    """What Django 5.2 does with no CONTENT_LENGTH (gunicorn passes a chunked body so): its
    WSGIRequest reads at most CONTENT_LENGTH bytes (0 when absent) and MultiPartParser returns
    an empty form for a length of 0. Nothing of the body is read, so nothing reaches disk; the
    view answers an empty form with its "required" errors."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    files = [
        ("documents", f"hal-{n}.jpg", b"\xff\xd8\xff" + b"\0" * 6 * 1024 * 1024) for n in (1, 2)
    ]
    fields = {k: v for k, v in request_form().items() if k != "documents"}
    body, content_type = multipart(fields, files * 3)
    assert len(body) > layanan_views.MAX_REQUEST_BYTES
    stream = CountingInput(body)

    response = client.generic(
        "POST",
        request_url(kelurahan_a),
        b"",
        content_type=content_type,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": stream},
    )

    assert stream.position == 0
    assert response.status_code == 200
    assert response.context["form"].errors  # an empty form, not a stored request
    assert not Letter.objects.exists()
    assert list(tmp_path.iterdir()) == []


# Bytes each temporary upload file received, recorded by the handler that writes them to disk.
WRITTEN: list[int] = []


class RecordingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        WRITTEN.append(0)

    def receive_data_chunk(self, raw_data, start):
        WRITTEN[-1] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


def test_upload_data_past_the_limit_is_cut_off_and_never_reaches_disk(
    request, kelurahan_a, settings
):
    """Under ASGI Django spools the whole body before any middleware and MultiPartParser reads
    it to its end whatever Content-Length says; an understated Content-Length passes the
    header check, and the upload handler stops the parse at the view's limit."""
    settings.FILE_UPLOAD_HANDLERS = [
        "kelurahan.uploads.RequestSizeUploadHandler",
        "tests.security.test_upload_limits.RecordingTemporaryFileUploadHandler",
    ]
    documents_root = request.getfixturevalue("private_root")
    WRITTEN.clear()
    limit = layanan_views.MAX_REQUEST_BYTES
    fields = {k: v for k, v in request_form().items() if k != "documents"}
    photo = jpeg()
    files = [("documents", f"hal-{n}.jpg", photo + b"\0" * (5 * 1024 * 1024)) for n in range(6)]
    body, content_type = multipart(fields, files)
    assert len(body) > limit
    url = request_url(kelurahan_a)

    response = async_to_sync(AsyncClient().request)(
        method="POST",
        path=url,
        query_string="",
        scheme="http",
        server=("testserver", "80"),
        headers=[
            (b"host", b"testserver"),
            (b"content-type", content_type.encode()),
            (b"content-length", b"1000"),  # understated
        ],
        _body_file=FakePayload(body),
    )

    assert response.status_code == 413
    assert TITLE_ID in response.content.decode()
    assert sum(WRITTEN) <= limit  # the chunk that would cross the limit was never passed on
    assert len(WRITTEN) == 6  # the sixth file was started, then cut off
    assert not Letter.objects.exists() and not RequirementDocument.objects.exists()
    assert stored_files(documents_root) == []
