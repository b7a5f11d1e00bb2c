"""Reads of the inbox: a user sees their own notifications and nobody else's (404 otherwise)."""

from django.db.models import QuerySet

from accounts import jurisdiction

from .models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_get(user, pk) -> Notification:
    """Another user's notification and one that does not exist answer the same 404."""
    return jurisdiction.get_in_reach(notifications_of(user), pk=pk)


def unread_count(user) -> int:
    """One COUNT over the partial index of unread rows (inbox_unread)."""
    return notifications_of(user).filter(read_at__isnull=True).count()
