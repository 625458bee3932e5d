from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cctv import csvfile
from cctv.services import cameras_import_csv


class Command(BaseCommand):
    help = "Import cameras from a CSV file (all rows or none; every bad row is reported with its line number)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with columns " + ",".join(csvfile.COLUMNS))

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read as UTF-8 text: {exc}") from exc
        try:
            summary = cameras_import_csv(text=text, by=None)
        except csvfile.CameraImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {len(summary.created)} created, {len(summary.updated)} updated, {len(summary.unchanged)} unchanged"
            )
        )
