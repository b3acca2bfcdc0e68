"""Backups: the database and every stored file in one age-encrypted archive, and their restore.

An archive is a tar stream, encrypted with age to X25519 recipients (BACKUP_RECIPIENTS), so a
server that writes backups holds only public keys: whoever steals the server or the backup
folder cannot read old backups. Restoring needs the identity (private key), kept offline and
given on the command line. The tar holds, in this order:

    database/portal.pgdump     pg_dump --format=custom (PostgreSQL), or
    database/portal.sqlite3    a consistent copy through SQLite's backup API
    private/...                PRIVATE_ROOT: letter PDFs, requirement documents
    media/...                  MEDIA_ROOT: photos, logos
    manifest.json              last, because it carries the SHA-256 of every member above,
                               computed while the member streamed into the archive

Nothing is held in memory whole: the tar is produced in a thread into a pipe that
`pyrage.encrypt_io` reads, and read back the same way on restore. Restore stages everything in a
temporary folder, checks every hash against the manifest, and only then touches the database and
the storage roots. With object storage configured (S3_BUCKET), files are listed, read and
restored through the storage API instead of the folders, under the same member names.
Archives live in a destination (a folder today, possibly an off-site mount; a
bucket later, issue #13) behind the small `BackupDestination` interface.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

import pyrage
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.http import Http404
from pyrage import x25519

FORMAT_VERSION = 1
ARCHIVE_SUFFIX = ".tar.age"
ARCHIVE_NAME = re.compile(r"^portal-backup-\d{8}T\d{6}\.\d{6}Z\.tar\.age$")
MANIFEST = "manifest.json"
ROOTS = ("private", "media")
DATABASE_MEMBERS = {"postgresql": "database/portal.pgdump", "sqlite": "database/portal.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- Where archives live ---------------------------------------------------------------------


class BackupDestination(Protocol):
    """Where archives are kept. A folder today; issue #13 adds a bucket with the same five
    methods, so creating, listing, pruning and restoring never care which it is."""

    def describe(self) -> str: ...

    def open_write(self, name: str) -> contextlib.AbstractContextManager[BinaryIO]: ...

    def open_read(self, name: str) -> contextlib.AbstractContextManager[BinaryIO]: ...

    def names(self) -> list[str]: ...

    def delete(self, name: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class FolderDestination:
    """Archives as files in one folder (local disk or an off-site mount: NFS, SMB, sshfs)."""

    path: Path

    def describe(self) -> str:
        return str(self.path)

    @contextlib.contextmanager
    def open_write(self, name: str) -> Iterator[BinaryIO]:
        """Write to a hidden partial file and rename it into place only when complete, so a
        crash or a full disk never leaves something that looks like a good archive."""
        self.path.mkdir(parents=True, exist_ok=True)
        final = self.path / name
        partial = self.path / f".{name}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    @contextlib.contextmanager
    def open_read(self, name: str) -> Iterator[BinaryIO]:
        try:
            handle = (self.path / name).open("rb")
        except FileNotFoundError:
            raise BackupError(f"No archive {name!r} in {self.path}.") from None
        with handle:
            yield handle

    def names(self) -> list[str]:
        """Our archives in this folder, oldest first (names carry the UTC time, fixed width)."""
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if ARCHIVE_NAME.match(p.name))

    def delete(self, name: str) -> None:
        (self.path / name).unlink()


def destination_get(*, target: str | None = None) -> BackupDestination:
    """The destination named by `target` (a folder path) or by settings.BACKUP_DIR.

    The one place that turns a setting into a destination: a bucket (s3://…) goes here later.
    """
    return FolderDestination(Path(target or settings.BACKUP_DIR))


# --- Keys --------------------------------------------------------------------------------------


def recipients_parse(*, keys: list[str]) -> list[x25519.Recipient]:
    """age X25519 public keys (age1…) to encrypt to; any one matching identity can restore."""
    recipients = []
    for key in (k.strip() for k in keys):
        if not key:
            continue
        try:
            recipients.append(x25519.Recipient.from_str(key))
        except pyrage.RecipientError as error:
            raise BackupError(f"Not an age public key (age1…): {key!r} ({error}).") from None
    if not recipients:
        raise BackupError(
            "No backup recipient: set BACKUP_RECIPIENTS to the age public key (age1…) printed "
            "by `manage.py backup_keygen`."
        )
    return recipients


def identities_read(*, path: Path) -> list[x25519.Identity]:
    """The identities (AGE-SECRET-KEY-1…) in an identity file, as `age-keygen` writes it."""
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise BackupError(f"Cannot read the identity file {path}: {error.strerror}.") from None
    identities = []
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BackupError(
                f"{path} holds a line that is not an age identity (AGE-SECRET-KEY-1…)."
            ) from None
    if not identities:
        raise BackupError(f"{path} holds no age identity (AGE-SECRET-KEY-1…).")
    return identities


def keypair_create(*, identity_path: Path) -> str:
    """Make a new X25519 key pair, write the identity to `identity_path` (mode 0600, never
    overwriting a file) in age-keygen's format, and return the public key for BACKUP_RECIPIENTS.

    The identity file works with the `age` tool too (`age -d -i FILE archive.tar.age | tar t`),
    so backups can be read without this code.
    """
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# created: {created}\n# public key: {public}\n{identity}\n"
    try:
        descriptor = os.open(identity_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{identity_path} exists already; choose another file.") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    return public


# --- Creating ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BackupResult:
    name: str
    destination: str
    size: int
    files: dict[str, int]
    removed: list[str]


class _HashingReader:
    """A file wrapper that hashes what tarfile reads from it."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


def _engine(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore from a Django database: the password and the
    rest travel in the environment, never on a command line that `ps` shows everyone. PG*
    variables already set (PGSSLMODE…) stay, as libpq applies them to Django's connection too."""
    env = dict(os.environ)
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        values[variable] = options.get(option)
    env.update({k: str(v) for k, v in values.items() if v})
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _pg_tool(name: str) -> str:
    folder = getattr(settings, "BACKUP_PG_BIN_DIR", "")
    return str(Path(folder) / name) if folder else name


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} not found: install the PostgreSQL client (the same major version as "
            "the server or newer) or set BACKUP_PG_BIN_DIR."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip()}")


def database_dump(*, using: str, into: Path) -> str:
    """Dump the database to `into`; return the archive member name, which names the engine.

    PostgreSQL: pg_dump's custom format (compressed, restorable table by table, one consistent
    snapshot); --no-owner so it restores under whatever role the new server gives us. SQLite:
    the backup API copies page by page from Django's own connection, consistent even while
    other processes write (a plain file copy could catch a half-written page).
    """
    connection = connections[using]
    engine = _engine(connection.settings_dict)
    if engine == "postgresql":
        command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={into}"]
        _run(command, env=pg_environment(connection.settings_dict), what="pg_dump")
    else:
        connection.ensure_connection()
        target = sqlite3.connect(into)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    return DATABASE_MEMBERS[engine]


def _files(root: Path) -> list[tuple[Path, str]]:
    """Regular files under a storage root with their relative POSIX names, sorted."""
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: item[1])


