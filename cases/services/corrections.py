"""Corrections of a registered report and its allegations (DESIGN.md §6: records can be corrected, never silently).

Until the disposition is approved, the intake officer and the case management office (reviewer) of the handling
commission, or a supervisor there, correct the record directly. Afterwards a correction is proposed and a
supervisor of the handling commission applies or rejects it. Either way the change is applied by `_apply`, which
validates it against the report as it is at that moment and writes one audit event with the before and after
values, shown on the report's timeline.
"""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import User
from accounts.roles import Role
from audit.services import audit_record
from core.errors import DomainError
from core.validation import refuse_future, require_text
from core.workflow import NEVER, Workflow, rows_at, transition

from .. import workflow
from ..choices import Area, Category, Channel, CorrectionOp, CorrectionStatus, Status
from ..limits import PLACE_MAX_LENGTH, check_summary
from ..models import Allegation, Correction, Recusal, Report, Subject
from ..selectors import is_assigned, is_recused, subjects_visible_to
from .reports import refresh_search_tokens

# Before a disposition is approved nothing rests on the record yet (DESIGN.md §6).
DIRECT_STATUSES = frozenset({Status.REGISTERED, Status.DISPOSITION_PROPOSED})
DIRECT_ROLES = (Role.INTAKE, Role.REVIEWER, Role.SUPERVISOR)
REPORT_FIELDS = ("summary", "channel", "area", "received_on", "place")
MAX_PARTS = 10


def corrects_directly(user, report: Report) -> bool:
    """The user's corrections of this report apply without approval (for the page; the service decides)."""
    return report.status in DIRECT_STATUSES and jurisdiction.has_role(user, report.commission_id, *DIRECT_ROLES)


def may_propose(user, report: Report) -> bool:
    """The user may ask for a correction: the handling commission's intake, reviewers, supervisors, or an assigned
    investigator, on a report still held by the commission."""
    if report.status == Status.TRANSFERRED:
        return False
    return jurisdiction.has_role(user, report.commission_id, *DIRECT_ROLES) or is_assigned(user, report)


def may_decide(user, report: Report) -> bool:
    """A supervisor of the handling commission without a declared conflict of interest on the report."""
    return jurisdiction.has_role(user, report.commission_id, Role.SUPERVISOR) and not is_recused(user, report)


def _may_apply(user, correction: Correction, direct: bool = False, **context) -> bool:
    if direct:
        return corrects_directly(user, correction.report)
    return may_decide(user, correction.report) and correction.proposed_by_id != user.pk


def _decider_rows(user) -> Q:
    supervised = rows_at(user, Role.SUPERVISOR, field="report__commission")
    if supervised is NEVER:
        return NEVER
    recused = Recusal.objects.filter(report=OuterRef("report"), user=user)
    return supervised & ~Q(proposed_by=user) & ~Q(Exists(recused))


def _corrections_in_reach(user):
    from ..selectors import reports_visible_to

    return Correction.objects.filter(report__in=reports_visible_to(user)).select_related("report")


_DECIDERS = gettext_lazy("Only a supervisor of the handling commission decides on corrections of this report.")
_DECIDED = gettext_lazy("This correction has already been decided.")
_C = CorrectionStatus
CORRECTIONS = Workflow(
    name="correction",
    model=Correction,
    noun=gettext_lazy("the correction"),
    related=("report", "report__commission"),
    audit_context=lambda c: {"commission": c.report.commission, "scope": c.report},
    visible=_corrections_in_reach,
    present=lambda c: {
        "url": reverse("cases:report-detail", args=[c.report_id]),
        "label": f"{c.report.reference} · {c.get_op_display()}",
        "due_on": None,
    },
    presented_with=("report",),
    parties=lambda c: ([c.report.commission], []),
    transitions=[
        transition(
            "apply",
            gettext_lazy("Apply correction"),
            [_C.PENDING],
            _C.APPLIED,
            _may_apply,
            _DECIDERS,
            action="report.correct",
            done=_DECIDED,
            task=gettext_lazy("Correction to approve"),
            actors=_decider_rows,
        ),
        transition(
            "reject",
            gettext_lazy("Reject correction"),
            [_C.PENDING],
            _C.REJECTED,
            _may_apply,
            _DECIDERS,
            action="report.correction_reject",
            done=_DECIDED,
        ),
    ],
)


