"""Exports whose worker died midway are queued again every minute (database-backed beat schedule)."""

from django.db import migrations

TASK = "stats.tasks.resume_orphaned_exports"
NAME = "Exports: run again the exports whose worker died midway"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_minute,
            "enabled": True,
            "description": "A running export whose worker process is gone (its database session released the "
            "export's lock) goes back to queued, its partial file is deleted, and it is written again from the "
            "first row. Also run whenever a worker starts.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("stats", "0006_export_attempts"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