def migration_state(*, using: str) -> dict[str, list[str]]:
    """Applied migrations per app: what the restored code must be able to run against."""
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def portal_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _storage_roots() -> dict[str, Path | Storage]:
    """Where each label's files live: a folder (PRIVATE_ROOT, MEDIA_ROOT), or, with object
    storage configured (S3_BUCKET), the storage itself, read and written through its API."""
    from layanan.storage import private_storage

    roots: dict[str, Path | Storage] = {}
    for label, storage, folder in (
        ("private", private_storage, settings.PRIVATE_ROOT),
        ("media", default_storage, settings.MEDIA_ROOT),
    ):
        # A LazyObject answers isinstance for the storage it stands for.
        roots[label] = Path(folder) if isinstance(storage, FileSystemStorage) else storage
    return roots


def _stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file in a (bucket) storage, by walking its listdir; sorted within each level."""
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for directory in sorted(directories):
        yield from _stored_names(storage, f"{folder}/{directory}" if folder else directory)


def _write_tar(
    writer: BinaryIO, *, database: tuple[Path, str], roots: dict[str, Path], manifest: dict
) -> None:
    """Stream the tar: database, then files, then the manifest with every member's hash."""
    members: dict[str, dict] = {}
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:

        def add(path: Path, arcname: str) -> None:
            info = tar.gettarinfo(str(path), arcname=arcname)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                reader = _HashingReader(handle)
                tar.addfile(info, reader)
            members[arcname] = {"size": info.size, "sha256": reader.sha256.hexdigest()}

        def add_stored(storage: Storage, name: str, arcname: str) -> None:
            info = tarfile.TarInfo(arcname)
            info.size = storage.size(name)
            info.mtime = int(storage.get_modified_time(name).timestamp())
            info.mode = 0o640
            with storage.open(name, "rb") as handle:
                reader = _HashingReader(handle)
                tar.addfile(info, reader)
            members[arcname] = {"size": info.size, "sha256": reader.sha256.hexdigest()}

        add(*database)
        for label, root in roots.items():
            if not isinstance(root, Path):
                names = list(_stored_names(root))
                manifest["files"][label] = len(names)
                for name in names:
                    add_stored(root, name, f"{label}/{name}")
                continue
            files = _files(root)
            manifest["files"][label] = len(files)
            for path, relative in files:
                add(path, f"{label}/{relative}")
        manifest["members"] = members
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(body))


