"""The monthly city-county joint clarification, started by Celery beat from a database schedule."""

from core.tasks import scheduled_task

from .services import batches_build_due


@scheduled_task("clarification.tasks.build_monthly_batches")
def build_monthly_batches(today: str | None = None) -> list[dict]:
    """Idempotent: each month runs once (core.jobs), a missed month is caught up, a redelivery does nothing."""
    import datetime

    day = datetime.date.fromisoformat(today) if today else None
    return batches_build_due(day)
