"""How timeline events read on the case page."""

from django.utils.translation import gettext_lazy as _

from audit.presentation import action_label, event_details

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
    details = event_details(event, choices={"circumstance": Circumstance})
    # A decided complaint names the case's new status; otherwise the outcome a review recommends.
    decided = event.action == "accountability.resolve_complaint" and event_details(event, choices={"status": Status})
    details += decided or event_details(event, choices={"recommendation": ComplaintOutcome})
    if (event.data or {}).get("late"):
        details.append(str(_("late, accepted")))
    details += event_details(event, texts=("reason",))
    label = action_label(event, LABELS)
    return f"{label}（{'；'.join(details)}）" if details else label
