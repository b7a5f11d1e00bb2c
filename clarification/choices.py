from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OfficeKind


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In centralised review")
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Executed")
    COMPLETED = "completed", _("Return visit done")
    REJECTED = "rejected", _("Rejected")


EDITABLE_STATUSES = (Status.DRAFT,)
CLOSED_STATUSES = (Status.REJECTED,)


class Method(models.TextChoices):
    WRITTEN = "written", _("Written")
    FACE_TO_FACE = "face_to_face", _("Face-to-face")
    MEETING = "meeting", _("Meeting")
    NOTIFICATION = "notification", _("Notification or announcement")
    PRESS_CONFERENCE = "press_conference", _("Press conference")


class Audience(models.TextChoices):
    """Ordered from narrowest to widest: execution may narrow the approved scope, never widen it."""

    PERSON = "person", _("The person only")
    UNIT = "unit", _("Their unit")
    SECTOR = "sector", _("Their system or sector")
    PUBLIC = "public", _("The public")


AUDIENCE_ORDER = {value: index for index, value in enumerate(Audience.values)}


class Opinion(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")


# The three offices of the centralised review (DESIGN.md §2), in the order they are shown.
REVIEW_OFFICES = (OfficeKind.LETTERS_VISITS, OfficeKind.CASE_TRIAL, OfficeKind.CASE_MANAGEMENT)


class BatchStatus(models.TextChoices):
    BUILT = "built", _("Built")
    EXECUTED = "executed", _("Carried out")  # set by the services when every item of the batch is


class FalseMeans(models.TextChoices):
    FABRICATED_FACTS = "fabricated", _("Fabricated facts")
    FORGED_MATERIALS = "forged", _("Forged materials")
    OTHER = "other", _("Other means")


class AccuserClass(models.TextChoices):
    PARTY_MEMBER = "party_member", _("Party member")
    PUBLIC_OFFICIAL = "public_official", _("Public official")
    OTHER = "other", _("Other")


class FalseCaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MeasureKind(models.TextChoices):
    DECISION = "decision", _("Decision")
    TRANSFER = "transfer", _("Transfer of clues")
    CORRECTION = "correction", _("Correction of improper gains")
    EXPOSURE = "exposure", _("Exposure as a typical case")


class DecisionKind(models.TextChoices):
    PARTY_DISCIPLINE = "party_discipline", _("Party discipline")
    GOVERNMENT_SANCTION = "government_sanction", _("Government sanction")
    CRITICISM = "criticism", _("Criticism and education")


class TransferOrgan(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("Public security organ")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    COURT = "court", _("Court")


class GainKind(models.TextChoices):
    POSITION = "position", _("Position")
    RANK = "rank", _("Rank")
    TITLE = "title", _("Professional title")
    DEGREE = "degree", _("Degree")
    AWARD = "award", _("Award or honour")


class ExposureScope(models.TextChoices):
    INTERNAL = "internal", _("Internal circular")
    PUBLIC = "public", _("Public exposure")


# Which sub-kind list goes with each measure kind.
MEASURE_SUBKINDS = {
    MeasureKind.DECISION: DecisionKind,
    MeasureKind.TRANSFER: TransferOrgan,
    MeasureKind.CORRECTION: GainKind,
    MeasureKind.EXPOSURE: ExposureScope,
}


class MeasureStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# Aggravating circumstances of a false accusation (DESIGN.md §2), kept as a checklist.
class Aggravation(models.TextChoices):
    BAD_MEANS = "bad_means", _("Bad means")
    ADVERSE_EFFECTS = "adverse_effects", _("Adverse effects")
    ELECTION_INTERFERENCE = "election_interference", _("Serious interference with elections or cadre selection")
    REPEATED = "repeated", _("Repeated after the investigation")
    INSTIGATION = "instigation", _("Forcing or instigating others")
