"""Writes on clarification recommendations: drafting, review, approval, execution, follow-up."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from cases.authority import managing_commission
from cases.choices import Finding
from cases.models import Allegation, Report, Subject
from cases.services import feedback_record
from core.errors import DomainError, full_clean_or_refuse

from .. import permissions, selectors, statement, workflow
from ..choices import AUDIENCE_ORDER, REVIEW_OFFICES, Audience, Method, Opinion, Status
from ..models import (
    FalseAccusationCase,
    Recommendation,
    RecommendationItem,
    ReturnVisit,
    ReviewOpinion,
    StatementOverride,
)
from .common import add_months, refuse_future, require_text

RETURN_VISIT_AFTER_MONTHS = 3


def _eligible_allegations(*, report: Report, subject: Subject, allegations) -> list[Allegation]:
    """Only unsubstantiated allegations of this report about this subject can be listed (locked while checked)."""
    ids = {getattr(a, "pk", a) for a in allegations or []}
    if not ids:
        raise DomainError(_("List at least one allegation to clarify."), code="allegations")
    rows = list(Allegation.objects.select_for_update().filter(pk__in=ids).order_by("id"))
    if len(rows) != len(ids):
        raise DomainError(_("One of the allegations was not found."), code="allegations")
    for allegation in rows:
        if allegation.report_id != report.pk or allegation.subject_id != subject.pk:
            raise DomainError(
                _("“%(text)s” is not an allegation of this report about %(subject)s.")
                % {"text": allegation.text[:40], "subject": subject.name},
                code="other_subject",
            )
        if allegation.finding != Finding.UNSUBSTANTIATED:
            raise DomainError(
                _("“%(text)s” was not found unsubstantiated (%(finding)s); only untrue allegations are clarified.")
                % {"text": allegation.text[:40], "finding": allegation.get_finding_display() or _("no finding")},
                code="not_unsubstantiated",
            )
    return rows


def _check_choices(method: str, audience: str) -> None:
    if method not in Method.values:
        raise DomainError(_("Unknown clarification method."), code="method")
    if audience not in Audience.values:
        raise DomainError(_("Unknown audience scope."), code="audience")


def _set_items(recommendation: Recommendation, allegations: list[Allegation]) -> None:
    recommendation.items.exclude(allegation__in=allegations).delete()
    RecommendationItem.objects.bulk_create(
        [RecommendationItem(recommendation=recommendation, allegation=a) for a in allegations], ignore_conflicts=True
    )


@transaction.atomic
def recommendation_draft(
    *,
    actor: User,
    report: Report,
    subject: Subject,
    allegations: list,
    method: str,
    audience: str,
    statement_text: str = "",
    subject_wishes: bool = True,
) -> Recommendation:
    """An investigator of the handling commission (or assigned) drafts for one subject of a concluded (or since
    closed) report."""
    report = Report.objects.select_for_update().select_related("commission").get(pk=report.pk)
    if not permissions.can_draft(actor, report):
        raise DomainError(
            _("Only an investigator of the handling commission or one assigned to the report may draft."),
            code="forbidden",
        )
    if report.status not in selectors.CLARIFIABLE_REPORT_STATUSES:
        raise DomainError(_("Clarification is recommended once the verification is concluded."), code="wrong_state")
    _check_choices(method, audience)
    rows = _eligible_allegations(report=report, subject=subject, allegations=allegations)
    if Recommendation.objects.filter(report=report, subject=subject).exclude(status=Status.REJECTED).exists():
        raise DomainError(_("This subject already has a recommendation for this report."), code="duplicate")
    text = (statement_text or "").strip() or statement.draft(
        commission=report.commission, subject=subject, allegations=rows
    )
    recommendation = Recommendation(
        report=report,
        subject=subject,
        commission=report.commission,
        approving_commission=managing_commission(subject),
        method=method,
        audience=audience,
        statement=text,
        subject_wishes=bool(subject_wishes),
        drafted_by=actor,
    )
    full_clean_or_refuse(recommendation)
    recommendation.save()
    _set_items(recommendation, rows)
    FalseAccusationCase.objects.filter(report=report, allegation__in=rows, recommendation__isnull=True).update(
        recommendation=recommendation
    )
    audit_record(
        actor=actor,
        action="clarification.draft",
        target=recommendation,
        commission=report.commission,
        scope=recommendation,
        report=report.reference,
        subject=subject.name,
        allegations=[a.pk for a in rows],
        approving_commission=recommendation.approving_commission_id,
    )
    return recommendation


@transaction.atomic
def recommendation_update(
    *,
    actor: User,
    recommendation: Recommendation,
    allegations: list | None = None,
    method: str | None = None,
    audience: str | None = None,
    statement_text: str | None = None,
    subject_wishes: bool | None = None,
) -> Recommendation:
    """Edit a draft; anything sent to review or approved is frozen until returned or reopened."""
    locked = workflow.lock(recommendation)
    if locked.status != Status.DRAFT:
        raise DomainError(
            _("The recommendation is frozen while “%(status)s”; changes need it back in draft and a new approval.")
            % {"status": locked.get_status_display()},
            code="frozen",
        )
    if not permissions.is_drafter(actor, locked):
        raise DomainError(_("Only the investigators of the report may edit the draft."), code="forbidden")
    changed = []
    if allegations is not None:
        rows = _eligible_allegations(report=locked.report, subject=locked.subject, allegations=allegations)
        before = [item.allegation for item in locked.items.select_related("allegation")]
        drafted_before = statement.draft(commission=locked.commission, subject=locked.subject, allegations=before)
        if {a.pk for a in rows} != {a.pk for a in before}:
            _set_items(locked, rows)
            changed.append("allegations")
            # A statement left as drafted follows the list, so it names exactly the listed allegations.
            if (statement_text is None or statement_text.strip() == locked.statement) and (
                locked.statement == drafted_before
            ):
                statement_text = statement.draft(commission=locked.commission, subject=locked.subject, allegations=rows)
    if method is not None or audience is not None:
        _check_choices(method or locked.method, audience or locked.audience)
    for field, value in (("method", method), ("audience", audience)):
        if value is not None and value != getattr(locked, field):
            setattr(locked, field, value)
            changed.append(field)
    if statement_text is not None:
        text = require_text(statement_text, _("The statement"))
        if text != locked.statement:
            locked.statement = text
            changed.append("statement")
    if subject_wishes is not None and bool(subject_wishes) != locked.subject_wishes:
        locked.subject_wishes = bool(subject_wishes)
        changed.append("subject_wishes")
    locked.approving_commission = managing_commission(locked.subject)
    locked.save(update_fields=[f for f in changed if f != "allegations"] + ["approving_commission", "updated_at"])
    audit_record(
        actor=actor,
        action="clarification.edit",
        target=locked,
        commission=locked.commission,
        scope=locked,
        changed=changed,
    )
    return locked


def statement_warnings(recommendation: Recommendation) -> list[str]:
    """The problems that take the statement beyond its limits (DESIGN.md §2), each named."""
    return statement.problems(
        statement=recommendation.statement,
        commission=recommendation.commission,
        report_id=recommendation.report_id,
        subject=recommendation.subject,
        listed_ids=[item.allegation_id for item in recommendation.items.all()],
    )


def statement_override_in_force(recommendation: Recommendation) -> StatementOverride | None:
    """The approving supervisor's override that covers the statement as it reads now, if any."""
    return (
        recommendation.statement_overrides.filter(statement=recommendation.statement).select_related("given_by").first()
    )


