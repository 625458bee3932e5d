from django.core.management.base import BaseCommand

from cctv import csvfile
from cctv.models import Camera


class Command(BaseCommand):
    help = "Write every camera as CSV to standard output (user names and passwords are never exported)."

    def handle(self, *args, **options):
        self.stdout.write(csvfile.export(Camera.objects.select_related("kelurahan").order_by("code")), ending="")
