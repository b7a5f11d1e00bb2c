"""The monthly city-county joint clarification, started by Celery beat from a database schedule."""

from celery import shared_task
from django.db import OperationalError

from .services import batches_build_due


@shared_task(
    name="clarification.tasks.build_monthly_batches",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def build_monthly_batches(today: str | None = None) -> list[dict]:
    """Idempotent: each month runs once (core.jobs), a missed month is caught up, a redelivery does nothing."""
    import datetime

    day = datetime.date.fromisoformat(today) if today else None
    return batches_build_due(day)
