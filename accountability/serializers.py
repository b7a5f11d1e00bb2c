"""Shapes of the accountability API. They validate input and present output; the services decide what is allowed."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from .choices import Circumstance, ComplaintOutcome, Form, Measure, ReuseResult, Trigger
from .models import AccountabilityCase, Complaint, Decision, ExemptionEntry, FollowUpVisit, Target

# --- output -------------------------------------------------------------------------------------------


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ExemptionEntry
        fields = ["id", "province_code", "code", "title", "title_en", "in_force_from", "in_force_to", "retired"]


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpVisit
        fields = ["id", "due_on", "done_on", "notes"]


class DecisionSerializer(serializers.ModelSerializer):
    """A decision with its status: awaiting approval, returned, in force, changed (superseded: `corrected_by` names
    the decision that replaced it) or revoked."""

    subject = serializers.IntegerField(source="target.subject_id", read_only=True)
    subject_name = serializers.CharField(source="target.subject.name", read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    corrected_by = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "case",
            "case_reference",
            "target",
            "subject",
            "subject_name",
            "target_kind",
            "status",
            "circumstance",
            "form",
            "measures",
            "deciding_organ",
            "reasons",
            "transfer_organ",
            "transfer_reference",
            "approving_commission",
            "decided_on",
            "notified_on",
            "implemented_on",
            "influence_ends_on",
            "supersedes",
            "corrected_by",
            "reuse_result",
            "reuse_reviewed_on",
            "return_reason",
            "visits",
        ]

    visits = VisitSerializer(many=True, read_only=True)

    def get_corrected_by(self, obj) -> int | None:
        corrected = getattr(obj, "corrected_by", None)
        return corrected.pk if corrected else None


class TargetSerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    four_musts_complete = serializers.BooleanField(read_only=True)
    exemption_entries = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "subject",
            "subject_name",
            "kind",
            "statement",
            "unit_opinion",
            "department_opinion",
            "effect_assessment",
            "four_musts_complete",
            "motive",
            "attitude",
            "performance",
            "loss_recovery",
            "circumstance",
            "exemption_entries",
            "exemption_reasons",
        ]


class ComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = [
            "id",
            "case",
            "decision",
            "received_on",
            "deadline",
            "grounds",
            "late",
            "late_reasons",
            "review_opinion",
            "recommendation",
            "outcome",
            "outcome_reasons",
            "resolved_on",
        ]


class CaseListSerializer(serializers.ModelSerializer):
    commission_name = serializers.CharField(source="commission.name", read_only=True)

    class Meta:
        model = AccountabilityCase
        fields = ["id", "reference", "commission", "commission_name", "trigger", "status", "initiated_on"]


class CaseDetailSerializer(CaseListSerializer):
    targets = TargetSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    complaints = ComplaintSerializer(many=True, read_only=True)
    reports = serializers.SlugRelatedField(slug_field="reference", many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "facts", "reports", "targets", "decisions", "complaints"]


# --- input --------------------------------------------------------------------------------------------


class CaseCreateSerializer(serializers.Serializer):
    commission = serializers.IntegerField()
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    facts = serializers.CharField()
    subjects = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    reports = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    team = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    initiated_on = serializers.DateField(required=False)


class TeamSerializer(serializers.Serializer):
    user = serializers.IntegerField()


class FourMustsSerializer(serializers.Serializer):
    target = serializers.IntegerField()
    statement = serializers.CharField(required=False, allow_blank=True, default="")
    unit_opinion = serializers.CharField(required=False, allow_blank=True, default="")
    department_opinion = serializers.CharField(required=False, allow_blank=True, default="")
    effect_assessment = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentSerializer(serializers.Serializer):
    target = serializers.IntegerField()
    motive = serializers.CharField()
    attitude = serializers.CharField()
    performance = serializers.CharField()
    loss_recovery = serializers.CharField()
    circumstance = serializers.ChoiceField(choices=Circumstance.choices)
    exemption_entries = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    exemption_reasons = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    form = serializers.ChoiceField(choices=Form.choices, required=False, allow_null=True, default=None)
    measures = serializers.ListField(
        child=serializers.ChoiceField(choices=Measure.choices), required=False, default=list
    )
    deciding_organ = serializers.CharField(required=False, allow_blank=True, default="")
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    transfer_organ = serializers.CharField(required=False, allow_blank=True, default="")
    transfer_reference = serializers.CharField(required=False, allow_blank=True, default="")


class ProposeSerializer(DecisionInputSerializer):
    target = serializers.IntegerField()


class ApproveSerializer(serializers.Serializer):
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    notified_on = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema_serializer(component_name="AccountabilityReason")
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ImplementSerializer(serializers.Serializer):
    implemented_on = serializers.DateField(required=False, allow_null=True, default=None)


class ComplaintInputSerializer(serializers.Serializer):
    decision = serializers.IntegerField()
    received_on = serializers.DateField()
    grounds = serializers.CharField()
    accept_late = serializers.BooleanField(required=False, default=False)
    late_reasons = serializers.CharField(required=False, allow_blank=True, default="")


class VisitInputSerializer(serializers.Serializer):
    visit = serializers.IntegerField()
    done_on = serializers.DateField()
    notes = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    opinion = serializers.CharField()
    recommendation = serializers.ChoiceField(choices=ComplaintOutcome.choices)


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ComplaintOutcome.choices)
    reasons = serializers.CharField()
    correction = DecisionInputSerializer(required=False, allow_null=True, default=None)
    circumstance = serializers.ChoiceField(choices=Circumstance.choices, required=False, allow_blank=True, default="")


class ReuseSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ReuseResult.choices)
    notes = serializers.CharField()


class HistorySerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    subject_name = serializers.CharField()
    decisions = DecisionSerializer(many=True)
