from django.core.management.base import BaseCommand
from django.db import transaction

from core import demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent): the Yunnan hierarchy, users for every role, and sample work."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Only load when the database has no commissions.")

    def handle(self, *args, if_empty=False, **options):
        from accounts.models import Commission

        if if_empty and Commission.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        with transaction.atomic():
            summary = demo.seed_all()
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
