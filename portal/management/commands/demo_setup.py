"""`manage.py demo_setup`: the demo city and staff accounts that `make run` starts with."""

from django.core.management.base import BaseCommand

from kelurahan.tenancy import unscoped
from portal.demo import DEMO_NIK, DEMO_PASSWORD, demo_city_setup


class Command(BaseCommand):
    help = (
        "Provision Kota Surakarta (33.72) with demo content and demo staff accounts, and two "
        "kecamatan of Kabupaten Sukoharjo (33.11)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--one-city",
            action="store_true",
            help="Kota Surakarta only (the tests of a portal serving one city).",
        )

    def handle(self, *args, **options):
        with unscoped("demo setup: content for every kelurahan of the demo city"):
            filled, logins = demo_city_setup(regency=not options["one_city"])
        if filled:
            self.stdout.write(self.style.SUCCESS(f"Demo content written for {filled} kelurahan."))
        else:
            self.stdout.write("Demo city already set up; reusing it.")
        self.stdout.write(f"Demo staff logins at /admin/ (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            where = f"kelurahan {login.kelurahan_slug}" if login.kelurahan_slug else "whole city"
            self.stdout.write(f"  {login.username:<18} {login.role:<14} {where}")
        self.stdout.write(
            f"Try it: log in as operator.pajang: the work page shows what waits; type NIK "
            f"{DEMO_NIK} and press a letter's button. Then sign it as lurah.pajang."
        )
