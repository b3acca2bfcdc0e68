"""UMKM fixtures: photos land in this test's own MEDIA_ROOT; helpers make real and bad images."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from kelurahan import roles
from umkm.models import BusinessPhoto
from umkm.services import photo_save

GPS_IFD = ExifTags.IFD.GPSInfo


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source texts; the site's default language is Indonesian."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jpeg_with_gps(size=(1200, 900), color="orange") -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamera Ponsel"
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 33.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (110.0, 49.0, 30.0)
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def encoded(image: Image.Image, format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format)
    return out.getvalue()


def upload(data: bytes, name="foto.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(scope="session")
def decompression_bomb() -> bytes:
    """A 20,000 x 20,000 px PNG of a few dozen KB."""
    return encoded(Image.new("1", (20000, 20000)), "PNG")


@pytest.fixture
def add_photo():
    """Attach a re-encoded photo (with thumbnail) to a business, as the admin would."""
    from kelurahan.images import ReencodedImageField

    def add(business, *, is_cover=False, rank=0, alt_text="", color="orange"):
        cleaned = ReencodedImageField().clean(upload(jpeg_with_gps(color=color)))
        return photo_save(
            photo=BusinessPhoto(
                kelurahan=business.kelurahan,
                place=business,
                is_cover=is_cover,
                rank=rank,
                alt_text=alt_text,
            ),
            upload=cleaned,
        )

    return add


@pytest.fixture
def redaksi_a(make_staff, kelurahan_a):
    return make_staff("redaksi.a", roles.REDAKSI, kelurahan_a)