@transaction.atomic
def report_correct(*, actor: User, report: Report, op: str, payload: dict, reason: str = "") -> Correction:
    """Correct the report now where the actor may, otherwise propose the correction to a supervisor.

    The returned correction is `applied` or `pending`; a refusal writes nothing."""
    locked = workflow.lock(report)
    if not may_propose(actor, locked):
        if locked.status == Status.TRANSFERRED:
            raise DomainError(
                _("This report was transferred out; the receiving organ corrects it."), code="wrong_state"
            )
        raise DomainError(
            _(
                "Only the intake officers, reviewers and supervisors of %(commission)s or an assigned investigator may "
                "correct this report."
            )
            % {"commission": locked.commission},
            code="forbidden",
        )
    if op not in CorrectionOp.values:
        raise DomainError(_("Unknown correction."), code="op")
    reason = (reason or "").strip()
    direct = corrects_directly(actor, locked)
    if not direct and not reason:
        raise DomainError(_("Say why the record needs correcting: a supervisor will decide."), code="required")
    # Validated now, so a proposal that could never apply is refused at once (and again when applied).
    normalised = _normalise(actor=actor, report=locked, op=op, payload=payload or {}, reason=reason)
    correction = Correction.objects.create(report=locked, op=op, payload=normalised, reason=reason, proposed_by=actor)
    if direct:
        _apply(correction, actor=actor, approved_by=None)
    else:
        audit_record(
            actor=actor,
            action="report.correction_propose",
            target=correction,
            commission=locked.commission,
            scope=locked,
            op=op,
            correction=correction.pk,
            reason=reason,
            changes=_preview(locked, op, normalised),
        )
        CORRECTIONS.announce(correction, actor=actor, key="proposed")
    report.refresh_from_db()
    return correction


@transaction.atomic
def correction_decide(*, actor: User, correction: Correction, approve: bool, reason: str = "") -> Correction:
    """A supervisor of the handling commission applies or rejects a proposed correction (not their own)."""
    report = workflow.lock(correction.report)
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if not may_decide(actor, report):
        raise DomainError(
            _("Only a supervisor of %(commission)s decides on corrections of this report.")
            % {"commission": report.commission},
            code="forbidden",
        )
    if correction.proposed_by_id == actor.pk:
        raise DomainError(_("Another supervisor decides on a correction you proposed."), code="own_proposal")
    CORRECTIONS.check(correction, actor=actor, name="apply" if approve else "reject")
    reason = (reason or "").strip()
    if approve:
        # The report may have changed since the proposal: validated again against it as it is now.
        correction.payload = _normalise(
            actor=correction.proposed_by,
            report=report,
            op=correction.op,
            payload=correction.payload,
            reason=correction.reason,
        )
        correction.decision_reason = reason
        _apply(correction, actor=actor, approved_by=actor)
    else:
        reason = require_text(reason, _("The reason"))
        CORRECTIONS.apply(
            correction,
            actor=actor,
            name="reject",
            fields={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason},
            op=correction.op,
            correction=correction.pk,
            reason=reason,
        )
    return correction


# ---------------------------------------------------------------------------------------------------------------
# Validation: each operation's payload becomes plain ids and values, or a refusal


MAX_ID = 2**63 - 1  # ids beyond the column's range are simply not found


def _id(value) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def _allegation(report: Report, value) -> Allegation:
    pk = _id(value)
    allegation = report.allegations.filter(pk=pk).first() if pk else None
    if allegation is None:
        raise DomainError(_("That allegation is not one of this report's."), code="allegation")
    return allegation


def _category(value, *, required: bool) -> str | None:
    if value in (None, "") and not required:
        return None
    if value == Category.UNCLASSIFIED:
        raise DomainError(
            _("Choose the discipline category; a correction does not leave it to be classified."), code="category"
        )
    if value not in Category.values:
        raise DomainError(_("Unknown discipline category."), code="category")
    return value


def _unfound(allegation: Allegation) -> Allegation:
    """Splitting, merging or removing an allegation would discard its finding and what rests on it."""
    if allegation.finding:
        raise DomainError(
            _(
                "“%(text)s” already has a finding: correct its text or category, but it cannot be split, merged or "
                "removed."
            )
            % {"text": allegation.text[:40]},
            code="has_finding",
        )
    return allegation