def _through_pipe(produce: Callable[[BinaryIO], None], consume: Callable[[BinaryIO], None]):
    """Run `produce(writer)` in a thread and `consume(reader)` here, joined by an OS pipe, so a
    multi-GB stream passes through in small pieces.

    An error on either side ends both (closing a side breaks the pipe for the other). Which one
    is raised: our own refusal (BackupError) from the consumer first; else the producer's, since
    a consumer that fails on a cut-off stream ("empty file") is only the echo of a producer
    that failed (a wrong key, a changed byte); else the consumer's.
    """
    read_fd, write_fd = os.pipe()
    produced: list[BaseException] = []

    def run_producer() -> None:
        try:
            with os.fdopen(write_fd, "wb") as writer:
                produce(writer)
        except BaseException as error:  # reported to the caller below
            produced.append(error)

    thread = threading.Thread(target=run_producer, name="backup-pipe", daemon=True)
    thread.start()
    consumed: BaseException | None = None
    try:
        with os.fdopen(read_fd, "rb") as reader:
            consume(reader)
            # Drain what a consumer left unread so the producer can finish its writes.
            while reader.read(CHUNK):
                pass
    except BaseException as error:
        consumed = error
    thread.join()
    if isinstance(consumed, BackupError):
        raise consumed
    if produced:
        raise produced[0] from consumed
    if consumed is not None:
        raise consumed


def backup_create(
    *,
    destination: BackupDestination,
    recipient_keys: list[str],
    using: str = "default",
    keep: int = 0,
) -> BackupResult:
    """Write one encrypted archive of the database and both storage roots to `destination`,
    then, if `keep` > 0, delete the oldest archives there beyond the newest `keep`.

    The database dump is written to a private temporary folder first (tar needs its size up
    front); files stream straight from the storage roots. Pruning happens only after the new
    archive is safely in place, so a failed backup never costs an old one.
    """
    recipients = recipients_parse(keys=recipient_keys)
    now = datetime.datetime.now(datetime.UTC)
    name = f"portal-backup-{now:%Y%m%dT%H%M%S.%f}Z{ARCHIVE_SUFFIX}"
    connection = connections[using]
    roots = _storage_roots()
    manifest = {
        "format": FORMAT_VERSION,
        "created": now.isoformat(),
        "portal_version": portal_version(),
        "engine": _engine(connection.settings_dict),
        "migrations": migration_state(using=using),
        "files": {},
    }
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as scratch:
        dump = Path(scratch) / "database"
        member = database_dump(using=using, into=dump)
        manifest["database"] = member
        with destination.open_write(name) as out:
            _through_pipe(
                lambda writer: _write_tar(
                    writer, database=(dump, member), roots=roots, manifest=manifest
                ),
                lambda reader: pyrage.encrypt_io(reader, out, recipients),
            )
    removed = backups_prune(destination=destination, keep=keep) if keep > 0 else []
    size = _size(destination, name)
    return BackupResult(
        name=name,
        destination=destination.describe(),
        size=size,
        files=manifest["files"],
        removed=removed,
    )


def _size(destination: BackupDestination, name: str) -> int:
    if isinstance(destination, FolderDestination):
        return (destination.path / name).stat().st_size
    return -1


def backups_prune(*, destination: BackupDestination, keep: int) -> list[str]:
    """Delete all but the newest `keep` archives (by the time in their names); return the
    names removed. Files that are not our archives are never touched."""
    if keep < 1:
        raise BackupError("Keep at least one archive (--keep 1 or more).")
    names = destination.names()
    doomed = names[:-keep]
    for name in doomed:
        destination.delete(name)
    return doomed


