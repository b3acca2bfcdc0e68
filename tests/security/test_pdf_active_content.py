"""PDF requirement documents are opened with pikepdf and every object is inspected: active
content is refused with a message naming the file and what is wrong, wherever it hides (object
streams, filters, predictors); web links are stripped from the stored copy."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from django.utils import translation
from django.utils.functional import empty
from pytest_django.asserts import assertContains

from layanan.models import Letter, RequirementDocument
from layanan.storage import private_storage
from tests.layanan.helpers import stored_files
from tests.layanan.online import request_form, request_url, said_with, upload
from tests.security import pdfs

ACTIVE_PDF = (
    "The PDF %(name)s contains %(found)s, which a document scan may not have; it was not "
    "saved. Print the document to PDF again, scan the paper again, or upload a photo of it."
)
ENCRYPTED_PDF = (
    "The PDF %(name)s is protected with a password, so the kelurahan cannot open it. "
    "Save or print it again without a password and upload the new file."
)
MODES = {"in an object stream": pdfs.IN_OBJECT_STREAM, "as plain objects": pdfs.PLAIN}


@pytest.fixture
def documents_root(settings, tmp_path):
    """PRIVATE_ROOT under this test's tmp_path; the lazy private storage re-reads it."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_ROOT
    private_storage._wrapped = empty


def _send(client, kelurahan, content: bytes, name: str = "kk.pdf"):
    files = [upload(content, name, "application/pdf")]
    return client.post(request_url(kelurahan), request_form(documents=files))


def _said_found(response, found: str) -> str:
    with translation.override(response["Content-Language"]):
        return translation.gettext(found)


def _assert_refused(response, message: str, name: str, root, found: str = "") -> None:
    assert response.status_code == 200
    params = {"name": name}
    if found:
        params["found"] = _said_found(response, found)
    assertContains(response, said_with(response, message, **params))
    assert not Letter.objects.exists()
    assert not RequirementDocument.objects.exists()
    assert stored_files(root) == []


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
@pytest.mark.parametrize("case", pdfs.FORBIDDEN.keys())
def test_a_pdf_with_forbidden_content_is_refused_naming_it_and_nothing_is_stored(
    client,
    kelurahan_a,
    documents_root,
    case,
    mode,
):
    response = _send(client, kelurahan_a, pdfs.forbidden_pdf(case, mode), "surat-kk.pdf")

    _assert_refused(response, ACTIVE_PDF, "surat-kk.pdf", documents_root, pdfs.FORBIDDEN[case][1])


def test_the_issue_11_bypass_is_refused(client, kelurahan_a, documents_root):
    """JavaScript in the catalog's /OpenAction, inside a PNG-predicted object stream whose
    dictionary is over 4 KB and holds a name ending in "obj": what the byte scanner let in."""
    content = pdfs.object_stream_bypass_pdf()
    with pikepdf.open(io.BytesIO(content)) as pdf:  # a reader does run it
        assert pdf.Root.OpenAction.S == "/JavaScript"
    assert b"JavaScript" not in content  # invisible to a byte scan

    response = _send(client, kelurahan_a, content)

    _assert_refused(response, ACTIVE_PDF, "kk.pdf", documents_root, pdfs.SCRIPT)


@pytest.mark.parametrize("user", ["", "rahasia"], ids=["opens without a password", "password"])
def test_an_encrypted_pdf_is_refused_with_a_message(client, kelurahan_a, documents_root, user):
    response = _send(client, kelurahan_a, pdfs.encrypted_pdf(user=user))

    _assert_refused(response, ENCRYPTED_PDF, "kk.pdf", documents_root)


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_a_scanner_apps_web_link_is_stripped_from_the_stored_copy(
    client,
    kelurahan_a,
    documents_root,
    mode,
):
    sent = pdfs.uri_link_pdf(mode)

    response = _send(client, kelurahan_a, sent)

    assert response.status_code == 302
    document = RequirementDocument.objects.get()
    with document.file.open("rb") as stored_file:
        stored = stored_file.read()
    assert stored != sent
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1
        assert b"(KK) Tj" in pdf.pages[0].Contents.read_bytes()  # the page itself is untouched
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/URI" not in obj.keys() and obj.get("/S") != "/URI"
                for value in obj.values():
                    if isinstance(value, pikepdf.Dictionary):
                        assert value.get("/S") != "/URI"


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_a_clean_pdf_is_kept_byte_for_byte(client, kelurahan_a, documents_root, mode):
    sent = pdfs.clean_pdf(mode)

    response = _send(client, kelurahan_a, sent)

    assert response.status_code == 302
    document = RequirementDocument.objects.get()
    with document.file.open("rb") as stored_file:
        assert stored_file.read() == sent
    assert document.sha256 == hashlib.sha256(sent).hexdigest()


TOO_COSTLY_PDF = (
    "The PDF %(name)s is built in a way that takes far more memory or time to open than any "
    "scan needs, so it was not saved. Print the document to PDF again, scan the paper again, "
    "or upload a photo of it."
)


def test_a_pdf_that_inflates_to_gigabytes_is_refused_without_costing_the_worker(
    client, kelurahan_a, documents_root, settings
):
    """600 KB that qpdf would inflate to 1.2 GB in memory: the check runs in a child process
    capped at PDF_CHECK_MEMORY_BYTES more than the worker's size, which runs out, and the file
    is refused; this process never grows by it."""
    import resource

    settings.PDF_CHECK_MEMORY_BYTES = 128 * 1024 * 1024
    content = pdfs.inflating_pdf(1200)
    assert len(content) < 2 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    response = _send(client, kelurahan_a, content)

    _assert_refused(response, TOO_COSTLY_PDF, "kk.pdf", documents_root)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100 * 1024
