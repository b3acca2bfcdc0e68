"""`manage.py storage_migrate`: the local files of every row, copied to object storage and
verified there (portal/storage_move.py)."""

from django.core.management.base import BaseCommand, CommandError

from portal.storage_move import NotConfigured, files_to_object_storage


class Command(BaseCommand):
    help = (
        "Copy every letter PDF, requirement document and public media file from PRIVATE_ROOT "
        "and MEDIA_ROOT to the configured bucket (S3_BUCKET), checking each against its stored "
        "SHA-256 (or the local copy's) after reading it back. Safe to run again: objects "
        "already there and matching are skipped. Local copies stay unless --delete-local. "
        "Exits non-zero if any file could not be moved and verified."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete-local",
            action="store_true",
            help="delete each local copy once its object in the bucket verified",
        )

    def handle(self, *args, **options):
        try:
            report = files_to_object_storage(
                delete_local=options["delete_local"],
                log=lambda line: self.stderr.write(f"  FAILED {line}"),
            )
        except NotConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Copied and verified: {report.copied}; already in the bucket: "
            f"{report.already_there}; failed: {report.failed}; local copies deleted: "
            f"{report.deleted_local}."
        )
        if report.failed:
            raise CommandError(
                f"{report.failed} file(s) not moved; their local copies are kept. See above."
            )
        self.stdout.write(self.style.SUCCESS("Every file is in object storage."))
