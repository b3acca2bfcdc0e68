"""Uploaded photos: only a re-encoded JPEG, without metadata and at most 1600 px, is kept."""

import io

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from PIL import ExifTags, Image

from kelurahan.images import MAX_EDGE, ImageRejected, ReencodedImageField, reencode_image

GPS_IFD = ExifTags.IFD.GPSInfo


class PhotoForm(forms.Form):
    photo = ReencodedImageField()


def encode(image: Image.Image, format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def photo(size=(400, 300), mode="RGB", color="green") -> Image.Image:
    return Image.new(mode, size, color)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamera Ponsel"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 33.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (110.0, 49.0, 30.0)
    return exif


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def upload(data: bytes, name="foto.jpg", content_type="image/jpeg") -> PhotoForm:
    return PhotoForm(files={"photo": SimpleUploadedFile(name, data, content_type=content_type)})


def refusal(form: PhotoForm) -> tuple[str, str]:
    assert not form.is_valid()
    (error,) = form.errors.as_data()["photo"]
    return error.code, error.messages[0]


@pytest.fixture(scope="module")
def decompression_bomb() -> bytes:
    """A 20,000 x 20,000 px (400 megapixel) PNG that weighs under 50 KB."""
    return encode(Image.new("1", (20000, 20000)), "PNG")


# What comes out -----------------------------------------------------------------------------


def test_a_jpeg_with_gps_data_comes_out_as_a_jpeg_without_any_exif():
    original = encode(photo(), "JPEG", exif=exif_with_gps())
    assert decoded(original).getexif().get_ifd(GPS_IFD)  # the upload does carry a location

    result = decoded(reencode_image(io.BytesIO(original)))

    assert result.format == "JPEG"
    assert result.mode == "RGB"
    assert result.size == (400, 300)
    assert "exif" not in result.info
    assert len(result.getexif()) == 0
    assert b"Exif" not in reencode_image(io.BytesIO(original))


def left_half_red(size=(400, 300)) -> Image.Image:
    image = photo(size, color="white")
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return image


def is_red(pixel) -> bool:
    red, green, blue = pixel
    return red > 200 and green < 60 and blue < 60


def test_the_photo_is_turned_upright_before_its_exif_is_dropped():
    # Orientation 6: the camera was held turned; the left edge is the top of the scene.
    sideways = encode(left_half_red(), "JPEG", exif=exif_with_gps(orientation=6))

    result = decoded(reencode_image(io.BytesIO(sideways)))

    assert result.size == (300, 400)
    assert is_red(result.getpixel((150, 20))) and not is_red(result.getpixel((150, 380)))
    assert len(result.getexif()) == 0


def test_a_jpeg_with_damaged_exif_is_still_taken_upright_without_it():
    # GPSLongitude (GPS tag 4) declared as text instead of rationals, as broken cameras write it.
    raw = exif_with_gps(orientation=6).tobytes()
    damaged = raw.replace(b"\x00\x04\x00\x05", b"\x00\x04\x00\x02")
    assert damaged != raw
    upload_bytes = encode(left_half_red(), "JPEG", exif=damaged)

    result = decoded(reencode_image(io.BytesIO(upload_bytes)))
    form = upload(upload_bytes)

    assert result.size == (300, 400)
    assert is_red(result.getpixel((150, 20)))
    assert len(result.getexif()) == 0
    assert form.is_valid(), form.errors


def half_transparent_png(mode: str) -> bytes:
    """200 x 100 px: the left half fully transparent, the right half opaque and dark."""
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((150, 0, 0, 255), (100, 0, 200, 100))
    if mode == "P":  # a palette PNG with one transparent colour
        palette = Image.new("P", image.size, 0)
        palette.putpalette([0, 0, 0, 150, 0, 0])
        palette.paste(1, (100, 0, 200, 100))
        return encode(palette, "PNG", transparency=0)
    return encode(image.convert(mode), "PNG")


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_a_png_with_transparency_becomes_a_jpeg_on_white(mode):
    original = half_transparent_png(mode)

    result = decoded(reencode_image(io.BytesIO(original)))

    assert result.format == "JPEG"
    assert result.mode == "RGB"
    assert all(channel >= 245 for channel in result.getpixel((20, 50)))  # transparent: white
    assert all(channel <= 160 for channel in result.getpixel((180, 50)))  # opaque stays dark


@pytest.mark.parametrize(
    ("format", "mode"),
    [("JPEG", "L"), ("JPEG", "CMYK"), ("PNG", "P"), ("PNG", "1"), ("PNG", "I;16"), ("WEBP", "RGB")],
)
def test_other_jpeg_png_and_webp_flavours_are_accepted_as_rgb_jpeg(format, mode):
    original = encode(photo(mode="RGB").convert(mode), format)

    result = decoded(reencode_image(io.BytesIO(original)))

    assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (400, 300))


def test_a_camera_jpeg_with_a_preview_image_mpo_is_accepted():
    # Many cameras append a preview image (Multi-Picture Format); Pillow calls such a JPEG "MPO".
    original = encode(photo(), "MPO", save_all=True, append_images=[photo((160, 120))])
    assert Image.open(io.BytesIO(original)).format == "MPO"

    result = decoded(reencode_image(io.BytesIO(original)))

    assert (result.format, result.size) == ("JPEG", (400, 300))
    assert upload(original).is_valid()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3200, 1200), (1600, 600)),
        ((1200, 4000), (480, 1600)),
        ((1601, 1601), (1600, 1600)),
        ((1600, 900), (1600, 900)),
        ((640, 480), (640, 480)),
    ],
)
def test_a_photo_is_resized_to_at_most_1600_px_keeping_its_proportions(size, expected):
    original = encode(photo(size), "JPEG")

    result = decoded(reencode_image(io.BytesIO(original)))

    assert result.size == expected
    assert max(result.size) <= MAX_EDGE


