"""The accountability API under /api/: the same operations as the pages, through the same services.

Reads go through the selectors (an object out of reach is a 404); each write calls one service, and a
DomainError becomes a 400 with its message and code (core.api_errors).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import jurisdiction
from accounts.models import User
from cases.selectors import reports_visible_to, subjects_visible_to
from core.api import InputMixin, ScopedGenericViewSet, ScopedReadOnlyViewSet, query_data
from core.api_errors import ApiErrorSerializer
from core.errors import DomainError

from . import selectors, services
from .choices import Circumstance, ComplaintOutcome, DecisionStatus, Form, Measure, ReuseResult, Status, Trigger
from .models import AccountabilityCase, Complaint, Decision, ExemptionEntry, FollowUpVisit, Target

ErrorSerializer = ApiErrorSerializer


REFUSED = OpenApiResponse(ErrorSerializer, description="Refused by the service or invalid input; nothing written.")


def _responses(ok, code: int = 200) -> dict:
    return {code: ok, 400: REFUSED, 404: OpenApiResponse(description="Not found or out of reach.")}


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


def _integer(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise serializers.ValidationError({name: _("A number is required.")}) from None


def _decision_input(data: dict | None, circumstance: str = "") -> services.DecisionInput | None:
    if data is None:
        return None
    return services.DecisionInput(**data, circumstance=circumstance)


class CaseFilterSerializer(serializers.Serializer):
    """Query parameters of the case list: an unknown value is a 400, not an unfiltered list."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    trigger = serializers.ChoiceField(choices=Trigger.choices, required=False)
    commission = serializers.IntegerField(required=False, min_value=1, help_text="Id of the handling commission.")


# --- viewsets -----------------------------------------------------------------------------------------


