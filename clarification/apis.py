"""The clarification API: the same operations as the pages, through the same selectors and services.

An object out of reach is a 404; a refusal by a service is a 400 with its message (core.api_errors).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Commission
from cases.models import Allegation
from cases.selectors import allegations_visible_to, reports_visible_to
from core.api import InputMixin, ScopedGenericViewSet, ScopedReadOnlyViewSet

from . import selectors, services
from .filters import RecommendationFilterSet
from .serializers import (
    BatchBuildSerializer,
    BatchDetailSerializer,
    BatchItemExecuteSerializer,
    BatchSerializer,
    ClarificationFeedbackSerializer,
    ClarificationReasonSerializer,
    ExecuteInputSerializer,
    FalseCaseCreateSerializer,
    FalseCaseSerializer,
    FollowUpInputSerializer,
    MeasureDecisionSerializer,
    MeasureInputSerializer,
    RecommendationCreateSerializer,
    RecommendationDetailSerializer,
    RecommendationSerializer,
    RecommendationUpdateSerializer,
    ReturnVisitInputSerializer,
    ReviewInputSerializer,
)


def _in_reach(queryset, pk, **lookup):
    obj = queryset.filter(**(lookup or {"pk": pk})).first()
    if obj is None:
        raise Http404
    return obj


class RecommendationViewSet(InputMixin, ScopedReadOnlyViewSet):
    """Clarification recommendations in reach. Filters: those of the list page (clarification/filters.py)."""

    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilterSet

    def visible_queryset(self, user):
        return selectors.recommendation_list(user).prefetch_related("items", "opinions__recorded_by").order_by("-id")

    def get_serializer_class(self):
        return RecommendationDetailSerializer if self.action != "list" else RecommendationSerializer

    def _detail(self, recommendation, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=recommendation.pk)
        return Response(RecommendationDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=RecommendationCreateSerializer, responses={201: RecommendationDetailSerializer})
    def create(self, request):
        data = self.validated(RecommendationCreateSerializer)
        report = _in_reach(reports_visible_to(request.user), data["report"])
        allegation = report.allegations.filter(subject_id=data["subject"]).select_related("subject").first()
        if allegation is None:
            raise Http404
        recommendation = services.recommendation_draft(
            actor=request.user,
            report=report,
            subject=allegation.subject,
            allegations=list(Allegation.objects.filter(pk__in=data["allegations"])),
            method=data["method"],
            audience=data["audience"],
            statement_text=data["statement"],
            subject_wishes=data["subject_wishes"],
        )
        return self._detail(recommendation, status.HTTP_201_CREATED)

    @extend_schema(request=RecommendationUpdateSerializer, responses=RecommendationDetailSerializer)
    def partial_update(self, request, pk=None):
        recommendation = self.get_object()
        data = self.validated(RecommendationUpdateSerializer)
        if "allegations" in data:
            data["allegations"] = list(Allegation.objects.filter(pk__in=data["allegations"]))
        if "statement" in data:
            data["statement_text"] = data.pop("statement")
        services.recommendation_update(actor=request.user, recommendation=recommendation, **data)
        return self._detail(recommendation)

    def _simple(self, service, serializer=None):
        recommendation = self.get_object()
        data = self.validated(serializer) if serializer else {}
        service(actor=self.request.user, recommendation=recommendation, **data)
        return self._detail(recommendation)

    @extend_schema(request=None, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="submit-review")
    def submit_review(self, request, pk=None):
        return self._simple(services.recommendation_submit_review)

    @extend_schema(request=ClarificationReasonSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="override-statement")
    def override_statement(self, request, pk=None):
        return self._simple(services.recommendation_override_statement, ClarificationReasonSerializer)

    @extend_schema(request=ReviewInputSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._simple(services.review_record, ReviewInputSerializer)

    @extend_schema(request=ClarificationReasonSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._simple(services.recommendation_withdraw, ClarificationReasonSerializer)

    @extend_schema(request=None, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._simple(services.recommendation_submit)

    @extend_schema(request=ClarificationReasonSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._simple(services.recommendation_approve, ClarificationReasonSerializer)

    @extend_schema(request=ClarificationReasonSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_revision(self, request, pk=None):
        return self._simple(services.recommendation_return, ClarificationReasonSerializer)

    @extend_schema(request=ClarificationReasonSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._simple(services.recommendation_reject, ClarificationReasonSerializer)

    @extend_schema(request=ClarificationReasonSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._simple(services.recommendation_reopen, ClarificationReasonSerializer)

    @extend_schema(request=ExecuteInputSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def execute(self, request, pk=None):
        return self._simple(services.clarification_execute, ExecuteInputSerializer)

    @extend_schema(request=ReturnVisitInputSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return-visit")
    def return_visit(self, request, pk=None):
        return self._simple(services.return_visit_record, ReturnVisitInputSerializer)

    @extend_schema(request=ClarificationFeedbackSerializer, responses=RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        return self._simple(services.clarification_feedback, ClarificationFeedbackSerializer)

    @extend_schema(request=None, responses=RecommendationSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="waiting-for-me", pagination_class=None)
    def waiting_for_me(self, request):
        items = list(selectors.approvals_waiting_for(request.user)) + list(selectors.reviews_waiting_for(request.user))
        return Response(RecommendationSerializer(items, many=True, context=self.get_serializer_context()).data)


class BatchViewSet(InputMixin, ScopedReadOnlyViewSet):
    serializer_class = BatchSerializer

    def visible_queryset(self, user):
        return selectors.batches_visible_to(user).order_by("-month", "city__path")

    def _detail(self, batch):
        batch.visible_items = list(selectors.batch_items(self.request.user, batch))
        batch.summary = selectors.batch_summary(self.request.user, batch, batch.visible_items)
        return Response(BatchDetailSerializer(batch).data)

    @extend_schema(responses=BatchDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    @extend_schema(request=BatchBuildSerializer, responses=BatchSerializer)
    @action(detail=False, methods=["post"])
    def build(self, request):
        data = self.validated(BatchBuildSerializer)
        city = Commission.objects.filter(pk=data["city"]).first()
        if city is None:
            raise Http404
        batch = services.batch_build(city=city, month=data["month"], actor=request.user)
        return Response(BatchSerializer(batch).data)

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(description="The monthly build job is queued; it runs once the broker has it.")
        },
    )
    @action(detail=False, methods=["post"], url_path="run-build-job")
    def run_build_job(self, request):
        """A city supervisor queues the monthly build job now instead of waiting for the daily catch-up."""
        services.batches_build_request(actor=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=BatchItemExecuteSerializer, responses=BatchDetailSerializer)
    @action(detail=True, methods=["post"], url_path="execute-item")
    def execute_item(self, request, pk=None):
        """A commission records the execution of one of its own clarifications in the batch."""
        batch = self.get_object()
        data = self.validated(BatchItemExecuteSerializer)
        # The item must be in the caller's reach: a sibling county's item is a 404, like one that does not exist.
        item = _in_reach(selectors.batch_items(request.user, batch), None, recommendation_id=data.pop("recommendation"))
        services.batch_item_execute(actor=request.user, batch=batch, recommendation=item.recommendation, **data)
        return self._detail(self.get_queryset().get(pk=batch.pk))


class FalseCaseViewSet(InputMixin, ScopedGenericViewSet):
    serializer_class = FalseCaseSerializer

    def visible_queryset(self, user):
        return selectors.false_cases_visible_to(user).prefetch_related("measures").order_by("-id")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _detail(self, case, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data, status=code)

    @extend_schema(request=FalseCaseCreateSerializer, responses={201: FalseCaseSerializer})
    def create(self, request):
        data = self.validated(FalseCaseCreateSerializer)
        allegation = _in_reach(allegations_visible_to(request.user), data.pop("allegation"))
        case = services.false_case_open(actor=request.user, allegation=allegation, **data)
        return self._detail(case, status.HTTP_201_CREATED)

    @extend_schema(request=MeasureInputSerializer, responses=FalseCaseSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        case = self.get_object()
        services.measure_propose(actor=request.user, case=case, **self.validated(MeasureInputSerializer))
        return self._detail(case)

    @extend_schema(request=MeasureDecisionSerializer, responses=FalseCaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        case = self.get_object()
        data = self.validated(MeasureDecisionSerializer)
        measure = _in_reach(case.measures.all(), data["measure"])
        services.measure_decide(actor=request.user, measure=measure, approve=data["approve"], reason=data["reason"])
        return self._detail(case)

    @extend_schema(request=FollowUpInputSerializer, responses=FalseCaseSerializer)
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        case = self.get_object()
        data = self.validated(FollowUpInputSerializer)
        measure = _in_reach(case.measures.all(), data["measure"])
        services.measure_follow_up(actor=request.user, measure=measure, follow_up=data["follow_up"])
        return self._detail(case)

    @extend_schema(request=ClarificationReasonSerializer, responses=FalseCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self.get_object()
        services.false_case_close(actor=request.user, case=case, **self.validated(ClarificationReasonSerializer))
        return self._detail(case)


ROUTES = [
    ("clarifications", RecommendationViewSet, "clarification"),
    ("clarification-batches", BatchViewSet, "clarification-batch"),
    ("false-accusation-cases", FalseCaseViewSet, "false-accusation-case"),
]