def _parts(payload_parts) -> list[dict]:
    if not isinstance(payload_parts, list) or not 2 <= len(payload_parts) <= MAX_PARTS:
        raise DomainError(_("Split an allegation into two to %(n)s allegations.") % {"n": MAX_PARTS}, code="parts")
    parts = []
    for part in payload_parts:
        part = part if isinstance(part, dict) else {}
        parts.append(
            {
                "text": require_text(part.get("text"), _("The allegation")),
                "category": _category(part.get("category"), required=True),
            }
        )
    return parts


def _current(report: Report, field: str) -> str:
    value = getattr(report, field)
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _report_fields(report: Report, payload: dict) -> dict:
    fields = {}
    if "summary" in payload:
        fields["summary"] = check_summary(payload["summary"])
    if "channel" in payload:
        if payload["channel"] not in Channel.values:
            raise DomainError(_("Unknown channel."), code="channel")
        fields["channel"] = payload["channel"]
    if "area" in payload:
        if payload["area"] not in Area.values:
            raise DomainError(_("Unknown livelihood area."), code="area")
        fields["area"] = payload["area"]
    if "received_on" in payload:
        value = payload["received_on"]
        try:
            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
        except ValueError as error:
            raise DomainError(_("The date received is not a date."), code="received_on") from error
        refuse_future(day, _("The date received"))
        fields["received_on"] = day.isoformat()
    if "place" in payload:
        place = " ".join(str(payload["place"] or "").split())
        if len(place) > PLACE_MAX_LENGTH:
            raise DomainError(_("The place is limited to %(n)s characters.") % {"n": PLACE_MAX_LENGTH}, code="place")
        fields["place"] = place
    changed = {k: v for k, v in fields.items() if _current(report, k) != v}
    if not changed:
        raise DomainError(_("Nothing would change."), code="no_change")
    return changed


def _normalise(*, actor: User, report: Report, op: str, payload: dict, reason: str) -> dict:
    if op == CorrectionOp.REPORT:
        return _report_fields(report, {k: payload[k] for k in REPORT_FIELDS if k in payload})
    if op == CorrectionOp.EDIT:
        allegation = _allegation(report, payload.get("allegation"))
        result = {"allegation": allegation.pk}
        if payload.get("text") not in (None, ""):
            text = require_text(payload["text"], _("The allegation"))
            if text != allegation.text:
                result["text"] = text
        category = _category(payload.get("category"), required=False)
        if category and category != allegation.category:
            result["category"] = category
        if len(result) == 1:
            raise DomainError(_("Nothing would change."), code="no_change")
        return result
    if op == CorrectionOp.SPLIT:
        allegation = _unfound(_allegation(report, payload.get("allegation")))
        return {"allegation": allegation.pk, "parts": _parts(payload.get("parts"))}
    if op == CorrectionOp.MERGE:
        ids = payload.get("allegations")
        if not isinstance(ids, list) or len(set(map(str, ids))) < 2:
            raise DomainError(_("Choose at least two allegations to merge."), code="parts")
        allegations = [_unfound(_allegation(report, pk)) for pk in dict.fromkeys(ids)]
        if len({a.subject_id for a in allegations}) > 1:
            raise DomainError(_("Only allegations about the same subject can be merged."), code="subjects_differ")
        return {
            "allegations": sorted(a.pk for a in allegations),
            "text": require_text(payload.get("text"), _("The allegation")),
            "category": _category(payload.get("category"), required=True),
        }
    if op == CorrectionOp.ADD:
        subject_pk = _id(payload.get("subject"))
        # A subject already on the report, or one in the proposer's registry.
        on_report = report.allegations.filter(subject_id=subject_pk).exists()
        if subject_pk is None or not (on_report or subjects_visible_to(actor).filter(pk=subject_pk).exists()):
            raise DomainError(_("That subject is not in your registry."), code="subject")
        return {
            "subject": subject_pk,
            "text": require_text(payload.get("text"), _("The allegation")),
            "category": _category(payload.get("category"), required=True),
        }
    # remove
    allegation = _unfound(_allegation(report, payload.get("allegation")))
    require_text(reason, _("The reason for removing the allegation"))
    if report.allegations.count() < 2:
        raise DomainError(_("A report keeps at least one allegation."), code="last_allegation")
    return {"allegation": allegation.pk}


# ---------------------------------------------------------------------------------------------------------------
# Application: one audit event with the before and after values