class CaseViewSet(InputMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Accountability cases in the caller's reach (their commissions' work, subtrees for supervisors, team grants).

    Filters: ?status=, ?trigger=, ?commission=.
    """

    def visible_queryset(self, user):
        # The list shows each case's decisions in force; one case shows its whole record, every decision with its
        # status (the same selector as the case page).
        return selectors.case_list(user) if self.action == "list" else selectors.case_record(user)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = CaseFilterSerializer(data=query_data(self.request))
        params.is_valid(raise_exception=True)
        return queryset.filter(**{name: value for name, value in params.validated_data.items() if value})

    @extend_schema(parameters=[CaseFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseDetailSerializer

    def _detail(self, case, code=200) -> Response:
        fresh = selectors.case_detail(self.request.user, case.pk)
        return Response(CaseDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=CaseCreateSerializer, responses=_responses(CaseDetailSerializer, 201))
    def create(self, request):
        """A supervisor of the handling commission initiates a case on one or more organisations or people."""
        data = self.validated(CaseCreateSerializer)
        commission = jurisdiction.get_in_reach(jurisdiction.readable_commissions(request.user), pk=data["commission"])
        subjects = list(subjects_visible_to(request.user).filter(pk__in=data["subjects"]))
        reports = list(reports_visible_to(request.user).filter(reference__in=data["reports"]))
        team = list(User.objects.filter(pk__in=data["team"]))
        if len(subjects) != len(set(data["subjects"])):
            raise DomainError(_("That subject is not in your registry."), code="subject")
        if len(reports) != len(set(data["reports"])):
            raise DomainError(_("That report is not in your reach."), code="report")
        case = services.case_initiate(
            actor=request.user,
            commission=commission,
            trigger=data["trigger"],
            facts=data["facts"],
            subjects=subjects,
            reports=reports,
            team=team,
            initiated_on=data.get("initiated_on"),
        )
        return self._detail(case, status.HTTP_201_CREATED)

    def _target(self, case, pk) -> Target:
        return jurisdiction.get_in_reach(case.targets.select_related("subject", "case"), pk=pk)

    @extend_schema(request=None, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="start-investigation")
    def start_investigation(self, request, pk=None):
        case = self.get_object()
        services.case_start_investigation(actor=request.user, case=case)
        return self._detail(case)

    @extend_schema(request=TeamSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="team")
    def team(self, request, pk=None):
        """A supervisor of the handling commission adds an investigator or reviewer of any commission."""
        case = self.get_object()
        data = self.validated(TeamSerializer)
        user = jurisdiction.get_in_reach(User.objects.filter(is_active=True), pk=data["user"])
        services.team_add(actor=request.user, case=case, user=user)
        return self._detail(case)

    @extend_schema(request=FourMustsSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="four-musts")
    def four_musts(self, request, pk=None):
        case = self.get_object()
        data = dict(self.validated(FourMustsSerializer))
        target = self._target(case, data.pop("target"))
        services.four_musts_record(actor=request.user, target=target, **data)
        return self._detail(case)

    @extend_schema(request=AssessmentSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="assessment")
    def assessment(self, request, pk=None):
        """The three distinctions; an exemption cites entries (ids) of the province's catalogue in force."""
        case = self.get_object()
        data = dict(self.validated(AssessmentSerializer))
        target = self._target(case, data.pop("target"))
        ids = data.pop("exemption_entries")
        entries = list(ExemptionEntry.objects.filter(pk__in=ids))
        if len(entries) != len(set(ids)):
            raise DomainError(_("Unknown catalogue entry."), code="exemption_entries")
        services.assessment_record(actor=request.user, target=target, exemption_entries=entries, **data)
        return self._detail(case)

    @extend_schema(request=ProposeSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="propose-decision")
    def propose_decision(self, request, pk=None):
        """Refused unless the four musts and the assessment are recorded for the target."""
        case = self.get_object()
        data = dict(self.validated(ProposeSerializer))
        target = self._target(case, data.pop("target"))
        services.decision_propose(actor=request.user, target=target, data=_decision_input(data))
        return self._detail(case)

    @extend_schema(request=ImplementSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="implement")
    def implement(self, request, pk=None):
        case = self.get_object()
        data = self.validated(ImplementSerializer)
        services.case_implement(actor=request.user, case=case, implemented_on=data["implemented_on"])
        return self._detail(case)

    @extend_schema(request=ReasonSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        case = self.get_object()
        services.case_close(actor=request.user, case=case, reason=self.validated(ReasonSerializer)["reason"])
        return self._detail(case)

    @extend_schema(request=VisitInputSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="visit")
    def visit(self, request, pk=None):
        """Record a follow-up visit (回访) to an organisation or person held to account: a member of the case team."""
        case = self.get_object()
        data = dict(self.validated(VisitInputSerializer))
        visit = jurisdiction.get_in_reach(
            FollowUpVisit.objects.filter(decision__case=case).select_related("decision__case"), pk=data.pop("visit")
        )
        services.visit_record(actor=request.user, visit=visit, **data)
        return self._detail(case)

    @extend_schema(request=ComplaintInputSerializer, responses=_responses(CaseDetailSerializer))
    @action(detail=True, methods=["post"], url_path="complaint")
    def complaint(self, request, pk=None):
        """Record a complaint against a decision in force; late ones only if a supervisor accepts with reasons."""
        case = self.get_object()
        data = dict(self.validated(ComplaintInputSerializer))
        decision = jurisdiction.get_in_reach(case.decisions.select_related("case"), pk=data.pop("decision"))
        services.complaint_lodge(actor=request.user, decision=decision, **data)
        return self._detail(case)


class DecisionViewSet(InputMixin, ScopedReadOnlyViewSet):
    """Decisions in reach, each with its status. Filters: ?subject= (one organisation's or person's decisions),
    ?status=. Approval and return are for a supervisor at the commission with management authority."""

    serializer_class = DecisionSerializer

    def visible_queryset(self, user):
        queryset = selectors.decisions_visible_to(user).select_related("corrected_by").prefetch_related("visits")
        params = getattr(self, "request", None) and self.request.query_params or {}
        if params.get("subject"):
            queryset = queryset.filter(target__subject=_integer(params["subject"], "subject"))
        if params.get("status"):
            if params["status"] not in DecisionStatus.values:
                raise serializers.ValidationError({"status": _("Unknown status.")})
            queryset = queryset.filter(status=params["status"])
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("subject", int, description="Only this organisation's or person's decisions."),
            OpenApiParameter("status", str, enum=DecisionStatus.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ApproveSerializer, responses=_responses(DecisionSerializer))
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        decision = self.get_object()
        services.decision_approve(actor=request.user, decision=decision, **self.validated(ApproveSerializer))
        return Response(DecisionSerializer(self.get_object()).data)

    @extend_schema(request=ReasonSerializer, responses=_responses(DecisionSerializer))
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        decision = self.get_object()
        services.decision_return(
            actor=request.user, decision=decision, reason=self.validated(ReasonSerializer)["reason"]
        )
        return Response(DecisionSerializer(self.get_object()).data)

    @extend_schema(request=ReuseSerializer, responses=_responses(DecisionSerializer))
    @action(detail=True, methods=["post"], url_path="reuse-review")
    def reuse_review(self, request, pk=None):
        """When the influence period has ended: may the cadre be used again?"""
        decision = self.get_object()
        services.reuse_review_record(actor=request.user, decision=decision, **self.validated(ReuseSerializer))
        return Response(DecisionSerializer(self.get_object()).data)


class ComplaintViewSet(InputMixin, ScopedReadOnlyViewSet):
    serializer_class = ComplaintSerializer

    def visible_queryset(self, user):
        return selectors.complaints_visible_to(user)

    @extend_schema(request=ReviewSerializer, responses=_responses(ComplaintSerializer))
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        complaint = self.get_object()
        services.complaint_review(actor=request.user, complaint=complaint, **self.validated(ReviewSerializer))
        return Response(ComplaintSerializer(self.get_object()).data)

    @extend_schema(request=ResolveSerializer, responses=_responses(ComplaintSerializer))
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Uphold, change (with the corrected decision, linked to the old one) or revoke."""
        complaint = self.get_object()
        data = self.validated(ResolveSerializer)
        services.complaint_resolve(
            actor=request.user,
            complaint=complaint,
            outcome=data["outcome"],
            reasons=data["reasons"],
            correction=_decision_input(data["correction"], data["circumstance"]),
        )
        return Response(ComplaintSerializer(self.get_object()).data)


class HistorySerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    subject_name = serializers.CharField()
    decisions = DecisionSerializer(many=True)


class SubjectHistoryViewSet(ScopedGenericViewSet):
    """An organisation's or person's accountability history: every decision in reach, newest first, with its status
    (the subject page's record). A subject outside the caller's registry is a 404."""

    pagination_class = None

    def visible_queryset(self, user):
        return subjects_visible_to(user)

    @extend_schema(responses={200: HistorySerializer, 404: OpenApiResponse(description="Not found or out of reach.")})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        subject = self.get_object()
        decisions = selectors.history_of_subject(request.user, subject).prefetch_related("visits")
        data = {"subject": subject.pk, "subject_name": subject.name, "decisions": decisions}
        return Response(HistorySerializer(data, context=self.get_serializer_context()).data)


class CatalogueViewSet(ScopedReadOnlyViewSet):
    """The exemption catalogues of the caller's provinces."""

    serializer_class = EntrySerializer
    pagination_class = None

    def visible_queryset(self, user):
        return selectors.catalogue_visible_to(user)


ROUTES = [
    ("accountability/cases", CaseViewSet, "accountability-case"),
    ("accountability/decisions", DecisionViewSet, "accountability-decision"),
    ("accountability/complaints", ComplaintViewSet, "accountability-complaint"),
    ("accountability/catalogue", CatalogueViewSet, "accountability-catalogue"),
    ("accountability/subjects", SubjectHistoryViewSet, "accountability-subject"),
]
