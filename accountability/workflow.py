"""The accountability case state machine, enforced in one place (DESIGN.md §3, rules of the house).

initiated → investigating → decision proposed → decided → implemented → closed; from a decision, a
complaint → complaint reviewed → decision upheld, changed or revoked. `apply_transition` is the only
code that writes AccountabilityCase.status: it checks who acts, where, and the current state, and
writes the audit event in the same transaction.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import Commission
from accounts.roles import Role
from audit.services import audit_record
from core.errors import DomainError

from .choices import Status
from .models import AccountabilityCase

WORK_PERM = "accountability.work_accountabilitycase"

# Who may take a transition: roles at the handling commission, the case team (the handling
# commission's supervisors plus the users granted the case), or a supervisor at the commission with
# management authority over the target (passed in by the service).
HANDLING, TEAM, AUTHORITY = "handling", "team", "authority"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    targets: frozenset[str]
    who: str
    roles: frozenset[str]


def _t(name, label, sources, targets, who, roles=(Role.SUPERVISOR,)):
    return Transition(name, label, frozenset(sources), frozenset(targets), who, frozenset(roles))


S = Status
TRANSITIONS = {
    t.name: t
    for t in [
        _t("start_investigation", gettext_lazy("Start investigation"), [S.INITIATED], [S.INVESTIGATING], HANDLING),
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
        ),
        _t(
            "return_decision",
            gettext_lazy("Return decision"),
            [S.DECISION_PROPOSED],
            [S.DECISION_PROPOSED, S.INVESTIGATING],
            AUTHORITY,
        ),
        _t("implement", gettext_lazy("Record implementation"), [S.DECIDED, S.UPHELD, S.CHANGED], [S.IMPLEMENTED], TEAM),
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
        ),
        _t(
            "resolve_complaint",
            gettext_lazy("Decide on complaint"),
            [S.COMPLAINT_REVIEWED],
            [S.UPHELD, S.CHANGED, S.REVOKED],
            AUTHORITY,
        ),
    ]
}


def is_team_member(user, case: AccountabilityCase) -> bool:
    return jurisdiction.has_role(user, case.commission_id, Role.SUPERVISOR) or jurisdiction.is_granted(
        user, WORK_PERM, case
    )


def may_act(user, case: AccountabilityCase, spec: Transition, authority: Commission | None = None) -> bool:
    if spec.who == TEAM:
        return is_team_member(user, case)
    if spec.who == AUTHORITY:
        return authority is not None and jurisdiction.has_role(user, authority.pk, *spec.roles)
    return jurisdiction.has_role(user, case.commission_id, *spec.roles)


def check_transition(
    *, case: AccountabilityCase, actor, name: str, target: str | None = None, authority: Commission | None = None
) -> Transition:
    spec = TRANSITIONS[name]
    if case.status not in spec.sources:
        raise DomainError(
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": spec.label, "status": case.get_status_display()},
            code="wrong_state",
        )
    if not may_act(actor, case, spec, authority):
        if spec.who == AUTHORITY:
            message = _(
                "Only a supervisor of %(commission)s, which holds management authority over the target, may do this."
            ) % {"commission": authority}
            raise DomainError(message, code="no_authority")
        if spec.who == TEAM:
            message = _("Only a supervisor of %(commission)s or a member of the case team may do this.") % {
                "commission": case.commission
            }
        else:
            message = _("Only a %(roles)s of %(commission)s may do this.") % {
                "roles": " / ".join(str(Role(r).label) for r in sorted(spec.roles)),
                "commission": case.commission,
            }
        raise DomainError(message, code="forbidden")
    if target is not None and target not in spec.targets:
        raise DomainError(_("That transition leads nowhere valid."), code="wrong_state")
    return spec


def lock(case: AccountabilityCase) -> AccountabilityCase:
    return AccountabilityCase.objects.select_for_update().select_related("commission").get(pk=case.pk)


@transaction.atomic
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
    locked = lock(case)
    spec = check_transition(case=locked, actor=actor, name=name, target=target, authority=authority)
    new_status = target or next(iter(spec.targets))
    previous = locked.status
    locked.status = new_status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"accountability.{name}",
        target=locked,
        commission=locked.commission,
        scope=locked,
        previous=previous,
        status=new_status,
        **audit_data,
    )
    case.status = locked.status
    return locked


def allowed_transitions(user, case: AccountabilityCase) -> list[str]:
    """Transitions this user may take on the case now, for buttons (authority ones are per decision)."""
    return [
        name
        for name, spec in TRANSITIONS.items()
        if spec.who != AUTHORITY and case.status in spec.sources and may_act(user, case, spec)
    ]
