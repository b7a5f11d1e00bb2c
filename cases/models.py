import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission, YearCounter
from core.crypto import EncryptedTextField

from .choices import (
    OPEN_STATUSES,
    AccessStatus,
    Area,
    AttachmentKind,
    Category,
    Channel,
    CorrectionOp,
    CorrectionStatus,
    DispositionDecision,
    DispositionKind,
    FalseGround,
    FeedbackMethod,
    Finding,
    OrganisationKind,
    Outcome,
    Rank,
    Status,
    SubjectKind,
)
from .limits import SUMMARY_MAX_LENGTH

User = settings.AUTH_USER_MODEL


class Subject(models.Model):
    """A person or organisation reported on; kept as a registry so repeat reports link up."""

    kind = models.CharField(_("kind"), max_length=20, choices=SubjectKind.choices)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=150, blank=True)
    rank = models.CharField(_("management level"), max_length=20, choices=Rank.choices, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    organisation_kind = models.CharField(
        _("organisation kind"), max_length=20, choices=OrganisationKind.choices, blank=True
    )
    commission = models.ForeignKey(
        Commission,
        verbose_name=_("home commission"),
        on_delete=models.PROTECT,
        related_name="subjects",
        help_text=_("The commission in whose jurisdiction the subject works."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        indexes = [
            models.Index(fields=["commission", "name"], name="subject_commission_name_idx"),
            # The rank of the subjects behind a period's reports (the live statistics), from the index alone.
            models.Index(fields=["id"], include=["rank"], name="subject_id_rank_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="person", organisation_kind="")
                | models.Q(kind="organisation", rank="", is_party_member=False),
                name="subject_kind_fields_consistent",
            )
        ]

    def __str__(self) -> str:
        if self.kind == SubjectKind.PERSON and self.position:
            return f"{self.name}（{self.unit}{self.position}）" if self.unit else f"{self.name}（{self.position}）"
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectKind.PERSON


class Report(models.Model):
    reference = models.CharField(_("reference number"), max_length=40, unique=True)
    commission = models.ForeignKey(
        Commission, verbose_name=_("handling commission"), on_delete=models.PROTECT, related_name="reports"
    )
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    area = models.CharField(_("livelihood area"), max_length=20, choices=Area.choices, default=Area.OTHER)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED, editable=False
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.NONE, blank=True, editable=False
    )
    due_on = models.DateField(_("stage due on"), null=True, blank=True, editable=False)
    place = models.CharField(_("place (scan-a-code)"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("registered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    search_tokens = models.TextField(blank=True, default="", editable=False)
    linked_reports = models.ManyToManyField(
        "self", through="ReportLink", symmetrical=False, related_name="linked_from", blank=True
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["commission", "-id"], name="report_commission_id_idx"),
            models.Index(fields=["commission", "status", "-id"], name="report_commission_status_idx"),
            models.Index(fields=["commission", "received_on", "id"], name="report_commission_received_idx"),
            # A filter on channel or area that matches few reports (or none) in a city's or province's reach finds
            # them here instead of scanning the reach (bench/sweep.py: 755 ms → 0.1 ms at 1,000,000 reports).
            models.Index(fields=["channel", "commission", "id"], name="report_channel_idx"),
            models.Index(fields=["area", "commission", "id"], name="report_area_idx"),
            models.Index(fields=["status", "due_on"], name="report_status_due_idx"),
            # The reports received in a period, with what the live statistics group them by, from the index alone
            # (the province's month without a commission condition: the index above starts with the commission).
            models.Index(
                fields=["received_on"], include=["commission", "channel", "area", "id"], name="report_received_idx"
            ),
            # A row one link away (a verification) counted per commission: its report's commission by id, from
            # the index alone instead of a random read of the report's row each.
            models.Index(fields=["id"], include=["commission"], name="report_id_commission_idx"),
            # A list sorted by registration walks the ids and filters on what its filters name, from the index
            # alone (core/keyset.py chooses a page's ids on the narrow rows): received within 90 days, oldest
            # registered first, skipped 949,000 reports' rows at 1,000,000 (430 ms) where it now skips their entries.
            models.Index(
                fields=["id"],
                include=["commission", "received_on", "status", "channel", "area", "due_on"],
                name="report_id_walk_idx",
            ),
            # Open and overdue work per commission for the live statistics, answered from the index alone.
            models.Index(
                fields=["status", "commission", "received_on", "due_on"],
                include=["id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="report_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="report_status_known"),
            # The one limit of the forms, the API and the services, held by the database as well.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("summary"), SUMMARY_MAX_LENGTH), name="report_summary_max_length"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # Django's get_FOO_display() builds a dict of every choice, translating each label, on every call; the report
    # list calls these twice a row. The same labels, looked up.
    def get_status_display(self) -> str:
        return str(_STATUS_LABELS.get(self.status, self.status))

    def get_channel_display(self) -> str:
        return str(_CHANNEL_LABELS.get(self.channel, self.channel))

    @property
    def is_open(self) -> bool:
        from .choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES


_STATUS_LABELS = dict(Status.choices)
_CHANNEL_LABELS = dict(Channel.choices)


class ReferenceCounter(YearCounter):
    class Meta:
        constraints = [models.UniqueConstraint(fields=["commission", "year"], name="reference_counter_unique")]


class Reporter(models.Model):
    """The person who reported. The identity is encrypted at rest and shown only as DESIGN.md §3 allows."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="reporter")
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    relation = EncryptedTextField(_("relation to the subject"), blank=True)  # it can point to the reporter
    identity_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    receipt_hash = models.CharField(max_length=64, blank=True, null=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def pseudonym(self) -> str:
        digest = hashlib.sha256(f"reporter:{self.report_id}".encode()).hexdigest()[:6].upper()
        return f"{_('Reporter')} {digest}"


class IdentityAccess(models.Model):
    """A request to see a reporter's identity, and the custodian's decision on it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="identity_requests")
    requester = models.ForeignKey(User, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=AccessStatus.choices, default=AccessStatus.PENDING, editable=False
    )
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("identity access request")
        verbose_name_plural = _("identity access requests")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "requester"],
                condition=models.Q(status__in=["pending", "granted"]),
                name="identity_access_one_open_per_requester",
            )
        ]


class Allegation(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="allegations")
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="allegations"
    )
    category = models.CharField(_("discipline category"), max_length=20, choices=Category.choices)
    text = models.TextField(_("allegation"))
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True, editable=False)
    finding_notes = models.TextField(_("finding notes"), blank=True, editable=False)
    finding_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    finding_at = models.DateTimeField(null=True, blank=True, editable=False)
    suspected_false = models.BooleanField(_("suspected false accusation"), default=False, editable=False)
    false_grounds = models.CharField(
        _("grounds"), max_length=20, choices=FalseGround.choices, blank=True, editable=False
    )
    false_grounds_notes = models.TextField(_("grounds in detail"), blank=True, editable=False)

    class Meta:
        ordering = ["report_id", "id"]
        verbose_name = _("allegation")
        verbose_name_plural = _("allegations")
        indexes = [
            models.Index(fields=["subject", "report"], name="allegation_subject_idx"),
            # The work list's questions per report (core/work.py): "a finding still to record" and "found untrue,
            # a clarification to recommend" probe these small indexes instead of every allegation's row.
            models.Index(fields=["report"], condition=models.Q(finding=""), name="allegation_open_finding_idx"),
            models.Index(
                fields=["report", "subject"],
                condition=models.Q(finding="unsubstantiated"),
                name="allegation_untrue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suspected_false=False) | models.Q(finding="unsubstantiated"),
                name="allegation_false_only_if_unsubstantiated",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Disposition(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="dispositions")
    kind = models.CharField(_("disposition"), max_length=20, choices=DispositionKind.choices)
    reasons = models.TextField(_("reasons"))
    transfer_to = models.ForeignKey(
        Commission,
        verbose_name=_("transfer to commission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transfer_organ = models.CharField(_("transfer to organ"), max_length=150, blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=DispositionDecision.choices, default=DispositionDecision.PENDING
    )
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    from_commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        indexes = [models.Index(fields=["decided_at"], name="disposition_decided_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["report"], condition=models.Q(decision="pending"), name="disposition_one_pending"
            )
        ]


class Verification(models.Model):
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="verification")
    started_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField(_("due on"))
    notes = models.TextField(_("notes"), blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        # Statistics count verifications concluded in a period (bench/results: the live dashboard).
        indexes = [models.Index(fields=["concluded_at"], name="verification_concluded_idx")]


class Assignment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, verbose_name=_("investigator"), on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], condition=models.Q(active=True), name="assignment_one_active"
            )
        ]
        indexes = [models.Index(fields=["user", "active"], name="assignment_user_idx")]


