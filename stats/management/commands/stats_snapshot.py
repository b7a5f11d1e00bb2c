from django.core.management.base import BaseCommand, CommandError

from accounts.models import Commission
from core.errors import DomainError
from core.management.arguments import commission_code, year_month

from ...periods import previous_month
from ...services import snapshot_take, snapshots_take_due


class Command(BaseCommand):
    help = (
        "Publish the monthly statistics now, without Celery: the previous month (and any missed month) for every "
        "commission, or one commission and month with --commission/--month. A month already published is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commission", type=commission_code, help="Division code of one commission, e.g. 530300.")
        parser.add_argument(
            "--month", type=year_month, help="YYYY-MM; with --commission, defaults to the previous month."
        )

    def handle(self, *args, commission=None, month=None, **options):
        try:
            if commission or month:
                targets = [commission] if commission else Commission.objects.order_by("path")
                for target in targets:
                    snapshot, created = snapshot_take(commission=target, month=month or previous_month())
                    self.stdout.write(f"{snapshot}: {'published' if created else 'already published'}")
                return
            for result in snapshots_take_due():
                self.stdout.write(str(result))
        except DomainError as error:
            raise CommandError(str(error)) from error
