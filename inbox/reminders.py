"""The daily reminder job: for every active staff user, items due within REMIND_DAYS days and overdue ones.

Idempotent per day twice over: the day is one run of core.jobs (a second run the same day is skipped), and
each reminder has a key, so even a re-run writes nothing already written.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Membership, User
from core import jobs

from .models import Kind
from .services import notify

JOB = "inbox.reminders"
REMIND_DAYS = 3
# An overdue item is reminded of when it falls overdue, then once a week while it stays so: daily reminders
# of a long-overdue backlog would bury the new ones.
OVERDUE_EVERY_DAYS = 7


def due_items(user) -> list[dict]:
    """The user's items with a due date, each {url, label, due_on}: the one source of reminders.

    Today the rows of the "my work" page; the workflow engine's derived work list can replace it here.
    """
    from cases.my_work import sections_for

    items, seen = [], set()
    for section in sections_for(user):
        for row in section["rows"]:
            if row.get("due_on") and row["url"] not in seen:
                seen.add(row["url"])
                items.append({"url": row["url"], "label": row["label"], "due_on": row["due_on"]})
    return items


def remind(user, today: datetime.date) -> int:
    """Write the user's reminders for `today`; returns how many were new."""
    written = 0
    for item in due_items(user):
        due_on = item["due_on"]
        late = (today - due_on).days
        if late > 0:
            kind, key = Kind.OVERDUE, f"overdue:{item['url']}:{due_on}:{(late - 1) // OVERDUE_EVERY_DAYS}"
        elif -late <= REMIND_DAYS:
            kind, key = Kind.DUE_SOON, f"due_soon:{item['url']}:{due_on}"
        else:
            continue
        label = item["label"].split(" · ")[0]  # the reference alone: no summary text in the inbox's reminders
        written += len(notify([user], kind=kind, target=None, url=item["url"], due_on=due_on, key=key, label=label))
    return written


def staff_users():
    return User.objects.filter(is_active=True).filter(Exists(Membership.objects.filter(user=OuterRef("pk"))))


def reminders_send(today: datetime.date | None = None) -> dict | None:
    """Run the day's reminders once; None when the day is done already."""
    day = today or timezone.localdate()

    def work() -> dict:
        users = written = 0
        for user in staff_users().order_by("pk").iterator(chunk_size=200):
            users += 1
            written += remind(user, day)
        return {"users": users, "written": written}

    run = jobs.run_once(JOB, day, work)
    return run.detail if run is not None else None
