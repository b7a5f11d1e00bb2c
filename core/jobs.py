"""Periodic jobs that run once per period, whoever starts them (Celery beat, a worker retry, a person).

`run_once` holds a row lock on the (job, period) row for the whole run, so two runners at once
serialise: the second finds the period done and does nothing. A runner that dies midway rolls back,
and the next one redoes the period from scratch.
"""

import datetime
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import JobRun, JobStatus

CATCH_UP_LIMIT = 12


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def due_months(job: str, today: datetime.date | None = None) -> list[datetime.date]:
    """The current month, plus every month since the last one done that was missed (at most a year back)."""
    current = month_start(today or timezone.localdate())
    last_done = (
        JobRun.objects.filter(job=job, status=JobStatus.DONE, period__lte=current)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if last_done is None:
        return [current]
    months = []
    period = next_month(last_done)
    while period <= current:
        months.append(period)
        period = next_month(period)
    return months[-CATCH_UP_LIMIT:]


def run_once(job: str, period: datetime.date, work: Callable[[], dict]) -> JobRun | None:
    """Run `work` for the period unless it is done already; returns the run, or None when skipped."""
    try:
        return _run_locked(job, period, work)
    except Exception as error:
        # Leave a visible trace for the admin; the period stays due, so the next run retries it.
        JobRun.objects.filter(job=job, period=period).exclude(status=JobStatus.DONE).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), detail={"error": str(error)[:500]}
        )
        if not JobRun.objects.filter(job=job, period=period).exists():
            JobRun.objects.create(
                job=job,
                period=period,
                status=JobStatus.FAILED,
                started_at=timezone.now(),
                finished_at=timezone.now(),
                detail={"error": str(error)[:500]},
            )
        raise


def _run_locked(job: str, period: datetime.date, work: Callable[[], dict]) -> JobRun | None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                JobRun.objects.get_or_create(
                    job=job, period=period, defaults={"status": JobStatus.RUNNING, "started_at": timezone.now()}
                )
        except IntegrityError:
            pass  # another runner created it a moment ago; the lock below waits for it
        run = JobRun.objects.select_for_update().get(job=job, period=period)
        if run.status == JobStatus.DONE:
            return None
        run.started_at = timezone.now()
        run.detail = work() or {}
        run.status = JobStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["started_at", "detail", "status", "finished_at"])
    return run
