"""UMKM and wisata in the admin: each kelurahan's staff see and change only their own places;
photos are re-encoded with thumbnails; the map picker is on the form."""

from __future__ import annotations

import functools
import io

import pytest
from django.contrib import admin
from django.urls import reverse
from PIL import Image

from kelurahan.models import Kelurahan
from tests.factories import BusinessFactory, ProductFactory, TourismSpotFactory
from tests.isolation import (
    admin_url,
    assert_answers_like_a_missing_row,
    assert_lists_own_rows_only,
    form_payload,
)
from tests.umkm.conftest import GPS_IFD, encoded, jpeg_with_gps, stored_files, upload
from umkm.models import Business, BusinessCategory, BusinessPhoto, Product, Status, TourismSpot

pytestmark = pytest.mark.django_db

MAKERS = {Business: BusinessFactory, TourismSpot: TourismSpotFactory}
TENANT_MODELS = [
    m
    for m in admin.site._registry
    if m._meta.app_label == "umkm" and any(f.name == "kelurahan" for f in m._meta.fields)
]
by_model = pytest.mark.parametrize("model", [Business, TourismSpot], ids=["business", "spot"])


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def business_data(**changes) -> dict:
    return {
        "name": "Soto Bu Sri",
        "slug": "soto-bu-sri",
        "category": str(BusinessCategory.objects.get(slug="kuliner").pk),
        "status": Status.PUBLISHED,
        "owner_name": "Sri",
        "description": "Soto ayam kampung.",
        "opening_hours": "",
        "nib": "",
        "whatsapp": "0812 3456 7890",
        "phone": "",
        "address": "Jl. Pajang 1",
        "rt": "",
        "rw": "",
        "latitude": "-7.566000",
        "longitude": "110.791000",
        "proposer_name": "",
        "proposer_contact": "",
        **management("products"),
        **management("photos"),
        **changes,
    }


def spot_data(**changes) -> dict:
    return {
        "name": "Taman Sungai",
        "slug": "taman-sungai",
        "category": "alam",
        "status": Status.PUBLISHED,
        "description": "",
        "description_en": "",
        "opening_hours": "",
        "ticket_price": "Gratis",
        "facilities": "",
        "accessibility": "",
        "whatsapp": "",
        "phone": "",
        "address": "",
        "latitude": "-7.566000",
        "longitude": "110.791000",
        **management("photos"),
        **changes,
    }


ADD_DATA = {Business: business_data, TourismSpot: spot_data}


# --- Scoping -----------------------------------------------------------------------------------


def test_every_umkm_tenant_model_in_the_admin_is_covered_here():
    assert set(TENANT_MODELS) == {Business, TourismSpot}


@by_model
def test_operator_lists_only_own_places_including_drafts(
    as_operator_a, kelurahan_a, kelurahan_b, model
):
    mine = MAKERS[model](kelurahan=kelurahan_a, status=Status.DRAFT)
    theirs = MAKERS[model](kelurahan=kelurahan_b)

    listed = assert_lists_own_rows_only(as_operator_a, model, mine, theirs)

    assert listed == [mine]


@by_model
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_kelurahans_place_answers_like_one_that_does_not_exist(
    as_operator_a, kelurahan_b, model, view
):
    theirs = MAKERS[model](kelurahan=kelurahan_b)
    url_of = functools.partial(admin_url, model, view)

    assert_answers_like_a_missing_row(as_operator_a, "get", url_of, theirs)


@by_model
def test_post_to_another_kelurahans_place_changes_nothing(
    client, diskominfo, operator_a, kelurahan_b, model
):
    theirs = MAKERS[model](kelurahan=kelurahan_b)
    client.force_login(diskominfo)
    data = form_payload(client.get(admin_url(model, "change", theirs.pk)))
    data["name"] = "Diubah orang lain"
    client.force_login(operator_a)
    url_of = functools.partial(admin_url, model, "change")

    assert_answers_like_a_missing_row(client, "post", url_of, theirs, data)