def attachment_path(instance, filename):
    return f"attachments/{instance.report_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.REPORT)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class Feedback(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField(_("what was told"))
    method = models.CharField(_("how"), max_length=20, choices=FeedbackMethod.choices)
    given_on = models.DateField(_("when"))
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_on", "id"]
        verbose_name = _("feedback to the reporter")
        verbose_name_plural = _("feedback to reporters")


class Supplement(models.Model):
    """Information the reporter added later with the receipt code."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supplements")
    text = models.TextField(_("supplementary information"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Read by the handling commission's intake office or an assigned investigator: until then it asks for reading
    # (the work list and the inbox, cases/workflow.py).
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = models.ForeignKey(
        User, verbose_name=_("read by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]


class Recusal(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(User, verbose_name=_("recused user"), on_delete=models.PROTECT, related_name="recusals")
    reason = models.TextField(_("conflict of interest"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="recusal_unique")]
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")


class ReportLink(models.Model):
    """This report repeats or relates to an earlier one about the same subjects and allegations."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links")
    earlier = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="later_links")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "earlier"], name="report_link_unique"),
            models.CheckConstraint(condition=~models.Q(report=models.F("earlier")), name="report_link_not_self"),
        ]


class Transfer(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transfers")
    from_commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="+")
    to_commission = models.ForeignKey(Commission, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_organ = models.CharField(max_length=150, blank=True)
    from_reference = models.CharField(max_length=40)
    disposition = models.OneToOneField(Disposition, on_delete=models.PROTECT, related_name="transfer")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Correction(models.Model):
    """One correction of a registered report or its allegations (DESIGN.md §6, "records can be corrected").

    Before the disposition is approved it is applied at once; afterwards it waits for a supervisor. The audit
    event of the application keeps the before and after values."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="corrections")
    op = models.CharField(_("correction"), max_length=10, choices=CorrectionOp.choices)
    payload = models.JSONField(_("what to change"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING, editable=False
    )
    proposed_by = models.ForeignKey(User, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        indexes = [models.Index(fields=["report", "status"], name="correction_report_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CorrectionStatus.values), name="correction_status_known"
            )
        ]
