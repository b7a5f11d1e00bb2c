"""How clarification events and states read on the pages."""

from django.utils.translation import gettext_lazy as _

from accounts.models import OfficeKind
from audit.presentation import action_label, event_details

from .choices import Opinion, Status

LABELS = {
    "clarification.draft": _("Recommendation drafted"),
    "clarification.edit": _("Draft edited"),
    "clarification.submit_review": _("Sent to centralised review"),
    "clarification.review": _("Review opinion recorded"),
    "clarification.withdraw": _("Taken back for revision"),
    "clarification.submit": _("Submitted for approval"),
    "clarification.approve": _("Approved"),
    "clarification.return": _("Returned for revision"),
    "clarification.reject": _("Rejected"),
    "clarification.reopen": _("Reopened for changes"),
    "clarification.execute": _("Clarification executed"),
    "clarification.return_visit": _("Return visit recorded"),
    "clarification.feedback": _("Feedback given to the reporter"),
    "clarification.statement_override": _("Statement limits overridden"),
    "clarification.batch_build": _("Batch built"),
    "clarification.batch_execute": _("Every clarification of the batch carried out"),
    "clarification.batch_carry_over": _("Carried over to a later batch"),
    "clarification.batch_export": _("Roster exported"),
    "false_case.open": _("False-accusation case opened"),
    "false_case.link": _("Linked to the clarification"),
    "false_case.closed": _("Case closed"),
    "false_case.measure_propose": _("Measure proposed"),
    "false_case.measure_approved": _("Measure approved"),
    "false_case.measure_rejected": _("Measure rejected"),
    "false_case.measure_follow_up": _("Follow-up recorded"),
}

STATUS_BADGES = {
    Status.DRAFT: "",
    Status.IN_REVIEW: "info",
    Status.PENDING_APPROVAL: "warn",
    Status.APPROVED: "ok",
    Status.EXECUTED: "ok",
    Status.COMPLETED: "ok",
    Status.REJECTED: "danger",
}


def event_label(event) -> str:
    details = event_details(event, choices={"office": OfficeKind, "opinion": Opinion}, texts=("reason", "month"))
    return " · ".join([action_label(event, LABELS), *details])


def timeline_rows(events) -> list[dict]:
    return [{"when": e.created_at, "actor": e.actor, "label": event_label(e)} for e in events]