@by_model
def test_operator_edits_own_place(as_operator_a, kelurahan_a, model):
    mine = MAKERS[model](kelurahan=kelurahan_a)
    data = form_payload(as_operator_a.get(admin_url(model, "change", mine.pk)))
    data["name"] = "Nama baru"

    response = as_operator_a.post(admin_url(model, "change", mine.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    mine.refresh_from_db()
    assert mine.name == "Nama baru"


@by_model
def test_adding_stamps_the_operators_kelurahan_whatever_the_post_names(
    as_operator_a, kelurahan_a, kelurahan_b, model
):
    response = as_operator_a.post(
        admin_url(model, "add"), ADD_DATA[model](kelurahan=kelurahan_b.pk)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    added = model.objects.get()
    assert added.kelurahan == kelurahan_a


def test_redaksi_manages_umkm_of_their_kelurahan_too(client, redaksi_a, kelurahan_a):
    client.force_login(redaksi_a)

    response = client.post(admin_url(Business, "add"), business_data())

    assert response.status_code == 302
    assert Business.objects.get().kelurahan == kelurahan_a


@by_model
def test_delete_selected_with_another_kelurahans_ids_deletes_only_own(
    as_operator_a, kelurahan_a, kelurahan_b, model
):
    mine = MAKERS[model](kelurahan=kelurahan_a)
    theirs = MAKERS[model](kelurahan=kelurahan_b)

    as_operator_a.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"},
    )

    assert list(model.objects.all()) == [theirs]


@by_model
@pytest.mark.parametrize(
    ("action", "start", "end"),
    [("publish", Status.PENDING, Status.PUBLISHED), ("hide", Status.PUBLISHED, Status.HIDDEN)],
)
def test_publish_and_hide_never_touch_another_kelurahans_places(
    as_operator_a, kelurahan_a, kelurahan_b, model, action, start, end
):
    mine = MAKERS[model](kelurahan=kelurahan_a, status=start)
    theirs = MAKERS[model](kelurahan=kelurahan_b, status=start)

    response = as_operator_a.post(
        admin_url(model, "changelist"), {"action": action, "_selected_action": [mine.pk, theirs.pk]}
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (end, start)


def test_products_and_photos_added_inline_belong_to_the_places_kelurahan(
    as_operator_a, kelurahan_a, kelurahan_b
):
    data = business_data(
        kelurahan=kelurahan_b.pk,
        **management("products", total=1),
        **{
            "products-0-name": "Soto",
            "products-0-price_min": "10000",
            "products-0-price_max": "15000",
            "products-0-rank": "0",
        },  # fmt: skip
        **management("photos", total=1),
        **{
            "photos-0-image": upload(jpeg_with_gps()),
            "photos-0-alt_text": "",
            "photos-0-is_cover": "on",
            "photos-0-rank": "0",
        },  # fmt: skip
    )

    response = as_operator_a.post(admin_url(Business, "add"), data)

    assert response.status_code == 302, response.context["errors"]
    business = Business.objects.get()
    assert business.kelurahan == kelurahan_a
    assert [p.kelurahan_id for p in Product.objects.all()] == [kelurahan_a.pk]
    assert [p.kelurahan_id for p in BusinessPhoto.objects.all()] == [kelurahan_a.pk]


def test_diskominfo_moving_a_business_takes_its_products_and_photos_along(
    client, diskominfo, kelurahan_a, kelurahan_b, add_photo
):
    business = BusinessFactory(kelurahan=kelurahan_a)
    ProductFactory(kelurahan=kelurahan_a, place=business)
    add_photo(business)
    client.force_login(diskominfo)
    data = form_payload(client.get(admin_url(Business, "change", business.pk)))
    data["kelurahan"] = kelurahan_b.pk

    response = client.post(admin_url(Business, "change", business.pk), data)

    assert response.status_code == 302, response.context["errors"]
    assert set(Product.objects.values_list("kelurahan_id", flat=True)) == {kelurahan_b.pk}
    assert set(BusinessPhoto.objects.values_list("kelurahan_id", flat=True)) == {kelurahan_b.pk}


def test_the_category_list_is_edited_by_diskominfo_only(as_operator_a, client, diskominfo):
    add = reverse("admin:umkm_businesscategory_add")
    data = {"name": "Digital", "slug": "digital", "rank": "9"}

    assert as_operator_a.post(add, data).status_code == 403
    assert not BusinessCategory.objects.filter(slug="digital").exists()
    client.force_login(diskominfo)
    assert client.post(add, data).status_code == 302
    assert BusinessCategory.objects.filter(slug="digital").exists()


# --- Photos ------------------------------------------------------------------------------------


def photo_post(client, business, image_upload, **row):
    data = form_payload(client.get(admin_url(Business, "change", business.pk)))
    existing = int(data["photos-TOTAL_FORMS"]) - 1  # the form has one blank extra row
    data.update(management("photos", total=existing + 1, initial=existing))
    prefix = f"photos-{existing}"
    data.update(
        {
            f"{prefix}-image": image_upload,
            f"{prefix}-alt_text": row.get("alt_text", ""),
            f"{prefix}-rank": "0",
            f"{prefix}-place": str(business.pk),
        }
    )
    if row.get("is_cover"):
        data[f"{prefix}-is_cover"] = "on"
    return client.post(admin_url(Business, "change", business.pk), data)


def test_an_uploaded_photo_is_stored_as_a_jpeg_without_gps_with_a_webp_thumbnail(
    as_operator_a, kelurahan_a
):
    business = BusinessFactory(kelurahan=kelurahan_a)
    original = jpeg_with_gps(size=(3000, 2000))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    response = photo_post(as_operator_a, business, upload(original, name="../rumah.php.jpg"))

    assert response.status_code == 302, response.context["errors"]
    photo = BusinessPhoto.objects.get()
    with photo.image.open() as stored:
        image = Image.open(stored)
        image.load()
    assert (image.format, image.size) == ("JPEG", (1600, 1067))
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert (photo.width, photo.height) == (1600, 1067)
    assert "rumah" not in photo.image.name and photo.image.name.endswith(".jpg")
    with photo.thumbnail.open() as stored:
        thumb = Image.open(stored)
        thumb.load()
    assert (thumb.format, thumb.size) == ("WEBP", (480, 360))
    assert "exif" not in thumb.info


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<?php system($_GET['c']); ?>", "foto.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "foto.png"),
        (encoded(Image.new("RGB", (64, 64)), "GIF"), "foto.jpg"),
    ],
    ids=["php-named-jpg", "svg-named-png", "gif-named-jpg"],
)
def test_a_disguised_file_is_refused_with_a_message_and_nothing_is_stored(
    as_operator_a, kelurahan_a, media_root, data, name
):
    business = BusinessFactory(kelurahan=kelurahan_a)

    response = photo_post(as_operator_a, business, upload(data, name=name))

    assert response.status_code == 200
    errors = str(response.context["errors"])
    assert "Upload a JPEG, PNG, HEIC or WebP photo." in errors  # says what is taken
    assert not BusinessPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_a_decompression_bomb_is_refused_with_a_message_and_nothing_is_stored(
    as_operator_a, kelurahan_a, media_root, decompression_bomb
):
    business = BusinessFactory(kelurahan=kelurahan_a)

    response = photo_post(as_operator_a, business, upload(decompression_bomb, name="bom.png"))

    assert response.status_code == 200
    assert "too large in pixels" in str(response.context["errors"])
    assert not BusinessPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_a_photo_over_the_size_cap_is_refused_naming_the_limit(
    as_operator_a, kelurahan_a, media_root, settings
):
    settings.MAX_IMAGE_UPLOAD_BYTES = 10_000
    business = BusinessFactory(kelurahan=kelurahan_a)
    noisy = encoded(Image.effect_noise((400, 400), 90).convert("RGB"), "JPEG")
    assert len(noisy) > 10_000

    response = photo_post(as_operator_a, business, upload(noisy))

    assert response.status_code == 200
    assert "the limit is" in str(response.context["errors"])
    assert stored_files(media_root) == []


