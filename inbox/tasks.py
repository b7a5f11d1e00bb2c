"""Celery tasks of the inbox: they take ids, call services, and are safe to run twice."""

from celery import shared_task

from core.tasks import scheduled_task


@scheduled_task("inbox.tasks.send_reminders")
def send_reminders(today: str | None = None) -> dict | None:
    """Daily (beat): remind every active staff user of items due within 3 days and of overdue ones."""
    import datetime

    from .reminders import reminders_send

    return reminders_send(datetime.date.fromisoformat(today) if today else None)


@shared_task(name="inbox.tasks.email_notifications", acks_late=True, reject_on_worker_lost=True)
def email_notifications(recipient_ids: list[int]) -> int:
    """Queued through the outbox by inbox.services.notify when email is on."""
    from .emails import notifications_email

    return notifications_email(recipient_ids=recipient_ids)


@shared_task(name="inbox.tasks.notify_tasks", acks_late=True, reject_on_worker_lost=True)
def notify_tasks(workflow_name: str, pk: int, event, actor_id: int | None, kind: str = "task_created") -> int:
    """Queued through the outbox after a workflow transition: tell whom it now asks something of."""
    from .tasks_of_workflows import notify_tasks as run

    return run(workflow_name, pk, event, actor_id, kind)
