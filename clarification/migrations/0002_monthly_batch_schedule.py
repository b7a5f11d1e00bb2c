"""The monthly joint clarification runs from a database schedule that admins can edit (1st of the month)."""

from django.db import migrations

TASK = "clarification.tasks.build_monthly_batches"
NAME = "Monthly city-county joint clarification batches"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="1",
        day_of_month="1",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "enabled": True,
            "description": "Builds, for every municipal commission, the joint clarification batch of the month "
            "and catches up any month that was missed.",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clarification", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
