"""Reads of the inbox: a user sees their own notifications and nobody else's (404 otherwise)."""

from django.db.models import QuerySet

from accounts import jurisdiction

from .models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_get(user, pk) -> Notification:
    """Another user's notification and one that does not exist answer the same 404."""
    return jurisdiction.get_in_reach(notifications_of(user), pk=pk)


UNREAD_ATTR = "_inbox_unread_loaded"


def unread_count_expression():
    """The unread count, loaded with the session's user (accounts.backends.load_with_user): no query of its own."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def unread_count(user) -> int:
    """One COUNT over the partial index of unread rows (inbox_unread), unless it came with the user."""
    if hasattr(user, UNREAD_ATTR):
        return getattr(user, UNREAD_ATTR)
    return notifications_of(user).filter(read_at__isnull=True).count()
