import datetime

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Commission
from core.errors import DomainError

from ...services import snapshot_take, snapshots_take_due


class Command(BaseCommand):
    help = (
        "Publish the monthly statistics now, without Celery: the previous month (and any missed month) for every "
        "commission, or one commission and month with --commission/--month. A month already published is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commission", help="Division code of one commission, e.g. 530300.")
        parser.add_argument("--month", help="YYYY-MM; with --commission, defaults to the previous month.")

    def handle(self, *args, commission=None, month=None, **options):
        try:
            day = datetime.date.fromisoformat(f"{month}-01") if month else None
        except ValueError as error:
            raise CommandError(f"--month takes YYYY-MM, not {month}.") from error
        try:
            if commission or day:
                from ...periods import previous_month

                targets = Commission.objects.order_by("path")
                if commission:
                    targets = targets.filter(division_code=commission)
                    if not targets.exists():
                        raise CommandError(f"No commission with division code {commission}.")
                for target in targets:
                    snapshot, created = snapshot_take(commission=target, month=day or previous_month())
                    self.stdout.write(f"{snapshot}: {'published' if created else 'already published'}")
                return
            for result in snapshots_take_due():
                self.stdout.write(str(result))
        except DomainError as error:
            raise CommandError(str(error)) from error
