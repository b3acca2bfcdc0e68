"""`manage.py backup_verify`: the checks a restore ends with, on the data as it is now."""

from django.core.management.base import BaseCommand, CommandError

from portal.backup import restore_verify


class Command(BaseCommand):
    help = (
        "Check that every letter PDF and requirement document in storage matches its SHA-256 "
        "and every verification token resolves (what backup_restore checks at its end): after "
        "a point-in-time recovery, a storage move, or as a monthly check. Exits non-zero on "
        "any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, **options):
        report = restore_verify(using=options["database"])
        self.stdout.write(
            f"Checked: {report.letters_with_pdf} letter PDFs, {report.tokens} verification "
            f"tokens, {report.documents} requirement documents."
        )
        if report.pending_migrations:
            self.stdout.write(f"{report.pending_migrations} migrations are not applied yet.")
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"  MISMATCH {problem}")
            raise CommandError(f"Verification failed: {len(report.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Every check passed."))