# The form field -----------------------------------------------------------------------------


def test_the_field_keeps_only_the_reencoded_jpeg_under_a_random_name():
    original = encode(photo((2400, 1800)), "PNG")

    first = upload(original, name="../../rumah lurah.php.png", content_type="image/png")
    second = upload(original, name="rumah lurah.png", content_type="image/png")

    assert first.is_valid() and second.is_valid()
    stored = first.cleaned_data["photo"]
    assert stored.name.endswith(".jpg")
    assert "lurah" not in stored.name and "/" not in stored.name
    assert stored.name != second.cleaned_data["photo"].name
    assert stored.content_type == "image/jpeg"
    result = decoded(stored.read())
    assert (result.format, result.size) == ("JPEG", (1600, 1200))
    assert stored.size == len(reencode_image(io.BytesIO(original)))


def test_the_field_refuses_a_file_over_the_byte_limit_naming_both_sizes(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 2048
    original = encode(Image.effect_noise((200, 200), 80).convert("RGB"), "JPEG")
    assert len(original) > 2048

    code, message = refusal(upload(original))

    assert code == "too_large"
    assert str(filesizeformat(2048)) in message
    assert str(filesizeformat(len(original))) in message


def test_the_field_refuses_an_empty_file():
    code, _message = refusal(upload(b""))

    assert code == "empty"


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((400, 300), 80).convert("RGB"), "JPEG")
    return data[: len(data) // 2]


NOT_PHOTOS = {
    "text-named-jpg": lambda: b"Ini bukan foto, hanya teks.\n" * 20,
    "html-named-jpg": lambda: b"<html><script>alert(1)</script></html>",
    "svg": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "gif": lambda: encode(photo(), "GIF"),
    "bmp": lambda: encode(photo(), "BMP"),
    "tiff": lambda: encode(photo(), "TIFF"),
    "truncated-jpeg": truncated_jpeg,
    "jpeg-header-only": lambda: encode(photo(), "JPEG")[:200],
    "over-40-megapixels": lambda: encode(Image.new("1", (7000, 7000)), "PNG"),
}


@pytest.mark.parametrize("kind", NOT_PHOTOS)
def test_something_that_is_not_a_usable_photo_is_refused(kind):
    data = NOT_PHOTOS[kind]()

    with pytest.raises(ImageRejected) as caught:
        reencode_image(io.BytesIO(data))
    code, message = refusal(upload(data))

    assert code == "invalid_image"
    assert message == str(caught.value.args[0])
    assert message


def test_a_decompression_bomb_is_refused_without_decoding_it(decompression_bomb):
    assert len(decompression_bomb) < 100_000

    with pytest.raises(ImageRejected) as caught:
        reencode_image(io.BytesIO(decompression_bomb))
    code, message = refusal(upload(decompression_bomb, name="bom.png", content_type="image/png"))

    assert code == "invalid_image"
    assert message == str(caught.value.args[0])
    # The same refusal as any photo over the pixel limit, not "damaged file".
    with pytest.raises(ImageRejected) as over_limit:
        reencode_image(io.BytesIO(NOT_PHOTOS["over-40-megapixels"]()))
    assert message == str(over_limit.value.args[0])


# --- HEIC/HEIF, what many phones take by default (pillow-heif) --------------------------------


def heic(image: Image.Image, **options) -> bytes:
    """A real HEIC file, encoded by pillow-heif itself (its opener is registered on import of
    kelurahan.images, which also lets Pillow save the HEIF format)."""
    return encode(image, "HEIF", quality=80, **options)


def test_a_heic_photo_comes_out_as_a_jpeg_without_any_metadata():
    data = heic(photo((400, 300), color="red"), exif=exif_with_gps().tobytes())
    assert data[4:12] == b"ftypheic"

    result = decoded(reencode_image(io.BytesIO(data)))

    assert result.format == "JPEG"
    assert result.size == (400, 300)
    assert not result.getexif()
    assert "exif" not in result.info and "xmp" not in result.info
    assert result.getpixel((200, 150))[0] > 200  # still red


def test_a_heic_photo_taken_sideways_comes_out_upright():
    data = heic(photo((400, 300)), exif=exif_with_gps(orientation=6).tobytes())

    result = decoded(reencode_image(io.BytesIO(data)))

    assert result.size == (300, 400)


def test_the_photo_field_takes_a_heic_photo_as_a_jpeg():
    form = upload(heic(photo()), name="IMG_0001.HEIC", content_type="image/heic")

    assert form.is_valid(), form.errors
    stored = form.cleaned_data["photo"]
    assert stored.name.endswith(".jpg") and stored.content_type == "image/jpeg"
    assert decoded(stored.read()).format == "JPEG"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "This kind of image is not accepted. Upload a JPEG, PNG, HEIC or WebP photo."),
        ("id", "Jenis gambar ini tidak dapat diterima. Unggah foto JPEG, PNG, HEIC, atau WebP."),
    ],
)
def test_an_unsupported_type_is_refused_naming_the_types_we_take(language, expected):
    with translation.override(language):
        code, message = refusal(upload(encode(photo(), "GIF"), name="foto.gif"))

    assert code == "invalid_image"
    assert message == expected
