"""The clarification workflow, declared for the engine (core/workflow.py).

draft → in review (three offices give opinions) → awaiting approval (at the commission that manages the
subject) → approved → executed → return visit done; a return sends it back to draft for a new round,
a rejection ends it.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.roles import Role
from cases.choices import Finding
from cases.choices import Status as ReportStatus
from cases.models import Allegation, Recusal, Report
from cases.selectors import assigned_report_ids
from cases.workflow import REPORTS
from core.workflow import NEVER, Workflow, any_of, rows_at, rows_in, transition

from . import permissions
from .choices import REVIEW_OFFICES, Opinion, Status
from .models import Recommendation, ReturnVisit, ReviewOpinion

RETURN_VISIT_NOTICE_DAYS = 30  # return visits show in the work list from this many days before they fall due

DRAFTER = gettext_lazy("an investigator of the handling commission or of the report")
APPROVER = gettext_lazy("a supervisor of the approving commission")
EXECUTOR = gettext_lazy("an investigator or supervisor of the handling commission")


def _selectors():
    from . import selectors

    return selectors


def _selectors_cases():
    from cases import selectors

    return selectors


def _only(who):
    return lambda recommendation, **context: _("Only %(who)s may do this.") % {"who": who}


def _drafter_rows(user) -> Q:
    return any_of(
        rows_at(user, Role.INVESTIGATOR, field="report__commission"),
        rows_in(assigned_report_ids(user), "report"),
    )


def _approver_rows(user) -> Q:
    approving = rows_at(user, Role.SUPERVISOR, field="approving_commission")
    if approving is NEVER:
        return NEVER
    return approving & ~Q(Exists(Recusal.objects.filter(report=OuterRef("report"), user=user)))


def _opinion(office, agreeing=False):
    opinions = ReviewOpinion.objects.filter(recommendation=OuterRef("pk"), round=OuterRef("round"), office=office)
    return Exists(opinions.filter(opinion=Opinion.AGREE) if agreeing else opinions)


def _all_agree_rows() -> Q:
    condition = Q()
    for office in REVIEW_OFFICES:
        condition &= Q(_opinion(office, agreeing=True))
    return condition


def _not_all_agree(recommendation) -> str | None:
    from .services.recommendations import review_disagreement

    return review_disagreement(recommendation)


def _reviewer(user, recommendation, **context) -> bool:
    return bool(permissions.review_offices_of(user, recommendation))


def _review_pending(user, recommendation) -> bool:
    given = {o.office for o in ReviewOpinion.objects.filter(recommendation=recommendation, round=recommendation.round)}
    return any(office not in given for office in permissions.review_offices_of(user, recommendation))


def _reviewer_rows(user) -> Q:
    condition = NEVER
    for m in jurisdiction.memberships_of(user):
        if m.office and m.office.kind in REVIEW_OFFICES:
            condition |= Q(commission_id=m.commission_id) & ~Q(_opinion(m.office.kind))
    return condition


def _may_execute(user, recommendation, **context) -> bool:
    """Leaders above may record a clarification's execution, except in a joint batch, where each commission
    records its own (DESIGN.md §6)."""
    from .services.execution import open_batch_item

    if open_batch_item(recommendation) is not None:
        return permissions.records_own_execution(user, recommendation)
    return permissions.is_executor(user, recommendation)


def _execute_refusal(recommendation, **context) -> str:
    from .services.execution import open_batch_item

    if open_batch_item(recommendation) is not None:
        return _(
            "Only an investigator or supervisor of %(commission)s records its clarification in the joint batch."
        ) % {"commission": recommendation.commission.name}
    return _("Only %(who)s may do this.") % {"who": EXECUTOR}


def _handling(user, recommendation) -> bool:
    """Who is asked to carry out and visit: the handling commission's investigators and supervisors and the
    assigned investigators (leaders above may act, but are not asked)."""
    return jurisdiction.has_role(
        user, recommendation.commission_id, Role.INVESTIGATOR, Role.SUPERVISOR
    ) or permissions.is_assigned(user, recommendation.report)


def _handling_rows(user) -> Q:
    return any_of(rows_at(user, Role.INVESTIGATOR, Role.SUPERVISOR), rows_in(assigned_report_ids(user), "report"))


def visit_notice_from(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=RETURN_VISIT_NOTICE_DAYS)


def _visit_near(user, recommendation) -> bool:
    visit = getattr(recommendation, "return_visit", None)
    return visit is not None and visit.visited_on is None and visit.due_on <= visit_notice_from()


def _visit_rows(user) -> Q:
    near = ReturnVisit.objects.filter(
        recommendation=OuterRef("pk"), visited_on__isnull=True, due_on__lte=visit_notice_from()
    )
    return _handling_rows(user) & Q(Exists(near))


S = Status
CLARIFICATIONS = Workflow(
    name="clarification",
    model=Recommendation,
    noun=gettext_lazy("the recommendation"),
    related=("commission", "approving_commission", "report", "subject"),
    audit_context=lambda r: {"commission": r.commission, "scope": r, "report": r.report.reference},
    visible=lambda user: _selectors().recommendation_list(user),
    present=lambda r: {
        "url": reverse("clarification:detail", args=[r.pk]),
        "label": f"{r.reference} · {r.subject.name}",
        "due_on": getattr(getattr(r, "return_visit", None), "due_on", None) if r.status == Status.EXECUTED else None,
    },
    presented_with=("subject", "return_visit"),
    parties=lambda r: (
        [r.commission, r.approving_commission, r.report.commission],
        _selectors_cases().active_assignees(r.report),
    ),
    transitions=[
        transition(
            "submit_review",
            gettext_lazy("Send to centralised review"),
            [S.DRAFT],
            S.IN_REVIEW,
            lambda user, r, **c: permissions.is_drafter(user, r),
            _only(DRAFTER),
            task=gettext_lazy("Draft to send to centralised review"),
            actors=_drafter_rows,
        ),
        transition(
            "review",
            gettext_lazy("Record your office's opinion"),
            [S.IN_REVIEW],
            S.IN_REVIEW,
            _reviewer,
            lambda r, **c: (
                _("Only a member of that office at %(commission)s records its opinion.") % {"commission": r.commission}
            ),
            task=gettext_lazy("Review opinion"),
            pending=_review_pending,
            actors=_reviewer_rows,
        ),
        transition(
            "withdraw",
            gettext_lazy("Take back for revision"),
            [S.IN_REVIEW],
            S.DRAFT,
            lambda user, r, **c: permissions.is_drafter(user, r),
            _only(DRAFTER),
            new_round=True,
        ),
        transition(
            "submit",
            gettext_lazy("Submit for approval"),
            [S.IN_REVIEW],
            S.PENDING_APPROVAL,
            lambda user, r, **c: permissions.is_drafter(user, r),
            _only(DRAFTER),
            ready=_not_all_agree,
            ready_code="review_incomplete",
            task=gettext_lazy("All three offices agreed: submit for approval"),
            actors=lambda user: _drafter_rows(user) & _all_agree_rows(),
        ),
        transition(
            "approve",
            gettext_lazy("Approve"),
            [S.PENDING_APPROVAL],
            S.APPROVED,
            lambda user, r, **c: permissions.is_approver(user, r),
            _only(APPROVER),
            task=gettext_lazy("Approval"),
            actors=_approver_rows,
        ),
        transition(
            "return",
            gettext_lazy("Return for revision"),
            [S.PENDING_APPROVAL],
            S.DRAFT,
            lambda user, r, **c: permissions.is_approver(user, r),
            _only(APPROVER),
            new_round=True,
        ),
        transition(
            "reject",
            gettext_lazy("Reject"),
            [S.PENDING_APPROVAL],
            S.REJECTED,
            lambda user, r, **c: permissions.is_approver(user, r),
            _only(APPROVER),
        ),
        transition(
            "reopen",
            gettext_lazy("Reopen for changes (needs a new approval)"),
            [S.APPROVED],
            S.DRAFT,
            lambda user, r, **c: permissions.is_drafter_or_approver(user, r),
            _only(gettext_lazy("the drafter or a supervisor of the approving commission")),
            new_round=True,
        ),
        transition(
            "execute",
            gettext_lazy("Record execution"),
            [S.APPROVED],
            S.EXECUTED,
            _may_execute,
            _execute_refusal,
            task=gettext_lazy("Clarification to carry out"),
            asked=_handling,
            actors=_handling_rows,
        ),
        transition(
            "feedback",
            gettext_lazy("Tell the reporter"),
            [S.EXECUTED, S.COMPLETED],
            S.EXECUTED,  # a step without a change of state: clarification_feedback only checks it
            lambda user, r, **c: permissions.may_give_feedback(user, r),
            _only(gettext_lazy("an intake officer or supervisor of the handling commission")),
            ready=lambda r, **c: (
                _("The reporter has already been told of this clarification.") if r.reporter_feedback_id else None
            ),
            ready_code="duplicate",
            done=gettext_lazy("Feedback on the clarification follows its execution."),
            task=gettext_lazy("Feedback to the reporter"),
            asked=lambda user, r: jurisdiction.has_role(user, r.commission_id, Role.INTAKE),
            actors=lambda user: rows_at(user, Role.INTAKE) & Q(reporter_feedback__isnull=True),
        ),
        transition(
            "return_visit",
            gettext_lazy("Record return visit"),
            [S.EXECUTED],
            S.COMPLETED,
            lambda user, r, **c: permissions.is_executor(user, r),
            _only(EXECUTOR),
            task=gettext_lazy("Return visit"),
            asked=_handling,
            pending=_visit_near,
            actors=_visit_rows,
        ),
    ],
)
TRANSITIONS = CLARIFICATIONS.by_name


def _untrue_unrecommended():
    live = Recommendation.objects.filter(report=OuterRef("report"), subject=OuterRef("subject")).exclude(
        status=S.REJECTED
    )
    return Allegation.objects.filter(report=OuterRef("pk"), finding=Finding.UNSUBSTANTIATED).exclude(Exists(live))


def _recommendation_due(user, report) -> bool:
    return (
        report.status == ReportStatus.CONCLUDED
        and report.pk is not None
        and Report.objects.filter(pk=report.pk).filter(Exists(_untrue_unrecommended())).exists()
    )


def _recommendation_rows(user) -> Q:
    drafters = any_of(rows_at(user, Role.INVESTIGATOR), rows_in(assigned_report_ids(user)))
    if drafters is NEVER:
        return NEVER
    return drafters & Q(status=ReportStatus.CONCLUDED) & Q(Exists(_untrue_unrecommended()))


# On a concluded report whose untrue allegations have no clarification yet, the investigators are asked for a
# recommendation (clarification.services.recommendation_draft decides; the report's state does not change). Once
# the report is closed the question is settled (closing without one records why none is needed,
# cases.services.report_close): a recommendation stays possible on a closed report, but is no longer asked for.
REPORTS.extend(
    transition(
        "recommend_clarification",
        gettext_lazy("Recommend clarification"),
        [ReportStatus.CONCLUDED, ReportStatus.CLOSED],
        ReportStatus.CONCLUDED,
        lambda user, report, **c: permissions.can_draft(user, report),
        _only(DRAFTER),
        task=gettext_lazy("Clarification to recommend"),
        pending=_recommendation_due,
        actors=_recommendation_rows,
    )
)


def check_transition(*, recommendation: Recommendation, actor, name: str):
    return CLARIFICATIONS.check(recommendation, actor=actor, name=name)


def lock(recommendation: Recommendation) -> Recommendation:
    """Re-read the recommendation under a row lock: two supervisors approving at once act one after the other."""
    return CLARIFICATIONS.lock(recommendation)


def apply_transition(
    *, recommendation: Recommendation, actor, name: str, fields: dict | None = None, **audit_data
) -> Recommendation:
    """Move a locked recommendation to its next state, writing `fields` with it, and record the event."""
    return CLARIFICATIONS.apply(recommendation, actor=actor, name=name, fields=fields, **audit_data)


def allowed_transitions(user, recommendation: Recommendation) -> list[str]:
    """Names of the transitions this user may take now (for buttons; the services decide)."""
    return CLARIFICATIONS.allowed(user, recommendation)
