"""`manage.py provision 33.72 [33.11.01 ...] | --all`: put kelurahan online from region codes."""

import time

from django.core.management.base import BaseCommand, CommandError

from kelurahan.services import ProvisionError, region_provision

# Beyond this many, list cities rather than every kelurahan created.
LIST_LIMIT = 500


class Command(BaseCommand):
    help = (
        "Provision kelurahan/desa from Kemendagri region codes: a city (33.72), a kecamatan "
        "(33.72.01), one kelurahan (33.72.01.1001), several at once, or --all of Indonesia."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="Kemendagri region codes")
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="every desa/kelurahan"
        )

    def handle(self, *args, codes, everything, verbosity, **options):
        if not codes and not everything:
            raise CommandError("Give at least one region code (e.g. 33.72), or --all.")
        started = time.perf_counter()

        def progress(city, done, total):
            if verbosity >= 2 or (not everything and city.created):
                self.stdout.write(
                    f"{city.name} ({city.code}): {city.kecamatan_created} kecamatan and "
                    f"{len(city.created)} kelurahan/desa created, {city.existing} already existed"
                )

        try:
            report = region_provision(codes=codes, everything=everything, progress=progress)
        except ProvisionError as exc:
            raise CommandError(str(exc)) from exc

        created = [row for city in report.cities for row in city.created]
        if created and len(created) <= LIST_LIMIT and verbosity >= 1:
            for code, name, slug in created:
                self.stdout.write(f"  + {code}  {name}  /k/{slug}/")
        elapsed = time.perf_counter() - started
        if not created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to do: all {report.existing_count} kelurahan/desa already exist."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(created)} kelurahan/desa and {report.kecamatan_created} kecamatan "
                f"in {sum(c.city_created for c in report.cities)} new and "
                f"{len(report.cities)} touched cities; {report.existing_count} already existed "
                f"({elapsed:.1f} s)."
            )
        )
