"""Object storage (S3_BUCKET set), on moto's fake S3: private files go to a private bucket and
out only through our checked views (streamed, or a presigned URL issued after the check);
public media to a public one; the move of existing local files verifies every one."""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils.functional import empty
from moto import mock_aws

from kelurahan.models import Official
from kelurahan.tenancy import closed
from layanan import services
from layanan.models import Letter, RequirementDocument
from layanan.services import letter_files_sweep
from layanan.storage import private_storage
from portal import storage_move
from tests.layanan.helpers import pdf_bytes
from tests.layanan.object_storage import (
    MEDIA_BUCKET,
    PRIVATE_BUCKET,
    keys,
    object_bytes,
    s3_client,
    s3_variables,
    settings_with,
    use_local_storage,
    use_object_storage,
)
from tests.layanan.online import download_link_via_code, jpeg, request_form, request_url

CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def s3(settings):
    """moto's S3 with both buckets, and this test's storages pointed at them."""
    with mock_aws():
        client = s3_client(**CREDENTIALS)
        client.create_bucket(Bucket=MEDIA_BUCKET)
        client.create_bucket(Bucket=PRIVATE_BUCKET)
        use_object_storage(settings, **s3_variables(**CREDENTIALS))
        yield client


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def public_readers(client, bucket, key) -> list[str]:
    grants = client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return [g["Permission"] for g in grants if g["Grantee"].get("URI") == ALL_USERS]


# --- The switch ---------------------------------------------------------------------------------


