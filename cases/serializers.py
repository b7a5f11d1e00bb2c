"""Shapes of the cases API. They validate input and present output; the services decide what is allowed.

The reporter's identity never appears here: responses carry the pseudonym and whether the reporter is
anonymous. The identity leaves the server only through the reveal-identity action (audited).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Commission, User
from accounts.selectors import commissions_visible_to
from audit.models import AuditEvent
from core.api_errors import ApiErrorSerializer
from core.errors import DomainError

from . import selectors
from .choices import (
    OPEN_STATUSES,
    Area,
    AttachmentKind,
    Category,
    Channel,
    CorrectionOp,
    DispositionKind,
    FalseGround,
    FeedbackMethod,
    Finding,
    OrganisationKind,
    Rank,
    SubjectKind,
)
from .contact import check_id_number, check_phone
from .limits import PLACE_MAX_LENGTH, SUMMARY_MAX_LENGTH
from .models import (
    Allegation,
    Assignment,
    Attachment,
    Correction,
    Disposition,
    Feedback,
    IdentityAccess,
    Recusal,
    Report,
    Reporter,
    ReportLink,
    Subject,
    Supplement,
    Transfer,
    Verification,
)

# ---------------------------------------------------------------------------------------------------------------
# Input fields that look objects up in the caller's reach


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id looked up through a visibility selector: an object out of reach is the same as a missing one."""

    def __init__(self, *, selector, model, **kwargs):
        self.selector = selector
        # The placeholder gives the schema the model's key type; lookups go through the selector.
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].user)


def _checked(check, value):
    """A service check as a serializer field's validation: the field is named, with the service's message and code."""
    try:
        return check(value)
    except DomainError as error:
        raise serializers.ValidationError(error.message, code=error.code) from error


def _active_users(user):
    """Users referenced by id (investigators): any active user; the service checks their roles."""
    return User.objects.filter(is_active=True)


def _any_commission(user):
    """A transfer may go to any commission, also one outside the proposer's reach."""
    return Commission.objects.all()


# ---------------------------------------------------------------------------------------------------------------
# Small references


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class CommissionRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Commission
        fields = ["id", "name", "abbr"]


class ReportRefSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Report
        fields = ["id", "reference", "status", "status_display"]


class MaskedReporterSerializer(serializers.Serializer):
    """What everybody sees of the reporter: a stable pseudonym, never the identity."""

    pseudonym = serializers.CharField()
    is_anonymous = serializers.BooleanField()


# The one error body of the API (core/api_schema.py documents it on every operation).
ErrorSerializer = ApiErrorSerializer


class RepeatSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    received_on = serializers.DateField()
    summary = serializers.CharField()


class RepeatRefusalSerializer(ErrorSerializer):
    repeats = RepeatSerializer(many=True, help_text=_("The earlier reports the new one likely repeats."))


# ---------------------------------------------------------------------------------------------------------------
# Subjects


class SubjectSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    rank_display = serializers.CharField(source="get_rank_display", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)
    rank = serializers.ChoiceField(choices=Rank.choices, allow_blank=True, read_only=True)
    organisation_kind = serializers.ChoiceField(choices=OrganisationKind.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Subject
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "label",
            "position",
            "unit",
            "rank",
            "rank_display",
            "is_party_member",
            "organisation_kind",
            "commission",
        ]
        read_only_fields = fields


class SubjectAllegationSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    finding = serializers.ChoiceField(choices=Finding.choices, allow_blank=True, read_only=True)
    finding_display = serializers.CharField(source="get_finding_display", read_only=True)

    class Meta:
        model = Allegation
        fields = ["id", "category", "category_display", "text", "finding", "finding_display", "suspected_false"]


# ---------------------------------------------------------------------------------------------------------------
# Reports: list and detail


