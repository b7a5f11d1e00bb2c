"""Writes of the inbox: notifications are written by `notify` and marked read by their recipient."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import outbox
from core.errors import DomainError

from .models import Kind, Notification

EMAIL_TASK = "inbox.tasks.email_notifications"


def _local_path(url: str) -> str:
    # Only paths of this site: the page that opens a notification redirects to it.
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise DomainError(_("A notification links to a path of this site."), code="invalid_url")
    return url


@transaction.atomic
def notify(
    recipients: Iterable[User | int],
    *,
    kind: Kind | str,
    target: models.Model | None,
    url: str,
    due_on: datetime.date | None = None,
    key: str | None = None,
    task: str = "",
    label: str | None = None,
) -> list[int]:
    """Write one notification per recipient, at most once per (recipient, key); returns the ids of the
    recipients written to.

    Called by the workflow engine when a task is created for someone or assigned to them, and by the daily
    reminder job. `url` is a path of this site (the object to act on); `task` is a message id marked with
    gettext_noop, translated when shown; `label` defaults to str(target) and must carry no identity or
    allegation detail. `key` defaults to "<kind>:<object type>:<object id>:<due date>": give your own when the
    same task can legitimately come again (a returned proposal proposed anew). Inactive users are skipped.
    Safe to call twice and from concurrent transactions (a unique constraint holds the key). When email is on
    (settings.INBOX_EMAIL), an email job is queued through the outbox after commit.
    """
    kind = Kind(kind)
    url = _local_path(url)
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    target_id = target.pk if target is not None else None
    if key is None:
        key = f"{kind.value}:{target_type.pk if target_type else '-'}:{target_id or '-'}:{due_on or '-'}"
    key = key[:200]
    ids = {r.pk if isinstance(r, User) else int(r) for r in recipients}
    active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    already = set(Notification.objects.filter(recipient__in=active, key=key).values_list("recipient_id", flat=True))
    new = sorted(active - already)
    if not new:
        return []
    params = {"label": (label if label is not None else str(target or ""))[:200]}
    if task:
        params["task"] = task
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                params=params,
                url=url,
                target_type=target_type,
                target_id=target_id,
                due_on=due_on,
                key=key,
                created_at=now,
            )
            for pk in new
        ],
        ignore_conflicts=True,  # a concurrent writer of the same key won: theirs is the one row
    )
    if settings.INBOX_EMAIL:
        outbox.enqueue(EMAIL_TASK, new)
    return new


def notification_read(*, user, notification: Notification) -> Notification:
    """Mark the user's own notification read (the caller fetched it through the selector)."""
    if notification.recipient_id != user.pk:
        raise DomainError(_("Not found."), code="not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
