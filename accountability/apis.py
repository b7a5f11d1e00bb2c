"""The accountability API under /api/: the same operations as the pages, through the same services.

Reads go through the selectors (an object out of reach is a 404); each write calls one service, and a
DomainError becomes a 400 with its message and code (core.api_errors).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import jurisdiction
from accounts.models import User
from cases.selectors import reports_visible_to, subjects_visible_to
from core.api import InputMixin, ScopedGenericViewSet, ScopedReadOnlyViewSet
from core.api_errors import ApiErrorSerializer
from core.errors import DomainError

from . import selectors, services
from .filters import CaseFilterSet, DecisionFilterSet
from .models import ExemptionEntry, FollowUpVisit, Target
from .serializers import (
    ApproveSerializer,
    AssessmentSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    ComplaintInputSerializer,
    ComplaintSerializer,
    DecisionSerializer,
    EntrySerializer,
    FourMustsSerializer,
    HistorySerializer,
    ImplementSerializer,
    ProposeSerializer,
    ReasonSerializer,
    ResolveSerializer,
    ReuseSerializer,
    ReviewSerializer,
    TeamSerializer,
    VisitInputSerializer,
)

ErrorSerializer = ApiErrorSerializer


REFUSED = OpenApiResponse(ErrorSerializer, description="Refused by the service or invalid input; nothing written.")


def _responses(ok, code: int = 200) -> dict:
    return {code: ok, 400: REFUSED, 404: OpenApiResponse(description="Not found or out of reach.")}


def _decision_input(data: dict | None, circumstance: str = "") -> services.DecisionInput | None:
    if data is None:
        return None
    return services.DecisionInput(**data, circumstance=circumstance)


# --- viewsets -----------------------------------------------------------------------------------------


class CaseViewSet(InputMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Accountability cases in the caller's reach (their commissions' work, subtrees for supervisors, team grants).

    Filters: those of the case list page (accountability/filters.py), the commission by its id.
    """

    filterset_class = CaseFilterSet

    def visible_queryset(self, user):
        # The list shows each case's decisions in force; one case shows its whole record, every decision with its
        # status (the same selector as the case page).
        return selectors.case_list(user) if self.action == "list" else selectors.case_record(user)

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
    ?status= (accountability/filters.py). Approval and return are for a supervisor at the commission with management
    authority."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilterSet

    def visible_queryset(self, user):
        return selectors.decisions_visible_to(user).select_related("corrected_by").prefetch_related("visits")

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
