"""The audit checkpoint, started by Celery beat from a database schedule (every 10 minutes)."""

from celery import shared_task
from django.db import OperationalError

from .checkpoints import checkpoint_write


@shared_task(name="audit.tasks.write_checkpoint", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def write_checkpoint() -> dict | None:
    """Idempotent: nothing is written while the head has not moved since the last checkpoint."""
    checkpoint = checkpoint_write()
    return checkpoint.fields if checkpoint else None
