"""Celery tasks of the statistics app: they take ids and call services, and are safe to run twice."""

from celery import shared_task
from celery.signals import worker_ready

from core.tasks import scheduled_task

from . import services


@scheduled_task("stats.tasks.snapshot_previous_month")
def snapshot_previous_month(today: str | None = None) -> list[dict]:
    """Publish the previous month's figures of every commission (and any missed month), once per month."""
    import datetime

    day = datetime.date.fromisoformat(today) if today else None
    return services.snapshots_take_due(day)


@shared_task(name="stats.tasks.run_export", acks_late=True, reject_on_worker_lost=True)
def run_export(job_id: int) -> int | None:
    job = services.export_job_run(job_id=job_id)
    return job.rows_done if job is not None else None


@scheduled_task("stats.tasks.expire_exports")
def expire_exports(now: str | None = None) -> int:
    """Delete the files of expired background exports (daily); safe to run twice."""
    import datetime

    return services.exports_expire(now=datetime.datetime.fromisoformat(now) if now else None)


@shared_task(name="stats.tasks.resume_orphaned_exports", ignore_result=True)
def resume_orphaned_exports() -> list[int]:
    """Every minute (beat) and at each worker start: an export whose worker died midway is queued again."""
    return services.exports_resume_orphaned()


@worker_ready.connect
def resume_orphaned_exports_on_worker_start(**kwargs):
    resume_orphaned_exports.apply()
