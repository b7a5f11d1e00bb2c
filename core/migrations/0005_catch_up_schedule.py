"""The daily catch-up of the monthly jobs (database-backed beat schedule, editable in the admin).

An interval schedule, not a crontab: django-celery-beat loads crontab tasks only within two hours of their
hour, so a beat started later in the day would not see a crontab catch-up until the next day; an interval
task that is overdue runs as soon as beat starts.
"""

from django.db import migrations

TASK = "core.tasks.catch_up_monthly_jobs"
NAME = "Daily catch-up of the monthly jobs"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_day, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_day,
            "enabled": True,
            "description": "Runs every monthly job (joint clarification batches, statistics snapshots) whose month "
            "has no finished run: missed because the broker or beat was down, failed, or left by a runner that "
            "died. A month already done is skipped.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0004_jobrun_heartbeat"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
