"""Backups: what `backup_create` writes, `backup_restore` brings back whole into a fresh database
and fresh storage, and refuses anything it cannot trust.

Runs on the engine of the test database (SQLite, or PostgreSQL with DATABASE_URL): the restore
goes into a database the test makes (a temporary SQLite file, or a scratch PostgreSQL database
dropped at the end), through the real command in a fresh process, as an operator would run it.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils.functional import empty
from psycopg import sql

from kelurahan import roles
from layanan import services
from layanan.models import Letter, RequirementDocument
from layanan.storage import private_storage
from portal.backup import (
    BackupError,
    FolderDestination,
    archive_unpack,
    backup_create,
    identities_read,
    keypair_create,
)
from tests.factories import signature
from tests.layanan.helpers import letter_data

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = connection.vendor == "postgresql"
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump must see committed rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    """Every file under a root, by relative name, with its SHA-256."""
    return {p.relative_to(root).as_posix(): sha256(p) for p in root.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def storage_roots(settings, tmp_path):
    """PRIVATE_ROOT and MEDIA_ROOT of this test only (never var/); the lazy storage re-reads."""
    settings.PRIVATE_ROOT = tmp_path / "source" / "private"
    settings.MEDIA_ROOT = tmp_path / "source" / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    private_storage._wrapped = empty
    yield settings
    private_storage._wrapped = empty


@pytest.fixture
def key(tmp_path) -> tuple[str, Path]:
    identity = tmp_path / "keys" / "backup-identity.txt"
    identity.parent.mkdir()
    return keypair_create(identity_path=identity), identity


@pytest.fixture
def content(kelurahan_a, make_staff) -> list[Letter]:
    """A kelurahan with three signed letters (one handed over, one voided: all keep their PDF
    and token), a requirement document and a public photo."""
    operator = make_staff("operator.backup", roles.OPERATOR, kelurahan_a)
    signer = make_staff("lurah.backup", roles.SIGNER, kelurahan_a)
    letters = []
    for name in ("Budi Santoso", "Siti Aminah", "Joko Susilo"):
        letter = services.letter_create(
            kelurahan=kelurahan_a, kind="skuter", by=operator, data=letter_data(name=name)
        )
        letters.append(
            services.letter_move(
                action="sign",
                letter_id=letter.pk,
                by=signer,
                **signature(signer, kelurahan_a),
            )
        )
    services.letter_move(action="hand_over", letter_id=letters[1].pk, by=operator)
    services.letter_move(
        action="void", letter_id=letters[2].pk, by=signer, reason="Salah ketik nama"
    )
    scan = b"%PDF-1.4\n% scan of a KTP\n%%EOF\n"
    stored = private_storage.save("documents/2026/ktp-scan.pdf", ContentFile(scan))
    RequirementDocument.objects.create(
        kelurahan=kelurahan_a,
        letter=letters[0],
        file=stored,
        label="ktp.pdf",
        content_type="application/pdf",
        size=len(scan),
        sha256=hashlib.sha256(scan).hexdigest(),
    )
    default_storage.save("officials/2026/lurah.jpg", ContentFile(b"\xff\xd8\xff photo bytes"))
    return [Letter.objects.get(pk=letter.pk) for letter in letters]


@pytest.fixture
def fresh_target(tmp_path):
    """A fresh, empty database of the test's engine, as a DATABASE_URL, and a way to read it
    back; a scratch PostgreSQL database is dropped at the end."""
    if not POSTGRES:
        path = tmp_path / "restored" / "db.sqlite3"
        path.parent.mkdir()
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    params = connection.settings_dict
    # Named after the test database's own (test_portal_x -> portal_x_restore_…), so parallel
    # runs against different databases never meet.
    name = f"{params['NAME'].removeprefix('test_')[:30]}_restore_{uuid.uuid4().hex[:10]}"
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"] or "postgres",
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    password = f":{quote(server['password'], safe='')}" if server["password"] else ""
    url = f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    try:
        yield url, lambda: psycopg.connect(dbname=name, **server)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def restore_in_a_fresh_process(tmp_path, database_url: str, *arguments: str):
    """`manage.py backup_restore …` as an operator runs it on a new machine: its own database
    and its own (fresh) storage roots, configured only through the environment."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "false",
        "PRIVATE_ROOT": str(tmp_path / "restored" / "private"),
        "MEDIA_ROOT": str(tmp_path / "restored" / "media"),
        "VAR_DIR": str(tmp_path / "restored" / "var"),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "backup_restore", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make_backup(key) -> Path:
    """Run `backup_create` as cron would; return the one archive it wrote in BACKUP_DIR."""
    from django.conf import settings

    call_command("backup_create", recipient=[key[0]], keep=0, stdout=io.StringIO())
    (name,) = FolderDestination(Path(settings.BACKUP_DIR)).names()
    return Path(settings.BACKUP_DIR) / name


