"""How timeline events read on the report page."""

from django.utils.translation import gettext_lazy as _

from .choices import DispositionKind, Finding, Status

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
}


def event_label(event) -> str:
    label = str(LABELS.get(event.action, event.action))
    data = event.data or {}
    details = []
    if data.get("kind") in DispositionKind.values:
        details.append(str(DispositionKind(data["kind"]).label))
    if data.get("finding") in Finding.values:
        details.append(str(Finding(data["finding"]).label))
    if event.action.startswith("report.") and data.get("status") in Status.values and not details:
        details.append(str(Status(data["status"]).label))
    for key in ("investigator_name", "user_name", "earlier_reference", "from_reference", "name"):
        if data.get(key):
            details.append(str(data[key]))
    return " · ".join([label, *details])
