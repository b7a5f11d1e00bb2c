"""The accountability case workflow, declared for the engine (core/workflow.py; DESIGN.md §3).

initiated → investigating → decision proposed → decided → implemented → closed; from a decision, a
complaint → complaint reviewed → decision upheld, changed or revoked. Approving a decision or deciding on a
complaint belongs to a supervisor of the commission with management authority over the target (the
service passes it; the action panel asks the case's pending decisions).
"""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import Role
from core.workflow import NEVER, Workflow, any_of, rows_at, rows_in, transition

from .choices import DecisionStatus, Status
from .models import AccountabilityCase, Complaint, Decision

WORK_PERM = "accountability.work_accountabilitycase"

# Who may take a transition: roles at the handling commission, the case team (the handling
# commission's supervisors plus the users granted the case), or a supervisor at the commission with
# management authority over the target.
HANDLING, TEAM, AUTHORITY = "handling", "team", "authority"


def _selectors():
    from . import selectors

    return selectors


def is_team_member(user, case: AccountabilityCase) -> bool:
    return jurisdiction.has_role(user, case.commission_id, Role.SUPERVISOR) or jurisdiction.is_granted(
        user, WORK_PERM, case
    )


def _pending_authorities(case: AccountabilityCase) -> set[int]:
    """The commissions with authority over what waits on the case: proposed decisions, or reviewed complaints."""
    if case.status == Status.DECISION_PROPOSED:
        rows = Decision.objects.filter(case=case, status=DecisionStatus.PROPOSED)
        return set(rows.values_list("approving_commission_id", flat=True))
    if case.status == Status.COMPLAINT_REVIEWED:
        rows = Complaint.objects.filter(case=case, outcome="")
        return set(rows.values_list("decision__approving_commission_id", flat=True))
    return set()


def _may(who, roles):
    def allowed(user, case, authority: Commission | None = None, **context) -> bool:
        if who == TEAM:
            return is_team_member(user, case)
        if who == AUTHORITY:
            commissions = [authority.pk] if authority is not None else _pending_authorities(case)
            return any(jurisdiction.has_role(user, c, *roles) for c in commissions)
        return jurisdiction.has_role(user, case.commission_id, *roles)

    return allowed


def _refusal(who, roles):
    def message(case, authority: Commission | None = None, **context):
        if who == AUTHORITY:
            return _(
                "Only a supervisor of %(commission)s, which holds management authority over the target, may do this."
            ) % {"commission": authority}
        if who == TEAM:
            return _("Only a supervisor of %(commission)s or a member of the case team may do this.") % {
                "commission": case.commission
            }
        return _("Only a %(roles)s of %(commission)s may do this.") % {
            "roles": " / ".join(str(Role(r).label) for r in sorted(roles)),
            "commission": case.commission,
        }

    return message


def _rows(who, roles):
    def actors(user) -> Q:
        if who == AUTHORITY:
            at = [c.pk for c in jurisdiction.commissions_with_role(user, *roles)]
            if not at:
                return NEVER
            decisions = Decision.objects.filter(
                case=OuterRef("pk"), status=DecisionStatus.PROPOSED, approving_commission__in=at
            )
            complaints = Complaint.objects.filter(
                case=OuterRef("pk"), outcome="", decision__approving_commission__in=at
            )
            return (Q(status=Status.DECISION_PROPOSED) & Q(Exists(decisions))) | (
                Q(status=Status.COMPLAINT_REVIEWED) & Q(Exists(complaints))
            )
        if who == TEAM:
            granted = jurisdiction.granted_ids(user, AccountabilityCase, WORK_PERM)
            return any_of(rows_at(user, Role.SUPERVISOR), rows_in(granted))
        return rows_at(user, *roles)

    return actors


def _t(name, label, sources, targets, who, roles=(Role.SUPERVISOR,), task=None):
    return transition(
        name,
        label,
        sources,
        targets,
        _may(who, roles),
        _refusal(who, roles),
        refusal="no_authority" if who == AUTHORITY else "forbidden",
        task=task,
        actors=_rows(who, roles) if task else None,
    )


