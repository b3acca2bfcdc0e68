"""`manage.py letters_sweep`: delete letter PDFs no letter points to (run it daily from cron)."""

from django.core.management.base import BaseCommand

from layanan.services import letter_files_sweep


class Command(BaseCommand):
    help = "Delete stored letter PDFs that belong to no letter (left by a failed signing)."

    def handle(self, *args, **options):
        removed = letter_files_sweep()
        self.stdout.write(f"{removed} orphaned letter PDF(s) deleted.")
