import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ops.health import FAIL, HEALTHY, run_checks


class Command(BaseCommand):
    help = (
        "Print the health report (what /healthz shows a supervisor) as JSON. Exits 1 when it fails "
        "(no database) or when a check named in --require is not healthy: a container healthcheck "
        "for processes that serve no HTTP, e.g. `manage.py health --require beat`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--require", default="", help="Comma-separated checks that must be healthy (database, redis, channel_layer, worker, beat, outbox).")

    def handle(self, *args, require, **options):
        report = run_checks()
        required = [name.strip() for name in require.split(",") if name.strip()]
        unknown = [name for name in required if name not in report.checks]
        if unknown:
            raise CommandError(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(report.checks)}")
        self.stdout.write(json.dumps(report.detailed(), indent=2))
        if report.status == FAIL or any(report.checks[name].status not in HEALTHY for name in required):
            sys.exit(1)