def statement_check(recommendation: Recommendation) -> dict:
    """For the pages and the API: the problems, the override covering them, and whether they block."""
    problems = statement_warnings(recommendation)
    override = statement_override_in_force(recommendation) if problems else None
    return {"problems": problems, "override": override, "blocked": bool(problems) and override is None}


def _refuse_beyond_limits(locked: Recommendation) -> StatementOverride | None:
    """Submission, approval and execution all stop here unless the statement keeps to its limits or the
    approving supervisor has overridden exactly this text."""
    check = statement_check(locked)
    if check["blocked"]:
        raise DomainError(
            _(
                "The statement goes beyond what a clarification may say: %(problems)s Correct it, or a supervisor "
                "of %(commission)s may let it go on with a reason."
            )
            % {"problems": " ".join(check["problems"]), "commission": locked.approving_commission},
            code="statement_limits",
        )
    return check["override"]


@transaction.atomic
def recommendation_override_statement(*, actor: User, recommendation: Recommendation, reason: str) -> StatementOverride:
    """The approving supervisor lets this exact statement go on despite its problems; audited, shown to reviewers."""
    reason = require_text(reason, _("The reason"))
    locked = workflow.lock(recommendation)
    if not permissions.is_approver(actor, locked) or managing_commission(locked.subject).pk != (
        locked.approving_commission_id
    ):
        raise DomainError(
            _("Only a supervisor of the approving commission (%(commission)s) may override the statement limits.")
            % {"commission": locked.approving_commission},
            code="forbidden",
        )
    if locked.status not in (Status.DRAFT, Status.IN_REVIEW, Status.PENDING_APPROVAL, Status.APPROVED):
        raise DomainError(
            _("The statement limits cannot be overridden while the recommendation is “%(status)s”.")
            % {"status": locked.get_status_display()},
            code="wrong_state",
        )
    problems = statement_warnings(locked)
    if not problems:
        raise DomainError(_("The statement keeps to its limits: there is nothing to override."), code="no_problems")
    if statement_override_in_force(locked) is not None:
        raise DomainError(_("This statement has already been overridden."), code="duplicate")
    override = StatementOverride.objects.create(
        recommendation=locked,
        statement=locked.statement,
        problems=problems,
        reason=reason,
        given_by=actor,
        given_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="clarification.statement_override",
        target=locked,
        commission=locked.commission,
        scope=locked,
        reason=reason,
        problems=problems,
        statement=locked.statement,
        status=locked.status,
    )
    return override


