"""How timeline events read on the report page."""

from django.utils.translation import gettext_lazy as _

from audit.presentation import action_label, event_details

from .choices import Area, Category, Channel, CorrectionOp, DispositionKind, Finding, Status

LABELS = {
    "report.register": _("Registered"),
    "report.propose_disposition": _("Disposition proposed"),
    "report.approve_disposition": _("Disposition approved"),
    "report.reject_disposition": _("Disposition returned"),
    "report.start_verification": _("Verification started"),
    "report.assign": _("Investigator assigned"),
    "report.unassign": _("Assignment ended"),
    "allegation.finding": _("Finding recorded"),
    "report.conclude": _("Verification concluded"),
    "report.close": _("Closed"),
    "report.resume": _("Resumed"),
    "report.transfer": _("Transferred"),
    "report.feedback": _("Feedback given to the reporter"),
    "report.recusal": _("Recusal declared"),
    "report.link": _("Linked to an earlier report"),
    "report.attachment": _("File added"),
    "report.supplement": _("Reporter added information"),
    "attachment.download": _("File downloaded"),
    "identity.request": _("Identity access requested"),
    "identity.grant": _("Identity access granted"),
    "identity.refuse": _("Identity access refused"),
    "identity.revoke": _("Identity access revoked"),
    "identity.reveal": _("Reporter identity revealed"),
    "report.correct": _("Record corrected"),
    "report.correction_propose": _("Correction proposed"),
    "report.correction_reject": _("Correction rejected"),
}

FIELD_LABELS = {
    "summary": _("Summary"),
    "channel": _("Channel"),
    "area": _("Livelihood area"),
    "received_on": _("Received on"),
    "place": _("Place (scan-a-code)"),
    "text": _("Allegation"),
    "category": _("Discipline category"),
    "allegations": _("Allegations"),
}
CHOICES = {"channel": Channel, "area": Area, "category": Category}


def event_label(event) -> str:
    details = event_details(event, choices={"kind": DispositionKind, "op": CorrectionOp, "finding": Finding})
    if event.action.startswith("report.") and not details:
        details = event_details(event, choices={"status": Status})
    names = ("investigator_name", "user_name", "earlier_reference", "from_reference", "name", "proposed_by_name")
    return " · ".join([action_label(event, LABELS), *details, *event_details(event, texts=names)])


def _value(field: str, value) -> str:
    if field in CHOICES and value in CHOICES[field].values:
        return str(CHOICES[field](value).label)
    if field == "allegations":
        return (
            "；".join(
                " · ".join(
                    str(x) for x in (row.get("subject"), row.get("text"), _value("category", row.get("category"))) if x
                )
                for row in value or []
            )
            or "—"
        )
    return str(value) if value not in (None, "") else "—"


def event_changes(event) -> list[dict]:
    """The before and after values a correction kept, as the timeline shows them."""
    return changes_display((event.data or {}).get("changes") or [])


def changes_display(changes: list[dict]) -> list[dict]:
    rows = []
    for change in changes:
        field = change.get("field", "")
        rows.append(
            {
                "label": str(FIELD_LABELS.get(field, field)),
                "before": _value(field, change.get("before")),
                "after": _value(field, change.get("after")),
            }
        )
    return rows


def event_reason(event) -> str:
    return str((event.data or {}).get("reason") or "")