def test_without_a_bucket_files_stay_in_the_local_folders():
    configured = settings_with(S3_BUCKET="")

    assert configured["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert configured["PRIVATE_STORAGE_S3"] is None
    assert configured["SERVE_MEDIA"] is True


def test_with_a_bucket_media_and_private_files_go_to_object_storage():
    configured = settings_with(
        **s3_variables(endpoint_url="http://s3.internal:8333", **CREDENTIALS),
        S3_MEDIA_URL="https://media.surakarta.go.id/portal-media",
    )

    media = configured["STORAGES"]["default"]
    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["bucket_name"] == MEDIA_BUCKET
    assert media["OPTIONS"]["default_acl"] == "public-read"
    assert media["OPTIONS"]["querystring_auth"] is False
    assert media["OPTIONS"]["custom_domain"] == "media.surakarta.go.id/portal-media"
    private = configured["PRIVATE_STORAGE_S3"]
    assert private["bucket_name"] == PRIVATE_BUCKET
    assert private["endpoint_url"] == "http://s3.internal:8333"
    assert private["file_overwrite"] is False
    # Django no longer serves /media/ from a folder nobody writes to; pages may show the images.
    assert configured["SERVE_MEDIA"] is False
    img_src = configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert "https://media.surakarta.go.id" in img_src


def test_the_private_bucket_defaults_to_the_media_bucket_under_its_own_prefix():
    variables = s3_variables(**CREDENTIALS)
    del variables["S3_PRIVATE_BUCKET"]

    configured = settings_with(**variables)

    assert configured["PRIVATE_STORAGE_S3"]["bucket_name"] == MEDIA_BUCKET
    assert configured["PRIVATE_STORAGE_S3"]["location"] == "private"
    assert configured["STORAGES"]["default"]["OPTIONS"]["location"] == "media"


# --- Private objects stay private -----------------------------------------------------------------


def test_a_private_object_is_acl_private_and_has_no_url(s3):
    name = private_storage.save("documents/2026/ktp.jpg", ContentFile(jpeg()))

    assert public_readers(s3, PRIVATE_BUCKET, f"private/{name}") == []
    with pytest.raises(ValueError, match="no URL"):
        private_storage.url(name)


def test_the_options_cannot_make_private_objects_public(s3, settings):
    settings.PRIVATE_STORAGE_S3 = {
        **settings.PRIVATE_STORAGE_S3,
        "default_acl": "public-read",
        "querystring_auth": False,
        "custom_domain": "cdn.example",
    }
    private_storage._wrapped = empty

    name = private_storage.save("letters/2026/x.pdf", ContentFile(b"%PDF-1.7"))

    assert public_readers(s3, PRIVATE_BUCKET, f"private/{name}") == []
    url = private_storage.presigned_url(name, content_type="application/pdf", filename="x.pdf")
    assert "X-Amz-Signature" in url and "cdn.example" not in url


def test_public_media_is_readable_by_anyone_at_an_unsigned_address(s3):
    name = default_storage.save("officials/2026/lurah.jpg", ContentFile(jpeg()))

    assert public_readers(s3, MEDIA_BUCKET, f"media/{name}") == ["READ"]
    url = default_storage.url(name)
    assert url.endswith(f"/media/{name}") and "?" not in url


# --- Streaming through our views ------------------------------------------------------------------


def test_an_online_document_is_stored_in_the_bucket_and_streamed_only_to_its_kelurahan(
    s3, client, kelurahan_a, operator_a, operator_b
):
    response = client.post(request_url(kelurahan_a), request_form())
    assert response.status_code == 302
    document = RequirementDocument.objects.get()
    stored = object_bytes(s3, PRIVATE_BUCKET, f"private/{document.file.name}")
    assert hashlib.sha256(stored).hexdigest() == document.sha256
    url = reverse("layanan:document", args=[document.pk])

    opened = staff_client(operator_a).get(url)

    assert opened.status_code == 200
    assert opened["Cache-Control"] == "private, no-store"
    assert b"".join(opened.streaming_content) == stored
    assert staff_client(operator_b).get(url).status_code == 404


def test_a_signed_pdf_is_stored_in_the_bucket_and_streams_to_staff_and_the_resident(
    s3, client, kelurahan_a, operator_a, signer_a, sign, mailoutbox
):
    client.post(request_url(kelurahan_a), request_form())
    letter = Letter.objects.get()
    services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
    letter = sign(letter, signer_a)
    stored = object_bytes(s3, PRIVATE_BUCKET, f"private/{letter.pdf.name}")
    assert hashlib.sha256(stored).hexdigest() == letter.pdf_sha256

    staff = staff_client(operator_a).get(reverse("layanan:letter_pdf", args=[letter.pk]))
    assert staff.status_code == 200
    assert b"".join(staff.streaming_content) == stored

    link = download_link_via_code(Client(), letter)
    resident = Client().get(link)
    assert resident.status_code == 200
    assert resident["Cache-Control"] == "private, no-store"
    assert b"".join(resident.streaming_content) == stored


def test_with_redirects_a_checked_request_gets_a_short_presigned_url_and_a_stranger_none(
    s3, settings, client, kelurahan_a, operator_a, operator_b, monkeypatch
):
    settings.PRIVATE_FILES_REDIRECT = True
    client.post(request_url(kelurahan_a), request_form())
    document = RequirementDocument.objects.get()
    url = reverse("layanan:document", args=[document.pk])
    issued = []
    storage = private_storage._wrapped.__class__
    original = storage.presigned_url
    monkeypatch.setattr(
        storage, "presigned_url", lambda self, *a, **k: issued.append(a) or original(self, *a, **k)
    )

    assert staff_client(operator_b).get(url).status_code == 404
    assert issued == []

    response = staff_client(operator_a).get(url)

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-cache-control"] == ["private, no-store"]
    # Opened in the browser, as the letter page links it; "?download=1" saves it instead.
    assert query["response-content-disposition"][0].startswith("inline;")
    assert issued == [(document.file.name,)]
    saved = staff_client(operator_a).get(url + "?download=1")
    saved_query = parse_qs(urlsplit(saved["Location"]).query)
    assert saved_query["response-content-disposition"][0].startswith("attachment;")


def test_the_sweep_walks_the_bucket_and_deletes_only_orphans(s3, signed_letter):
    orphan = private_storage.save("letters/2026/orphan.pdf", ContentFile(b"%PDF-1.7 personal"))

    # Every file counts as old enough: the bucket's clock cannot be set back.
    removed = letter_files_sweep(older_than=datetime.timedelta(seconds=-60))

    assert removed == 1
    assert keys(s3, PRIVATE_BUCKET) == [f"private/{signed_letter.pdf.name}"]
    assert not private_storage.exists(orphan)


# --- Moving existing files ------------------------------------------------------------------------


@pytest.fixture
def local_files(settings, client, kelurahan_a, operator_a, signer_a, sign):
    """A signed online request with a scan, and an official's photo, all in local folders."""
    use_local_storage(settings)
    client.post(request_url(kelurahan_a), request_form())
    letter = Letter.objects.get()
    services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
    letter = sign(letter, signer_a)
    official = Official.objects.create(kelurahan=kelurahan_a, position="Lurah", name="Slamet")
    official.photo.save("lurah.jpg", ContentFile(jpeg()))
    assert isinstance(private_storage._wrapped, FileSystemStorage)
    return {
        "private": [letter.pdf.name, RequirementDocument.objects.get().file.name],
        "media": [official.photo.name],
        "letter": letter,
    }


def local_paths(settings, files):
    return [settings.PRIVATE_ROOT / name for name in files["private"]] + [
        settings.MEDIA_ROOT / name for name in files["media"]
    ]


def test_the_move_copies_every_file_verifies_it_and_can_run_again(local_files, settings, capsys):
    with mock_aws():
        client = s3_client(**CREDENTIALS)
        client.create_bucket(Bucket=MEDIA_BUCKET)
        client.create_bucket(Bucket=PRIVATE_BUCKET)
        use_object_storage(settings, **s3_variables(**CREDENTIALS))

        with closed():  # as on a server: the command opens its own scope
            call_command("storage_migrate")
        first = capsys.readouterr().out
        call_command("storage_migrate")
        second = capsys.readouterr().out

        assert "Copied and verified: 3; already in the bucket: 0; failed: 0" in first
        assert "Copied and verified: 0; already in the bucket: 3; failed: 0" in second
        assert keys(client, PRIVATE_BUCKET) == sorted(
            f"private/{n}" for n in local_files["private"]
        )
        assert keys(client, MEDIA_BUCKET) == [f"media/{n}" for n in local_files["media"]]
        for path in local_paths(settings, local_files):
            assert path.is_file()  # kept unless asked
        assert (
            pdf_bytes(Letter.objects.get())
            == (settings.PRIVATE_ROOT / local_files["private"][0]).read_bytes()
        )

        call_command("storage_migrate", "--delete-local")

        assert "local copies deleted: 3" in capsys.readouterr().out
        for path in local_paths(settings, local_files):
            assert not path.exists()
        assert hashlib.sha256(pdf_bytes(Letter.objects.get())).hexdigest() == (
            local_files["letter"].pdf_sha256
        )


def test_a_file_that_does_not_match_its_stored_hash_is_reported_and_not_moved(
    local_files, settings, capsys
):
    document = RequirementDocument.objects.get()
    path = settings.PRIVATE_ROOT / document.file.name
    path.write_bytes(path.read_bytes() + b"rot")
    with mock_aws():
        client = s3_client(**CREDENTIALS)
        client.create_bucket(Bucket=MEDIA_BUCKET)
        client.create_bucket(Bucket=PRIVATE_BUCKET)
        use_object_storage(settings, **s3_variables(**CREDENTIALS))

        with pytest.raises(CommandError, match="1 file"):
            call_command("storage_migrate", "--delete-local")

        output = capsys.readouterr()
        assert "Copied and verified: 2; already in the bucket: 0; failed: 1" in output.out
        assert f"RequirementDocument#{document.pk}" in output.err
        assert "does not match the SHA-256" in output.err
        assert f"private/{document.file.name}" not in keys(client, PRIVATE_BUCKET)
        assert path.is_file()  # the only copy is never deleted


def test_an_object_that_reads_back_wrong_is_reported_and_the_local_copy_kept(
    local_files, settings, capsys, monkeypatch
):
    with mock_aws():
        client = s3_client(**CREDENTIALS)
        client.create_bucket(Bucket=MEDIA_BUCKET)
        client.create_bucket(Bucket=PRIVATE_BUCKET)
        use_object_storage(settings, **s3_variables(**CREDENTIALS))
        monkeypatch.setattr(storage_move, "_remote_sha256", lambda storage, name: None)

        with pytest.raises(CommandError, match="3 file"):
            call_command("storage_migrate", "--delete-local")

        assert "read back from the bucket does not match" in capsys.readouterr().err
        for path in local_paths(settings, local_files):
            assert path.is_file()


def test_the_move_refuses_without_object_storage(db, settings):
    use_local_storage(settings)

    with pytest.raises(CommandError, match="S3_BUCKET"):
        call_command("storage_migrate")