@transaction.atomic
def recommendation_submit_review(*, actor: User, recommendation: Recommendation) -> Recommendation:
    locked = workflow.lock(recommendation)
    if not locked.items.exists():
        raise DomainError(_("List at least one allegation to clarify."), code="allegations")
    workflow.check_transition(recommendation=locked, actor=actor, name="submit_review")
    _refuse_beyond_limits(locked)
    return workflow.apply_transition(recommendation=locked, actor=actor, name="submit_review", round=locked.round)


@transaction.atomic
def review_record(
    *, actor: User, recommendation: Recommendation, office: str, opinion: str, reasons: str = ""
) -> ReviewOpinion:
    """One of the three offices records its opinion in the current round; a disagreement needs reasons."""
    locked = workflow.lock(recommendation)
    if office not in REVIEW_OFFICES:
        raise DomainError(_("That office does not take part in the centralised review."), code="office")
    workflow.check_transition(recommendation=locked, actor=actor, name="review")
    if office not in permissions.review_offices_of(actor, locked):
        raise DomainError(
            _("Only a member of that office at %(commission)s records its opinion.")
            % {"commission": locked.commission},
            code="forbidden",
        )
    if opinion not in Opinion.values:
        raise DomainError(_("Unknown opinion."), code="opinion")
    reasons = (reasons or "").strip()
    if opinion == Opinion.DISAGREE and not reasons:
        raise DomainError(_("A disagreement needs its reasons."), code="reasons")
    recorded, _created = ReviewOpinion.objects.update_or_create(
        recommendation=locked,
        round=locked.round,
        office=office,
        defaults={"opinion": opinion, "reasons": reasons, "recorded_by": actor},
    )
    audit_record(
        actor=actor,
        action="clarification.review",
        target=locked,
        commission=locked.commission,
        scope=locked,
        office=office,
        opinion=opinion,
        round=locked.round,
        reasons=reasons or None,
    )
    workflow.CLARIFICATIONS.announce(locked, actor=actor, key=f"review:{locked.round}:{office}")
    return recorded


def review_state(recommendation: Recommendation) -> dict[str, ReviewOpinion | None]:
    current = {o.office: o for o in recommendation.opinions.all() if o.round == recommendation.round}
    return {office: current.get(office) for office in REVIEW_OFFICES}


