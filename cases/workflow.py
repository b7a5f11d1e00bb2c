"""The report state machine, enforced in one place (DESIGN.md §3, rules of the house).

registered → disposition proposed → disposition approved → under verification → concluded → closed,
plus held, transferred and closed early. `apply_transition` is the only code that writes
Report.status: it checks the role, the reach and the current state, and writes the audit event in
the same transaction.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.roles import Role
from audit.services import audit_record
from core.errors import DomainError

from . import deadlines
from .choices import Status
from .models import Report


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]


def _t(name, label, sources, targets, roles):
    return Transition(name, label, frozenset(sources), frozenset(targets), frozenset(roles))


S = Status
TRANSITIONS = {
    t.name: t
    for t in [
        _t(
            "propose_disposition",
            gettext_lazy("Propose disposition"),
            [S.REGISTERED],
            [S.DISPOSITION_PROPOSED],
            [Role.REVIEWER, Role.SUPERVISOR],
        ),
        _t(
            "approve_disposition",
            gettext_lazy("Approve disposition"),
            [S.DISPOSITION_PROPOSED],
            [S.DISPOSITION_APPROVED, S.HELD, S.CLOSED_EARLY, S.TRANSFERRED, S.REGISTERED],
            [Role.SUPERVISOR],
        ),
        _t(
            "reject_disposition",
            gettext_lazy("Return disposition"),
            [S.DISPOSITION_PROPOSED],
            [S.REGISTERED],
            [Role.SUPERVISOR],
        ),
        _t(
            "start_verification",
            gettext_lazy("Assign and start verification"),
            [S.DISPOSITION_APPROVED],
            [S.UNDER_VERIFICATION],
            [Role.SUPERVISOR],
        ),
        _t("conclude", gettext_lazy("Approve conclusion"), [S.UNDER_VERIFICATION], [S.CONCLUDED], [Role.SUPERVISOR]),
        _t("close", gettext_lazy("Close report"), [S.CONCLUDED], [S.CLOSED], [Role.SUPERVISOR]),
        _t("resume", gettext_lazy("Resume held report"), [S.HELD], [S.REGISTERED], [Role.SUPERVISOR]),
    ]
}


def check_transition(*, report: Report, actor, name: str, target: str | None = None) -> Transition:
    spec = TRANSITIONS[name]
    if report.status not in spec.sources:
        raise DomainError(
            _("“%(action)s” is not possible while the report is “%(status)s”.")
            % {"action": spec.label, "status": report.get_status_display()},
            code="wrong_state",
        )
    if not jurisdiction.has_role(actor, report.commission_id, *spec.roles):
        raise DomainError(
            _("Only a %(roles)s of %(commission)s may do this.")
            % {
                "roles": " / ".join(str(Role(r).label) for r in sorted(spec.roles)),
                "commission": report.commission,
            },
            code="forbidden",
        )
    if target is not None and target not in spec.targets:
        raise DomainError(_("That transition leads nowhere valid."), code="wrong_state")
    return spec


def lock(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("commission").get(pk=report.pk)


@transaction.atomic
def apply_transition(*, report: Report, actor, name: str, target: str | None = None, **audit_data) -> Report:
    """Move a locked report to its next state, with its new due date and an audit event."""
    locked = lock(report)
    spec = check_transition(report=locked, actor=actor, name=name, target=target)
    new_status = target or next(iter(spec.targets))
    previous = locked.status
    locked.status = new_status
    locked.due_on = audit_data.pop("due_on", None) or deadlines.due_after(new_status)
    if "outcome" in audit_data:
        locked.outcome = audit_data["outcome"]
    locked.save(update_fields=["status", "due_on", "outcome", "updated_at"])
    audit_record(
        actor=actor,
        action=f"report.{name}",
        target=locked,
        commission=locked.commission,
        scope=locked,
        previous=previous,
        status=new_status,
        **audit_data,
    )
    report.status, report.due_on, report.outcome = locked.status, locked.due_on, locked.outcome
    return locked


def allowed_transitions(user, report: Report) -> list[str]:
    """Names of the transitions this user may take on this report now (for buttons; services decide)."""
    names = []
    for name, spec in TRANSITIONS.items():
        if report.status in spec.sources and jurisdiction.has_role(user, report.commission_id, *spec.roles):
            names.append(name)
    return names
