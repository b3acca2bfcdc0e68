"""Helpers for online-request tests: real and hostile upload files, and a complete request form."""

from __future__ import annotations

import io
import re
import struct
import uuid
import zlib

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from tests.layanan.helpers import letter_data


def jpeg(size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", **save)
    return out.getvalue()


def png(size=(64, 48), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def image_as(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(out, format=fmt)
    return out.getvalue()


def pdf(*objects: bytes) -> bytes:
    """A small PDF whose catalog is followed by `objects` (raw bytes)."""
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + b"".join(objects)
        + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def pdf_with_object_stream(
    hidden: bytes, *, keys: bytes = b"/Type /ObjStm /N 1 /First 4", packed: bytes | None = None
) -> bytes:
    """A PDF whose `hidden` dictionary sits in an object stream (PDF 1.5+), compressed unless
    `packed` gives the stream's bytes; `keys` are the stream dictionary's other entries."""
    if packed is None:
        packed = zlib.compress(b"3 0 " + hidden)
        keys += b" /Filter /FlateDecode"
    return pdf(
        b"4 0 obj\n<< "
        + keys
        + b" /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n"
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(content: bytes, name: str = "ktp.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def request_form(**changes) -> dict:
    """A complete online Skuter request as a resident's browser sends it."""
    return {
        **letter_data(),
        "phone": "0812-3456-7890",
        "email": "budi@example.com",
        "website": "",
        "request_key": str(uuid.uuid4()),
        "documents": [upload(jpeg())],
        **changes,
    }


def request_url(kelurahan, kind: str = "skuter") -> str:
    return f"/k/{kelurahan.slug}/layanan/ajukan/{kind}/"


def said_with(response, template: str, **params) -> str:
    """A message with parameters as the page that gave `response` shows it."""
    with translation.override(response["Content-Language"]):
        return escape(translation.gettext(template) % params)


def download_code_from(outbox) -> str:
    """The one-time code in the newest download-code e-mail."""
    mails = [mail for mail in outbox if re.search(r"^\s+\d{6}$", mail.body, re.MULTILINE)]
    assert mails, [mail.subject for mail in outbox]
    return re.search(r"^\s+(\d{6})$", mails[-1].body, re.MULTILINE).group(1)


def download_link_via_code(client, letter, digits: str | None = None) -> str:
    """The resident's way to the signed PDF on /lacak/: look the request up, ask for the e-mailed
    code, type it; the download link on the page that follows ("" when there is none)."""
    track_url = reverse("layanan:track")
    status = client.post(
        track_url, {"code": letter.tracking_code, "nik_last4": digits or letter.nik[-4:]}
    )
    ticket = status.context.get("ticket")
    if not ticket:
        return ""
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(track_url, {"step": "send", "ticket": ticket})
    checked = client.post(
        track_url, {"step": "code", "ticket": ticket, "code": download_code_from(mail.outbox)}
    )
    found = re.search(r'href="(/lacak/unduh/[^"]+)"', checked.content.decode())
    return found.group(1) if found else ""
