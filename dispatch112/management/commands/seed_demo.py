from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dispatch112.demo import DEMO_LOGINS, seed_core


class Command(BaseCommand):
    help = "Load the demo data (idempotent): Samarinda wilayah, OPD agencies and a demo user per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even in the production profile (demo users have published passwords).",
        )

    def handle(self, *args, allow_production=False, **options):
        if not (settings.EMBEDDED or settings.DEBUG or allow_production):
            raise CommandError(
                "Refusing to create demo users with published passwords in the production profile; "
                "pass --allow-production for a staging system."
            )
        report = seed_core()
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo logins (username / password / role):"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<12} {login.password:<20} {login.role}{' · ' + login.agency_code if login.agency_code else ''}")
