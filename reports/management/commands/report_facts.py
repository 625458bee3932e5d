"""Rebuild or check the report facts (reports/models.py).

    manage.py report_facts --rebuild   rewrite every fact from the incidents' and PBX calls' rows
                                       (after rows were loaded or changed outside the services: an
                                       import, a restore), then the monthly rollups of the closed
                                       months (reports/rollup.py), with and without each incident
                                       filter
    manage.py report_facts --check     say whether the facts agree with the rows and the clean rollups
                                       with the facts; exit status 1 if not
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from reports import facts, rollup


class Command(BaseCommand):
    help = "Rebuild (--rebuild) or check (--check) the report facts the response, call-handling and call-center reports read."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="rewrite every fact from the incidents' rows")
        parser.add_argument("--check", action="store_true", help="compare the facts with the rows; exit status 1 if they differ")

    def handle(self, *args, rebuild=False, check=False, **options):
        if not (rebuild or check):
            raise CommandError("Say --rebuild or --check.")
        if rebuild:
            started = time.monotonic()
            responses, handling, answers, calls = facts.rebuild()
            self.stdout.write(
                f"rebuilt {responses} response facts, {handling} call-handling facts, {answers} PBX answer facts and {calls} call facts"
                f" in {time.monotonic() - started:.1f} s"
            )
            started = time.monotonic()
            built = rollup.rebuild()
            self.stdout.write(f"rolled up {len(built)} closed month(s) in {time.monotonic() - started:.1f} s")
        if check:
            found = facts.differences()
            stale = rollup.differences()
            if stale:
                self.stdout.write("rolled-up months that differ from their facts: " + ", ".join(f"{month:%Y-%m} {source}" for month, source in stale))
            if found:
                self.stdout.write(f"the report facts differ from the incidents' rows (first {len(found)}):")
                for model, key, stored, expected in found:
                    self.stdout.write(f"  {model} {key}: stored {stored}, expected {expected}")
            if found or stale:
                sys.exit(1)
            self.stdout.write("the report facts agree with the incidents' rows, and the rolled-up months with the facts")
