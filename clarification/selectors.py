"""Scoped reads for the clarification app: every page and API endpoint starts from these."""

from collections import Counter, defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import Role
from cases.choices import Finding, SubjectKind
from cases.choices import Status as ReportStatus
from cases.models import Allegation, Report
from cases.selectors import (
    allegations_visible_to,
    assigned_beyond_reach,
    recusals_removing_reach,
    reports_visible_to,
)

from .choices import REVIEW_OFFICES, Status
from .models import BatchItem, FalseAccusationCase, JointBatch, Measure, Recommendation, ReturnVisit, ReviewOpinion


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def recommendations_visible_to(user) -> QuerySet[Recommendation]:
    """By the handling commission's reach, plus reports granted to the user, plus what is routed to them
    for approval; never a report the user is recused from."""
    if not _authenticated(user):
        return Recommendation.objects.none()
    granted = assigned_beyond_reach(user)
    supervised = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    scoped = jurisdiction.scope(Recommendation.objects.all(), user)
    others = Recommendation.objects.filter(
        Q(report__in=granted) | (Q(approving_commission__in=supervised) & ~Q(status=Status.DRAFT))
    )
    return (scoped | others).exclude(report__in=recusals_removing_reach(user).values("report_id"))


def recommendation_list(user) -> QuerySet[Recommendation]:
    return recommendations_visible_to(user).select_related(
        "report", "subject", "commission", "approving_commission", "drafted_by"
    )


def recommendations_filtered(user, params):
    """The clarification list page's form and what it selects, newest first, for the page, its export: the user's
    recommendations narrowed by the page's FilterSet (clarification/filters.py); an invalid filter narrows nothing."""
    from .filters import RecommendationFilterSet

    filters = RecommendationFilterSet(params or None, queryset=recommendation_list(user).order_by("-id"))
    return filters.form, filters.narrowed()


def recommendation_detail(user, pk) -> Recommendation:
    queryset = recommendation_list(user).prefetch_related(
        Prefetch("items", queryset=_items()),
        Prefetch("opinions", queryset=ReviewOpinion.objects.select_related("recorded_by")),
        Prefetch("false_accusation_cases", queryset=FalseAccusationCase.objects.select_related("report")),
        "batch_items__batch__city",
    )
    recommendation = jurisdiction.get_in_reach(queryset, pk=pk)
    return recommendation


def _items():
    from .models import RecommendationItem

    return RecommendationItem.objects.select_related("allegation").order_by("allegation_id")


def approvals_waiting_for(user) -> QuerySet[Recommendation]:
    supervised = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    return (
        recommendation_list(user)
        .filter(status=Status.PENDING_APPROVAL, approving_commission__in=supervised)
        .order_by("updated_at", "id")
    )


def drafts_of(user) -> QuerySet[Recommendation]:
    """Drafts the user wrote, including those returned for revision."""
    return recommendation_list(user).filter(status=Status.DRAFT, drafted_by=user).order_by("-updated_at")


def reviews_waiting_for(user) -> QuerySet[Recommendation]:
    """In review at a commission where the user sits in one of the three offices, without their office's opinion."""
    condition = Q(pk__in=[])
    for m in jurisdiction.memberships_of(user):
        if m.office and m.office.kind in REVIEW_OFFICES:
            given = ReviewOpinion.objects.filter(
                recommendation=OuterRef("pk"), round=OuterRef("round"), office=m.office.kind
            )
            condition |= Q(commission_id=m.commission_id) & ~Q(Exists(given))
    return recommendation_list(user).filter(condition, status=Status.IN_REVIEW).order_by("updated_at", "id")


# A clarification stays possible after the report is closed (issue 15): closing does not clear anyone's name.
CLARIFIABLE_REPORT_STATUSES = (ReportStatus.CONCLUDED, ReportStatus.CLOSED)


def ready_reports(user) -> QuerySet[Report]:
    """Concluded and closed reports with an untrue allegation not yet recommended, where the user may draft."""
    live = Recommendation.objects.filter(report=OuterRef("report"), subject=OuterRef("subject")).exclude(
        status=Status.REJECTED
    )
    untrue = Allegation.objects.filter(report=OuterRef("pk"), finding=Finding.UNSUBSTANTIATED).exclude(Exists(live))
    investigator_at = [c.pk for c in jurisdiction.commissions_with_role(user, Role.INVESTIGATOR)]
    return (
        reports_visible_to(user)
        .filter(status__in=CLARIFIABLE_REPORT_STATUSES)
        .filter(Exists(untrue))
        .filter(Q(commission__in=investigator_at) | Q(assignments__user=user, assignments__active=True))
        .select_related("commission")
        .distinct()
        .order_by("-id")
    )


def decided_subject_ids(report: Report) -> QuerySet:
    return (
        Recommendation.objects.filter(report=report)
        .exclude(status=Status.REJECTED)
        .values_list("subject_id", flat=True)
    )


def draftable_subjects(report: Report) -> list[dict]:
    """Per subject of the report: the allegations that can be listed, and whether a live recommendation exists."""
    live = set(
        Recommendation.objects.filter(report=report)
        .exclude(status=Status.REJECTED)
        .values_list("subject_id", flat=True)
    )
    grouped: dict[int, dict] = {}
    for allegation in report.allegations.select_related("subject").order_by("id"):
        entry = grouped.setdefault(
            allegation.subject_id, {"subject": allegation.subject, "eligible": [], "other": [], "taken": False}
        )
        entry["taken"] = allegation.subject_id in live
        (entry["eligible"] if allegation.finding == Finding.UNSUBSTANTIATED else entry["other"]).append(allegation)
    return list(grouped.values())


