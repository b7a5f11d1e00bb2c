"""Demo: publish the figures of the last twelve months, so the dashboard shows published and current figures."""

from django.utils import timezone

from core import jobs

from .models import Snapshot
from .periods import month_start_after, previous_month
from .services import SNAPSHOT_JOB, snapshots_take_month


def seed() -> str:
    last = previous_month(timezone.localdate())
    months = [month_start_after(last, -offset) for offset in range(11, -1, -1)]
    for month in months:
        # Through run_once, so the monthly task later finds these months done and carries on from there.
        jobs.run_once(SNAPSHOT_JOB, month, lambda month=month: snapshots_take_month(month))
    return f"{Snapshot.objects.filter(month__in=months).count()} published monthly figures ({len(months)} months)"
