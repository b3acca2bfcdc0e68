"""`manage.py backup_create`: one encrypted archive of the database and all stored files."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_create, destination_get


class Command(BaseCommand):
    help = (
        "Back up the database, PRIVATE_ROOT (letter PDFs, documents) and MEDIA_ROOT (photos) "
        "into one archive encrypted to BACKUP_RECIPIENTS, in BACKUP_DIR (or --dir); then keep "
        "only the newest --keep archives there (default BACKUP_KEEP; 0 keeps all)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="folder to write to (default: BACKUP_DIR)")
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="archives to keep in the folder, newest first; older ones are deleted",
        )
        parser.add_argument(
            "--recipient",
            action="append",
            default=None,
            help="age public key to encrypt to (repeatable; default: BACKUP_RECIPIENTS)",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, **options):
        keep = settings.BACKUP_KEEP if options["keep"] is None else options["keep"]
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more.")
        destination = destination_get(target=options["dir"])
        try:
            result = backup_create(
                destination=destination,
                recipient_keys=options["recipient"] or settings.BACKUP_RECIPIENTS,
                using=options["database"],
                keep=keep,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} {label}" for label, count in result.files.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {result.destination}/{result.name} "
                f"({result.size / 1_048_576:.1f} MiB; database and files: {files})."
            )
        )
        if keep:
            self.stdout.write(
                f"Retention: keeping the newest {keep}; removed {len(result.removed)} older"
                + (": " + ", ".join(result.removed) if result.removed else ".")
            )
        else:
            self.stdout.write("Retention: --keep 0, no archive removed.")
