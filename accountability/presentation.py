"""How timeline events read on the case page."""

from django.utils.translation import gettext_lazy as _

from .choices import Circumstance, ComplaintOutcome, Status

LABELS = {
    "accountability.initiate": _("Case initiated"),
    "accountability.team_add": _("Added to the team"),
    "accountability.team_remove": _("Removed from the team"),
    "accountability.start_investigation": _("Investigation started"),
    "accountability.four_musts": _("Four musts recorded"),
    "accountability.assessment": _("Three-distinctions assessment recorded"),
    "accountability.propose_decision": _("Decision proposed"),
    "accountability.approve_decision": _("Decision approved"),
    "accountability.return_decision": _("Decision returned"),
    "accountability.implement": _("Implementation recorded"),
    "accountability.close": _("Case closed"),
    "accountability.lodge_complaint": _("Complaint recorded"),
    "accountability.review_complaint": _("Complaint reviewed"),
    "accountability.resolve_complaint": _("Complaint decided"),
    "accountability.visit": _("Follow-up visit recorded"),
    "accountability.reuse_review": _("“May be used again” review recorded"),
}


def event_label(event) -> str:
    label = str(LABELS.get(event.action, event.action))
    data = event.data or {}
    details = []
    if data.get("circumstance") in Circumstance.values:
        details.append(str(Circumstance(data["circumstance"]).label))
    if event.action == "accountability.resolve_complaint" and data.get("status") in Status.values:
        details.append(str(Status(data["status"]).label))
    elif data.get("recommendation") in ComplaintOutcome.values:
        details.append(str(ComplaintOutcome(data["recommendation"]).label))
    if data.get("late"):
        details.append(str(_("late, accepted")))
    if data.get("reason"):
        details.append(str(data["reason"]))
    return f"{label}（{'；'.join(details)}）" if details else label
