"""Scoped reads for the cases app: every page and API endpoint starts from these."""

from django.db.models import Prefetch, Q, QuerySet

from accounts import jurisdiction
from accounts.roles import Role
from core.lookups import Ids

from .choices import AccessStatus, Finding
from .models import Allegation, Assignment, Disposition, Feedback, IdentityAccess, Recusal, Report, Subject, Transfer


def recusals_removing_reach(user) -> QuerySet[Recusal]:
    """The user's recusals that take the report away from them: all, except on reports of a commission the user
    oversees from above. A superior's reach is never removed; their declared conflict bars their decisions
    (is_recused) while the report stays in their oversight, so nobody below can hide it from them."""
    recusals = Recusal.objects.filter(user=user)
    above = jurisdiction.overseen_from_above_ids(user)
    if above:
        recusals = recusals.exclude(report__commission__any_of=Ids(above))
    return recusals


def is_recused(user, report: Report | int) -> bool:
    """A conflict of interest is on record for the user on this report (whether or not it removed the reach)."""
    return Recusal.objects.filter(report=report, user=user).exists()


def reports_visible_to(user) -> QuerySet[Report]:
    """Reports in the user's reach, plus those they are assigned to (an active Assignment: the one record of who
    works on a report), minus those their recusals take away."""
    if not getattr(user, "is_authenticated", False):
        return Report.objects.none()
    assigned = assigned_beyond_reach(user)
    scoped = jurisdiction.scope(Report.objects.all(), user, also=Q(pk__any_of=Ids(assigned)) if assigned else None)
    return scoped.exclude(pk__in=recusals_removing_reach(user).values("report_id"))


def report_list(user) -> QuerySet[Report]:
    return reports_visible_to(user).select_related("commission")


def _report_page_lists() -> dict:
    """The report page's sections, one statement each. (Packed as JSON inside the report's own query, one
    statement in all, they cost more: 41 against 17 ms of CPU at 1,000,000 reports, bench/report_page_sections.py.)"""
    from .models import Attachment, ReportLink, Supplement

    return {
        "allegations": Allegation.objects.select_related("subject", "finding_by"),
        "assignments": Assignment.objects.filter(active=True).select_related("user"),
        "dispositions": Disposition.objects.select_related("proposed_by", "decided_by", "transfer_to").order_by("id"),
        "feedback": Feedback.objects.select_related("given_by"),
        "identity_requests": IdentityAccess.objects.select_related("requester"),
        "attachments": Attachment.objects.all(),
        "supplements": Supplement.objects.all(),
        "transfers": Transfer.objects.select_related("from_commission", "to_commission"),
        "links": ReportLink.objects.all(),
        "later_links": ReportLink.objects.all(),
        "recusals": Recusal.objects.select_related("user"),
    }


def report_detail(user, pk) -> Report:
    sections = [Prefetch(name, queryset=rows) for name, rows in _report_page_lists().items()]
    queryset = (
        reports_visible_to(user)
        .select_related("commission", "reporter", "verification__concluded_by")
        .prefetch_related(*sections)
    )
    return jurisdiction.get_in_reach(queryset, pk=pk)


def subjects_visible_to(user) -> QuerySet[Subject]:
    if not getattr(user, "is_authenticated", False):
        return Subject.objects.none()
    return jurisdiction.scope(Subject.objects.all(), user).select_related("commission")


def allegations_visible_to(user) -> QuerySet[Allegation]:
    return Allegation.objects.filter(report__in=reports_visible_to(user)).select_related("report", "subject")


def linked_reports(user, report: Report) -> QuerySet[Report]:
    from django.db.models import Q

    from .models import ReportLink

    # The linked ids first (one indexed query, or none when the report page fetched the links): an OR of two
    # subqueries on the report table made PostgreSQL filter every report of the reach, 1.3 s at 1,000,000
    # reports (bench/results).
    fetched = getattr(report, "_prefetched_objects_cache", {})
    if "links" in fetched and "later_links" in fetched:
        pairs = [(link.report_id, link.earlier_id) for link in [*report.links.all(), *report.later_links.all()]]
    else:
        pairs = ReportLink.objects.filter(Q(report=report) | Q(earlier=report)).values_list("report_id", "earlier_id")
    ids = {pk for pair in pairs for pk in pair} - {report.pk}
    if not ids:
        return Report.objects.none()
    return reports_visible_to(user).filter(pk__in=ids).select_related("commission")


