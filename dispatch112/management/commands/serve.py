import logging

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Serve Dispatch112 with daphne (HTTP + WebSocket). In the embedded default it also runs the "
        "Celery beat schedule in-process, so periodic work happens without a broker or worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-scheduler", action="store_true", help="Do not run the periodic schedule in-process.")

    def handle(self, *args, host, port, no_scheduler, **options):
        from daphne.cli import CommandLineInterface

        if settings.EMBEDDED_SCHEDULER and not no_scheduler:
            self._start_scheduler()
        self.stdout.write(self.style.SUCCESS(f"Dispatch112 is serving at http://{host}:{port}/  (Ctrl+C stops it)"))
        CommandLineInterface().run(["--bind", host, "--port", str(port), "dispatch112.asgi:application"])

    def _start_scheduler(self):
        from celery.beat import EmbeddedService

        from dispatch112.celery import app

        # Tasks are eager in the embedded profile, so beat runs each one in this thread, in this
        # process — the same process as the in-memory channel layer its events go to.
        service = EmbeddedService(app, thread=True, schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILENAME)
        service.daemon = True
        service.start()
        self.stdout.write(f"In-process scheduler started ({len(app.conf.beat_schedule)} periodic task(s)).")
