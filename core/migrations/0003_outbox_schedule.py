"""Drain the outbox every minute (database-backed beat schedule, editable in the admin)."""

from django.db import migrations


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="Publish queued background jobs (outbox)",
        defaults={"task": "core.tasks.drain_outbox", "interval": every_minute, "enabled": True},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="core.tasks.drain_outbox").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_outbox"), ("django_celery_beat", "0018_improve_crontab_helptext")]
    operations = [migrations.RunPython(create, remove)]
