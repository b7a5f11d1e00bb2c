"""Scoped reads for statistics: only supervisors and admins, each within the commissions they oversee."""

from django.db.models import QuerySet

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import SUBTREE_READERS

from .models import ExportJob, Snapshot, SnapshotItems


def may_see_statistics(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and jurisdiction.roles_of(user) & SUBTREE_READERS)


def statistics_commissions(user) -> QuerySet[Commission]:
    """The commissions whose statistics the user reads: those where they lead or administer, and below."""
    if not may_see_statistics(user):
        return Commission.objects.none()
    return jurisdiction.readable_commissions(user, SUBTREE_READERS)


def statistics_commission(user, pk) -> Commission:
    """One commission in the user's statistics reach; anything else is a 404."""
    return jurisdiction.get_in_reach(statistics_commissions(user), pk=pk)


def top_commissions(user) -> list[Commission]:
    """The highest commissions in reach (those whose parent is out of reach), for the statistics start page."""
    commissions = list(statistics_commissions(user).order_by("path"))
    ids = {c.pk for c in commissions}
    return [c for c in commissions if c.parent_id not in ids]


def snapshot_of(commission: Commission, month) -> Snapshot | None:
    return Snapshot.objects.filter(commission=commission, month=month).first()


def kept_items_of(snapshot: Snapshot, *, subtree: bool, key: str) -> SnapshotItems | None:
    """The ids one published figure counted (None when it counted nothing)."""
    return SnapshotItems.objects.filter(snapshot=snapshot, subtree=subtree, key=key).first()


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """A user sees their own export jobs only, and only while they hold a statistics role."""
    if not may_see_statistics(user):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(owner=user)


def export_job(user, pk) -> ExportJob:
    return jurisdiction.get_in_reach(export_jobs_of(user), pk=pk)