def _row(allegation: Allegation) -> dict:
    return {
        "id": allegation.pk,
        "subject": str(allegation.subject),
        "text": allegation.text,
        "category": allegation.category,
    }


def _preview(report: Report, op: str, payload: dict) -> list[dict]:
    """What a proposal would change, for the timeline and the supervisor."""
    if op == CorrectionOp.REPORT:
        return [{"field": k, "before": _current(report, k), "after": v} for k, v in payload.items()]
    if op == CorrectionOp.EDIT:
        allegation = report.allegations.get(pk=payload["allegation"])
        return [
            {"field": k, "allegation": allegation.pk, "before": getattr(allegation, k), "after": payload[k]}
            for k in ("text", "category")
            if k in payload
        ]
    if op == CorrectionOp.SPLIT:
        before = [_row(report.allegations.select_related("subject").get(pk=payload["allegation"]))]
        return [{"field": "allegations", "before": before, "after": payload["parts"]}]
    if op == CorrectionOp.MERGE:
        before = [_row(a) for a in report.allegations.select_related("subject").filter(pk__in=payload["allegations"])]
        return [
            {
                "field": "allegations",
                "before": before,
                "after": [{"text": payload["text"], "category": payload["category"]}],
            }
        ]
    if op == CorrectionOp.ADD:
        subject = Subject.objects.get(pk=payload["subject"])
        return [
            {
                "field": "allegations",
                "before": [],
                "after": [{"subject": str(subject), "text": payload["text"], "category": payload["category"]}],
            }
        ]
    before = [_row(report.allegations.select_related("subject").get(pk=payload["allegation"]))]
    return [{"field": "allegations", "before": before, "after": []}]


def preview_rows(correction: Correction) -> list[dict]:
    """A pending correction as the supervisor reads it: field, before, after (display values)."""
    from ..presentation import changes_display

    try:
        return changes_display(_preview(correction.report, correction.op, correction.payload))
    except (Allegation.DoesNotExist, Subject.DoesNotExist):
        return []  # the allegation went away meanwhile: approving it will be refused


def _apply(correction: Correction, *, actor: User, approved_by: User | None) -> None:
    report, op, payload = correction.report, correction.op, correction.payload
    changes = _preview(report, op, payload)
    created: list[int] = []
    if op == CorrectionOp.REPORT:
        for field, value in payload.items():
            setattr(report, field, datetime.date.fromisoformat(value) if field == "received_on" else value)
        report.save(update_fields=[*payload.keys(), "updated_at"])
    elif op == CorrectionOp.EDIT:
        allegation = report.allegations.get(pk=payload["allegation"])
        fields = [k for k in ("text", "category") if k in payload]
        for field in fields:
            setattr(allegation, field, payload[field])
        allegation.save(update_fields=fields)
    elif op == CorrectionOp.SPLIT:
        original = report.allegations.get(pk=payload["allegation"])
        created = [
            Allegation.objects.create(
                report=report, subject_id=original.subject_id, text=p["text"], category=p["category"]
            ).pk
            for p in payload["parts"]
        ]
        original.delete()
    elif op == CorrectionOp.MERGE:
        first, *others = report.allegations.filter(pk__in=payload["allegations"]).order_by("id")
        first.text, first.category = payload["text"], payload["category"]
        first.save(update_fields=["text", "category"])
        Allegation.objects.filter(pk__in=[a.pk for a in others]).delete()
        created = [first.pk]
    elif op == CorrectionOp.ADD:
        created = [
            Allegation.objects.create(
                report=report, subject_id=payload["subject"], text=payload["text"], category=payload["category"]
            ).pk
        ]
    else:
        report.allegations.filter(pk=payload["allegation"]).delete()
    if op != CorrectionOp.REPORT or "summary" in payload:
        refresh_search_tokens(report)
    CORRECTIONS.apply(
        correction,
        actor=actor,
        name="apply",
        fields={
            "payload": correction.payload,
            "decided_by": approved_by,
            "decided_at": timezone.now(),
            "decision_reason": correction.decision_reason,
        },
        context={"direct": approved_by is None},
        op=op,
        correction=correction.pk,
        proposed_by=correction.proposed_by_id if approved_by else None,
        proposed_by_name=str(correction.proposed_by) if approved_by else None,
        reason=correction.reason or None,
        changes=changes,
        created=created or None,
    )
