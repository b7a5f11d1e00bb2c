"""Anchor the head of the audit chain outside the database every 10 minutes (database-backed beat schedule)."""

from django.db import migrations

TASK = "audit.tasks.write_checkpoint"
NAME = "Audit trail checkpoint"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_ten_minutes,
            "enabled": True,
            "description": "Appends a signed checkpoint of the audit chain's head to the checkpoint file "
            "(AUDIT_CHECKPOINT_FILE) and to the log, so that deleting or rewriting events is detected by "
            "`manage.py verify_audit --since-checkpoint`.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_keyed_chain"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
