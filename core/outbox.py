"""The one way product code queues background work: a database-backed outbox between our transactions and the
Celery broker (DESIGN.md §4, issues 8 and 13).

`enqueue` writes the job in the caller's transaction; after commit it is published. When the broker is down the
row stays pending and `drain` publishes it later (every minute from beat, and when a worker starts), so saving
never fails or hangs because of Redis, and no job is lost. Nothing else in the product calls `.delay`,
`.apply_async` or `send_task` (tests/test_outbox.py reads the source to hold that). Tasks must be idempotent: a
job can be published twice if a worker dies between publishing it and marking it sent.
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
DRAIN_BATCH = 200


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Queue `task` (a Celery task or its registered name) with JSON arguments, once the caller's transaction
    commits; nothing is queued if it rolls back."""
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: drain(first=message.pk))
    return message


def _task(name: str):
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery)
    return current_app.tasks[name]


def _publish(pk: int, connection) -> bool | None:
    """Publish one pending job: True when published, False when the broker refused, None when another drain has
    it (its row is locked) or it has been sent already."""
    with transaction.atomic():
        # The row lock keeps two drains (beat, a worker starting, a request's commit) from publishing it twice.
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at__isnull=True).first()
        if message is None:
            return None
        try:
            if connection is not None:
                # One quick try: with Redis down the request must not hang (kombu retries for 6 s by default);
                # drain() tries again later.
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
            # No result subscription either: the Redis result backend alone retries for 20 s, and nobody waits on
            # an outbox job's result.
            _task(message.task).apply_async(
                args=message.args, kwargs=message.kwargs, retry=False, ignore_result=True, connection=connection
            )
        except Exception as error:
            OutboxMessage.objects.filter(pk=message.pk).update(
                attempts=message.attempts + 1, last_error=f"{error.__class__.__name__}: {error}"[:300]
            )
            logger.warning(
                "outbox: %s #%s not published yet (%s: %s)", message.task, message.pk, error.__class__.__name__, error
            )
            return False
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    return True


def drain(*, first: int | None = None, limit: int = DRAIN_BATCH) -> int:
    """Publish pending jobs oldest first; stop at the first failure (the broker is probably down)."""
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
    if first is not None:
        pending = pending.filter(id__gte=min(first, pending.values_list("id", flat=True).first() or first))
    ids = list(pending.values_list("id", flat=True)[:limit])
    if not ids:
        return 0
    if current_app.conf.task_always_eager:  # the embedded default: tasks run in this process, no broker
        return _drain(ids, None)
    with current_app.connection_for_write() as connection:
        return _drain(ids, connection)


def _drain(ids: list[int], connection) -> int:
    published = 0
    for pk in ids:
        outcome = _publish(pk, connection)
        if outcome is False:
            break
        published += bool(outcome)
    return published
