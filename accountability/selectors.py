"""Scoped reads for the accountability app: every page and API endpoint starts from these."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import Role
from cases.models import Subject
from core.cache import Recent
from core.sections import ids_together, in_order, run_together
from core.workflow import NEVER, any_of, rows_in

from .choices import DecisionStatus, Measure
from .models import (
    AccountabilityCase,
    AccountabilityCaseUserObjectPermission,
    Complaint,
    Decision,
    ExemptionEntry,
    FollowUpVisit,
    MeasureRule,
    Target,
)
from .workflow import WORK_PERM


def catalogue_in_force(commission: Commission, on: datetime.date | None = None) -> QuerySet[ExemptionEntry]:
    """Entries of the handling commission's provincial catalogue in force on that day."""
    province = commission.province_code()
    if province is None:
        return ExemptionEntry.objects.none()
    on = on or timezone.localdate()
    return ExemptionEntry.objects.filter(province_code=province, retired=False, in_force_from__lte=on).filter(
        Q(in_force_to__isnull=True) | Q(in_force_to__gte=on)
    )


def measures_allowed(*, kind: str, form: int | None) -> set[str]:
    """The measures a decision on this kind of target may carry in that form (organisations: form None)."""
    return set(MeasureRule.objects.filter(target_kind=kind, form=form).values_list("measure", flat=True))


def measure_rules() -> dict[tuple[str, int | None], list[str]]:
    """All the rules at once, (kind, form) -> measures in the order of the choices: for the decision forms."""
    rules: dict[tuple[str, int | None], list[str]] = {}
    for kind, form, measure in MeasureRule.objects.values_list("target_kind", "form", "measure"):
        rules.setdefault((kind, form), []).append(measure)
    order = {value: index for index, value in enumerate(Measure.values)}
    return {key: sorted(values, key=lambda m: order.get(m, len(order))) for key, values in rules.items()}


def catalogue_visible_to(user) -> QuerySet[ExemptionEntry]:
    """The catalogues of the provinces the user works in (anyone may read their own province's list)."""
    if not getattr(user, "is_authenticated", False):
        return ExemptionEntry.objects.none()
    provinces = {m.commission.province_code() for m in jurisdiction.memberships_of(user)} - {None}
    return ExemptionEntry.objects.filter(province_code__in=provinces)


def cases_visible_to(user) -> QuerySet[AccountabilityCase]:
    """Cases in the user's reach plus those whose team they were added to."""
    if not getattr(user, "is_authenticated", False):
        return AccountabilityCase.objects.none()
    return jurisdiction.scope(AccountabilityCase.objects.all(), user, grant_perm=WORK_PERM)


def case_list(user) -> QuerySet[AccountabilityCase]:
    return (
        cases_visible_to(user)
        .select_related("commission")
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("subject")),
            Prefetch("decisions", queryset=Decision.objects.filter(status=DecisionStatus.IN_FORCE)),
        )
    )


def case_detail(user, pk) -> AccountabilityCase:
    return jurisdiction.get_in_reach(case_record(user), pk=pk)


def case_record(user) -> QuerySet[AccountabilityCase]:
    """Cases in reach with their whole record: every target, every decision whatever its status (in force,
    awaiting approval, returned, changed, revoked) with its follow-up visits, every complaint."""
    return (
        cases_visible_to(user)
        .select_related("commission", "created_by")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=Target.objects.select_related("subject", "subject__commission").prefetch_related(
                    "exemption_entries"
                ),
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related(
                    "target__subject",
                    "approving_commission",
                    "proposed_by",
                    "approved_by",
                    "supersedes",
                    "corrected_by",
                ).prefetch_related("visits"),
            ),
            Prefetch(
                "complaints",
                queryset=Complaint.objects.select_related(
                    "decision__target__subject", "recorded_by", "reviewed_by", "resolved_by", "late_accepted_by"
                ),
            ),
            "reports__commission",
        )
    )


def decisions_visible_to(user) -> QuerySet[Decision]:
    """Decisions of the cases in reach (scoped by the copy of the case's commission they carry: no join)."""
    if not getattr(user, "is_authenticated", False):
        return Decision.objects.none()
    scoped = jurisdiction.scope(Decision.objects.all(), user, grant_perm=WORK_PERM, granted_through="case")
    return scoped.select_related("case", "case__commission", "target__subject", "approving_commission", "supersedes")


