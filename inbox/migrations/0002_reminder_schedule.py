"""The daily reminders of items due within 3 days and overdue ones (database-backed beat schedule, editable in
the admin). A crontab at the start of the working day: a day missed (beat down) is not made up, since the next
day's run reminds of the same items; a second run on one day writes nothing (inbox/reminders.py)."""

from django.db import migrations

TASK = "inbox.tasks.send_reminders"
NAME = "Inbox: daily reminders of items due soon or overdue"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="7",
        day_of_month="*",
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
            "description": "Writes an inbox notification (and, where email is set, an email) to every active staff "
            "user for each item of their work due within 3 days, and for each overdue one (again weekly while it "
            "stays overdue). Safe to run again: a day already done writes nothing.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
