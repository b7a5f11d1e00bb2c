from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    SCAN_CODE = "scan_code", _("Scan-a-code")
    INSPECTION_TOUR = "inspection_tour", _("Transferred from inspection tour")
    AUDIT = "audit", _("Transferred from audit")
    JUDICIAL = "judicial", _("Transferred from public security or judicial organ")
    OTHER_DEPARTMENT = "other_department", _("Transferred from other department")
    SELF_DISCOVERED = "self_discovered", _("Self-discovered")


class Area(models.TextChoices):
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")
    MEDICAL = "medical", _("Medical care")
    SOCIAL_SECURITY = "social_security", _("Social security")
    RURAL = "rural", _("Rural revitalisation")
    ECOLOGY = "ecology", _("Ecology")
    PROCUREMENT = "procurement", _("Procurement")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DISPOSITION_PROPOSED = "disposition_proposed", _("Disposition proposed")
    DISPOSITION_APPROVED = "disposition_approved", _("Disposition approved")
    UNDER_VERIFICATION = "under_verification", _("Under verification")
    CONCLUDED = "concluded", _("Concluded")
    CLOSED = "closed", _("Closed")
    HELD = "held", _("Held for later")
    TRANSFERRED = "transferred", _("Transferred out")
    CLOSED_EARLY = "closed_early", _("Closed early")


OPEN_STATUSES = (
    Status.REGISTERED,
    Status.DISPOSITION_PROPOSED,
    Status.DISPOSITION_APPROVED,
    Status.UNDER_VERIFICATION,
    Status.CONCLUDED,
)


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Rank(models.TextChoices):
    PROVINCIAL_MINISTERIAL = "provincial", _("Provincial-ministerial level")
    DEPARTMENT_BUREAU = "department", _("Department-bureau level")
    COUNTY_DIVISION = "county", _("County-division level")
    TOWNSHIP_SECTION = "township", _("Township-section level")
    GENERAL = "general", _("General staff")


class OrganisationKind(models.TextChoices):
    PARTY_ORGANISATION = "party", _("Party organisation")
    UNIT = "unit", _("Unit")


class Category(models.TextChoices):
    # A public report arrives with no category: a person classifies it before a disposition is proposed.
    UNCLASSIFIED = "unclassified", _("To be classified")
    POLITICAL = "political", _("Political discipline")
    ORGANISATIONAL = "organisational", _("Organisational discipline")
    INTEGRITY = "integrity", _("Integrity discipline")
    MASS = "mass", _("Mass discipline")
    WORK = "work", _("Work discipline")
    LIFE = "life", _("Life discipline")
    LAW = "law", _("Violation of law")


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")
    CANNOT_VERIFY = "cannot_verify", _("Cannot be verified")


class FalseGround(models.TextChoices):
    FABRICATED_FACTS = "fabricated", _("Fabricated facts")
    FORGED_MATERIALS = "forged", _("Forged materials")
    OTHER = "other", _("Other grounds")


class DispositionKind(models.TextChoices):
    TALK_LETTER = "talk_letter", _("Talk or letter inquiry")
    PRELIMINARY = "preliminary", _("Preliminary verification")
    HOLD = "hold", _("Hold for later")
    CLOSE = "close", _("Close")
    TRANSFER = "transfer", _("Transfer")


class DispositionDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Outcome(models.TextChoices):
    NONE = "", _("None yet")
    CLOSE = "close", _("Close")
    CLARIFICATION = "clarification", _("Clarification")
    ACCOUNTABILITY = "accountability", _("Accountability or discipline")


class FeedbackMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online (receipt code)")


class AccessStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Revoked")


class AttachmentKind(models.TextChoices):
    REPORT = "report", _("Report material")
    EVIDENCE = "evidence", _("Evidence")
    SUPPLEMENT = "supplement", _("Supplement from the reporter")


class CorrectionOp(models.TextChoices):
    REPORT = "report", _("Report details corrected")
    EDIT = "edit", _("Allegation corrected")
    SPLIT = "split", _("Allegation split")
    MERGE = "merge", _("Allegations merged")
    ADD = "add", _("Allegation added")
    REMOVE = "remove", _("Allegation removed")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
