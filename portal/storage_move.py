"""Moving the files of every FileField and ImageField from the local folders to object storage.

Run once when a deployment turns S3_BUCKET on (`manage.py storage_migrate`, docs/decisions/
object-storage.md). Each file is read from its local folder (PRIVATE_ROOT for letter PDFs and
requirement documents, MEDIA_ROOT for public media), checked against the SHA-256 its row keeps
where the model keeps one, written under the same name to the bucket, and read back from the
bucket and hashed again. An object already there with the same content is left as it is, so the
move can be run again after an interruption; a local copy is deleted only when asked, and only
once its object verified.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import models

from kelurahan.tenancy import unscoped
from layanan.storage import private_storage

CHUNK = 1024 * 1024
# Fields whose row keeps the file's SHA-256 at write time: the move is checked against it, so a
# local copy that rotted on disk is reported rather than carried into the bucket.
STORED_HASHES = {
    ("layanan", "Letter", "pdf"): "pdf_sha256",
    ("layanan", "RequirementDocument", "file"): "sha256",
}


class NotConfigured(Exception):
    """Object storage is not configured: there is nowhere to move the files to."""


@dataclasses.dataclass
class MoveReport:
    copied: int = 0
    already_there: int = 0
    deleted_local: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.problems)


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _remote_sha256(storage, name: str) -> str | None:
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return _sha256(handle)


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every FileField (ImageField included) of every installed model, concrete models only."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and field.concrete:
                found.append((model, field))
    return found


def _local_storage_for(field: models.FileField) -> FileSystemStorage:
    private = field.storage is private_storage
    folder = settings.PRIVATE_ROOT if private else settings.MEDIA_ROOT
    return FileSystemStorage(location=Path(folder))


def files_to_object_storage(*, delete_local: bool = False, log=None) -> MoveReport:
    """Copy every stored file of every row to its field's (object) storage and verify it there.

    Raises NotConfigured when a field's storage is still a local folder. `log(line)` hears of
    each problem as it happens. Side effects: objects written to the bucket; with `delete_local`,
    local copies removed once their object matched.
    """
    report = MoveReport()
    fields = file_fields()
    for _model, field in fields:
        if isinstance(field.storage, FileSystemStorage):  # a LazyObject answers for its target
            raise NotConfigured(
                "Object storage is not configured: set S3_BUCKET (and S3_ENDPOINT_URL, "
                "credentials) first; files stay where they are."
            )

    def problem(line: str) -> None:
        report.problems.append(line)
        if log is not None:
            log(line)

    with unscoped("moving every kelurahan's files to object storage"):
        for model, field in fields:
            meta = model._meta
            hash_field = STORED_HASHES.get((meta.app_label, meta.object_name, field.name))
            columns = ["pk", field.attname] + ([hash_field] if hash_field else [])
            rows = model._default_manager.exclude(**{field.attname: ""}).exclude(
                **{f"{field.attname}__isnull": True}
            )
            local = _local_storage_for(field)
            target = field.storage
            for row in rows.values_list(*columns).order_by("pk").iterator(chunk_size=500):
                pk, name = row[0], row[1]
                stored = row[2] if hash_field else ""
                label = f"{meta.label}#{pk} {field.name} {name}"
                _move_one(
                    name=name,
                    stored=stored,
                    local=local,
                    target=target,
                    delete_local=delete_local,
                    report=report,
                    problem=lambda text, label=label: problem(f"{label}: {text}"),
                )
    return report


def _move_one(*, name, stored, local, target, delete_local, report, problem) -> None:
    local_hash = None
    if local.exists(name):
        with local.open(name, "rb") as handle:
            local_hash = _sha256(handle)
        if stored and local_hash != stored:
            problem("the local copy does not match the SHA-256 its row keeps; not moved")
            return
    expected = stored or local_hash
    remote_hash = _remote_sha256(target, name)
    if remote_hash is not None and expected and remote_hash == expected:
        report.already_there += 1
    elif local_hash is None:
        if remote_hash is None:
            problem("no local copy and no object in the bucket")
        else:
            problem("no local copy, and the object in the bucket does not match its SHA-256")
        return
    else:
        if remote_hash is not None:
            # An object under this name with other bytes: an interrupted earlier copy.
            target.delete(name)
        with local.open(name, "rb") as handle:
            saved = target.save(name, File(handle, name=name))
        if saved != name:
            target.delete(saved)
            problem(f"the bucket stored it as {saved!r}, not under its own name; not moved")
            return
        if _remote_sha256(target, name) != expected:
            problem("the object read back from the bucket does not match; local copy kept")
            return
        report.copied += 1
    if delete_local and local_hash is not None:
        local.delete(name)
        report.deleted_local += 1
