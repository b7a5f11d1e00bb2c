"""The reporter's identity: requests, the custodian's decisions, and audited reveals (DESIGN.md §3)."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import User
from accounts.roles import Role
from audit.services import audit_record
from core.crypto import Undecryptable
from core.errors import DomainError
from core.workflow import NEVER, Workflow, rows_at, transition

from ..choices import AccessStatus
from ..models import IdentityAccess, Report
from ..selectors import can_see_identity
from .common import require_text

logger = logging.getLogger(__name__)
IDENTITY_FIELDS = ("name", "phone", "id_number", "address", "relation")


def _has_identity(report: Report) -> bool:
    reporter = getattr(report, "reporter", None)
    return reporter is not None and not reporter.is_anonymous


@transaction.atomic
def identity_request(*, actor: User, report: Report, reason: str) -> IdentityAccess:
    """Someone who reads the report but is not its intake officer asks to see the reporter's identity."""
    reason = require_text(reason, _("The reason"))
    if not _has_identity(report):
        raise DomainError(_("This reporter is anonymous: there is no identity to see."), code="anonymous")
    if can_see_identity(actor, report):
        raise DomainError(_("You can already see the reporter's identity."), code="already")
    try:
        with transaction.atomic():
            access = IdentityAccess.objects.create(report=report, requester=actor, reason=reason)
    except IntegrityError as exc:
        raise DomainError(_("You already have a request open for this report."), code="duplicate") from exc
    audit_record(
        actor=actor,
        action="identity.request",
        target=access,
        commission=report.commission,
        scope=report,
        reason=reason,
    )
    IDENTITY_REQUESTS.announce(access, actor=actor, key="requested")
    return access


def _custodian(user, access: IdentityAccess, **context) -> bool:
    return jurisdiction.has_role(user, access.report.commission_id, Role.SUPERVISOR)


def _custodian_rows(user) -> Q:
    supervised = rows_at(user, Role.SUPERVISOR, field="report__commission")
    return supervised & ~Q(requester=user) if supervised is not NEVER else NEVER


def _custodian_requests(user):
    from ..selectors import identity_requests_for_custodian

    return identity_requests_for_custodian(user)


_CUSTODIAN_ONLY = gettext_lazy("Only a supervisor of the handling commission decides on identity requests.")
_DECIDED = gettext_lazy("This request has already been decided.")
A = AccessStatus
IDENTITY_REQUESTS = Workflow(
    name="identity",
    model=IdentityAccess,
    noun=gettext_lazy("the identity request"),
    related=("report", "report__commission"),
    audit_context=lambda access: {
        "commission": access.report.commission,
        "scope": access.report,
        "requester": access.requester_id,
    },
    visible=lambda user: _custodian_requests(user),
    present=lambda access: {
        "url": reverse("cases:identity-requests"),
        "label": f"{access.report.reference} · {access.requester}",
        "due_on": None,
    },
    presented_with=("report", "requester"),
    parties=lambda access: ([access.report.commission], []),
    transitions=[
        transition(
            "grant",
            gettext_lazy("Grant"),
            [A.PENDING],
            A.GRANTED,
            _custodian,
            _CUSTODIAN_ONLY,
            task=gettext_lazy("Identity request to decide"),
            asked=lambda user, access: access.requester_id != user.pk,
            actors=_custodian_rows,
            done=_DECIDED,
        ),
        transition(
            "refuse", gettext_lazy("Refuse"), [A.PENDING], A.REFUSED, _custodian, _CUSTODIAN_ONLY, done=_DECIDED
        ),
        transition(
            "revoke",
            gettext_lazy("Revoke"),
            [A.GRANTED],
            A.REVOKED,
            _custodian,
            _CUSTODIAN_ONLY,
            done=gettext_lazy("Only a granted access can be revoked."),
        ),
    ],
)


@transaction.atomic
def identity_decide(*, actor: User, access: IdentityAccess, grant: bool, reason: str) -> IdentityAccess:
    reason = require_text(reason, _("The reason"))
    access = IDENTITY_REQUESTS.lock(access)
    if _custodian(actor, access) and access.requester_id == actor.pk:
        raise DomainError(_("You cannot decide on your own request: another supervisor must."), code="self_grant")
    return IDENTITY_REQUESTS.apply(
        access,
        actor=actor,
        name="grant" if grant else "refuse",
        fields={"decided_by": actor, "decision_reason": reason, "decided_at": timezone.now()},
        reason=reason,
    )


@transaction.atomic
def identity_revoke(*, actor: User, access: IdentityAccess, reason: str) -> IdentityAccess:
    reason = require_text(reason, _("The reason"))
    access = IDENTITY_REQUESTS.lock(access)
    return IDENTITY_REQUESTS.apply(
        access,
        actor=actor,
        name="revoke",
        fields={"decided_by": actor, "decision_reason": reason, "decided_at": timezone.now()},
        reason=reason,
    )


@transaction.atomic
def identity_reveal(*, actor: User, report: Report) -> dict:
    """Return the identity to someone allowed to see it, and record that they saw it.

    An identity no configured key opens is refused (code identity_undecryptable) and logged with the ids,
    so nobody takes a named reporter for an anonymous one; nothing was revealed, so nothing is recorded.
    """
    if not can_see_identity(actor, report):
        raise DomainError(_("You may not see the reporter's identity."), code="forbidden")
    reporter = report.reporter
    unreadable = [field for field in IDENTITY_FIELDS if isinstance(getattr(reporter, field), Undecryptable)]
    if unreadable:
        logger.error(
            "The identity of reporter %s (report %s) cannot be decrypted with the configured IDENTITY_KEYS "
            "(fields: %s); user %s asked to see it.",
            reporter.pk,
            report.pk,
            ", ".join(unreadable),
            actor.pk,
        )
        raise DomainError(
            _(
                "The reporter's identity cannot be decrypted: the key it was encrypted with is missing from this "
                "server (IDENTITY_KEYS). The reporter is not anonymous. Tell the system administrator."
            ),
            code="identity_undecryptable",
        )
    audit_record(actor=actor, action="identity.reveal", target=reporter, commission=report.commission, scope=report)
    return {
        "is_anonymous": reporter.is_anonymous,
        "name": reporter.name,
        "phone": reporter.phone,
        "id_number": reporter.id_number,
        "address": reporter.address,
        "relation": reporter.relation,
    }