def batches_visible_to(user) -> QuerySet[JointBatch]:
    """Batches of the cities in reach, and those holding an item of a commission in reach."""
    if not _authenticated(user):
        return JointBatch.objects.none()
    scoped = jurisdiction.scope(JointBatch.objects.all(), user, commission_field="city")
    ids = jurisdiction.readable_commission_ids(user)
    holding = JointBatch.objects.filter(pk__in=BatchItem.objects.filter(county__in=ids).values("batch_id"))
    return (scoped | holding).select_related("city", "built_by")


def batch_detail(user, pk) -> JointBatch:
    return jurisdiction.get_in_reach(batches_visible_to(user), pk=pk)


def batch_items(user, batch: JointBatch) -> QuerySet[BatchItem]:
    """The items of the batch the user may see: the clarification's own reach (recommendations_visible_to)."""
    return (
        batch.items.filter(recommendation__in=recommendations_visible_to(user))
        .select_related(
            "county",
            "recommendation__subject",
            "recommendation__report",
            "recommendation__commission",
            "recommendation__executed_by",
        )
        .prefetch_related(Prefetch("recommendation__items", queryset=_items()))
    )


def batch_summary(user, batch: JointBatch, items=None) -> dict:
    """The user's items grouped by county and method; the batch's figures, people and organisations counted
    apart (DESIGN.md §2); the progress of each commission (items carried out of its items); and the items out of
    the user's reach as a count per commission, never by name."""
    items = list(items if items is not None else batch_items(user, batch))
    groups: dict[tuple, dict] = defaultdict(lambda: {"people": 0, "organisations": 0, "items": []})
    shown: Counter = Counter()
    for item in items:
        group = groups[(item.county.path, item.method)]
        group["county"], group["method"] = item.county, item.get_method_display()
        group["items"].append(item)
        group["organisations" if item.recommendation.subject.kind == SubjectKind.ORGANISATION else "people"] += 1
        shown[item.county_id] += 1
    ordered = [groups[key] for key in sorted(groups)]
    people = organisations = 0
    per_county: Counter = Counter()
    done: Counter = Counter()
    rows = batch.items.values("county_id", "recommendation__subject__kind", "recommendation__status")
    for row in rows.annotate(n=Count("id")).order_by():
        per_county[row["county_id"]] += row["n"]
        if row["recommendation__status"] in (Status.EXECUTED, Status.COMPLETED):
            done[row["county_id"]] += row["n"]
        if row["recommendation__subject__kind"] == SubjectKind.ORGANISATION:
            organisations += row["n"]
        else:
            people += row["n"]
    hidden = {pk: n - shown[pk] for pk, n in per_county.items() if n > shown[pk]}
    counties = Commission.objects.in_bulk(list(per_county)) if per_county else {}
    withheld = [
        {"county": counties[pk], "count": hidden[pk]} for pk in sorted(hidden, key=lambda pk: counties[pk].path)
    ]
    progress = [
        {"county": counties[pk], "done": done[pk], "total": per_county[pk], "complete": done[pk] == per_county[pk]}
        for pk in sorted(per_county, key=lambda pk: counties[pk].path)
    ]
    return {
        "groups": ordered,
        "people": people,
        "organisations": organisations,
        "total": people + organisations,
        "withheld": withheld,
        "progress": progress,
        "progress_done": sum(done.values()),
        "withheld_total": sum(hidden.values()),
    }


def return_visits_visible_to(user) -> QuerySet[ReturnVisit]:
    return ReturnVisit.objects.filter(recommendation__in=recommendations_visible_to(user)).select_related(
        "recommendation__subject", "recommendation__commission", "recorded_by"
    )


def false_cases_visible_to(user) -> QuerySet[FalseAccusationCase]:
    if not _authenticated(user):
        return FalseAccusationCase.objects.none()
    granted = assigned_beyond_reach(user)
    scoped = jurisdiction.scope(FalseAccusationCase.objects.all(), user)
    return (scoped | FalseAccusationCase.objects.filter(report__in=granted)).select_related(
        "report", "commission", "allegation__subject", "accuser", "recommendation", "opened_by"
    )


def false_case_detail(user, pk) -> FalseAccusationCase:
    queryset = false_cases_visible_to(user).prefetch_related(
        Prefetch("measures", queryset=Measure.objects.select_related("proposed_by", "decided_by"))
    )
    return jurisdiction.get_in_reach(queryset, pk=pk)


def suspected_false_allegations(user) -> QuerySet[Allegation]:
    """Flagged allegations in reach that have no case yet."""
    return (
        allegations_visible_to(user)
        .filter(suspected_false=True)
        .exclude(pk__in=FalseAccusationCase.objects.values("allegation_id"))
        .order_by("-report_id", "id")
    )


def measures_waiting_for(user) -> QuerySet[Measure]:
    supervised = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    return Measure.objects.filter(
        case__in=false_cases_visible_to(user), case__commission__in=supervised, status="proposed"
    ).select_related("case")


def recommendations_about(user, subject) -> QuerySet[Recommendation]:
    """The subject's clarifications for its page: with their report only (the subject is the page's own)."""
    return recommendations_visible_to(user).filter(subject=subject).select_related("report").defer(*_REPORT_TEXT)


_REPORT_TEXT = ("report__summary", "report__search_tokens")
