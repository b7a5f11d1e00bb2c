from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import demo

OVERRIDE = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = "Load the demo data (idempotent): the Yunnan hierarchy, users for every role, and sample work."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Only load when the database has no commissions.")
        parser.add_argument(
            OVERRIDE,
            action="store_true",
            dest="not_production",
            help="Load even with DEBUG=0 (a staging or test server). Demo accounts share one known password.",
        )

    def handle(self, *args, if_empty=False, not_production=False, **options):
        from accounts.models import Commission

        # Demo accounts (admins included) share the published DEMO_PASSWORD: never in production by mistake.
        if not settings.DEBUG and not not_production:
            raise CommandError(
                f"Refusing to load demo data with DEBUG=0: this looks like production, and every demo account "
                f"shares one published password. On a server that is not production, add {OVERRIDE}."
            )
        if if_empty and Commission.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        with transaction.atomic():
            summary = demo.seed_all()
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
