from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dispatch112.demo import DEMO_LOGINS, seed_core


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent): wilayah, OPD agencies with posts, categories, a demo user per role "
        "and per agency, and 30 days of calls and incidents."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even in the production profile (demo users have published passwords).",
        )
        parser.add_argument("--no-history", action="store_true", help="Skip the 30 days of demo calls and incidents.")
        parser.add_argument("--days", type=int, default=30, help="Days of demo history (default 30).")

    def handle(self, *args, allow_production=False, **options):
        if not (settings.EMBEDDED or settings.DEBUG or allow_production):
            raise CommandError(
                "Refusing to create demo users with published passwords in the production profile; "
                "pass --allow-production for a staging system."
            )
        report = seed_core()
        if not options["no_history"]:
            import random

            from incidents.simulation import seed_history
            from intake.simulation import PbxSimulator

            self.stdout.write(f"Logging {options['days']} days of demo calls, incidents and PBX call records through the services (first run only; under a minute)…")
            self.stdout.flush()
            logged = seed_history(days=options["days"], on_call=PbxSimulator(random.Random(119)))
            report.append(f"{logged} calls of history logged" if logged else "History already present: kept as it is")
        for line in report:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo logins (username / password / role):"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<12} {login.password:<20} {login.role}{' · ' + login.agency_code if login.agency_code else ''}")
