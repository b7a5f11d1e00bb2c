"""The audit trail's periodic jobs, started by Celery beat from a database schedule."""

from celery import shared_task
from django.db import OperationalError

from .checkpoints import checkpoint_write
from .services import chain_pending


@shared_task(name="audit.tasks.write_checkpoint", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def write_checkpoint() -> dict | None:
    """Every 10 minutes. Idempotent: nothing is written while the head has not moved since the last checkpoint."""
    checkpoint = checkpoint_write()
    return checkpoint.fields if checkpoint else None


@shared_task(name="audit.tasks.chain_events", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def chain_events() -> int:
    """Every minute: chain the events whose chaining right after their commit did not happen (a killed process)."""
    return chain_pending()