S = Status
CASES = Workflow(
    name="accountability",
    model=AccountabilityCase,
    noun=gettext_lazy("the case"),
    related=("commission",),
    audit_context=lambda case: {"commission": case.commission, "scope": case},
    visible=lambda user: _selectors().cases_visible_to(user).select_related("commission"),
    present=lambda case: {
        "url": reverse("accountability:case-detail", args=[case.pk]),
        "label": f"{case.reference} · {case.facts[:40]}",
        "due_on": None,
    },
    parties=lambda case: ([case.commission, *Commission.objects.filter(pk__in=_pending_authorities(case))], []),
    transitions=[
        _t(
            "start_investigation",
            gettext_lazy("Start investigation"),
            [S.INITIATED],
            [S.INVESTIGATING],
            HANDLING,
            task=gettext_lazy("Investigation to start"),
        ),
        _t(
            "propose_decision",
            gettext_lazy("Propose decision"),
            [S.INVESTIGATING, S.DECISION_PROPOSED],
            [S.DECISION_PROPOSED],
            TEAM,
        ),
        _t(
            "approve_decision",
            gettext_lazy("Approve decision"),
            [S.DECISION_PROPOSED],
            [S.DECISION_PROPOSED, S.DECIDED],
            AUTHORITY,
            task=gettext_lazy("Accountability decision to approve"),
        ),
        _t(
            "return_decision",
            gettext_lazy("Return decision"),
            [S.DECISION_PROPOSED],
            [S.DECISION_PROPOSED, S.INVESTIGATING],
            AUTHORITY,
        ),
        _t(
            "implement",
            gettext_lazy("Record implementation"),
            [S.DECIDED, S.UPHELD, S.CHANGED],
            [S.IMPLEMENTED],
            TEAM,
            task=gettext_lazy("Decision to implement"),
        ),
        _t("close", gettext_lazy("Close case"), [S.IMPLEMENTED, S.UPHELD, S.REVOKED], [S.CLOSED], HANDLING),
        _t(
            "lodge_complaint",
            gettext_lazy("Record complaint"),
            [S.DECIDED, S.IMPLEMENTED, S.UPHELD, S.CHANGED],
            [S.COMPLAINT],
            HANDLING,
            (Role.INTAKE, Role.INVESTIGATOR, Role.SUPERVISOR),
        ),
        _t(
            "review_complaint",
            gettext_lazy("Review complaint"),
            [S.COMPLAINT],
            [S.COMPLAINT_REVIEWED],
            HANDLING,
            (Role.REVIEWER, Role.SUPERVISOR),
            task=gettext_lazy("Complaint to review"),
        ),
        _t(
            "resolve_complaint",
            gettext_lazy("Decide on complaint"),
            [S.COMPLAINT_REVIEWED],
            [S.UPHELD, S.CHANGED, S.REVOKED],
            AUTHORITY,
            task=gettext_lazy("Complaint to decide"),
        ),
    ],
)
TRANSITIONS = CASES.by_name


def _authority(user, decision, authority: Commission | None = None, **context) -> bool:
    return authority is not None and jurisdiction.has_role(user, authority.pk, Role.SUPERVISOR)


_NO_AUTHORITY = _refusal(AUTHORITY, (Role.SUPERVISOR,))
D = DecisionStatus
# A decision's own states, taken inside the case's transitions (approve_decision, return_decision,
# resolve_complaint) by the commission with management authority over the target.
_NOT_AWAITING = gettext_lazy("This decision is not awaiting approval.")
DECISIONS = Workflow(
    name="decision",
    model=Decision,
    noun=gettext_lazy("the decision"),
    related=("case", "case__commission"),
    audit_context=lambda d: {"commission": d.case.commission, "scope": d.case},
    transitions=[
        transition(
            "approve",
            gettext_lazy("Approve decision"),
            [D.PROPOSED],
            D.IN_FORCE,
            _authority,
            _NO_AUTHORITY,
            done=_NOT_AWAITING,
        ),
        transition(
            "return",
            gettext_lazy("Return decision"),
            [D.PROPOSED],
            D.RETURNED,
            _authority,
            _NO_AUTHORITY,
            done=_NOT_AWAITING,
        ),
        transition("change", gettext_lazy("Changed on complaint"), [D.IN_FORCE], D.CHANGED, _authority, _NO_AUTHORITY),
        transition("revoke", gettext_lazy("Revoked on complaint"), [D.IN_FORCE], D.REVOKED, _authority, _NO_AUTHORITY),
    ],
)


def check_transition(
    *, case: AccountabilityCase, actor, name: str, target: str | None = None, authority: Commission | None = None
):
    return CASES.check(case, actor=actor, name=name, target=target, authority=authority)


def lock(case: AccountabilityCase) -> AccountabilityCase:
    return CASES.lock(case)


def apply_transition(
    *,
    case: AccountabilityCase,
    actor,
    name: str,
    target: str | None = None,
    authority: Commission | None = None,
    **audit_data,
) -> AccountabilityCase:
    """Move a locked case to its next state and record the audit event."""
    return CASES.apply(case, actor=actor, name=name, target=target, context={"authority": authority}, **audit_data)


def allowed_transitions(user, case: AccountabilityCase) -> list[str]:
    """Transitions this user may take on the case now, for buttons (authority ones are offered per decision)."""
    return [name for name in CASES.allowed(user, case) if TRANSITIONS[name].refusal != "no_authority"]
