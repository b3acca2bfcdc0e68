"""Count every signed letter into the letter tally again (layanan/tally.py)."""

from django.core.management.base import BaseCommand

from kelurahan.tenancy import unscoped
from layanan.tally import letter_tally_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the letter tally behind Diskominfo's dashboard from every signed letter "
        "(after importing old letters or changing a city's days off)."
    )

    def handle(self, *args, **options):
        with unscoped("management command: letter_tally_rebuild"):
            report = letter_tally_rebuild()
        self.stdout.write(f"{report.letters} letters counted into {report.rows} tally rows.")