def review_disagreement(recommendation: Recommendation) -> str | None:
    """Why the recommendation cannot go for approval yet, or None once all three offices agree."""
    state = review_state(recommendation)
    missing = [str(dict(ReviewOpinion._meta.get_field("office").choices)[k]) for k, v in state.items() if v is None]
    against = [k for k, v in state.items() if v is not None and v.opinion != Opinion.AGREE]
    if missing or against:
        return _("All three offices must agree first (missing: %(missing)s; disagreeing: %(against)s).") % {
            "missing": "、".join(missing) or "—",
            "against": len(against),
        }
    return None


@transaction.atomic
def recommendation_withdraw(*, actor: User, recommendation: Recommendation, reason: str) -> Recommendation:
    reason = require_text(reason, _("The reason"))
    return workflow.apply_transition(
        recommendation=recommendation, actor=actor, name="withdraw", fields={"decision_reason": reason}, reason=reason
    )


@transaction.atomic
def recommendation_submit(*, actor: User, recommendation: Recommendation) -> Recommendation:
    """Once all three offices agree, the recommendation goes to the commission that manages the subject."""
    locked = workflow.lock(recommendation)
    workflow.check_transition(recommendation=locked, actor=actor, name="submit")
    _refuse_beyond_limits(locked)
    approver = managing_commission(locked.subject)
    return workflow.apply_transition(
        recommendation=locked,
        actor=actor,
        name="submit",
        fields={"approving_commission": approver},
        approving_commission=approver.pk,
    )


def _snapshot(recommendation: Recommendation, override: StatementOverride | None) -> dict:
    return {
        "method": recommendation.method,
        "audience": recommendation.audience,
        "statement": recommendation.statement,
        "allegations": sorted(recommendation.items.values_list("allegation_id", flat=True)),
        "subject_wishes": recommendation.subject_wishes,
        "statement_override": override.pk if override is not None else None,
    }


@transaction.atomic
def recommendation_approve(*, actor: User, recommendation: Recommendation, reason: str = "") -> Recommendation:
    """A supervisor of the managing commission approves; the content is frozen from here on."""
    locked = workflow.lock(recommendation)
    workflow.check_transition(recommendation=locked, actor=actor, name="approve")
    if managing_commission(locked.subject).pk != locked.approving_commission_id:
        raise DomainError(
            _("%(commission)s no longer manages this official; return the recommendation to route it again.")
            % {"commission": locked.approving_commission},
            code="wrong_authority",
        )
    if message := review_disagreement(locked):
        raise DomainError(message, code="review_incomplete")
    override = _refuse_beyond_limits(locked)
    return workflow.apply_transition(
        recommendation=locked,
        actor=actor,
        name="approve",
        fields={
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_reason": (reason or "").strip(),
            "approved_snapshot": _snapshot(locked, override),
        },
        statement_override=override.pk if override is not None else None,
    )


def _decide_against(name: str, *, actor: User, recommendation: Recommendation, reason: str) -> Recommendation:
    """Return or reject: the approving supervisor's decision, with the reason required."""
    reason = require_text(reason, _("The reason"))
    return workflow.apply_transition(
        recommendation=recommendation,
        actor=actor,
        name=name,
        fields={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason},
        reason=reason,
    )


@transaction.atomic
def recommendation_return(*, actor: User, recommendation: Recommendation, reason: str) -> Recommendation:
    return _decide_against("return", actor=actor, recommendation=recommendation, reason=reason)


@transaction.atomic
def recommendation_reject(*, actor: User, recommendation: Recommendation, reason: str) -> Recommendation:
    return _decide_against("reject", actor=actor, recommendation=recommendation, reason=reason)


@transaction.atomic
def recommendation_reopen(*, actor: User, recommendation: Recommendation, reason: str) -> Recommendation:
    """Changing an approved recommendation needs it back in draft, a new review and a new approval."""
    reason = require_text(reason, _("The reason"))
    locked = workflow.lock(recommendation)
    if locked.batch_items.filter(batch__status="executed").exists():
        raise DomainError(_("This recommendation was executed in a joint batch."), code="wrong_state")
    return workflow.apply_transition(
        recommendation=locked,
        actor=actor,
        name="reopen",
        fields={"decided_by": None, "decided_at": None, "approved_snapshot": {}, "decision_reason": reason},
        reason=reason,
    )