def test_two_cover_photos_are_refused_with_a_form_error(as_operator_a, kelurahan_a, add_photo):
    business = BusinessFactory(kelurahan=kelurahan_a)
    add_photo(business, is_cover=True)

    response = photo_post(as_operator_a, business, upload(jpeg_with_gps()), is_cover=True)

    assert response.status_code == 200
    assert "Only one photo can be the cover" in str(response.context["errors"])
    assert BusinessPhoto.objects.count() == 1


def test_the_cover_moves_from_one_photo_to_another_in_one_save(
    as_operator_a, kelurahan_a, add_photo
):
    business = BusinessFactory(kelurahan=kelurahan_a)
    first = add_photo(business, is_cover=True, rank=0)
    second = add_photo(business, rank=1)
    data = form_payload(as_operator_a.get(admin_url(Business, "change", business.pk)))
    rows = {str(data[f"photos-{i}-id"]): i for i in range(2)}
    data.pop(f"photos-{rows[str(first.pk)]}-is_cover", None)
    data[f"photos-{rows[str(second.pk)]}-is_cover"] = "on"

    response = as_operator_a.post(admin_url(Business, "change", business.pk), data)

    assert response.status_code == 302, response.context["errors"]
    assert list(BusinessPhoto.objects.filter(is_cover=True)) == [second]