# --- Restoring ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    files: dict[str, int]


def _member_path(name: str) -> PurePosixPath:
    """A member name we accept: the manifest, the database, or a file under a storage root;
    never absolute, never climbing out with `..`."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive holds an unsafe name {name!r}: refused.")
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return path
    if path.parts[0] in ROOTS and len(path.parts) > 1:
        return path
    raise BackupError(f"The archive holds an unexpected member {name!r}: refused.")


def _read_tar(reader: BinaryIO, *, staging: Path, seen: dict[str, dict]) -> None:
    """Unpack regular files into `staging`, hashing each as it is written."""
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for info in tar:
            if not info.isreg():
                raise BackupError(f"The archive holds a non-file member {info.name!r}: refused.")
            relative = _member_path(info.name)
            if info.name in seen:
                raise BackupError(f"The archive holds {info.name!r} twice: refused.")
            target = staging.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            source = tar.extractfile(info)
            with target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            seen[info.name] = {"size": info.size, "sha256": digest.hexdigest()}


def archive_unpack(*, source: BinaryIO, identities: list[x25519.Identity], staging: Path) -> dict:
    """Decrypt and unpack an archive into `staging`; return its manifest once every member's
    SHA-256 matched it. Raises BackupError for a wrong key, a tampered or cut-off archive."""
    seen: dict[str, dict] = {}
    try:
        _through_pipe(
            lambda writer: pyrage.decrypt_io(source, writer, identities),
            lambda reader: _read_tar(reader, staging=staging, seen=seen),
        )
    except pyrage.DecryptError as error:
        if "No matching keys" in str(error):
            raise BackupError(
                "This archive was not encrypted to the given identity: wrong key file."
            ) from None
        raise BackupError(f"The archive cannot be decrypted: {error}.") from None
    except (OSError, tarfile.TarError) as error:
        raise BackupError(
            "The archive is damaged or was changed after it was written (decryption or "
            f"unpacking failed: {error}). Nothing was restored; use another archive."
        ) from None
    if MANIFEST not in seen:
        raise BackupError("The archive has no manifest.json: cut off or not ours. Refused.")
    try:
        manifest = json.loads((staging / MANIFEST).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError("The archive's manifest.json is not readable JSON. Refused.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError("The archive's manifest is of an unknown format. Refused.")
    expected = manifest.get("members", {})
    actual = {name: facts for name, facts in seen.items() if name != MANIFEST}
    wrong = sorted(n for n in expected.keys() | actual.keys() if expected.get(n) != actual.get(n))
    if wrong:
        raise BackupError(
            f"{len(wrong)} member(s) do not match the manifest (first: {wrong[0]}). Refused."
        )
    return manifest


def target_problems(*, using: str = "default") -> list[str]:
    """Why the restore target is not fresh: tables in the database, files in the roots."""
    problems = []
    tables = connections[using].introspection.table_names()
    if tables:
        problems.append(f"the database already has {len(tables)} tables")
    for label, root in _storage_roots().items():
        if not isinstance(root, Path):
            if next(_stored_names(root), None) is not None:
                problems.append(f"{label} storage (bucket) already holds files")
        elif root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            problems.append(f"{label} storage {root} already holds files")
    return problems


def database_restore(*, dump: Path, engine: str, using: str, force: bool) -> None:
    """Load a dump into the database of `using`.

    PostgreSQL: pg_restore in one transaction (all or nothing), without owners or grants from
    the old server; with `force`, objects in the dump are dropped first. SQLite: the backup API
    copies the staged database over the target file.
    """
    connection = connections[using]
    if _engine(connection.settings_dict) != engine:
        raise BackupError(
            f"The archive holds a {engine} database; this portal is configured for "
            f"{_engine(connection.settings_dict)} (DATABASE_URL)."
        )
    connection.close()
    if engine == "postgresql":
        command = [_pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error"]
        command += ["--single-transaction"]
        if force:
            command += ["--clean", "--if-exists"]
        # An empty --dbname makes libpq take PGDATABASE from the environment, like the rest.
        command += ["--dbname=", str(dump)]
        _run(command, env=pg_environment(connection.settings_dict), what="pg_restore")
    else:
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise BackupError("Cannot restore into an in-memory SQLite database.")
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        source, target = sqlite3.connect(dump), sqlite3.connect(name)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()


def files_restore(*, staging: Path) -> dict[str, int]:
    """Move staged files into PRIVATE_ROOT and MEDIA_ROOT (replacing files of the same name)."""
    counts = {}
    mode = settings.FILE_UPLOAD_PERMISSIONS or 0o640
    for label, root in _storage_roots().items():
        counts[label] = 0
        if not isinstance(root, Path):
            for path, relative in _files(staging / label):
                if root.exists(relative):
                    root.delete(relative)  # replaced, as on disk: the name must stay the same
                with path.open("rb") as handle:
                    saved = root.save(relative, File(handle, name=relative))
                if saved != relative:
                    raise BackupError(f"The bucket stored {relative!r} as {saved!r}: refused.")
                counts[label] += 1
            continue
        for path, relative in _files(staging / label):
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            os.chmod(target, mode)
            counts[label] += 1
    return counts


def backup_restore(
    *,
    source: BackupDestination,
    name: str,
    identities: list[x25519.Identity],
    using: str = "default",
    force: bool = False,
) -> RestoreResult:
    """Restore archive `name` into the configured database and storage roots.

    Refuses a target that is not fresh unless `force`. Everything is decrypted into a private
    temporary folder (TMPDIR needs room for one plain copy) and checked against the manifest
    before the database or any file is touched; a wrong key or a changed byte restores nothing.
    """
    if not force:
        problems = target_problems(using=using)
        if problems:
            raise BackupError(
                "Restore goes into a fresh database and empty storage, but "
                + "; ".join(problems)
                + ". Point DATABASE_URL, PRIVATE_ROOT and MEDIA_ROOT at fresh ones, or pass "
                "--force to restore over them."
            )
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as scratch:
        staging = Path(scratch)
        with source.open_read(name) as handle:
            manifest = archive_unpack(source=handle, identities=identities, staging=staging)
        database_restore(
            dump=staging.joinpath(*PurePosixPath(manifest["database"]).parts),
            engine=manifest["engine"],
            using=using,
            force=force,
        )
        files = files_restore(staging=staging)
    return RestoreResult(manifest=manifest, files=files)


# --- Verifying ---------------------------------------------------------------------------------


@dataclasses.dataclass
class VerifyReport:
    letters_with_pdf: int = 0
    tokens: int = 0
    documents: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    pending_migrations: int = 0


def _sha256_of(field_file) -> str | None:
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def restore_verify(*, using: str = "default") -> VerifyReport:
    """Check what a restore must bring back: every stored letter PDF and requirement document
    matches its SHA-256, and every verification token resolves as the public QR page would
    resolve it (`letter_for_verification`). Reads through the default connection, as the
    portal does; the report lists each failure."""
    from layanan.models import Letter, RequirementDocument
    from layanan.selectors import letter_for_verification

    report = VerifyReport()
    letters = (
        Letter.objects.unscoped("a restore's check of every kelurahan's letters")
        .exclude(pdf="")
        .only("id", "number", "pdf", "pdf_sha256")
    )
    for letter in letters.iterator(chunk_size=500):
        report.letters_with_pdf += 1
        found = _sha256_of(letter.pdf)
        if found is None:
            report.problems.append(f"letter {letter.number or letter.pk}: PDF {letter.pdf} missing")
        elif found != letter.pdf_sha256:
            report.problems.append(
                f"letter {letter.number or letter.pk}: PDF {letter.pdf} does not match its SHA-256"
            )
    tokens = (
        Letter.objects.unscoped("a restore's check of every verification token")
        .exclude(verification_token=None)
        .values_list("pk", "verification_token")
    )
    for pk, token in tokens.iterator(chunk_size=2000):
        report.tokens += 1
        try:
            resolved = letter_for_verification(token)
        except Http404:
            resolved = None
        if resolved is None or resolved.pk != pk:
            report.problems.append(f"letter id {pk}: its verification token does not resolve")
    documents = RequirementDocument.objects.unscoped("a restore's check of every document").only(
        "id", "file", "sha256"
    )
    for document in documents.iterator(chunk_size=500):
        report.documents += 1
        found = _sha256_of(document.file)
        if found != document.sha256:
            state = "missing" if found is None else "does not match its SHA-256"
            report.problems.append(f"document {document.pk}: {document.file} {state}")
    executor = MigrationExecutor(connections[using])
    report.pending_migrations = len(
        executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=False)
    )
    return report
