import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.choices import FeedbackMethod
from cases.selectors import can_see_identity

from .choices import REVIEW_OFFICES, AccuserClass, Aggravation, Audience, FalseMeans, MeasureKind, Method, Opinion
from .models import (
    BatchItem,
    FalseAccusationCase,
    JointBatch,
    Measure,
    Recommendation,
    ReviewOpinion,
    StatementOverride,
)


class OpinionSerializer(serializers.ModelSerializer):
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = ReviewOpinion
        fields = ["round", "office", "opinion", "reasons", "recorded_by", "recorded_at"]


class StatementOverrideSerializer(serializers.ModelSerializer):
    given_by = serializers.StringRelatedField()

    class Meta:
        model = StatementOverride
        fields = ["problems", "reason", "given_by", "given_at"]


class RecommendationSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    report_reference = serializers.CharField(source="report.reference", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    allegations = serializers.SerializerMethodField()

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "reference",
            "report",
            "report_reference",
            "subject",
            "subject_name",
            "commission",
            "approving_commission",
            "status",
            "round",
            "method",
            "audience",
            "statement",
            "subject_wishes",
            "allegations",
            "decided_at",
            "decision_reason",
            "executed_on",
            "execution_place",
            "execution_method",
            "execution_audience",
        ]
        read_only_fields = fields

    def get_allegations(self, obj) -> list[int]:
        return [item.allegation_id for item in obj.items.all()]


class RecommendationDetailSerializer(RecommendationSerializer):
    opinions = OpinionSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    return_visit_due_on = serializers.SerializerMethodField()
    statement_blocked = serializers.SerializerMethodField()
    statement_override = serializers.SerializerMethodField()

    class Meta(RecommendationSerializer.Meta):
        fields = RecommendationSerializer.Meta.fields + [
            "opinions",
            "warnings",
            "statement_blocked",
            "statement_override",
            "allowed_transitions",
            "return_visit_due_on",
        ]
        read_only_fields = fields

    def _check(self, obj) -> dict:
        from .services import statement_check

        if getattr(obj, "_statement_check", None) is None:
            obj._statement_check = statement_check(obj)
        return obj._statement_check

    def get_warnings(self, obj) -> list[str]:
        """The problems that take the statement beyond its limits; they block unless overridden."""
        return self._check(obj)["problems"]

    def get_statement_blocked(self, obj) -> bool:
        return self._check(obj)["blocked"]

    @extend_schema_field(StatementOverrideSerializer(allow_null=True))
    def get_statement_override(self, obj) -> dict | None:
        override = self._check(obj)["override"]
        return StatementOverrideSerializer(override).data if override is not None else None

    def get_allowed_transitions(self, obj) -> list[str]:
        from .workflow import allowed_transitions

        return allowed_transitions(self.context["request"].user, obj)

    def get_return_visit_due_on(self, obj) -> datetime.date | None:
        visit = getattr(obj, "return_visit", None)
        return visit.due_on if visit else None


class RecommendationCreateSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    subject = serializers.IntegerField()
    allegations = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    method = serializers.ChoiceField(choices=Method.choices)
    audience = serializers.ChoiceField(choices=Audience.choices)
    statement = serializers.CharField(required=False, allow_blank=True, default="")
    subject_wishes = serializers.BooleanField(default=True)


class RecommendationUpdateSerializer(serializers.Serializer):
    allegations = serializers.ListField(child=serializers.IntegerField(), required=False)
    method = serializers.ChoiceField(choices=Method.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    statement = serializers.CharField(required=False)
    subject_wishes = serializers.BooleanField(required=False)


class ClarificationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewInputSerializer(serializers.Serializer):
    office = serializers.ChoiceField(choices=[(k.value, k.label) for k in REVIEW_OFFICES])
    opinion = serializers.ChoiceField(choices=Opinion.choices)
    reasons = serializers.CharField(required=False, allow_blank=True, default="")


class ExecuteInputSerializer(serializers.Serializer):
    executed_on = serializers.DateField()
    place = serializers.CharField()
    participants = serializers.CharField(required=False, allow_blank=True, default="")
    method_used = serializers.ChoiceField(
        choices=Method.choices, required=False, default=None, help_text="The approved method if left out."
    )
    audience_reached = serializers.ChoiceField(
        choices=Audience.choices, required=False, default=None, help_text="The approved audience if left out."
    )
    allegation_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=None)
    visit_due_on = serializers.DateField(required=False, default=None)


class ReturnVisitInputSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    notes = serializers.CharField()


class ClarificationFeedbackSerializer(serializers.Serializer):
    text = serializers.CharField()
    method = serializers.ChoiceField(choices=FeedbackMethod.choices)
    given_on = serializers.DateField()


class BatchItemSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="recommendation.reference", read_only=True)
    subject_name = serializers.CharField(source="recommendation.subject.name", read_only=True)
    subject_kind = serializers.CharField(source="recommendation.subject.kind", read_only=True)
    status = serializers.CharField(source="recommendation.status", read_only=True)
    executed_on = serializers.DateField(source="recommendation.executed_on", read_only=True)
    execution_place = serializers.CharField(source="recommendation.execution_place", read_only=True)
    execution_participants = serializers.CharField(source="recommendation.execution_participants", read_only=True)
    executed_by = serializers.StringRelatedField(source="recommendation.executed_by", read_only=True)
    carried_over_from = serializers.DateField(
        source="carried_from",
        format="%Y-%m",
        read_only=True,
        allow_null=True,
        help_text="The month (YYYY-MM) it was carried over from; null when not carried over.",
    )

    class Meta:
        model = BatchItem
        fields = [
            "recommendation",
            "reference",
            "county",
            "method",
            "subject_name",
            "subject_kind",
            "status",
            "executed_on",
            "execution_place",
            "execution_participants",
            "executed_by",
            "carried_over_from",
        ]


class BatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = JointBatch
        fields = ["id", "city", "month", "status", "built_at", "executed_on"]
        read_only_fields = fields


class WithheldSerializer(serializers.Serializer):
    """Items of a commission outside the caller's reach: a count, never a name."""

    commission = serializers.IntegerField(source="county.pk")
    commission_name = serializers.CharField(source="county.name")
    count = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    """How many of a commission's items it has carried out: counts for every commission of the batch."""

    commission = serializers.IntegerField(source="county.pk")
    commission_name = serializers.CharField(source="county.name")
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class BatchDetailSerializer(BatchSerializer):
    """The batch's figures, the items in the caller's reach, and the others as a count per commission."""

    people = serializers.IntegerField(source="summary.people")
    organisations = serializers.IntegerField(source="summary.organisations")
    total = serializers.IntegerField(source="summary.total")
    items = BatchItemSerializer(source="visible_items", many=True)
    withheld = WithheldSerializer(source="summary.withheld", many=True)
    progress = ProgressSerializer(source="summary.progress", many=True)

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "people", "organisations", "total", "items", "withheld", "progress"]
        read_only_fields = fields


class BatchBuildSerializer(serializers.Serializer):
    city = serializers.IntegerField()
    month = serializers.DateField(help_text="Any day of the month.")


class BatchItemExecuteSerializer(serializers.Serializer):
    """One commission's execution of its own clarification in the batch; method and audience are the approved
    ones (a different value is refused)."""

    recommendation = serializers.IntegerField()
    executed_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    participants = serializers.CharField(required=False, allow_blank=True, default="")
    method_used = serializers.ChoiceField(choices=Method.choices, required=False, default=None)
    audience_reached = serializers.ChoiceField(choices=Audience.choices, required=False, default=None)
    visit_due_on = serializers.DateField(required=False, default=None)


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = [
            "id",
            "kind",
            "subkind",
            "details",
            "counterpart",
            "sent_on",
            "follow_up",
            "status",
            "decision_reason",
        ]
        read_only_fields = fields


class FalseCaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    accuser = serializers.SerializerMethodField()
    can_see_identity = serializers.SerializerMethodField()
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = FalseAccusationCase
        fields = [
            "id",
            "reference",
            "report",
            "allegation",
            "commission",
            "accuser",
            "can_see_identity",
            "accuser_class",
            "means",
            "means_notes",
            "aggravations",
            "recommendation",
            "status",
            "measures",
        ]
        read_only_fields = fields

    def get_accuser(self, obj) -> str | None:
        """Always the pseudonym; who may see the identity asks the cases reveal-identity action (audited)."""
        return obj.accuser.pseudonym if obj.accuser is not None else None

    def get_can_see_identity(self, obj) -> bool:
        return obj.accuser is not None and can_see_identity(self.context["request"].user, obj.report)


class FalseCaseCreateSerializer(serializers.Serializer):
    allegation = serializers.IntegerField()
    accuser_known = serializers.BooleanField()
    accuser_class = serializers.ChoiceField(choices=AccuserClass.choices)
    means = serializers.ChoiceField(choices=FalseMeans.choices)
    means_notes = serializers.CharField(required=False, allow_blank=True, default="")
    aggravations = serializers.ListField(
        child=serializers.ChoiceField(choices=Aggravation.choices), required=False, default=list
    )


class MeasureInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    subkind = serializers.CharField()
    details = serializers.CharField()
    counterpart = serializers.CharField(required=False, allow_blank=True, default="")
    sent_on = serializers.DateField(required=False, default=None)


class MeasureDecisionSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpInputSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    follow_up = serializers.CharField()