def table_count(open_connection) -> int:
    with open_connection() as conn:
        if POSTGRES:
            query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        else:
            query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        return conn.execute(query).fetchone()[0]


def test_a_backup_restores_into_a_fresh_database_and_storage_with_every_letter_intact(
    content, key, fresh_target, tmp_path, storage_roots
):
    archive = make_backup(key)
    database_url, open_restored = fresh_target

    result = restore_in_a_fresh_process(
        tmp_path, database_url, str(archive), "--identity", str(key[1])
    )

    assert result.returncode == 0, result.stderr
    assert "Verified: 3 letter PDFs, 3 verification tokens, 1 requirement documents" in (
        result.stdout
    )
    assert "Restore verified: every check passed." in result.stdout
    # Every file came back byte for byte, in both roots.
    restored = tmp_path / "restored"
    assert tree(restored / "private") == tree(Path(storage_roots.PRIVATE_ROOT))
    assert tree(restored / "media") == tree(Path(storage_roots.MEDIA_ROOT))
    assert len(tree(restored / "private")) == 4  # three letter PDFs and the scan
    # Read the restored database on a connection of its own: the same letters, states,
    # tokens and hashes, and each PDF in the fresh storage matches the hash stored with it.
    with open_restored() as restored_db:
        rows = restored_db.execute(
            f"SELECT id, state, number, verification_token, pdf, pdf_sha256 "  # noqa: S608
            f"FROM {Letter._meta.db_table} ORDER BY id"
        ).fetchall()
    expected = [
        (x.pk, x.state, x.number, x.verification_token, x.pdf.name, x.pdf_sha256) for x in content
    ]
    assert [tuple(row) for row in rows] == expected
    assert {row[1] for row in rows} == {"signed", "handed_over", "void"}
    for *_, pdf, pdf_sha256 in rows:
        assert sha256(restored / "private" / pdf) == pdf_sha256


def test_restore_verification_fails_loudly_when_a_pdf_does_not_match_its_hash(
    content, key, fresh_target, tmp_path, storage_roots
):
    damaged = Path(storage_roots.PRIVATE_ROOT) / content[0].pdf.name
    damaged.write_bytes(damaged.read_bytes() + b"\n% changed on disk")
    archive = make_backup(key)

    result = restore_in_a_fresh_process(
        tmp_path, fresh_target[0], str(archive), "--identity", str(key[1])
    )

    assert result.returncode != 0
    assert f"MISMATCH letter {content[0].number}: PDF" in result.stderr
    assert "does not match its SHA-256" in result.stderr
    assert "Restore verification failed: 1 problem(s)" in result.stderr


def flip_a_byte(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))


def cut_in_half(archive: Path) -> None:
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])


def test_a_tampered_archive_is_refused_and_nothing_is_restored(
    content, key, fresh_target, tmp_path
):
    archive = make_backup(key)
    flip_a_byte(archive)
    database_url, open_restored = fresh_target

    result = restore_in_a_fresh_process(
        tmp_path, database_url, str(archive), "--identity", str(key[1])
    )

    assert result.returncode != 0
    assert "The archive is damaged or was changed after it was written" in result.stderr
    assert "Nothing was restored" in result.stderr
    assert table_count(open_restored) == 0
    assert tree(tmp_path / "restored" / "private") == {}
    assert tree(tmp_path / "restored" / "media") == {}


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (flip_a_byte, "damaged or was changed after it was written"),
        (cut_in_half, "damaged or was changed after it was written"),
        (None, "wrong key file"),
    ],
    ids=["changed-byte", "cut-off", "wrong-key"],
)
def test_unpacking_refuses_what_it_cannot_trust(content, key, tmp_path, spoil, message):
    archive = make_backup(key)
    if spoil:
        spoil(archive)
        identities = identities_read(path=key[1])
    else:
        keypair_create(identity_path=tmp_path / "other-key.txt")
        identities = identities_read(path=tmp_path / "other-key.txt")
    staging = tmp_path / "staging"
    staging.mkdir()

    with archive.open("rb") as handle, pytest.raises(BackupError, match=message):
        archive_unpack(source=handle, identities=identities, staging=staging)