ASSIGNED_ATTR = "active_assignments"


def assigned_report_ids_expression():
    """The reports the user is actively assigned to, each with its commission, loaded with the user
    (accounts/backends.py)."""
    from django.db.models import F, JSONField, OuterRef, Subquery
    from django.db.models.functions import JSONObject

    from core.json_rows import JSONArrayAgg

    rows = Assignment.objects.filter(user=OuterRef("pk"), active=True).order_by()
    pairs = JSONArrayAgg(JSONObject(report=F("report_id"), commission=F("report__commission_id")))
    return Subquery(rows.values(pairs=pairs)[:1], output_field=JSONField())


def _assignments(user) -> list[tuple[int, int]]:
    """(report id, its commission id) of the user's active assignments."""
    if hasattr(user, ASSIGNED_ATTR):
        return [(row["report"], row["commission"]) for row in getattr(user, ASSIGNED_ATTR) or ()]
    rows = Assignment.objects.filter(user=user, active=True).values_list("report_id", "report__commission_id")
    return list(rows)


def forget_assignments(user) -> None:
    """After an assignment of theirs began or ended: their reach is computed afresh (jurisdiction.forget), and this
    user object drops the assigned reports loaded with it."""
    jurisdiction.forget(user)
    user.__dict__.pop(ASSIGNED_ATTR, None)


def assigned_report_ids(user) -> list[int]:
    """As a literal list: in an OR with other conditions an IN-subquery keeps PostgreSQL from using indexes."""
    return sorted({report for report, _commission in _assignments(user)})


def assigned_beyond_reach(user) -> list[int]:
    """The assigned reports the user's commissions do not already reach (an investigator called in from another
    county): what an assignment adds to the reach. Most assignments are in the user's own commission; listing
    them in the scoping condition made every list query an OR over hundreds of ids (1,000,000 reports: an
    investigator's work list 150 → 250 ms)."""
    readable = set(jurisdiction.readable_commission_ids(user))
    return sorted({report for report, commission in _assignments(user) if commission not in readable})


def active_assignments(report: Report) -> list[Assignment]:
    return list(Assignment.objects.filter(report=report, active=True))


def active_assignees(report: Report) -> list[int]:
    return list(Assignment.objects.filter(report=report, active=True).values_list("user_id", flat=True))


def is_assigned(user, report: Report, assignments: list | None = None) -> bool:
    """An active assignment; `assignments` may pass the report's active ones already fetched (or the report carry
    them: cases.workflow's `prepare`)."""
    if assignments is None:
        assignments = getattr(report, "_active_assignments", None)
    if assignments is not None:
        return any(a.user_id == user.pk and a.active for a in assignments)
    return Assignment.objects.filter(report=report, user=user, active=True).exists()


def may_add_attachments(user, report: Report, assignments: list | None = None) -> bool:
    """Staff of the handling commission and the investigators assigned to the report."""
    return jurisdiction.has_role(
        user, report.commission_id, Role.INTAKE, Role.INVESTIGATOR, Role.SUPERVISOR
    ) or is_assigned(user, report, assignments)


def assignable_investigators(report: Report) -> QuerySet:
    """The investigators of the handling commission, offered first when a verification starts."""
    from accounts.models import User

    return User.objects.filter(
        memberships__commission=report.commission, memberships__role=Role.INVESTIGATOR, is_active=True
    ).order_by("username")


def investigators_in_reach(user, report: Report, query: str, limit: int = 15, others_only: bool = True) -> list:
    """Investigators a supervisor may pick for this report: only in the commissions the user leads (their own and
    those below), never a sibling's; active, not recused, not yet assigned; with `others_only` (when a verification
    starts, beside the checkboxes of the handling commission's own) not the handling commission's. Returns
    (user, commission) pairs. The service still decides who may be assigned."""
    from django.db.models import Q

    from accounts.models import Membership, User

    query = query.strip()
    commissions = jurisdiction.readable_commission_ids(user, roles=[Role.SUPERVISOR])
    if not query or not commissions:
        return []
    memberships = (
        Membership.objects.filter(role=Role.INVESTIGATOR, commission_id__in=commissions, user__is_active=True)
        .filter(Q(user__username__istartswith=query) | Q(user__full_name__contains=query))
        .exclude(user__in=assignable_investigators(report) if others_only else User.objects.none())
        .exclude(user__in=Recusal.objects.filter(report=report).values("user"))
        .exclude(user__in=Assignment.objects.filter(report=report, active=True).values("user"))
        .select_related("user", "commission")
        .order_by("commission__path", "user__username")
    )
    found: dict[int, tuple] = {}
    for membership in memberships[: limit * 2]:
        found.setdefault(membership.user_id, (membership.user, membership.commission))
    return list(found.values())[:limit]


