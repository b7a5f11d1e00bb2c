from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError


def scheduled_task(name: str):
    """A task beat starts on a schedule: acknowledged once it has run, so a run its worker lost is delivered again,
    and retried with backoff while the database is unreachable. Such a task is safe to run twice."""
    return shared_task(
        name=name,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        max_retries=5,
    )


@shared_task(name="core.tasks.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    """Every minute (beat) and at each worker start: publish jobs the broker missed while it was down."""
    from .outbox import drain

    return drain()


@worker_ready.connect
def drain_on_worker_start(**kwargs):
    drain_outbox.apply()


@scheduled_task("core.tasks.catch_up_monthly_jobs")
def catch_up_monthly_jobs(today: str | None = None) -> dict:
    """Daily (beat): every monthly job whose month has no finished run is run now; a month done is skipped."""
    import datetime

    from . import jobs

    return jobs.catch_up(datetime.date.fromisoformat(today) if today else None)
