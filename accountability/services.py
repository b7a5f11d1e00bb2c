"""Every write in the accountability app goes through one of these functions."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import administration, jurisdiction
from accounts.models import Commission, User
from accounts.roles import Role
from audit.services import audit_record
from cases.authority import managing_commission
from cases.choices import SubjectKind
from cases.models import Report, Subject
from cases.selectors import reports_visible_to, subjects_visible_to
from core.errors import DomainError, full_clean_or_refuse
from core.validation import add_months, refuse_future, require_text

from . import workflow
from .choices import (
    NO_MEASURE_CIRCUMSTANCES,
    Circumstance,
    ComplaintOutcome,
    DecisionStatus,
    Form,
    Measure,
    ReuseResult,
    Status,
    Trigger,
)
from .models import (
    AccountabilityCase,
    CaseCounter,
    Complaint,
    Decision,
    ExemptionEntry,
    FollowUpVisit,
    Target,
)
from .selectors import catalogue_in_force, measures_allowed
from .workflow import WORK_PERM


@dataclass
class DecisionInput:
    form: int | None = None
    measures: list[str] = field(default_factory=list)
    deciding_organ: str = ""
    reasons: str = ""
    transfer_organ: str = ""
    transfer_reference: str = ""
    # Only for corrections: the circumstance found on review; otherwise the target's assessment applies.
    circumstance: str = ""


def complaint_deadline(notified_on: datetime.date) -> datetime.date:
    return add_months(notified_on, settings.ACCOUNTABILITY_COMPLAINT_WINDOW_MONTHS)


def influence_end(*, kind: str, measures: Iterable[str], decided_on: datetime.date) -> datetime.date | None:
    """The longest influence period of the measures; organisations carry none."""
    if kind != SubjectKind.PERSON:
        return None
    months = max((settings.ACCOUNTABILITY_INFLUENCE_MONTHS.get(m, 0) for m in measures), default=0)
    return add_months(decided_on, months) if months else None


def _next_reference(commission: Commission, year: int) -> str:
    return f"{commission.reference_prefix()}-WZ-{year}-{CaseCounter.next_number(commission, year):04d}"


def _require_team(actor: User, case: AccountabilityCase) -> None:
    if not workflow.is_team_member(actor, case):
        raise DomainError(
            _("Only a supervisor of %(commission)s or a member of the case team may do this.")
            % {"commission": case.commission},
            code="forbidden",
        )


def _require_state(case: AccountabilityCase, *states: str) -> None:
    if case.status not in states:
        raise DomainError(
            _("This is not possible while the case is “%(status)s”.") % {"status": case.get_status_display()},
            code="wrong_state",
        )


def _require_no_active_decision(target: Target) -> None:
    if target.decisions.filter(status__in=[DecisionStatus.PROPOSED, DecisionStatus.IN_FORCE]).exists():
        raise DomainError(_("This target already has a decision proposed or in force."), code="duplicate")


# --- initiation and team -------------------------------------------------------------------------


@transaction.atomic
def case_initiate(
    *,
    actor: User,
    commission: Commission,
    trigger: str,
    facts: str,
    subjects: list[Subject],
    reports: Iterable[Report] = (),
    team: Iterable[User] = (),
    initiated_on: datetime.date | None = None,
) -> AccountabilityCase:
    """A supervisor of the handling commission opens a case on one or more organisations or people."""
    if not jurisdiction.has_role(actor, commission.pk, Role.SUPERVISOR):
        raise DomainError(
            _("Only a supervisor of %(commission)s may initiate accountability there.") % {"commission": commission},
            code="forbidden",
        )
    facts = require_text(facts, _("The facts"))
    if trigger not in Trigger.values:
        raise DomainError(_("Unknown trigger."), code="trigger")
    initiated_on = initiated_on or timezone.localdate()
    refuse_future(initiated_on, _("The date of initiation"))
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        raise DomainError(_("Name at least one organisation or person to hold to account."), code="targets")
    visible_subjects = subjects_visible_to(actor)
    if visible_subjects.filter(pk__in=[s.pk for s in subjects]).count() != len(subjects):
        raise DomainError(_("That subject is not in your registry."), code="subject")
    reports = list(dict.fromkeys(reports))
    if reports and reports_visible_to(actor).filter(pk__in=[r.pk for r in reports]).count() != len(reports):
        raise DomainError(_("That report is not in your reach."), code="report")
    case = AccountabilityCase(
        reference=_next_reference(commission, initiated_on.year),
        commission=commission,
        trigger=trigger,
        facts=facts,
        initiated_on=initiated_on,
        created_by=actor,
    )
    full_clean_or_refuse(case)
    case.save()
    for subject in subjects:
        Target.objects.create(case=case, subject=subject, kind=subject.kind)
    case.reports.set(reports)
    audit_record(
        actor=actor,
        action="accountability.initiate",
        target=case,
        commission=commission,
        scope=case,
        trigger=trigger,
        subjects=[s.pk for s in subjects],
        reports=[r.reference for r in reports],
    )
    workflow.CASES.announce(case, actor=actor, key="initiated")
    for member in team:
        team_add(actor=actor, case=case, user=member)
    return case


@transaction.atomic
def team_add(*, actor: User, case: AccountabilityCase, user: User) -> None:
    """A supervisor of the handling commission puts an investigator (of any commission) on the team."""
    if not jurisdiction.has_role(actor, case.commission_id, Role.SUPERVISOR):
        raise DomainError(_("Only a supervisor of the handling commission may do this."), code="forbidden")
    if Role.INVESTIGATOR not in jurisdiction.roles_of(user) and Role.REVIEWER not in jurisdiction.roles_of(user):
        raise DomainError(_("Only investigators and reviewers can join a case team."), code="not_investigator")
    if case.status == Status.CLOSED:
        raise DomainError(_("The case is closed."), code="wrong_state")
    jurisdiction.grant(user, WORK_PERM, case)
    audit_record(
        actor=actor, action="accountability.team_add", target=case, commission=case.commission, scope=case, user=user
    )


@transaction.atomic
def team_remove(*, actor: User, case: AccountabilityCase, user: User) -> None:
    if not jurisdiction.has_role(actor, case.commission_id, Role.SUPERVISOR):
        raise DomainError(_("Only a supervisor of the handling commission may do this."), code="forbidden")
    jurisdiction.revoke(user, WORK_PERM, case)
    audit_record(
        actor=actor,
        action="accountability.team_remove",
        target=case,
        commission=case.commission,
        scope=case,
        user=user,
    )


@transaction.atomic
def case_start_investigation(*, actor: User, case: AccountabilityCase) -> AccountabilityCase:
    return workflow.apply_transition(case=case, actor=actor, name="start_investigation")


# --- investigation: four musts and the three distinctions ----------------------------------------


@transaction.atomic
def four_musts_record(
    *,
    actor: User,
    target: Target,
    statement: str = "",
    unit_opinion: str = "",
    department_opinion: str = "",
    effect_assessment: str = "",
) -> Target:
    """Record the "four musts" (any of them may come in later); the proposal checks they are complete."""
    case = workflow.lock(target.case)
    _require_state(case, Status.INVESTIGATING, Status.DECISION_PROPOSED)
    _require_team(actor, case)
    _require_no_active_decision(target)
    target = Target.objects.select_for_update().get(pk=target.pk)
    target.statement = (statement or "").strip()
    target.unit_opinion = (unit_opinion or "").strip()
    target.department_opinion = (department_opinion or "").strip()
    target.effect_assessment = (effect_assessment or "").strip()
    target.save(update_fields=["statement", "unit_opinion", "department_opinion", "effect_assessment"])
    audit_record(
        actor=actor,
        action="accountability.four_musts",
        target=target,
        commission=case.commission,
        scope=case,
        subject=target.subject_id,
        complete=target.four_musts_complete,
    )
    return target


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    target: Target,
    motive: str,
    attitude: str,
    performance: str,
    loss_recovery: str,
    circumstance: str,
    exemption_entries: Iterable[ExemptionEntry] = (),
    exemption_reasons: str = "",
) -> Target:
    """The "three distinctions": weigh motive, attitude, performance and recovery into a circumstance.

    An exemption cites entries of the catalogue in force for the handling commission's province.
    """
    case = workflow.lock(target.case)
    _require_state(case, Status.INVESTIGATING, Status.DECISION_PROPOSED)
    _require_team(actor, case)
    _require_no_active_decision(target)
    if circumstance not in Circumstance.values:
        raise DomainError(_("Choose a circumstance."), code="circumstance")
    values = {
        "motive": require_text(motive, _("The motive")),
        "attitude": require_text(attitude, _("The attitude")),
        "performance": require_text(performance, _("The consistent performance")),
        "loss_recovery": require_text(loss_recovery, _("The recovery of losses")),
    }
    entries = list(dict.fromkeys(exemption_entries))
    if circumstance == Circumstance.EXEMPTION:
        if not entries:
            raise DomainError(_("An exemption cites at least one entry of the catalogue."), code="exemption_entries")
        exemption_reasons = require_text(exemption_reasons, _("The reasons for exemption"))
        in_force = catalogue_in_force(case.commission)
        for entry in entries:
            if entry.province_code != case.commission.province_code():
                raise DomainError(
                    _("Entry %(code)s belongs to another province's catalogue.") % {"code": entry.code},
                    code="exemption_other_province",
                )
            if not in_force.filter(pk=entry.pk).exists():
                raise DomainError(
                    _("Entry %(code)s is retired or not in force.") % {"code": entry.code},
                    code="exemption_not_in_force",
                )
    elif entries:
        raise DomainError(_("Only an exemption cites the catalogue."), code="exemption_entries")
    target = Target.objects.select_for_update().get(pk=target.pk)
    for name, value in values.items():
        setattr(target, name, value)
    target.circumstance = circumstance
    target.exemption_reasons = (exemption_reasons or "").strip() if circumstance == Circumstance.EXEMPTION else ""
    target.save(update_fields=[*values, "circumstance", "exemption_reasons"])
    target.exemption_entries.set(entries)
    audit_record(
        actor=actor,
        action="accountability.assessment",
        target=target,
        commission=case.commission,
        scope=case,
        subject=target.subject_id,
        circumstance=circumstance,
        entries=[e.code for e in entries],
    )
    return target


# --- decisions -----------------------------------------------------------------------------------


def _labels(measures: Iterable[str]) -> str:
    return "、".join(str(Measure(m).label) for m in sorted(measures, key=Measure.values.index))


def _check_measures(kind: str, form: int | None, measures: list[str]) -> None:
    """Every measure must be one the rules (MeasureRule, data) allow for this kind of target and form."""
    allowed = measures_allowed(kind=kind, form=form)
    for measure in measures:
        if measure in allowed:
            continue
        if kind == SubjectKind.ORGANISATION:
            raise DomainError(
                _("A decision on a party organisation allows only: %(allowed)s; not “%(measure)s”.")
                % {"allowed": _labels(allowed), "measure": Measure(measure).label},
                code="measure_not_for_organisation",
            )
        raise DomainError(
            _("%(form)s allows only: %(allowed)s; not “%(measure)s”.")
            % {"form": Form(form).label, "allowed": _labels(allowed) or "—", "measure": Measure(measure).label},
            code="measure_not_in_form",
        )


def decision_fields(data: DecisionInput, *, circumstance: str, kind: str) -> dict:
    """The decision's fields, checked against the circumstance, the kind of target and the measures allowed.

    People are decided within one of the four forms; party organisations get the organisations' measures and no
    form. Which measure belongs where is data (MeasureRule)."""
    measures = list(dict.fromkeys(data.measures or []))
    if any(m not in Measure.values for m in measures):
        raise DomainError(_("Unknown measure."), code="measures")
    deciding_organ = require_text(data.deciding_organ, _("The deciding organ"))
    if circumstance in NO_MEASURE_CIRCUMSTANCES:
        if data.form or measures:
            raise DomainError(
                _("A decision not to hold to account or to exempt carries no form and no measures."),
                code="form",
            )
        return {
            "form": None,
            "measures": [],
            "deciding_organ": deciding_organ,
            "transfer_organ": "",
            "transfer_reference": "",
        }
    if kind == SubjectKind.ORGANISATION:
        if data.form:
            raise DomainError(
                _("The four forms apply to people: a decision on a party organisation carries no form."),
                code="form_for_organisation",
            )
        form = None
    else:
        if data.form not in Form.values:
            raise DomainError(_("Choose the form (first to fourth)."), code="form")
        form = data.form
    if not measures:
        raise DomainError(_("Choose at least one measure."), code="measures")
    _check_measures(kind, form, measures)
    transfer_organ = (data.transfer_organ or "").strip()
    transfer_reference = (data.transfer_reference or "").strip()
    if form == Form.FOURTH:
        if Measure.JUDICIAL_TRANSFER not in measures or not transfer_organ or not transfer_reference:
            raise DomainError(
                _(
                    "A fourth-form decision needs the transfer to judicial organs recorded: "
                    "the measure, the organ and the document number."
                ),
                code="transfer_missing",
            )
    return {
        "form": form,
        "measures": measures,
        "deciding_organ": deciding_organ,
        "transfer_organ": transfer_organ,
        "transfer_reference": transfer_reference,
    }


@transaction.atomic
def decision_propose(*, actor: User, target: Target, data: DecisionInput) -> Decision:
    """Propose the decision on one target; refused unless the four musts and the assessment are recorded."""
    case = workflow.lock(target.case)
    workflow.check_transition(case=case, actor=actor, name="propose_decision")
    target = Target.objects.select_for_update().select_related("subject").get(pk=target.pk)
    if not target.four_musts_complete:
        raise DomainError(
            _(
                "The four musts are not all recorded: the own statement, the opinion of the unit's party "
                "organisation, the opinion of the superior business department and the assessment of the effect."
            ),
            code="four_musts_missing",
        )
    if not target.circumstance:
        raise DomainError(_("Record the three-distinctions assessment first."), code="assessment_missing")
    if target.decisions.filter(status__in=[DecisionStatus.PROPOSED, DecisionStatus.IN_FORCE]).exists():
        raise DomainError(_("This target already has a decision proposed or in force."), code="duplicate")
    fields = decision_fields(data, circumstance=target.circumstance, kind=target.kind)
    decision = Decision(
        case=case,
        target=target,
        circumstance=target.circumstance,
        target_kind=target.kind,
        reasons=(data.reasons or "").strip(),
        approving_commission=managing_commission(target.subject),
        proposed_by=actor,
        **fields,
    )
    full_clean_or_refuse(decision, exclude=["case", "target", "proposed_by", "approving_commission"])
    decision.save()
    workflow.apply_transition(
        case=case,
        actor=actor,
        name="propose_decision",
        decision=decision.pk,
        subject=target.subject_id,
        form=decision.form,
        circumstance=decision.circumstance,
    )
    return decision


def _lock_decision(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("target__subject", "case").get(pk=decision.pk)


def _in_force(decision: Decision, *, actor: User, decided_on: datetime.date, notified_on: datetime.date) -> dict:
    """The fields a decision takes when it comes into force."""
    return {
        "approved_by": actor,
        "decided_on": decided_on,
        # A correction keeps the day the accountability first took effect: statistics count it in that month, once.
        "first_decided_on": decision.supersedes.first_decided_on if decision.supersedes_id else decided_on,
        "notified_on": notified_on,
        "influence_ends_on": influence_end(
            kind=decision.target_kind, measures=decision.measures, decided_on=decided_on
        ),
    }


def _schedule_visit(decision: Decision) -> None:
    """People held to account get a follow-up visit (回访); call after the decision is saved."""
    if decision.measures and decision.target_kind == SubjectKind.PERSON:
        FollowUpVisit.objects.create(
            decision=decision,
            due_on=decision.decided_on + datetime.timedelta(days=settings.ACCOUNTABILITY_FOLLOWUP_AFTER_DAYS),
        )


def approval_refusal(user, decision: Decision, *, case=None, authority=None) -> DomainError | None:
    """Why this user may not approve the decision now (the case's step and the decision's own), or None."""
    case = case or decision.case
    authority = authority or managing_commission(decision.target.subject)
    return workflow.CASES.refusal(
        case, actor=user, name="approve_decision", authority=authority
    ) or workflow.DECISIONS.refusal(decision, actor=user, name="approve", authority=authority)


@transaction.atomic
def decision_approve(
    *,
    actor: User,
    decision: Decision,
    decided_on: datetime.date | None = None,
    notified_on: datetime.date | None = None,
) -> Decision:
    """A supervisor of the commission with management authority over the target approves the decision."""
    case = workflow.lock(decision.case)
    decision = _lock_decision(decision)
    authority = managing_commission(decision.target.subject)
    if refused := approval_refusal(actor, decision, case=case, authority=authority):
        raise refused
    decided_on = decided_on or timezone.localdate()
    notified_on = notified_on or decided_on
    refuse_future(decided_on, _("The date of decision"))
    refuse_future(notified_on, _("The date of notification"))
    if decided_on < case.initiated_on:
        raise DomainError(
            _("The date of decision cannot be before the case was initiated (%(day)s).")
            % {"day": case.initiated_on.isoformat()},
            code="decided_before_initiation",
        )
    if notified_on < decided_on:
        raise DomainError(_("Notification cannot come before the decision."), code="notified_on")
    fields = _in_force(decision, actor=actor, decided_on=decided_on, notified_on=notified_on)
    workflow.DECISIONS.apply(
        decision,
        actor=actor,
        name="approve",
        fields={**fields, "approving_commission": authority},
        context={"authority": authority},
    )
    _schedule_visit(decision)
    undecided = case.targets.exclude(decisions__status=DecisionStatus.IN_FORCE).exists()
    workflow.apply_transition(
        case=case,
        actor=actor,
        name="approve_decision",
        authority=authority,
        target=Status.DECISION_PROPOSED if undecided else Status.DECIDED,
        decision=decision.pk,
        subject=decision.target.subject_id,
        at=authority,
    )
    return decision


@transaction.atomic
def decision_return(*, actor: User, decision: Decision, reason: str) -> Decision:
    case = workflow.lock(decision.case)
    decision = _lock_decision(decision)
    authority = managing_commission(decision.target.subject)
    workflow.check_transition(case=case, actor=actor, name="return_decision", authority=authority)
    workflow.DECISIONS.check(decision, actor=actor, name="return", authority=authority)
    reason = require_text(reason, _("The reason"))
    workflow.DECISIONS.apply(
        decision, actor=actor, name="return", fields={"return_reason": reason}, context={"authority": authority}
    )
    pending = case.decisions.filter(status=DecisionStatus.PROPOSED).exists()
    workflow.apply_transition(
        case=case,
        actor=actor,
        name="return_decision",
        authority=authority,
        target=Status.DECISION_PROPOSED if pending else Status.INVESTIGATING,
        decision=decision.pk,
        reason=reason,
    )
    return decision


@transaction.atomic
def case_implement(
    *, actor: User, case: AccountabilityCase, implemented_on: datetime.date | None = None
) -> AccountabilityCase:
    implemented_on = implemented_on or timezone.localdate()
    refuse_future(implemented_on, _("The date of implementation"))
    locked = workflow.lock(case)
    workflow.check_transition(case=locked, actor=actor, name="implement")
    locked.decisions.filter(status=DecisionStatus.IN_FORCE, implemented_on__isnull=True).update(
        implemented_on=implemented_on
    )
    return workflow.apply_transition(case=case, actor=actor, name="implement", implemented_on=implemented_on)


@transaction.atomic
def case_close(*, actor: User, case: AccountabilityCase, reason: str = "") -> AccountabilityCase:
    return workflow.apply_transition(case=case, actor=actor, name="close", reason=(reason or "").strip() or None)


# --- complaints and corrections ------------------------------------------------------------------


@transaction.atomic
def complaint_lodge(
    *,
    actor: User,
    decision: Decision,
    grounds: str,
    received_on: datetime.date,
    accept_late: bool = False,
    late_reasons: str = "",
) -> Complaint:
    """Record a complaint by the organisation or person held to account against a decision in force.

    Past the window from notification it is refused unless a supervisor accepts it with reasons.
    """
    case = workflow.lock(decision.case)
    workflow.check_transition(case=case, actor=actor, name="lodge_complaint")
    decision = _lock_decision(decision)
    if decision.status != DecisionStatus.IN_FORCE:
        raise DomainError(_("Only a decision in force can be complained about."), code="wrong_state")
    grounds = require_text(grounds, _("The grounds of the complaint"))
    refuse_future(received_on, _("The date received"))
    if received_on < decision.notified_on:
        raise DomainError(_("A complaint cannot precede the notification of the decision."), code="received_on")
    deadline = complaint_deadline(decision.notified_on)
    late = received_on > deadline
    late_reasons = (late_reasons or "").strip()
    if late:
        if not accept_late:
            raise DomainError(
                _("The complaint period ended on %(deadline)s; a supervisor may accept a late complaint with reasons.")
                % {"deadline": deadline.isoformat()},
                code="complaint_late",
            )
        if not jurisdiction.has_role(actor, case.commission_id, Role.SUPERVISOR):
            raise DomainError(_("Only a supervisor may accept a late complaint."), code="forbidden")
        late_reasons = require_text(late_reasons, _("The reasons for accepting a late complaint"))
    complaint = Complaint.objects.create(
        case=case,
        decision=decision,
        received_on=received_on,
        grounds=grounds,
        deadline=deadline,
        late=late,
        late_reasons=late_reasons if late else "",
        late_accepted_by=actor if late else None,
        recorded_by=actor,
    )
    workflow.apply_transition(
        case=case,
        actor=actor,
        name="lodge_complaint",
        complaint=complaint.pk,
        decision=decision.pk,
        late=late,
        late_reasons=late_reasons or None,
    )
    return complaint


def _open_complaint(complaint: Complaint) -> Complaint:
    locked = Complaint.objects.select_for_update().select_related("decision__target__subject").get(pk=complaint.pk)
    if locked.outcome:
        raise DomainError(_("This complaint has already been decided."), code="wrong_state")
    return locked


@transaction.atomic
def complaint_review(*, actor: User, complaint: Complaint, opinion: str, recommendation: str) -> Complaint:
    case = workflow.lock(complaint.case)
    workflow.check_transition(case=case, actor=actor, name="review_complaint")
    complaint = _open_complaint(complaint)
    if recommendation not in ComplaintOutcome.values:
        raise DomainError(_("Choose a recommendation."), code="recommendation")
    complaint.review_opinion = require_text(opinion, _("The review opinion"))
    complaint.recommendation = recommendation
    complaint.reviewed_by = actor
    complaint.reviewed_at = timezone.now()
    complaint.save(update_fields=["review_opinion", "recommendation", "reviewed_by", "reviewed_at"])
    workflow.apply_transition(
        case=case, actor=actor, name="review_complaint", complaint=complaint.pk, recommendation=recommendation
    )
    return complaint


@transaction.atomic
def complaint_resolve(
    *,
    actor: User,
    complaint: Complaint,
    outcome: str,
    reasons: str,
    correction: DecisionInput | None = None,
) -> Complaint:
    """Uphold, change or revoke the decision, approved at the commission with management authority.

    A change is a new decision linked to the old one; the old one is kept, marked changed.
    """
    case = workflow.lock(complaint.case)
    complaint = _open_complaint(complaint)
    old = _lock_decision(complaint.decision)
    authority = managing_commission(old.target.subject)
    workflow.check_transition(case=case, actor=actor, name="resolve_complaint", authority=authority)
    if outcome not in ComplaintOutcome.values:
        raise DomainError(_("Choose an outcome."), code="outcome")
    reasons = require_text(reasons, _("The reasons for the outcome"))
    today = timezone.localdate()
    new = None
    if outcome == ComplaintOutcome.CHANGED:
        if correction is None:
            raise DomainError(_("A changed decision needs the corrected decision."), code="correction_missing")
        circumstance = correction.circumstance or old.circumstance
        if circumstance not in Circumstance.values:
            raise DomainError(_("Choose a circumstance."), code="circumstance")
        fields = decision_fields(correction, circumstance=circumstance, kind=old.target_kind)
        if (fields["form"], sorted(fields["measures"])) == (old.form, sorted(old.measures)) and (
            circumstance == old.circumstance
        ):
            raise DomainError(_("The corrected decision is the same as the old one."), code="unchanged")
        workflow.DECISIONS.apply(old, actor=actor, name="change", context={"authority": authority})
        new = Decision(
            status=DecisionStatus.IN_FORCE,  # a correction is born in force, approved with the complaint's outcome
            case=case,
            target=old.target,
            circumstance=circumstance,
            target_kind=old.target_kind,
            reasons=(correction.reasons or "").strip() or reasons,
            approving_commission=authority,
            proposed_by=actor,
            supersedes=old,
            **fields,
        )
        for name, value in _in_force(new, actor=actor, decided_on=today, notified_on=today).items():
            setattr(new, name, value)
        new.save()
        _schedule_visit(new)
        old.visits.filter(done_on__isnull=True).delete()
    elif outcome == ComplaintOutcome.REVOKED:
        workflow.DECISIONS.apply(old, actor=actor, name="revoke", context={"authority": authority})
        old.visits.filter(done_on__isnull=True).delete()
    complaint.outcome = outcome
    complaint.outcome_reasons = reasons
    complaint.resolved_by = actor
    complaint.resolved_on = today
    complaint.save(update_fields=["outcome", "outcome_reasons", "resolved_by", "resolved_on"])
    workflow.apply_transition(
        case=case,
        actor=actor,
        name="resolve_complaint",
        authority=authority,
        target={
            ComplaintOutcome.UPHELD: Status.UPHELD,
            ComplaintOutcome.CHANGED: Status.CHANGED,
            ComplaintOutcome.REVOKED: Status.REVOKED,
        }[outcome],
        complaint=complaint.pk,
        decision=old.pk,
        new_decision=new.pk if new else None,
        reasons=reasons,
        at=authority,
    )
    return complaint


# --- after the decision: follow-up visits and the "may be used again" review ----------------------


@transaction.atomic
def visit_record(*, actor: User, visit: FollowUpVisit, done_on: datetime.date, notes: str) -> FollowUpVisit:
    visit = FollowUpVisit.objects.select_for_update().select_related("decision__case").get(pk=visit.pk)
    case = visit.decision.case
    _require_team(actor, case)
    if visit.done_on is not None:
        raise DomainError(_("This visit is already recorded."), code="wrong_state")
    refuse_future(done_on, _("The date of the visit"))
    visit.done_on = done_on
    visit.notes = require_text(notes, _("The notes"))
    visit.visited_by = actor
    visit.save(update_fields=["done_on", "notes", "visited_by"])
    audit_record(
        actor=actor,
        action="accountability.visit",
        target=visit,
        commission=case.commission,
        scope=case,
        done_on=done_on,
    )
    return visit


def reuse_review_refusal(user, decision: Decision) -> DomainError | None:
    """Why this user may not record the "may be used again" review of this decision now, or None."""
    case = decision.case
    if not (
        jurisdiction.has_role(user, case.commission_id, Role.SUPERVISOR)
        or jurisdiction.has_role(user, decision.approving_commission_id, Role.SUPERVISOR)
    ):
        return DomainError(
            _("Only a supervisor of the handling or approving commission may do this."), code="forbidden"
        )
    if decision.status != DecisionStatus.IN_FORCE or decision.influence_ends_on is None:
        return DomainError(_("This decision has no influence period to review."), code="wrong_state")
    if decision.influence_ends_on > timezone.localdate():
        return DomainError(
            _("The influence period runs until %(day)s.") % {"day": decision.influence_ends_on.isoformat()},
            code="influence_running",
        )
    if decision.reuse_reviewed_on is not None:
        return DomainError(_("The review is already recorded."), code="wrong_state")
    return None


@transaction.atomic
def reuse_review_record(*, actor: User, decision: Decision, result: str, notes: str) -> Decision:
    """When the influence period has ended, a supervisor records whether the cadre may be used again."""
    decision = _lock_decision(decision)
    if refused := reuse_review_refusal(actor, decision):
        raise refused
    case = decision.case
    if result not in ReuseResult.values:
        raise DomainError(_("Choose a result."), code="result")
    decision.reuse_result = result
    decision.reuse_notes = require_text(notes, _("The notes"))
    decision.reuse_reviewed_on = timezone.localdate()
    decision.save(update_fields=["reuse_result", "reuse_notes", "reuse_reviewed_on"])
    audit_record(
        actor=actor,
        action="accountability.reuse_review",
        target=decision,
        commission=case.commission,
        scope=case,
        result=result,
    )
    return decision


# --- the exemption catalogue ---------------------------------------------------------------------


@transaction.atomic
def catalogue_entry_save(*, actor: User, entry: ExemptionEntry) -> ExemptionEntry:
    """Administrators of a provincial commission keep their province's catalogue."""
    stored = ExemptionEntry.objects.get(pk=entry.pk) if entry.pk else None
    administration.check_keeps_province_data(
        actor,
        province=entry.province_code,
        was=stored.province_code if stored else None,
        refusal=_("Only an administrator of that province may edit its catalogue."),
    )
    created = entry.pk is None
    full_clean_or_refuse(entry)
    entry.save()
    audit_record(
        actor=actor,
        action="accountability.catalogue_create" if created else "accountability.catalogue_update",
        target=entry,
        code=entry.code,
        province=entry.province_code,
        retired=entry.retired,
    )
    return entry
