from django.conf import settings
from django.core.management.base import BaseCommand

from audit.retention import caller_data_anonymise


class Command(BaseCommand):
    help = (
        "Blank the callers' personal data (number, name, device ids, message senders) of calls closed longer "
        "than CALLER_DATA_RETENTION_DAYS ago. Calls, incidents and every figure of the reports stay. "
        "Celery beat runs this nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be blanked; change nothing.")
        parser.add_argument("--days", type=int, default=None, help="Retention in days (default: CALLER_DATA_RETENTION_DAYS).")

    def handle(self, *args, dry_run, days, **options):
        if days is not None and days < 1:
            self.stderr.write("--days must be at least 1.")
            raise SystemExit(2)
        result = caller_data_anonymise(days=days, dry_run=dry_run)
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(
            f"Retention {result.retention_days} days (CALLER_DATA_RETENTION_DAYS={settings.CALLER_DATA_RETENTION_DAYS}), "
            f"calls closed before {result.cutoff}:"
        )
        for name in ("calls", "pbx_calls", "pbx_call_events", "aml_locations", "messages", "events"):
            self.stdout.write(f"  {name}: {getattr(result, name)} {verb}")
