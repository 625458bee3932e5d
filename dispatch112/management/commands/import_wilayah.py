from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dispatch112.wilayah import WilayahImportError, import_wilayah_csv


class Command(BaseCommand):
    help = "Import a region's kecamatan and kelurahan/desa from a Kemendagri-coded CSV (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with columns code,name,parent_code,level,lat,lon")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read as UTF-8 text: {exc}") from exc
        try:
            summary = import_wilayah_csv(text=text)
        except WilayahImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(f"{path}: {exc}") from exc
        for problem in summary.without_point:
            self.stderr.write(self.style.WARNING(f"{path}: warning: {problem}"))
        if summary.without_point:
            self.stderr.write(self.style.WARNING(f"{len(summary.without_point)} row(s) without a point"))
        parts = [f"{n} {level} created" for level, n in summary.created.items()]
        parts += [f"{n} {level} updated" for level, n in summary.updated.items()]
        self.stdout.write(self.style.SUCCESS(f"{path}: " + (", ".join(parts) or "nothing to import")))