def test_deleting_a_photo_removes_its_files(
    as_operator_a, kelurahan_a, add_photo, media_root, django_capture_on_commit_callbacks
):
    business = BusinessFactory(kelurahan=kelurahan_a)
    photo = add_photo(business)
    assert len(stored_files(media_root)) == 2
    data = form_payload(as_operator_a.get(admin_url(Business, "change", business.pk)))
    row = next(i for i in range(2) if str(data.get(f"photos-{i}-id")) == str(photo.pk))
    data[f"photos-{row}-DELETE"] = "on"

    with django_capture_on_commit_callbacks(execute=True):
        response = as_operator_a.post(admin_url(Business, "change", business.pk), data)

    assert response.status_code == 302
    assert not BusinessPhoto.objects.exists()
    assert stored_files(media_root) == []


# --- The map picker ----------------------------------------------------------------------------


@by_model
def test_the_form_has_the_map_picker_with_both_number_inputs_still_editable(
    as_operator_a, kelurahan_a, model
):
    Kelurahan.objects.filter(pk=kelurahan_a.pk).update(latitude="-7.560000", longitude="110.790000")

    response = as_operator_a.get(admin_url(model, "add"))

    html = response.content.decode()
    assert 'type="number" name="latitude"' in html and 'type="number" name="longitude"' in html
    assert 'data-map-picker data-lat-input="id_latitude" data-lng-input="id_longitude"' in html
    assert 'data-center="-7.56,110.79"' in html  # starts at the operator's kelurahan office
    assert "vendor/leaflet/leaflet-markercluster.js" in html and "js/map_picker.js" in html


def test_leaflet_is_not_loaded_on_admin_forms_without_a_map(as_operator_a):
    response = as_operator_a.get(reverse("admin:kelurahan_article_add"))

    assert response.status_code == 200
    assert "leaflet" not in response.content.decode()


def test_the_admin_form_refuses_a_point_outside_indonesia(as_operator_a):
    response = as_operator_a.post(
        admin_url(Business, "add"), business_data(latitude="51.5", longitude="-0.12")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"latitude", "longitude"}
    assert not Business.objects.exists()