def reports_filtered(user, params):
    """The report list page's form and what it selects, for the page and its exports: the user's reports narrowed by
    the page's FilterSet (cases/filters.py); an invalid filter narrows nothing, and the form says what is wrong."""
    from .filters import ReportPageFilterSet

    filters = ReportPageFilterSet(params or None, queryset=report_list(user), user=user)
    return filters.form, filters.narrowed()


def can_see_identity(user, report: Report, requests: list | None = None) -> bool:
    """Intake officers of the handling commission, and holders of a granted request.

    `requests` may pass the report's identity requests already fetched (the report page prefetches them).
    """
    if jurisdiction.has_role(user, report.commission_id, Role.INTAKE):
        return True
    if requests is not None:
        return any(a.requester_id == user.pk and a.status == AccessStatus.GRANTED for a in requests)
    return IdentityAccess.objects.filter(report=report, requester=user, status=AccessStatus.GRANTED).exists()


def identity_requests_for_custodian(user) -> QuerySet[IdentityAccess]:
    commissions = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    return (
        IdentityAccess.objects.filter(report__commission__in=commissions)
        .exclude(report__recusals__user=user)
        .select_related("report", "requester", "decided_by")
    )


def attachments_visible_to(user) -> QuerySet:
    from .models import Attachment

    return Attachment.objects.filter(report__in=reports_visible_to(user)).select_related("report")


def identity_requests_made_by(user) -> QuerySet[IdentityAccess]:
    return IdentityAccess.objects.filter(requester=user).select_related("report", "decided_by")


def identity_requests_visible_to(user) -> QuerySet[IdentityAccess]:
    from django.db.models import Q

    commissions = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    return (
        IdentityAccess.objects.filter(Q(requester=user) | Q(report__commission__in=commissions))
        .filter(report__in=reports_visible_to(user))
        .select_related("report", "requester", "decided_by")
    )


def readable_commissions_for_filter(user):
    return jurisdiction.readable_commissions(user).order_by("path")


def report_ids_about(subject_id: int) -> QuerySet:
    return Allegation.objects.filter(subject_id=subject_id).values("report_id")


def report_id_list_about(subject_id: int) -> list[int]:
    """As a list (one array parameter, core/lookups.py), which PostgreSQL looks up by primary key; as a subquery it
    read every report of the reach (a subject with 1,334 reports in a county of 20,000: 173 ms at 1,000,000
    reports)."""
    return sorted(set(Allegation.objects.filter(subject_id=subject_id).values_list("report_id", flat=True)))


def reports_about(user, subject: Subject) -> QuerySet[Report]:
    return (
        reports_visible_to(user)
        .filter(pk__any_of=Ids(report_id_list_about(subject.pk)))
        .select_related("commission")
        .prefetch_related(Prefetch("allegations", queryset=Allegation.objects.filter(subject=subject)))
        .order_by("-received_on", "-id")
    )


# Sections other apps add to the cases pages (`<app>/hooks.py`), e.g. accountability history. Those apps build on
# cases, so their hooks are imported when called, not when cases loads.


def subject_sections(user, subject: Subject) -> list:
    from accountability import hooks as accountability_hooks
    from clarification import hooks as clarification_hooks

    return clarification_hooks.subject_sections(user, subject) + accountability_hooks.subject_sections(user, subject)


def report_sections(user, report: Report) -> list:
    from clarification import hooks as clarification_hooks

    return clarification_hooks.report_sections(user, report)


def my_work_sections_from_apps(user, shown: int | None = None) -> list:
    from accountability import hooks as accountability_hooks

    return accountability_hooks.my_work_sections(user, shown)


def subjects_without_clarification(report: Report) -> list[Subject]:
    """Subjects with an allegation found untrue and no clarification decided for them (clarification/hooks.py)."""
    from clarification import hooks as clarification_hooks

    decided = set(clarification_hooks.clarified_subject_ids(report))
    untrue = report.allegations.filter(finding=Finding.UNSUBSTANTIATED).select_related("subject").order_by("id")
    return list({a.subject_id: a.subject for a in untrue if a.subject_id not in decided}.values())
