import random
import time

from django.core.management.base import BaseCommand, CommandError

from incidents import services
from incidents.models import Incident
from incidents.simulation import Simulator


class Command(BaseCommand):
    help = "Log a realistic live stream of 112 calls through the services (for demos and load)."

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=0.2, help="Calls per second (default 0.2).")
        parser.add_argument("--duration", type=float, default=60, help="Seconds to run (default 60).")
        parser.add_argument("--prank-share", type=float, default=0.33, help="Share of prank and silent calls, 0..1 (default 0.33).")
        parser.add_argument("--dispatch", action="store_true", help="Also dispatch each new incident to its category's agencies.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed for a repeatable stream.")

    def handle(self, *args, rate, duration, prank_share, dispatch, seed, **options):
        if not 0 < rate <= 1000:
            raise CommandError("--rate must be above 0 and at most 1000 calls per second.")
        if not 0 <= prank_share <= 1:
            raise CommandError("--prank-share must be between 0 and 1.")
        if duration <= 0:
            raise CommandError("--duration must be positive.")
        simulator = Simulator(random.Random(seed), prank_share=prank_share)
        if not simulator.operators or not simulator.kelurahan or not simulator.categories:
            raise CommandError("No operators, kelurahan or categories: run `manage.py seed_demo` first.")
        interval = 1 / rate
        started = time.monotonic()
        next_at = started
        logged = incidents = 0
        while time.monotonic() - started < duration:
            call = simulator.log_call()
            logged += 1
            if call.incident_id:
                incidents += 1
                if dispatch:
                    incident = Incident.objects.select_related("category").get(pk=call.incident_id)
                    agencies = [a for a in incident.category.default_agencies.all() if a.active]
                    if agencies:
                        services.incident_dispatch(incident=incident, agencies=agencies, by=call.operator)
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"{logged} calls ({incidents} incidents) in {elapsed:.1f} s: {logged / elapsed:.1f} calls/s")
        )
