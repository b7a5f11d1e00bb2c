"""Who may act on a recommendation: the rules the workflow checks and the pages use to show buttons."""

from accounts import jurisdiction
from accounts.roles import Role
from cases.selectors import is_assigned, is_recused

from .choices import REVIEW_OFFICES
from .models import Recommendation


def can_draft(user, report) -> bool:
    """An investigator of the report's handling commission, or one assigned to the report."""
    return jurisdiction.has_role(user, report.commission_id, Role.INVESTIGATOR) or is_assigned(user, report)


def is_drafter(user, recommendation: Recommendation) -> bool:
    return can_draft(user, recommendation.report)


def review_offices_of(user, recommendation: Recommendation) -> list[str]:
    """The review offices whose opinion this user records, from their memberships at the handling commission."""
    offices = []
    for m in jurisdiction.memberships_of(user):
        if m.commission_id == recommendation.commission_id and m.office and m.office.kind in REVIEW_OFFICES:
            offices.append(m.office.kind)
    return [kind for kind in REVIEW_OFFICES if kind in offices]


def is_approver(user, recommendation: Recommendation) -> bool:
    """A supervisor of the approving commission without a declared conflict on the report (a superior keeps
    the report in reach after declaring one, but no longer decides on it)."""
    return jurisdiction.has_role(user, recommendation.approving_commission_id, Role.SUPERVISOR) and not is_recused(
        user, recommendation.report_id
    )


def may_override_statement(user, recommendation: Recommendation) -> bool:
    """The approving supervisor lets a statement beyond its limits go on (clarification.services decides)."""
    return is_approver(user, recommendation)


def is_executor(user, recommendation: Recommendation) -> bool:
    """The handling commission's investigators and supervisors, assigned investigators, and leaders above."""
    if jurisdiction.has_role(user, recommendation.commission_id, Role.INVESTIGATOR, Role.SUPERVISOR):
        return True
    if is_assigned(user, recommendation.report):
        return True
    return jurisdiction.oversees(user, recommendation.commission)


def records_own_execution(user, recommendation: Recommendation) -> bool:
    """In a joint batch each commission records its own act (DESIGN.md §6): an investigator or supervisor of the
    handling commission itself, never a leader above it or a sibling (clarification.services.execution decides)."""
    return jurisdiction.has_role(user, recommendation.commission_id, Role.INVESTIGATOR, Role.SUPERVISOR)


def is_drafter_or_approver(user, recommendation: Recommendation) -> bool:
    return is_drafter(user, recommendation) or is_approver(user, recommendation)


def may_give_feedback(user, recommendation: Recommendation) -> bool:
    """cases.services.feedback_record decides; intake officers and supervisors of the handling commission."""
    return jurisdiction.has_role(user, recommendation.commission_id, Role.INTAKE, Role.SUPERVISOR)
