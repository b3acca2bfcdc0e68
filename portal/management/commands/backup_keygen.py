"""`manage.py backup_keygen FILE`: a new age key pair for backups (docs/operations.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, keypair_create


class Command(BaseCommand):
    help = (
        "Create an age X25519 key pair for backups: writes the identity (private key) to FILE "
        "with mode 0600 and prints the public key to put in BACKUP_RECIPIENTS. Keep the "
        "identity offline, in two places; servers need only the public key."
    )

    def add_arguments(self, parser):
        parser.add_argument("identity_file", type=Path, help="where to write the identity")

    def handle(self, *args, identity_file: Path, **options):
        try:
            public = keypair_create(identity_path=identity_file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Identity (private key) written to {identity_file}"))
        self.stdout.write("Public key, for the servers that write backups:")
        self.stdout.write(f"BACKUP_RECIPIENTS={public}")
        self.stdout.write(
            "Move the identity file off this machine (two offline copies); restoring needs it: "
            f"manage.py backup_restore ARCHIVE --identity {identity_file}"
        )