class ReportListSerializer(serializers.ModelSerializer):
    commission = CommissionRefSerializer(read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    area_display = serializers.CharField(source="get_area_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "reference",
            "commission",
            "received_on",
            "channel",
            "channel_display",
            "area",
            "area_display",
            "summary",
            "status",
            "status_display",
            "outcome",
            "outcome_display",
            "due_on",
            "overdue",
            "reporter",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, report: Report) -> bool:
        return bool(report.due_on and report.status in OPEN_STATUSES and report.due_on < timezone.localdate())

    @extend_schema_field(MaskedReporterSerializer(allow_null=True))
    def get_reporter(self, report: Report):
        # Lists annotate `reporter_is_anonymous` so the encrypted identity columns are never even loaded.
        if hasattr(report, "reporter_is_anonymous"):
            is_anonymous = report.reporter_is_anonymous
        else:
            reporter = getattr(report, "reporter", None)
            is_anonymous = None if reporter is None else reporter.is_anonymous
        if is_anonymous is None:
            return None
        return {"pseudonym": Reporter(report_id=report.pk).pseudonym, "is_anonymous": is_anonymous}


class SubjectReportSerializer(ReportListSerializer):
    """A report about the subject, with its outcome; `allegations` is prefetched to those about the subject."""

    allegations = SubjectAllegationSerializer(many=True, read_only=True)

    class Meta(ReportListSerializer.Meta):
        fields = [
            "id",
            "reference",
            "commission",
            "received_on",
            "status",
            "status_display",
            "outcome",
            "outcome_display",
            "allegations",
        ]


class SubjectDetailSerializer(SubjectSerializer):
    reports = SubjectReportSerializer(many=True, read_only=True, source="visible_reports")

    class Meta(SubjectSerializer.Meta):
        fields = [*SubjectSerializer.Meta.fields, "reports"]


class AllegationSerializer(serializers.ModelSerializer):
    subject = SubjectSerializer(read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    finding_display = serializers.CharField(source="get_finding_display", read_only=True)
    false_grounds_display = serializers.CharField(source="get_false_grounds_display", read_only=True)
    finding = serializers.ChoiceField(choices=Finding.choices, allow_blank=True, read_only=True)
    false_grounds = serializers.ChoiceField(choices=FalseGround.choices, allow_blank=True, read_only=True)
    finding_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Allegation
        fields = [
            "id",
            "report",
            "subject",
            "category",
            "category_display",
            "text",
            "finding",
            "finding_display",
            "finding_notes",
            "finding_by",
            "finding_at",
            "suspected_false",
            "false_grounds",
            "false_grounds_display",
            "false_grounds_notes",
        ]
        read_only_fields = fields


class AllegationListSerializer(AllegationSerializer):
    report = ReportRefSerializer(read_only=True)


class DispositionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    transfer_to = CommissionRefSerializer(read_only=True, allow_null=True)
    proposed_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Disposition
        fields = [
            "id",
            "kind",
            "kind_display",
            "reasons",
            "transfer_to",
            "transfer_organ",
            "decision",
            "decision_display",
            "decision_reason",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
        ]


class VerificationSerializer(serializers.ModelSerializer):
    concluded_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Verification
        fields = ["started_at", "due_on", "notes", "concluded_at", "concluded_by"]


class AssignmentSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "user", "assigned_at", "active"]


class FeedbackSerializer(serializers.ModelSerializer):
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    given_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Feedback
        fields = ["id", "text", "method", "method_display", "given_on", "given_by", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "kind", "kind_display", "original_name", "content_type", "size", "uploaded_at"]


class SupplementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplement
        fields = ["id", "text", "created_at"]


class TransferSerializer(serializers.ModelSerializer):
    from_commission = CommissionRefSerializer(read_only=True)
    to_commission = CommissionRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Transfer
        fields = ["id", "from_commission", "to_commission", "to_organ", "from_reference", "created_at"]


class RecusalSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = Recusal
        fields = ["id", "user", "reason", "created_at"]


class ReportLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportLink
        fields = ["id", "report", "earlier", "note", "created_at"]
        read_only_fields = fields


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "actor", "target_type", "target_id", "data"]


