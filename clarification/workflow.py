"""The clarification state machine, enforced in one place.

draft → in review (three offices give opinions) → awaiting approval (at the commission that manages the
subject) → approved → executed → return visit done; a return sends it back to draft for a new round,
a rejection ends it. `apply_transition` is the only code that writes Recommendation.status.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from core.errors import DomainError

from . import permissions
from .choices import Status
from .models import Recommendation


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    allowed: Callable
    who: str
    new_round: bool = False


S = Status
TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit_review",
            gettext_lazy("Send to centralised review"),
            frozenset([S.DRAFT]),
            S.IN_REVIEW,
            permissions.is_drafter,
            gettext_lazy("an investigator of the handling commission or of the report"),
        ),
        Transition(
            "withdraw",
            gettext_lazy("Take back for revision"),
            frozenset([S.IN_REVIEW]),
            S.DRAFT,
            permissions.is_drafter,
            gettext_lazy("an investigator of the handling commission or of the report"),
            new_round=True,
        ),
        Transition(
            "submit",
            gettext_lazy("Submit for approval"),
            frozenset([S.IN_REVIEW]),
            S.PENDING_APPROVAL,
            permissions.is_drafter,
            gettext_lazy("an investigator of the handling commission or of the report"),
        ),
        Transition(
            "approve",
            gettext_lazy("Approve"),
            frozenset([S.PENDING_APPROVAL]),
            S.APPROVED,
            permissions.is_approver,
            gettext_lazy("a supervisor of the approving commission"),
        ),
        Transition(
            "return",
            gettext_lazy("Return for revision"),
            frozenset([S.PENDING_APPROVAL]),
            S.DRAFT,
            permissions.is_approver,
            gettext_lazy("a supervisor of the approving commission"),
            new_round=True,
        ),
        Transition(
            "reject",
            gettext_lazy("Reject"),
            frozenset([S.PENDING_APPROVAL]),
            S.REJECTED,
            permissions.is_approver,
            gettext_lazy("a supervisor of the approving commission"),
        ),
        Transition(
            "reopen",
            gettext_lazy("Reopen for changes (needs a new approval)"),
            frozenset([S.APPROVED]),
            S.DRAFT,
            permissions.is_drafter_or_approver,
            gettext_lazy("the drafter or a supervisor of the approving commission"),
            new_round=True,
        ),
        Transition(
            "execute",
            gettext_lazy("Record execution"),
            frozenset([S.APPROVED]),
            S.EXECUTED,
            permissions.is_executor,
            gettext_lazy("an investigator or supervisor of the handling commission"),
        ),
        Transition(
            "return_visit",
            gettext_lazy("Record return visit"),
            frozenset([S.EXECUTED]),
            S.COMPLETED,
            permissions.is_executor,
            gettext_lazy("an investigator or supervisor of the handling commission"),
        ),
    ]
}


def check_transition(*, recommendation: Recommendation, actor, name: str) -> Transition:
    spec = TRANSITIONS[name]
    if recommendation.status not in spec.sources:
        raise DomainError(
            _("“%(action)s” is not possible while the recommendation is “%(status)s”.")
            % {"action": spec.label, "status": recommendation.get_status_display()},
            code="wrong_state",
        )
    if not spec.allowed(actor, recommendation):
        raise DomainError(
            _("Only %(who)s may do this.") % {"who": spec.who},
            code="forbidden",
        )
    return spec


def lock(recommendation: Recommendation) -> Recommendation:
    """Re-read the recommendation under a row lock: two supervisors approving at once act one after the other."""
    locked = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("commission", "approving_commission", "report", "subject")
        .get(pk=recommendation.pk)
    )
    locked._locked = True
    return locked


@transaction.atomic
def apply_transition(
    *, recommendation: Recommendation, actor, name: str, fields: dict | None = None, **audit_data
) -> Recommendation:
    """Move a locked recommendation to its next state, writing `fields` with it, and record the event."""
    locked = recommendation if getattr(recommendation, "_locked", False) else lock(recommendation)
    spec = check_transition(recommendation=locked, actor=actor, name=name)
    previous = locked.status
    locked.status = spec.target
    update = ["status", "updated_at"]
    if spec.new_round:
        locked.round += 1
        update.append("round")
    for field, value in (fields or {}).items():
        setattr(locked, field, value)
        update.append(field)
    locked.save(update_fields=update)
    audit_record(
        actor=actor,
        action=f"clarification.{name}",
        target=locked,
        commission=locked.commission,
        scope=locked,
        previous=previous,
        status=spec.target,
        report=locked.report.reference,
        **audit_data,
    )
    return locked


def allowed_transitions(user, recommendation: Recommendation) -> list[str]:
    """Names of the transitions this user may take now (for buttons; the services decide)."""
    return [
        name
        for name, spec in TRANSITIONS.items()
        if recommendation.status in spec.sources and spec.allowed(user, recommendation)
    ]
