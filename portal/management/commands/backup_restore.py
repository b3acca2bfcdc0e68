"""`manage.py backup_restore ARCHIVE --identity FILE`: restore a backup and verify it."""

import stat
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import (
    BackupDestination,
    BackupError,
    FolderDestination,
    backup_restore,
    destination_get,
    identities_read,
    restore_verify,
)


class Command(BaseCommand):
    help = (
        "Restore an archive made by backup_create into the configured database (DATABASE_URL) "
        "and storage (PRIVATE_ROOT, MEDIA_ROOT), which must be fresh unless --force; then "
        "check that every letter PDF and document matches its SHA-256 and every verification "
        "token resolves. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            nargs="?",
            help="archive file, or a name in BACKUP_DIR (--dir); with --latest, leave out",
        )
        parser.add_argument(
            "--identity", type=Path, required=True, help="age identity file (private key)"
        )
        parser.add_argument("--dir", help="folder of archives (default: BACKUP_DIR)")
        parser.add_argument("--latest", action="store_true", help="the newest archive there")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore over a database with tables and storage with files",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, **options):
        source, name = self._archive(options)
        identity = options["identity"]
        if identity.exists() and stat.S_IMODE(identity.stat().st_mode) & 0o077:
            self.stderr.write(f"Warning: {identity} is readable by others; chmod 600 it.")
        try:
            identities = identities_read(path=identity)
            self.stdout.write(f"Restoring {source.describe()}/{name} ...")
            result = backup_restore(
                source=source,
                name=name,
                identities=identities,
                using=options["database"],
                force=options["force"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        files = ", ".join(f"{count} {label}" for label, count in result.files.items())
        self.stdout.write(
            f"Restored the {manifest['engine']} database of {manifest['created']} "
            f"(portal {manifest['portal_version']}) and {files} files."
        )
        report = restore_verify(using=options["database"])
        self.stdout.write(
            f"Verified: {report.letters_with_pdf} letter PDFs, {report.tokens} verification "
            f"tokens, {report.documents} requirement documents."
        )
        if report.pending_migrations:
            self.stdout.write(
                f"{report.pending_migrations} migrations of this code are not applied to the "
                "restored database: run `manage.py migrate` before serving."
            )
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"  MISMATCH {problem}")
            raise CommandError(
                f"Restore verification failed: {len(report.problems)} problem(s) listed above."
            )
        self.stdout.write(self.style.SUCCESS("Restore verified: every check passed."))

    def _archive(self, options) -> tuple[BackupDestination, str]:
        archive = options["archive"]
        if options["latest"]:
            if archive:
                raise CommandError("Give an archive or --latest, not both.")
            source = destination_get(target=options["dir"])
            names = source.names()
            if not names:
                raise CommandError(f"No archives in {source.describe()}.")
            return source, names[-1]
        if not archive:
            raise CommandError("Name the archive to restore (or pass --latest).")
        path = Path(archive)
        if path.is_file():
            return FolderDestination(path.resolve().parent), path.name
        return destination_get(target=options["dir"]), archive
