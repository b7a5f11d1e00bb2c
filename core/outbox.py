"""A database-backed outbox between our transactions and the Celery broker (DESIGN.md §4, issue 8).

`enqueue` writes the job in the caller's transaction; after commit it is published. When the broker
is down the row stays pending and `drain` publishes it later, so saving never fails because of Redis
and no job is lost. Tasks must be idempotent: a job can be published twice if a worker dies between
publishing and marking it sent.
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
DRAIN_BATCH = 200


def enqueue(task: str, *args, **kwargs) -> OutboxMessage:
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: drain(first=message.pk))
    return message


def _publish(message: OutboxMessage) -> bool:
    try:
        if message.task not in current_app.tasks:
            current_app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery)
        task = current_app.tasks[message.task]
        # No retries here: with the broker down the request must not hang; drain() tries again later.
        task.apply_async(args=message.args, kwargs=message.kwargs, retry=False)
    except Exception as error:
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{error.__class__.__name__}: {error}"[:300]
        )
        logger.warning("outbox: %s #%s not published yet (%s)", message.task, message.pk, error.__class__.__name__)
        return False
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


def drain(*, first: int | None = None, limit: int = DRAIN_BATCH) -> int:
    """Publish pending jobs oldest first; stop at the first failure (the broker is probably down)."""
    published = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
    if first is not None:
        pending = pending.filter(id__gte=min(first, pending.values_list("id", flat=True).first() or first))
    for message in pending[:limit]:
        if not _publish(message):
            break
        published += 1
    return published
