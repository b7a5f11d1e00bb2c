from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    INITIATED = "initiated", _("Initiated")
    INVESTIGATING = "investigating", _("Investigating")
    DECISION_PROPOSED = "decision_proposed", _("Decision proposed")
    DECIDED = "decided", _("Decided")
    IMPLEMENTED = "implemented", _("Implemented")
    CLOSED = "closed", _("Closed")
    COMPLAINT = "complaint", _("Complaint lodged")
    COMPLAINT_REVIEWED = "complaint_reviewed", _("Complaint reviewed")
    UPHELD = "upheld", _("Decision upheld")
    CHANGED = "changed", _("Decision changed")
    REVOKED = "revoked", _("Decision revoked")


# The main line of the procedure, shown as steps on the case page.
MAIN_STEPS = (Status.INITIATED, Status.INVESTIGATING, Status.DECISION_PROPOSED, Status.DECIDED, Status.IMPLEMENTED)
COMPLAINT_STEPS = (Status.COMPLAINT, Status.COMPLAINT_REVIEWED)
COMPLAINT_OUTCOMES = (Status.UPHELD, Status.CHANGED, Status.REVOKED)
OPEN_STATUSES = tuple(s for s in Status.values if s != Status.CLOSED)


class Trigger(models.TextChoices):
    MAJOR_DECISIONS = "major_decisions", _("Failure to implement major decisions")
    ECOLOGY = "ecology", _("Ecological and environmental protection")
    EPIDEMIC = "epidemic", _("Epidemic prevention")
    PRODUCTION_SAFETY = "production_safety", _("Production safety accident")
    POVERTY_RURAL = "poverty_rural", _("Poverty alleviation / rural revitalisation")
    FORMALISM = "formalism", _("Formalism and bureaucratism")
    OTHER = "other", _("Other")


class Circumstance(models.TextChoices):
    """The outcome of the "three distinctions" assessment."""

    NONE = "none", _("No accountability")
    EXEMPTION = "exemption", _("Exemption (fault tolerance)")
    LIGHTER = "lighter", _("Lighter")
    ORDINARY = "ordinary", _("Ordinary")
    HEAVIER = "heavier", _("Heavier")


NO_MEASURE_CIRCUMSTANCES = (Circumstance.NONE, Circumstance.EXEMPTION)


class Form(models.IntegerChoices):
    FIRST = 1, _("First form")
    SECOND = 2, _("Second form")
    THIRD = 3, _("Third form")
    FOURTH = 4, _("Fourth form")


class Measure(models.TextChoices):
    CRITICISM_EDUCATION = "criticism_education", _("Criticism and education")
    TALK_REMINDER = "talk_reminder", _("Talk reminder")
    WRITTEN_SELF_CRITICISM = "written_self_criticism", _("Written self-criticism")
    CIRCULATED_CRITICISM = "circulated_criticism", _("Circulated criticism")
    ADMONITION = "admonition", _("Admonition")
    ORGANISATIONAL_ADJUSTMENT = "organisational_adjustment", _("Organisational adjustment")
    SANCTION = "sanction", _("Party discipline or government sanction")
    JUDICIAL_TRANSFER = "judicial_transfer", _("Transfer to judicial organs")
    # Measures for party organisations (问责条例 art. 8): organisations get these and no form.
    ORG_INSPECTION = "org_inspection", _("Inspection (written self-examination and rectification)")
    ORG_CIRCULATION = "org_circulation", _("Circulation (rectification, circulated within a scope)")
    ORG_REORGANISATION = "org_reorganisation", _("Reorganisation")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    RETURNED = "returned", _("Returned")
    IN_FORCE = "in_force", _("In force")
    CHANGED = "changed", _("Changed (superseded)")
    REVOKED = "revoked", _("Revoked")


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    CHANGED = "changed", _("Changed")
    REVOKED = "revoked", _("Revoked")


class ReuseResult(models.TextChoices):
    MAY_BE_USED = "may_be_used", _("May be used again")
    NOT_YET = "not_yet", _("Not yet")
