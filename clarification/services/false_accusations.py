"""False accusations (诬告陷害): a case against the accuser, opened from a suspected false allegation.

The accuser is a reference to the report's protected Reporter, never a copy of the identity. Each handling
step (decision, transfer of clues, correction of improper gains, exposure) counts once a supervisor
approves it. `_measure_transition` and `_case_transition` are the only writers of the two status fields.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import User
from accounts.roles import Role
from audit.services import audit_record
from cases.models import Allegation, Reporter
from cases.selectors import allegations_visible_to
from core.errors import DomainError
from core.workflow import Workflow, rows_at, transition

from ..choices import (
    MEASURE_SUBKINDS,
    AccuserClass,
    Aggravation,
    FalseCaseStatus,
    FalseMeans,
    MeasureKind,
    MeasureStatus,
    Status,
)
from ..models import FalseAccusationCase, Measure, Recommendation
from .common import refuse_future, require_text

OPENERS = (Role.REVIEWER, Role.SUPERVISOR)
PROPOSERS = (Role.REVIEWER, Role.INVESTIGATOR, Role.SUPERVISOR)


def may_open(user, allegation: Allegation) -> bool:
    return jurisdiction.has_role(user, allegation.report.commission_id, *OPENERS)


def may_propose(user, case: FalseAccusationCase) -> bool:
    return jurisdiction.has_role(user, case.commission_id, *PROPOSERS)


def may_decide(user, case: FalseAccusationCase) -> bool:
    return jurisdiction.has_role(user, case.commission_id, Role.SUPERVISOR)


@transaction.atomic
def false_case_open(
    *,
    actor: User,
    allegation: Allegation,
    accuser_known: bool,
    accuser_class: str,
    means: str,
    means_notes: str = "",
    aggravations: list[str] = (),
) -> FalseAccusationCase:
    """A reviewer of the handling commission opens the case from an allegation flagged as suspected false."""
    allegation = Allegation.objects.select_for_update().select_related("report", "subject").get(pk=allegation.pk)
    if not allegations_visible_to(actor).filter(pk=allegation.pk).exists() or not may_open(actor, allegation):
        raise DomainError(
            _("Only a reviewer or supervisor of the handling commission may open a false-accusation case."),
            code="forbidden",
        )
    if not allegation.suspected_false:
        raise DomainError(_("This allegation was not flagged as a suspected false accusation."), code="not_flagged")
    if FalseAccusationCase.objects.filter(allegation=allegation).exists():
        raise DomainError(_("A false-accusation case is already open for this allegation."), code="duplicate")
    if means not in FalseMeans.values:
        raise DomainError(_("Unknown means."), code="means")
    if accuser_class not in AccuserClass.values:
        raise DomainError(_("Unknown identity class."), code="accuser_class")
    unknown = [a for a in aggravations if a not in Aggravation.values]
    if unknown:
        raise DomainError(_("Unknown aggravating circumstance."), code="aggravations")
    reporter = Reporter.objects.filter(report=allegation.report).first() if accuser_known else None
    if accuser_known and (reporter is None or reporter.is_anonymous):
        raise DomainError(_("The reporter is anonymous: record the accuser as unknown."), code="anonymous")
    linked = (
        Recommendation.objects.filter(report=allegation.report, subject=allegation.subject)
        .exclude(status=Status.REJECTED)
        .first()
    )
    case = FalseAccusationCase.objects.create(
        allegation=allegation,
        report=allegation.report,
        commission=allegation.report.commission,
        accuser=reporter,
        accuser_class=accuser_class,
        means=means,
        means_notes=(means_notes or "").strip(),
        aggravations=[a for a in Aggravation.values if a in set(aggravations)],
        recommendation=linked,
        opened_by=actor,
    )
    audit_record(
        actor=actor,
        action="false_case.open",
        target=case,
        commission=case.commission,
        scope=case,
        report=allegation.report.reference,
        accuser_known=bool(reporter),
        recommendation=linked.pk if linked else None,
    )
    return case


@transaction.atomic
def false_case_link(*, actor: User, case: FalseAccusationCase, recommendation: Recommendation) -> FalseAccusationCase:
    """Link the accuser's case to the accused official's clarification (same report, same subject)."""
    case = FalseAccusationCase.objects.select_for_update().select_related("allegation").get(pk=case.pk)
    if not may_propose(actor, case):
        raise DomainError(_("You may not change this case."), code="forbidden")
    if recommendation.report_id != case.report_id or recommendation.subject_id != case.allegation.subject_id:
        raise DomainError(_("That clarification is about another report or person."), code="other_subject")
    case.recommendation = recommendation
    case.save(update_fields=["recommendation"])
    audit_record(
        actor=actor,
        action="false_case.link",
        target=case,
        commission=case.commission,
        scope=case,
        recommendation=recommendation.pk,
    )
    return case


def _supervisor(user, obj, **context) -> bool:
    case = obj if isinstance(obj, FalseAccusationCase) else obj.case
    return may_decide(user, case)


def _supervisor_rows(path: str):
    def actors(user) -> Q:
        return rows_at(user, Role.SUPERVISOR, field=path)

    return actors


def _false_cases(user):
    from ..selectors import false_cases_visible_to

    return false_cases_visible_to(user)


def _measures_pending(case) -> str | None:
    if case.measures.filter(status=MeasureStatus.PROPOSED).exists():
        return _("Decide the measures awaiting approval first.")
    return None


FALSE_CASES = Workflow(
    name="false_case",
    model=FalseAccusationCase,
    noun=gettext_lazy("the case"),
    related=("commission",),
    audit_context=lambda case: {"commission": case.commission, "scope": case},
    transitions=[
        transition(
            "closed",
            gettext_lazy("Close case"),
            [FalseCaseStatus.OPEN],
            FalseCaseStatus.CLOSED,
            _supervisor,
            gettext_lazy("Only a supervisor of the commission may do this."),
            ready=_measures_pending,
            ready_code="pending_measures",
            done=gettext_lazy("This case is already closed."),
        )
    ],
)
MEASURES = Workflow(
    name="measure",
    model=Measure,
    noun=gettext_lazy("the measure"),
    related=("case", "case__commission"),
    audit_context=lambda measure: {"commission": measure.case.commission, "scope": measure.case, "kind": measure.kind},
    visible=lambda user: Measure.objects.filter(case__in=_false_cases(user)).select_related("case"),
    present=lambda measure: {
        "url": reverse("clarification:false-case-detail", args=[measure.case_id]),
        "label": f"{measure.case.reference} · {measure.get_kind_display()}",
        "due_on": None,
    },
    presented_with=("case",),
    parties=lambda measure: ([measure.case.commission], []),
    transitions=[
        transition(
            name,
            label,
            [MeasureStatus.PROPOSED],
            target,
            _supervisor,
            gettext_lazy("Only a supervisor of the commission approves measures."),
            action=f"false_case.measure_{target}",
            done=gettext_lazy("This measure has already been decided."),
            **extra,
        )
        for name, label, target, extra in [
            (
                "approve",
                gettext_lazy("Approve"),
                MeasureStatus.APPROVED,
                {"task": gettext_lazy("Measure to approve"), "actors": _supervisor_rows("case__commission")},
            ),
            ("reject", gettext_lazy("Reject"), MeasureStatus.REJECTED, {}),
        ]
    ],
)


@transaction.atomic
def false_case_close(*, actor: User, case: FalseAccusationCase, reason: str = "") -> FalseAccusationCase:
    return FALSE_CASES.apply(
        case, actor=actor, name="closed", fields={"closed_at": timezone.now()}, reason=(reason or "").strip() or None
    )


@transaction.atomic
def measure_propose(
    *,
    actor: User,
    case: FalseAccusationCase,
    kind: str,
    subkind: str,
    details: str,
    counterpart: str = "",
    sent_on: datetime.date | None = None,
) -> Measure:
    """Propose a handling step; it counts once a supervisor approves it."""
    case = FalseAccusationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != FalseCaseStatus.OPEN:
        raise DomainError(_("This case is closed."), code="wrong_state")
    if not may_propose(actor, case):
        raise DomainError(_("You may not propose measures in this case."), code="forbidden")
    if kind not in MeasureKind.values:
        raise DomainError(_("Unknown measure."), code="kind")
    if subkind not in MEASURE_SUBKINDS[MeasureKind(kind)].values:
        raise DomainError(_("That type does not fit the measure."), code="subkind")
    details = require_text(details, _("The details"))
    counterpart = (counterpart or "").strip()
    if kind in (MeasureKind.TRANSFER, MeasureKind.CORRECTION) and not counterpart:
        raise DomainError(_("Name the organ or organisation it goes to."), code="counterpart")
    if sent_on is not None:
        refuse_future(sent_on, _("The date sent"))
    measure = Measure.objects.create(
        case=case,
        kind=kind,
        subkind=subkind,
        details=details,
        counterpart=counterpart,
        sent_on=sent_on,
        proposed_by=actor,
    )
    audit_record(
        actor=actor,
        action="false_case.measure_propose",
        target=measure,
        commission=case.commission,
        scope=case,
        kind=kind,
        subkind=subkind,
    )
    MEASURES.announce(measure, actor=actor, key="proposed")
    return measure


@transaction.atomic
def measure_decide(*, actor: User, measure: Measure, approve: bool, reason: str = "") -> Measure:
    measure = Measure.objects.select_for_update(of=("self",)).select_related("case").get(pk=measure.pk)
    reason = (reason or "").strip()
    if not approve:
        reason = require_text(reason, _("The reason"))
    return MEASURES.apply(
        measure,
        actor=actor,
        name="approve" if approve else "reject",
        fields={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason},
        reason=reason or None,
    )


@transaction.atomic
def measure_follow_up(*, actor: User, measure: Measure, follow_up: str) -> Measure:
    """The answer of the organ, or the follow-up of the organisation in charge, on an approved measure."""
    measure = Measure.objects.select_for_update(of=("self",)).select_related("case").get(pk=measure.pk)
    if measure.status != MeasureStatus.APPROVED:
        raise DomainError(_("Follow-up is recorded on an approved measure."), code="wrong_state")
    if not may_propose(actor, measure.case):
        raise DomainError(_("You may not change this case."), code="forbidden")
    measure.follow_up = require_text(follow_up, _("The follow-up"))
    measure.save(update_fields=["follow_up"])
    audit_record(
        actor=actor,
        action="false_case.measure_follow_up",
        target=measure,
        commission=measure.case.commission,
        scope=measure.case,
    )
    return measure
