"""`manage.py letters_sweep`: delete letter PDFs and uploaded documents nothing points to (run it
daily from cron)."""

from django.core.management.base import BaseCommand

from layanan.services import letter_files_sweep


class Command(BaseCommand):
    help = (
        "Delete stored letter PDFs and requirement documents that belong to no letter "
        "(left by a failed signing or online request)."
    )

    def handle(self, *args, **options):
        removed = letter_files_sweep()
        self.stdout.write(f"{removed} orphaned letter file(s) deleted.")
