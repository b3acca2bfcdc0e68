"""Public image uploads: sniffed, size-capped, re-encoded without metadata, and resized.

Used for every image a kelurahan publishes (officials' photos, UMKM photos, the city logo) and
for requirement-document photos. The file name and the declared content type are never trusted;
only what Pillow decodes is kept. HEIC/HEIF (what iPhones and many Android phones take by
default) is decoded by pillow-heif and, like everything else, kept only as a re-encoded JPEG.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps
from pillow_heif import register_heif_opener

# Once, at import: every caller of Image.open (here and in layanan.documents, which imports
# this module) then reads HEIC/HEIF. Registration is idempotent, so a re-import is harmless.
register_heif_opener()

# "MPO" is how Pillow names a JPEG carrying extra images (many cameras add a preview image);
# only the main image is kept.
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}
MAX_EDGE = 1600
# Pillow's bomb guard: refuse anything past ~40 megapixels (a 12 MP phone photo is fine).
MAX_PIXELS = 40_000_000
# Card thumbnails: a fixed 4:3 box, so every card's <img> can carry its width and height.
THUMBNAIL_SIZE = (480, 360)


# EXIF orientation -> the turn that makes the photo upright.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class ImageRejected(ValueError):
    pass


def image_decode(data: io.BufferedIOBase) -> Image.Image:
    """Decode an upload with Pillow, upright; ImageRejected for anything not a real JPEG, PNG,
    HEIC/HEIF or WebP, truncated, or past MAX_PIXELS."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(data)
            if image.format not in ALLOWED_FORMATS:
                raise ImageRejected(
                    _("This kind of image is not accepted. Upload a JPEG, PNG, HEIC or WebP photo.")
                )
            if image.width * image.height > MAX_PIXELS:
                raise ImageRejected(
                    _("The image is too large in pixels; resize it below 40 megapixels.")
                )
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            _("The image is too large in pixels; resize it below 40 megapixels.")
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "not a usable image"
        raise ImageRejected(
            _(
                "The file is not a valid image or is damaged. "
                "Upload a JPEG, PNG, HEIC or WebP photo."
            )
        ) from exc

    # Not ImageOps.exif_transpose: it also rewrites the EXIF block and raises on the damaged
    # EXIF some cameras write. Only the orientation is needed; the block is dropped below.
    try:
        turn = UPRIGHT.get(image.getexif().get(ExifTags.Base.Orientation))
    except Exception:  # noqa: BLE001 - unreadable EXIF: keep the photo as it was taken
        turn = None
    if turn is not None:
        image = image.transpose(turn)
    return image


def reencode_image(data: io.BufferedIOBase, *, max_edge: int = MAX_EDGE) -> bytes:
    """Decode an uploaded image and return it re-encoded as JPEG, metadata gone.

    Raises ImageRejected with a user-facing message for anything that is not a real JPEG, PNG,
    HEIC/HEIF or WebP, is truncated, or would decompress to more than MAX_PIXELS.
    """
    image = image_decode(data)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((max_edge, max_edge))
    out = io.BytesIO()
    # A fresh save writes no EXIF, GPS or XMP blocks. Pillow would copy the original's comment
    # (a JPEG COM segment, or a PNG text chunk named "comment"), so it is set empty: no payload
    # hidden there survives, and one longer than a JPEG marker holds cannot make the save fail.
    image.convert("RGB").save(
        out, format="JPEG", quality=85, optimize=True, progressive=True, comment=b""
    )
    return out.getvalue()


def thumbnail_image(data: bytes, *, size: tuple[int, int] = THUMBNAIL_SIZE) -> bytes:
    """A WebP thumbnail cropped to fill `size`, from a photo reencode_image already produced.

    Only for our own re-encoded JPEGs (never a raw upload): the input was checked and stripped
    there. WebP because a card's thumbnail is what a phone on a slow network downloads most,
    and it is about a third smaller than a JPEG of the same quality; Pillow writes no metadata.
    """
    with Image.open(io.BytesIO(data)) as image:
        fitted = ImageOps.fit(image.convert("RGB"), size, method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, format="WEBP", quality=75, method=4)
    return out.getvalue()


def image_with_thumbnail_set(
    *, image: FieldFile, thumbnail: FieldFile, upload: UploadedFile | None
) -> None:
    """Put a new upload (already re-encoded by ReencodedImageField) and its card thumbnail on a
    row's two file fields, or empty both (`upload` None: the image was cleared).

    The files are written now, the row is not saved: the caller saves it, and removes the files
    the row held before with files_delete_on_commit. The thumbnail is made once at upload rather
    than on request (cheap hosting; resizing on a page view would cost every visitor). The same
    steps as umkm.services.photo_save.
    """
    row = image.instance
    if upload is None:
        setattr(row, image.field.attname, "")
        setattr(row, thumbnail.field.attname, "")
        return
    upload.seek(0)
    data = upload.read()
    name = uuid.uuid4().hex
    image.save(f"{name}.jpg", ContentFile(data), save=False)
    thumbnail.save(f"{name}.webp", ContentFile(thumbnail_image(data)), save=False)


def files_delete_on_commit(files: list[tuple[Storage, str]]) -> None:
    """Remove stored files (storage, name) once the transaction that dropped them commits."""

    def delete():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete)


class ReencodedImageField(forms.ImageField):
    """An image form field that stores only the re-encoded JPEG, under a random name."""

    extension, content_type = "jpg", "image/jpeg"

    def reencode(self, data) -> bytes:
        return reencode_image(data)

    def to_python(self, data):
        if data in self.empty_values:
            return None
        limit = settings.MAX_IMAGE_UPLOAD_BYTES
        if data.size > limit:
            raise forms.ValidationError(
                _("The photo is %(size)s; the limit is %(limit)s. Upload a smaller photo."),
                code="too_large",
                params={"size": filesizeformat(data.size), "limit": filesizeformat(limit)},
            )
        if data.size == 0:
            raise forms.ValidationError(_("The uploaded file is empty."), code="empty")
        data.seek(0)
        try:
            encoded = self.reencode(data)
        except ImageRejected as exc:
            raise forms.ValidationError(str(exc.args[0]), code="invalid_image") from exc
        return InMemoryUploadedFile(
            file=io.BytesIO(encoded),
            field_name=getattr(data, "field_name", None),
            name=f"{uuid.uuid4().hex}.{self.extension}",
            content_type=self.content_type,
            size=len(encoded),
            charset=None,
        )