class ReportDetailSerializer(ReportListSerializer):
    """A report with everything its page shows. The view passes `linked`, `timeline` and `actions`."""

    place = serializers.CharField(read_only=True)
    allegations = AllegationSerializer(many=True, read_only=True)
    dispositions = DispositionSerializer(many=True, read_only=True)
    verification = serializers.SerializerMethodField()
    assignments = AssignmentSerializer(many=True, read_only=True)
    feedback = FeedbackSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    supplements = SupplementSerializer(many=True, read_only=True)
    transfers = TransferSerializer(many=True, read_only=True)
    recusals = RecusalSerializer(many=True, read_only=True)
    linked_reports = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    identity_visible_to_you = serializers.SerializerMethodField()
    corrections = serializers.SerializerMethodField()

    class Meta(ReportListSerializer.Meta):
        fields = [
            *ReportListSerializer.Meta.fields,
            "place",
            "allegations",
            "dispositions",
            "verification",
            "assignments",
            "feedback",
            "attachments",
            "supplements",
            "transfers",
            "recusals",
            "linked_reports",
            "timeline",
            "actions",
            "identity_visible_to_you",
            "corrections",
        ]

    @extend_schema_field(VerificationSerializer(allow_null=True))
    def get_verification(self, report: Report):
        verification = getattr(report, "verification", None)
        return VerificationSerializer(verification).data if verification else None

    @extend_schema_field(ReportRefSerializer(many=True))
    def get_linked_reports(self, report: Report):
        return ReportRefSerializer(self.context.get("linked", []), many=True).data

    @extend_schema_field(TimelineEventSerializer(many=True))
    def get_timeline(self, report: Report):
        return TimelineEventSerializer(self.context.get("timeline", []), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, report: Report) -> list[str]:
        """Transitions the caller may take now: a courtesy for clients; the services decide."""
        return list(self.context.get("actions", []))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_identity_visible_to_you(self, report: Report) -> bool:
        return bool(self.context.get("identity_visible", False))

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_corrections(self, report: Report) -> list:
        """Corrections applied, waiting or rejected; the before and after values are in the timeline."""
        return CorrectionSerializer(report.corrections.select_related("proposed_by", "decided_by"), many=True).data


class ReportCreatedSerializer(ReportDetailSerializer):
    receipt_code = serializers.SerializerMethodField()
    created = serializers.SerializerMethodField()

    class Meta(ReportDetailSerializer.Meta):
        fields = [*ReportDetailSerializer.Meta.fields, "receipt_code", "created"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_receipt_code(self, report: Report) -> str | None:
        """Shown once, to be handed to the anonymous reporter: only its hash is kept."""
        return self.context.get("receipt_code")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_created(self, report: Report) -> bool:
        return bool(self.context.get("created", True))


# ---------------------------------------------------------------------------------------------------------------
# Reports: input


class SubjectInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SubjectKind.choices, default=SubjectKind.PERSON)
    name = serializers.CharField(max_length=100)
    position = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    rank = serializers.ChoiceField(choices=Rank.choices, required=False, allow_blank=True, default="")
    is_party_member = serializers.BooleanField(required=False, default=False)
    organisation_kind = serializers.ChoiceField(
        choices=OrganisationKind.choices, required=False, allow_blank=True, default=""
    )


class AllegationInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    subject = ScopedPrimaryKeyRelatedField(
        selector=selectors.subjects_visible_to,
        model=Subject,
        required=False,
        allow_null=True,
        help_text=_("Id of a subject already in the registry; or give new_subject instead."),
    )
    new_subject = SubjectInputSerializer(required=False, allow_null=True)


class ReporterInputSerializer(serializers.Serializer):
    is_anonymous = serializers.BooleanField(default=True)
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    id_number = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    relation = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_phone(self, value: str) -> str:
        return _checked(check_phone, value)

    def validate_id_number(self, value: str) -> str:
        return _checked(check_id_number, value)


class ReportCreateSerializer(serializers.Serializer):
    commission = ScopedPrimaryKeyRelatedField(
        selector=commissions_visible_to, model=Commission, help_text=_("Id of the handling commission.")
    )
    received_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    area = serializers.ChoiceField(choices=Area.choices, default=Area.OTHER)
    summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)
    allegations = AllegationInputSerializer(many=True, allow_empty=False)
    reporter = ReporterInputSerializer(
        help_text=_("The identity is stored encrypted and never returned; an anonymous reporter gets a receipt code.")
    )
    submission_token = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("A random UUID per submission: sending the same token again returns the same report."),
    )
    repeat_of = ScopedPrimaryKeyRelatedField(
        selector=selectors.reports_visible_to,
        model=Report,
        required=False,
        allow_null=True,
        help_text=_(
            "Id of an earlier report this one repeats. Without it, a likely repeat of a report registered in the last "
            "30 days is refused with 409 and code possible_repeat, listing the earlier reports under `repeats`."
        ),
    )


class ProposeDispositionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DispositionKind.choices)
    reasons = serializers.CharField(allow_blank=True)
    transfer_to = ScopedPrimaryKeyRelatedField(
        selector=_any_commission,
        model=Commission,
        required=False,
        allow_null=True,
        help_text=_("For a transfer: id of the receiving commission."),
    )
    transfer_organ = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a transfer outside the commissions: the receiving organ."),
    )


