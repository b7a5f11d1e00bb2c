from celery import shared_task
from celery.signals import worker_ready


@shared_task(name="core.tasks.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    """Every minute (beat) and at each worker start: publish jobs the broker missed while it was down."""
    from .outbox import drain

    return drain()


@worker_ready.connect
def drain_on_worker_start(**kwargs):
    drain_outbox.apply()