def execute_locked(
    *,
    actor: User,
    recommendation: Recommendation,
    executed_on: datetime.date,
    place: str,
    participants: str,
    method_used: str,
    audience_reached: str,
    allegation_ids=None,
    visit_due_on: datetime.date | None = None,
    batch=None,
) -> Recommendation:
    """Record the execution of a locked recommendation exactly as approved; used alone and by a batch."""
    workflow.check_transition(recommendation=recommendation, actor=actor, name="execute")
    approved = recommendation.approved_snapshot
    refuse_future(executed_on, _("The execution date"))
    if executed_on < timezone.localtime(recommendation.decided_at).date():
        raise DomainError(_("A clarification cannot be executed before it was approved."), code="before_approval")
    if method_used != approved.get("method"):
        raise DomainError(
            _("The approved method is “%(method)s”; another method needs a new approval.")
            % {"method": Method(approved["method"]).label},
            code="not_approved",
        )
    if (
        audience_reached not in Audience.values
        or AUDIENCE_ORDER[audience_reached] > AUDIENCE_ORDER[approved["audience"]]
    ):
        raise DomainError(
            _("The approved scope is “%(audience)s”; it cannot be widened on the day.")
            % {"audience": Audience(approved["audience"]).label},
            code="scope_widened",
        )
    if allegation_ids is not None and not set(allegation_ids) <= set(approved.get("allegations", [])):
        raise DomainError(_("Only the approved allegations can be clarified."), code="not_approved")
    if recommendation.statement != approved.get("statement"):
        raise DomainError(_("The statement differs from the approved text."), code="not_approved")
    _refuse_beyond_limits(recommendation)
    due = visit_due_on or add_months(executed_on, RETURN_VISIT_AFTER_MONTHS)
    if due <= executed_on:
        raise DomainError(_("The return visit comes after the execution."), code="visit_due")
    updated = workflow.apply_transition(
        recommendation=recommendation,
        actor=actor,
        name="execute",
        fields={
            "executed_on": executed_on,
            "execution_place": (place or "").strip(),
            "execution_participants": (participants or "").strip(),
            "execution_method": method_used,
            "execution_audience": audience_reached,
            "executed_by": actor,
        },
        executed_on=executed_on,
        method=method_used,
        audience=audience_reached,
        batch=batch.pk if batch is not None else None,
    )
    ReturnVisit.objects.create(recommendation=updated, due_on=due)
    return updated


@transaction.atomic
def return_visit_record(
    *, actor: User, recommendation: Recommendation, visited_on: datetime.date, notes: str
) -> ReturnVisit:
    """The return visit (回访) after the execution, with notes of the talk."""
    notes = require_text(notes, _("The notes"))
    locked = workflow.lock(recommendation)
    workflow.check_transition(recommendation=locked, actor=actor, name="return_visit")
    refuse_future(visited_on, _("The visit date"))
    if visited_on < locked.executed_on:
        raise DomainError(_("The return visit cannot precede the execution."), code="before_execution")
    visit = ReturnVisit.objects.select_for_update().get(recommendation=locked)
    visit.visited_on, visit.notes, visit.recorded_by = visited_on, notes, actor
    visit.save(update_fields=["visited_on", "notes", "recorded_by"])
    workflow.apply_transition(recommendation=locked, actor=actor, name="return_visit", visited_on=visited_on)
    return visit


@transaction.atomic
def clarification_feedback(
    *, actor: User, recommendation: Recommendation, text: str, method: str, given_on: datetime.date
):
    """Tell the reporter the result once the clarification is done, through the cases feedback."""
    locked = workflow.lock(recommendation)
    workflow.check_transition(recommendation=locked, actor=actor, name="feedback")
    feedback = feedback_record(actor=actor, report=locked.report, text=text, method=method, given_on=given_on)
    locked.reporter_feedback = feedback
    locked.save(update_fields=["reporter_feedback", "updated_at"])
    audit_record(
        actor=actor,
        action="clarification.feedback",
        target=locked,
        commission=locked.commission,
        scope=locked,
        feedback=feedback.pk,
        method=method,
    )
    return feedback
