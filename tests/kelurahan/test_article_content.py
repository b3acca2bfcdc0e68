"""Articles on the staff side: an optional image (re-encoded, thumbnailed), an explicit publish
or draft choice, slugs made from the title once, and a file chosen on a form sent back."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import ExifTags, Image

from kelurahan import slugs
from kelurahan.models import Article, Kelurahan, Official, Service
from tests.factories import ArticleFactory, ServiceFactory
from tests.isolation import admin_url, form_payload
from umkm.models import Business

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


def photo(size=(3000, 2000), color="orange", name="../kerja-bakti.php.jpg") -> SimpleUploadedFile:
    """A phone photo with GPS coordinates in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamera Ponsel"
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 33.0, 52.0)
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def article_data(**changes) -> dict:
    data = {
        "kind": "berita",
        "title": "Posyandu balita bulan Juni",
        "summary": "Penimbangan dan imunisasi di balai RW 03.",
        "body": "Isi berita.",
        "image_alt": "",
        "status": "published",
        "published_at_0": "2025-01-15",
        "published_at_1": "08:00:00",
        "event_start_0": "",
        "event_start_1": "",
        "location": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def opened(field_file) -> Image.Image:
    with field_file.open() as stored:
        image = Image.open(stored)
        image.load()
    return image


# -- The image ---------------------------------------------------------------------------------


def test_an_article_image_is_stored_re_encoded_without_gps_with_a_webp_thumbnail(
    as_operator_a, kelurahan_a
):
    response = as_operator_a.post(admin_url(Article, "add"), article_data(image=photo()))

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    image = opened(article.image)
    assert (image.format, image.size) == ("JPEG", (1600, 1067))
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert (article.image_width, article.image_height) == (1600, 1067)
    assert "kerja-bakti" not in article.image.name and article.image.name.endswith(".jpg")
    thumb = opened(article.thumbnail)
    assert (thumb.format, thumb.size) == ("WEBP", (480, 360))


def test_a_file_that_is_no_image_is_refused_with_a_message(as_operator_a, media_root):
    fake = SimpleUploadedFile("foto.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg")

    response = as_operator_a.post(admin_url(Article, "add"), article_data(image=fake))

    assert response.status_code == 200
    assert "not a valid image" in " ".join(response.context["adminform"].form.errors["image"])
    assert not Article.objects.exists() and stored_files(media_root) == []


def test_replacing_and_clearing_the_image_removes_the_old_files(
    as_operator_a, kelurahan_a, media_root, django_capture_on_commit_callbacks
):
    as_operator_a.post(admin_url(Article, "add"), article_data(image=photo()))
    article = Article.objects.get()
    first = {article.image.name, article.thumbnail.name}
    url = admin_url(Article, "change", article.pk)

    with django_capture_on_commit_callbacks(execute=True):
        data = form_payload(as_operator_a.get(url))
        response = as_operator_a.post(url, {**data, "image": photo(color="green")})
    assert response.status_code == 302
    article.refresh_from_db()
    assert first.isdisjoint({article.image.name, article.thumbnail.name})
    assert len(stored_files(media_root)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        data = form_payload(as_operator_a.get(url))
        response = as_operator_a.post(url, {**data, "image-clear": "on"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert not article.image and not article.thumbnail and article.image_width is None
    assert stored_files(media_root) == []


def test_the_news_list_shows_a_light_lazy_thumbnail_and_the_article_page_the_image(
    as_operator_a, client, kelurahan_a
):
    as_operator_a.post(
        admin_url(Article, "add"), article_data(image=photo(), image_alt="Ibu-ibu menimbang bayi")
    )
    article = Article.objects.get()
    client.logout()

    listing = client.get(f"/k/{kelurahan_a.slug}/berita/").content.decode()
    page = client.get(article.get_absolute_url()).content.decode()

    thumb = (
        f'src="{article.thumbnail.url}" width="120" height="90" loading="lazy" '
        'decoding="async" alt="Ibu-ibu menimbang bayi"'
    )
    assert thumb in listing
    assert article.image.url not in listing  # the list never loads the full photo
    assert f'src="{article.image.url}" width="1600" height="1067" loading="lazy"' in page
    assert 'alt="Ibu-ibu menimbang bayi"' in page


def test_an_image_without_alt_text_is_described_by_the_title(as_operator_a, client, kelurahan_a):
    as_operator_a.post(admin_url(Article, "add"), article_data(image=photo()))
    client.logout()

    listing = client.get(f"/k/{kelurahan_a.slug}/berita/").content.decode()

    assert 'alt="Posyandu balita bulan Juni"' in listing


# -- Publish or draft: always chosen -----------------------------------------------------------


def test_a_new_article_offers_publish_or_draft_with_neither_ticked(as_operator_a):
    response = as_operator_a.get(admin_url(Article, "add"))

    html = response.content.decode()
    form = response.context["adminform"].form
    assert form.fields["status"].required
    assert 'name="status" value="published"' in html and 'name="status" value="draft"' in html
    assert 'name="status" value="published" required id' in html.replace("checked ", "X")
    assert "checked" not in str(form["status"])
    assert "Publish now" in html and "Save as a draft" in html
    assert "New article: choose below" in html


def test_an_article_without_the_choice_is_not_saved(as_operator_a):
    response = as_operator_a.post(admin_url(Article, "add"), article_data(status=None))

    assert response.status_code == 200
    assert "Choose “Publish now” or “Save as a draft”" in " ".join(
        response.context["adminform"].form.errors["status"]
    )
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("status", "shown"), [("published", True), ("draft", False)], ids=["publish", "draft"]
)
def test_the_choice_decides_whether_the_article_is_on_the_site(
    as_operator_a, client, kelurahan_a, status, shown
):
    response = as_operator_a.post(admin_url(Article, "add"), article_data(status=status))

    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == status
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == (200 if shown else 404)


def test_publishing_a_draft_now_dates_it_now(as_operator_a, kelurahan_a):
    draft = ArticleFactory(
        kelurahan=kelurahan_a,
        status=Article.Status.DRAFT,
        published_at=timezone.now() - timezone.timedelta(days=30),
    )
    url = admin_url(Article, "change", draft.pk)
    data = form_payload(as_operator_a.get(url))

    # What the browser sends back for a field with a callable default: the time first shown.
    data["initial-published_at_0"], data["initial-published_at_1"] = (
        data["published_at_0"],
        data["published_at_1"],
    )

    response = as_operator_a.post(url, {**data, "status": "published"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert timezone.now() - draft.published_at < timezone.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("status", "published_at", "says"),
    [
        ("draft", timezone.now(), "This article is a draft: it is not shown on the site."),
        ("published", timezone.now(), "This article is published: it is shown on the site."),
        (
            "published",
            timezone.now() + timezone.timedelta(days=3),
            "This article is published and will be shown on the site from",
        ),
    ],
    ids=["draft", "published", "scheduled"],
)
def test_the_change_form_says_which_state_the_article_is_in(
    as_operator_a, kelurahan_a, status, published_at, says
):
    article = ArticleFactory(kelurahan=kelurahan_a, status=status, published_at=published_at)

    response = as_operator_a.get(admin_url(Article, "change", article.pk))

    html = response.content.decode()
    assert says in html
    assert f'name="status" value="{status}" required id="id_status_' in html.replace("checked ", "")
    assert str(response.context["adminform"].form["status"]).count("checked") == 1


def test_the_state_shown_on_a_form_with_errors_is_the_saved_one(as_operator_a, kelurahan_a):
    article = ArticleFactory(kelurahan=kelurahan_a, status=Article.Status.DRAFT)
    url = admin_url(Article, "change", article.pk)
    data = form_payload(as_operator_a.get(url))

    response = as_operator_a.post(url, {**data, "status": "published", "title": ""})

    assert response.status_code == 200
    assert "This article is a draft" in response.content.decode()


# -- Slugs: made from the title, unique per kelurahan, stable ----------------------------------


def test_the_slug_is_not_a_form_field(as_operator_a, kelurahan_a):
    article = ArticleFactory(kelurahan=kelurahan_a)

    for url in (admin_url(Article, "add"), admin_url(Article, "change", article.pk)):
        response = as_operator_a.get(url)
        assert "slug" not in response.context["adminform"].form.fields
        assert 'name="slug"' not in response.content.decode()


def test_the_slug_is_made_from_the_title_with_a_number_on_a_clash(
    as_operator_a, kelurahan_a, kelurahan_b
):
    ArticleFactory(kelurahan=kelurahan_b, title="Kerja bakti", slug="kerja-bakti")
    for _ in range(3):
        response = as_operator_a.post(admin_url(Article, "add"), article_data(title="Kerja bakti"))
        assert response.status_code == 302

    slugs = sorted(Article.objects.for_kelurahan(kelurahan_a).values_list("slug", flat=True))
    assert slugs == ["kerja-bakti", "kerja-bakti-2", "kerja-bakti-3"]


def test_a_slug_taken_between_the_check_and_the_save_gets_the_next_number(
    as_operator_a, kelurahan_a, monkeypatch
):
    """Two staff members saving the same title at once: the second finds the slug gone."""
    ArticleFactory(kelurahan=kelurahan_a, title="Kerja bakti", slug="kerja-bakti")
    real = slugs.slug_free
    answers = iter(["kerja-bakti"])  # the first look saw it free (the other save not yet in)
    monkeypatch.setattr(slugs, "slug_free", lambda *a, **k: next(answers, None) or real(*a, **k))

    response = as_operator_a.post(admin_url(Article, "add"), article_data(title="Kerja bakti"))

    assert response.status_code == 302
    assert Article.objects.filter(slug="kerja-bakti-2").exists()


def test_a_title_without_letters_still_gets_a_slug(as_operator_a, kelurahan_a):
    response = as_operator_a.post(admin_url(Article, "add"), article_data(title="!!!"))

    assert response.status_code == 302
    assert Article.objects.get().slug == "article"


def test_editing_the_title_keeps_the_slug_and_the_address(as_operator_a, client, kelurahan_a):
    as_operator_a.post(admin_url(Article, "add"), article_data(title="Lomba tujuhbelasan"))
    article = Article.objects.get()
    address = article.get_absolute_url()
    url = admin_url(Article, "change", article.pk)
    data = form_payload(as_operator_a.get(url))

    response = as_operator_a.post(url, {**data, "title": "Juara lomba tujuhbelasan RW 02"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Juara lomba tujuhbelasan RW 02"
    assert article.slug == "lomba-tujuhbelasan"
    client.logout()
    assert client.get(address).status_code == 200


def test_a_service_slug_is_made_from_its_name_and_not_shown(as_operator_a, kelurahan_a):
    ServiceFactory(kelurahan=kelurahan_a, name="Surat Pengantar", slug="surat-pengantar")
    form = as_operator_a.get(admin_url(Service, "add")).context["adminform"].form
    assert "slug" not in form.fields

    response = as_operator_a.post(
        admin_url(Service, "add"),
        {
            "name": "Surat Pengantar",
            "requirements": "KTP-el",
            "service_days": "2",
            "cost": "Gratis",
            "rank": "9",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    new = Service.objects.for_kelurahan(kelurahan_a).get(name="Surat Pengantar", rank=9)
    assert new.slug == "surat-pengantar-2"


# -- A file chosen on a form sent back with errors ---------------------------------------------


def test_a_form_sent_back_with_errors_asks_to_choose_the_photo_again(as_operator_a, media_root):
    response = as_operator_a.post(admin_url(Article, "add"), article_data(title="", image=photo()))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "title" in form.errors
    assert "Choose it again before saving." in " ".join(form.errors["image"])
    assert "Choose it again before saving." in response.content.decode()
    assert stored_files(media_root) == []


def test_a_form_with_errors_but_no_file_chosen_says_nothing_about_files(as_operator_a):
    response = as_operator_a.post(admin_url(Article, "add"), article_data(title=""))

    assert "image" not in response.context["adminform"].form.errors


def test_the_official_form_also_asks_to_choose_the_photo_again(as_operator_a, kelurahan_a):
    response = as_operator_a.post(
        admin_url(Official, "add"),
        {"position": "", "name": "Budi", "photo": photo(), "level": "3", "rank": "0"},
    )

    assert response.status_code == 200
    assert "Choose it again before saving." in " ".join(
        response.context["adminform"].form.errors["photo"]
    )


def test_a_photo_row_under_a_form_with_errors_is_named_in_a_warning(as_operator_a, kelurahan_a):
    page = as_operator_a.get(admin_url(Business, "add"))
    data = form_payload(page)
    data.update({"name": "", "photos-0-image": photo(name="warung.jpg"), "photos-0-rank": "0"})

    response = as_operator_a.post(admin_url(Business, "add"), data)

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("(warung.jpg)" in m and "Choose them again before saving." in m for m in shown)


def test_the_choose_again_note_is_in_indonesian(as_operator_a, settings):
    as_operator_a.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    with translation.override("id"):
        response = as_operator_a.post(
            admin_url(Article, "add"), article_data(title="", status=None, image=photo())
        )

    html = response.content.decode()
    assert "Pilih berkas itu sekali lagi sebelum menyimpan." in html
    assert "Pilih “Terbitkan sekarang” atau “Simpan sebagai draf”" in html


# -- The office on the map ---------------------------------------------------------------------


def test_the_kelurahan_profile_has_the_map_picker_over_the_two_number_inputs(
    as_operator_a, kelurahan_a, kelurahan_b
):
    Kelurahan.objects.filter(pk=kelurahan_b.pk).update(
        latitude=Decimal("-7.560000"), longitude=Decimal("110.790000")
    )

    response = as_operator_a.get(admin_url(Kelurahan, "change", kelurahan_a.pk))

    html = response.content.decode()
    assert 'name="latitude"' in html and 'name="longitude"' in html
    assert 'data-map-picker data-lat-input="id_latitude" data-lng-input="id_longitude"' in html
    assert 'data-center="-7.56,110.79" data-zoom="14"' in html  # a neighbour's office
    assert "js/map_picker.js" in html