def complaints_visible_to(user) -> QuerySet[Complaint]:
    return Complaint.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "case__commission", "decision__target__subject"
    )


def visits_visible_to(user) -> QuerySet[FollowUpVisit]:
    if not getattr(user, "is_authenticated", False):
        return FollowUpVisit.objects.none()
    scoped = jurisdiction.scope(
        FollowUpVisit.objects.all(), user, grant_perm=WORK_PERM, granted_through="decision__case"
    )
    return scoped.select_related("decision__case", "decision__target__subject")


def team_of(case: AccountabilityCase) -> list:
    grants = AccountabilityCaseUserObjectPermission.objects.filter(
        content_object=case, permission__codename="work_accountabilitycase"
    ).select_related("user")
    return [g.user for g in grants]


def history_of_subject(user, subject: Subject) -> QuerySet[Decision]:
    """Decisions about this subject in the user's reach, newest first, each with its status (the subject page's
    history): in force, awaiting approval, changed (with the decision that replaced it) or revoked."""
    return (
        decisions_visible_to(user)
        .filter(target__subject=subject)
        .exclude(status=DecisionStatus.RETURNED)
        .select_related("corrected_by")
        .order_by("-decided_on", "-id")
    )


@dataclass
class AccountabilityWork:
    """The follow-ups due for a user, which are dates rather than workflow steps: "may be used again" reviews at
    the end of an influence period, and follow-up visits. Approvals and complaints are workflow steps: the engine
    lists them (core/work.py)."""

    reviews_due: list = field(default_factory=list)  # the rows presented (the first `shown` of those found)
    visits_due: list = field(default_factory=list)
    reviews_found: int = 0  # rows found, up to LIMIT + 1 ("50+")
    visits_found: int = 0

    def __bool__(self) -> bool:
        return bool(self.reviews_due or self.visits_due)


LIMIT = 50


FOLLOW_UP_NOTICE_DAYS = 30


def accountability_work_for(user, shown: int | None = None) -> AccountabilityWork:
    """The follow-ups due, up to LIMIT of each kind counted; the objects of the first `shown` of each (all those
    counted, by default) joined for display."""
    work = AccountabilityWork()
    if not getattr(user, "is_authenticated", False):
        return work
    # Compiled once per user, reach version and day, as the work list's statement (core/work.py): the conditions
    # read the reach and the day only.
    key = (user.pk, str(user.reach_version), timezone.localdate())
    compiled = _follow_ups.get_or_set(key, lambda: _follow_ups_statement(user))
    if compiled is None:
        return work
    reviews, visits = run_together(compiled, 2)
    shown = LIMIT if shown is None else shown
    work.reviews_found, work.visits_found = len(reviews), len(visits)
    work.reviews_due = in_order(Decision.objects.select_related("case", "target__subject"), reviews[:shown])
    work.visits_due = in_order(
        FollowUpVisit.objects.select_related("decision__case", "decision__target__subject"), visits[:shown]
    )
    return work


_follow_ups = Recent(size=512)


def _follow_ups_statement(user) -> tuple | None:
    # Reviews and visits show from FOLLOW_UP_NOTICE_DAYS before they fall due; overdue ones sort first.
    notice = timezone.localdate() + datetime.timedelta(days=FOLLOW_UP_NOTICE_DAYS)
    supervised = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    team = any_of(
        rows_in(supervised, "commission"),
        rows_in(jurisdiction.granted_ids(user, AccountabilityCase, WORK_PERM), "decision__case"),
    )
    if team is NEVER:
        return None
    reviews = (
        decisions_visible_to(user)
        .filter(
            any_of(rows_in(supervised, "commission"), rows_in(supervised, "approving_commission")),
            status=DecisionStatus.IN_FORCE,
            influence_ends_on__lte=notice,
            reuse_reviewed_on__isnull=True,
        )
        .order_by("influence_ends_on", "id")
    )
    visits = visits_visible_to(user).filter(team, done_on__isnull=True, due_on__lte=notice).order_by("due_on", "id")
    return ids_together([reviews, visits], LIMIT + 1)