def test_restore_refuses_a_database_that_is_not_empty_without_force(content, key):
    archive = make_backup(key)

    with pytest.raises(CommandError, match="the database already has .* tables.*--force"):
        call_command("backup_restore", str(archive), identity=key[1], stdout=io.StringIO())


def test_the_archive_holds_the_database_files_and_a_manifest_with_their_hashes(
    content, key, tmp_path, storage_roots
):
    archive = make_backup(key)
    staging = tmp_path / "staging"
    staging.mkdir()

    with archive.open("rb") as handle:
        manifest = archive_unpack(
            source=handle, identities=identities_read(path=key[1]), staging=staging
        )

    assert manifest["engine"] == connection.vendor
    assert manifest["files"] == {"private": 4, "media": 1}
    assert "0001_initial" in manifest["migrations"]["layanan"]
    assert manifest["portal_version"] != "unknown"
    database = manifest["database"]
    assert database == ("database/portal.pgdump" if POSTGRES else "database/portal.sqlite3")
    for name, facts in manifest["members"].items():
        assert sha256(staging / name) == facts["sha256"]
    pdf = content[0].pdf.name
    assert manifest["members"][f"private/{pdf}"]["sha256"] == content[0].pdf_sha256
    # The archive is age-encrypted: no PDF or name shows in the bytes on disk.
    assert archive.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert b"%PDF" not in archive.read_bytes()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


def test_keep_removes_the_oldest_archives_beyond_n_and_nothing_else(key, tmp_path, db):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an archive")
    destination = FolderDestination(folder)
    made = [
        backup_create(destination=destination, recipient_keys=[key[0]], keep=2).name
        for _ in range(3)
    ]

    assert destination.names() == made[1:]
    assert (folder / "notes.txt").exists()
    out = io.StringIO()
    call_command("backup_create", dir=str(folder), recipient=[key[0]], keep=1, stdout=out)
    assert len(destination.names()) == 1
    assert "keeping the newest 1; removed 2 older" in out.getvalue()


def test_backup_without_recipients_says_how_to_make_a_key(settings, db):
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(CommandError, match="BACKUP_RECIPIENTS.*backup_keygen"):
        call_command("backup_create", stdout=io.StringIO())


def test_keygen_writes_a_private_identity_file_and_prints_its_public_key(tmp_path):
    identity = tmp_path / "identity.txt"
    out = io.StringIO()

    call_command("backup_keygen", str(identity), stdout=out)

    assert stat.S_IMODE(identity.stat().st_mode) == 0o600
    (loaded,) = identities_read(path=identity)
    assert f"BACKUP_RECIPIENTS={loaded.to_public()}" in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_keygen", str(identity), stdout=io.StringIO())


def test_backup_verify_passes_on_intact_data_and_names_a_missing_pdf(content, storage_roots):
    out = io.StringIO()
    call_command("backup_verify", stdout=out)
    assert "Checked: 3 letter PDFs, 3 verification tokens, 1 requirement documents" in (
        out.getvalue()
    )

    (Path(storage_roots.PRIVATE_ROOT) / content[1].pdf.name).unlink()
    errors = io.StringIO()
    with pytest.raises(CommandError, match="Verification failed: 1 problem"):
        call_command("backup_verify", stdout=io.StringIO(), stderr=errors)
    assert f"letter {content[1].number}: PDF {content[1].pdf.name} missing" in errors.getvalue()


def test_force_restores_over_a_database_and_storage_that_are_not_fresh(
    content, key, fresh_target, tmp_path
):
    archive = make_backup(key)
    arguments = (str(archive), "--identity", str(key[1]))
    first = restore_in_a_fresh_process(tmp_path, fresh_target[0], *arguments)
    assert first.returncode == 0, first.stderr

    again = restore_in_a_fresh_process(tmp_path, fresh_target[0], *arguments)
    assert again.returncode != 0
    assert "already has" in again.stderr and "already holds files" in again.stderr

    forced = restore_in_a_fresh_process(tmp_path, fresh_target[0], *arguments, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Restore verified: every check passed." in forced.stdout
