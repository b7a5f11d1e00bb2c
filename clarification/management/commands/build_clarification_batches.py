import datetime

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Commission
from core.errors import DomainError

from ...services import batch_build, batches_build_due


class Command(BaseCommand):
    help = (
        "Build the monthly joint clarification batches now, without Celery: this month and any missed month, "
        "or one city and month with --city/--month (rebuilding is safe)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--city", help="Division code of one municipal commission, e.g. 530300.")
        parser.add_argument("--month", help="YYYY-MM; defaults to the current month.")

    def handle(self, *args, city=None, month=None, **options):
        try:
            day = datetime.date.fromisoformat(f"{month}-01") if month else None
        except ValueError as error:
            raise CommandError(f"--month takes YYYY-MM, not {month}.") from error
        try:
            if city:
                commission = Commission.objects.filter(division_code=city).first()
                if commission is None:
                    raise CommandError(f"No commission with division code {city}.")
                from django.utils import timezone

                batch = batch_build(city=commission, month=day or timezone.localdate())
                self.stdout.write(f"{batch}: {batch.items.count()} clarifications")
                return
            for result in batches_build_due(day):
                self.stdout.write(str(result))
        except DomainError as error:
            raise CommandError(str(error)) from error
