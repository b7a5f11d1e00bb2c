from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from core.management.arguments import commission_code, year_month

from ...services import batch_build, batches_build_due


class Command(BaseCommand):
    help = (
        "Build the monthly joint clarification batches now, without Celery: this month and any missed month, "
        "or one city and month with --city/--month (rebuilding is safe)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--city", type=commission_code, help="Division code of one municipal commission, e.g. 530300."
        )
        parser.add_argument("--month", type=year_month, help="YYYY-MM; defaults to the current month.")

    def handle(self, *args, city=None, month=None, **options):
        try:
            if city:
                batch = batch_build(city=city, month=month or timezone.localdate())
                self.stdout.write(f"{batch}: {batch.items.count()} clarifications")
                return
            for result in batches_build_due(month):
                self.stdout.write(str(result))
        except DomainError as error:
            raise CommandError(str(error)) from error