@extend_schema_serializer(component_name="CasesReason")
class VerificationNotesSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class StartVerificationSerializer(serializers.Serializer):
    investigators = ScopedPrimaryKeyRelatedField(
        selector=_active_users, model=User, many=True, help_text=_("Ids of the investigators to assign.")
    )
    due_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Empty: the default period of the approved disposition.")
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class InvestigatorSerializer(serializers.Serializer):
    investigator = ScopedPrimaryKeyRelatedField(selector=_active_users, model=User)


class FindingInputSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Finding.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    suspected_false = serializers.BooleanField(
        required=False, default=False, help_text=_("Only for an unsubstantiated allegation.")
    )
    false_grounds = serializers.ChoiceField(choices=FalseGround.choices, required=False, allow_blank=True, default="")
    false_grounds_notes = serializers.CharField(required=False, allow_blank=True, default="")


class ReportFindingSerializer(FindingInputSerializer):
    allegation = ScopedPrimaryKeyRelatedField(selector=selectors.allegations_visible_to, model=Allegation)


class FeedbackInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    method = serializers.ChoiceField(choices=FeedbackMethod.choices)
    given_on = serializers.DateField()


class RecusalInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    user = ScopedPrimaryKeyRelatedField(
        selector=_active_users,
        model=User,
        required=False,
        allow_null=True,
        help_text=_("Empty: the caller declares their own conflict. Otherwise a supervisor records it for a user."),
    )


class LinkInputSerializer(serializers.Serializer):
    earlier = ScopedPrimaryKeyRelatedField(
        selector=selectors.reports_visible_to, model=Report, help_text=_("Id of the earlier report.")
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.EVIDENCE)


# ---------------------------------------------------------------------------------------------------------------
# Identity


class IdentityRequestSerializer(serializers.ModelSerializer):
    report = ReportRefSerializer(read_only=True)
    requester = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = IdentityAccess
        fields = [
            "id",
            "report",
            "requester",
            "reason",
            "status",
            "status_display",
            "requested_at",
            "decided_by",
            "decision_reason",
            "decided_at",
        ]


class IdentityRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ReporterIdentitySerializer(serializers.Serializer):
    is_anonymous = serializers.BooleanField()
    name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField()
    address = serializers.CharField()
    relation = serializers.CharField()


# ---------------------------------------------------------------------------------------------------------------
# Corrections (services/corrections.py)


class CorrectionSerializer(serializers.ModelSerializer):
    op_display = serializers.CharField(source="get_op_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    proposed_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Correction
        fields = [
            "id",
            "op",
            "op_display",
            "payload",
            "reason",
            "status",
            "status_display",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class CorrectionPartSerializer(serializers.Serializer):
    text = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)


class CorrectionInputSerializer(serializers.Serializer):
    """One correction; which fields it takes depends on `op` (the service refuses what does not fit)."""

    op = serializers.ChoiceField(
        choices=CorrectionOp.choices,
        help_text=_(
            "report: any of summary, channel, area, received_on, place. edit: allegation, text and/or category. "
            "split: allegation, parts. merge: allegations, text, category. add: subject, text, category. "
            "remove: allegation, with a reason."
        ),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required to remove an allegation, and for every correction once the disposition is approved."),
    )
    summary = serializers.CharField(required=False, max_length=SUMMARY_MAX_LENGTH)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    area = serializers.ChoiceField(choices=Area.choices, required=False)
    received_on = serializers.DateField(required=False)
    place = serializers.CharField(required=False, allow_blank=True, max_length=PLACE_MAX_LENGTH)
    allegation = serializers.IntegerField(required=False, help_text=_("Id of one of the report's allegations."))
    allegations = serializers.ListField(child=serializers.IntegerField(), required=False)
    text = serializers.CharField(required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    parts = CorrectionPartSerializer(many=True, required=False)
    subject = serializers.IntegerField(required=False, help_text=_("Id of the subject of an added allegation."))

    def payload(self) -> dict:
        data = dict(self.validated_data)
        data.pop("op"), data.pop("reason")
        if "received_on" in data:
            data["received_on"] = data["received_on"].isoformat()
        if "parts" in data:
            data["parts"] = [dict(part) for part in data["parts"]]
        return data


class CorrectionDecisionSerializer(serializers.Serializer):
    correction = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("Id of a correction of this report waiting for a decision.")
    )
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Required to reject."))
