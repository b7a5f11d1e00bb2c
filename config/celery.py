import os
import sys

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def refuse_to_start_when_misconfigured(**kwargs) -> None:
    """The worker and beat stop on the errors `manage.py check` reports (Celery runs the checks but ignores them)."""
    from django.core.exceptions import ImproperlyConfigured

    from core.checks import run_startup_checks

    try:
        run_startup_checks()
    except ImproperlyConfigured as error:
        # Celery logs and swallows exceptions raised in signal handlers; only an exit stops it.
        print(error, file=sys.stderr, flush=True)
        raise SystemExit(1) from error
