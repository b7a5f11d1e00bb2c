"""The cases API (issue 3): reports, subjects, allegations and identity requests under /api/.

Every read goes through the selectors (an object out of reach is a 404), every write calls exactly one
service, and a DomainError becomes a 400 with its message (core.api_errors). The reporter's identity is
masked everywhere except in the reveal-identity action, which the service audits.
"""

from django.db.models import F
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from audit.services import timeline
from core.api import InputMixin, ScopedGenericViewSet, ScopedReadOnlyViewSet
from core.errors import DomainError
from core.pagination import DefaultCursorPagination

from . import selectors, services, workflow
from .choices import CorrectionStatus
from .filters import AllegationFilterSet, IdentityRequestFilterSet, ReportFilterSet, SubjectFilterSet
from .models import IdentityAccess
from .serializers import (
    AllegationListSerializer,
    AllegationSerializer,
    AssignmentSerializer,
    AttachmentInputSerializer,
    AttachmentSerializer,
    CorrectionDecisionSerializer,
    CorrectionInputSerializer,
    CorrectionSerializer,
    ErrorSerializer,
    FeedbackInputSerializer,
    FeedbackSerializer,
    FindingInputSerializer,
    IdentityRequestInputSerializer,
    IdentityRequestSerializer,
    InvestigatorSerializer,
    LinkInputSerializer,
    ProposeDispositionSerializer,
    ReasonSerializer,
    RecusalInputSerializer,
    RecusalSerializer,
    RepeatRefusalSerializer,
    ReportCreatedSerializer,
    ReportCreateSerializer,
    ReportDetailSerializer,
    ReporterIdentitySerializer,
    ReportFindingSerializer,
    ReportLinkSerializer,
    ReportListSerializer,
    StartVerificationSerializer,
    SubjectDetailSerializer,
    SubjectSerializer,
    VerificationNotesSerializer,
)
from .services.common import format_receipt

REFUSED = OpenApiResponse(ErrorSerializer, description="Refused by the service or invalid input; nothing written.")
NOT_FOUND = OpenApiResponse(description="Does not exist or is out of the caller's reach.")
KEY_MISSING = OpenApiResponse(
    ErrorSerializer,
    description="The identity cannot be decrypted: its key is missing from IDENTITY_KEYS (the reporter is named).",
)


def _responses(ok, code: int = 200) -> dict:
    return {code: ok, 400: REFUSED, 404: NOT_FOUND}


# ---------------------------------------------------------------------------------------------------------------
# Reports


class ReportViewSet(InputMixin, ScopedGenericViewSet):
    """Reports within the caller's reach, and the transitions of their workflow as POST actions."""

    serializer_class = ReportListSerializer
    pagination_class = DefaultCursorPagination
    # The API's `overdue` is strictly past due (the page's filter also shows what is due within a week).
    filterset_class = ReportFilterSet

    def visible_queryset(self, user):
        if self.action == "list":
            # The annotation keeps the encrypted identity columns out of the list query altogether.
            return selectors.report_list(user).annotate(reporter_is_anonymous=F("reporter__is_anonymous"))
        return selectors.reports_visible_to(user)

    # -- presenting -----------------------------------------------------------------------------------------

    def _detail(self, report, serializer_class=ReportDetailSerializer, **extra) -> dict:
        user = self.request.user
        context = {
            **self.get_serializer_context(),
            "linked": selectors.linked_reports(user, report),
            "timeline": timeline(report),
            "actions": [name.replace("_", "-") for name in workflow.allowed_transitions(user, report)],
            "identity_visible": selectors.can_see_identity(user, report),
            **extra,
        }
        return serializer_class(report, context=context).data

    def _summary(self, report) -> Response:
        report.refresh_from_db()
        return Response(ReportListSerializer(report, context=self.get_serializer_context()).data)

    # -- reads and registration -----------------------------------------------------------------------------

    @extend_schema(responses={200: ReportListSerializer(many=True), 400: REFUSED})
    def list(self, request):
        """Newest first, with cursor pagination; the reporter appears only by pseudonym."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ReportListSerializer(page, many=True).data)

    @extend_schema(responses={200: ReportDetailSerializer, 404: NOT_FOUND})
    def retrieve(self, request, pk=None):
        """The report with its allegations, findings, dispositions, verification, feedback, links and timeline."""
        return Response(self._detail(selectors.report_detail(request.user, pk)))

    @extend_schema(
        request={"application/json": ReportCreateSerializer},
        responses={
            201: OpenApiResponse(ReportCreatedSerializer, description="Registered."),
            200: OpenApiResponse(ReportCreatedSerializer, description="The submission_token was seen before."),
            400: REFUSED,
            409: OpenApiResponse(
                RepeatRefusalSerializer,
                description="A likely repeat of a report registered in the last 30 days; send repeat_of to confirm.",
            ),
        },
    )
    def create(self, request):
        """An intake officer registers a report; the receipt code of an anonymous reporter is shown only here."""
        data = self.validated(ReportCreateSerializer)
        registered = services.report_register(
            actor=request.user,
            commission=data["commission"],
            received_on=data["received_on"],
            channel=data["channel"],
            area=data["area"],
            summary=data["summary"],
            allegations=[
                services.AllegationInput(
                    text=item["text"],
                    category=item["category"],
                    subject=item.get("subject"),
                    new_subject=services.SubjectInput(**item["new_subject"]) if item.get("new_subject") else None,
                )
                for item in data["allegations"]
            ],
            reporter=services.ReporterInput(**data["reporter"]),
            submission_token=data.get("submission_token"),
            repeat_of=data.get("repeat_of"),
        )
        report = selectors.report_detail(request.user, registered.report.pk)
        receipt = format_receipt(registered.receipt_code) if registered.receipt_code else None
        body = self._detail(report, ReportCreatedSerializer, receipt_code=receipt, created=registered.created)
        return Response(body, status=status.HTTP_201_CREATED if registered.created else status.HTTP_200_OK)

    # -- transitions ----------------------------------------------------------------------------------------

    @extend_schema(request=ProposeDispositionSerializer, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"], url_path="propose-disposition")
    def propose_disposition(self, request, pk=None):
        """Case management proposes a disposition: talk or letter inquiry, verification, hold, close, transfer."""
        report = self.get_object()
        data = self.validated(ProposeDispositionSerializer)
        services.disposition_propose(actor=request.user, report=report, **data)
        return self._summary(report)

    @extend_schema(request=ReasonSerializer, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"], url_path="approve-disposition")
    def approve_disposition(self, request, pk=None):
        """A supervisor of the handling commission approves the pending disposition; a transfer moves the report."""
        report = self.get_object()
        data = self.validated(ReasonSerializer)
        services.disposition_approve(actor=request.user, report=report, reason=data["reason"])
        return self._summary(report)

    @extend_schema(request=ReasonSerializer, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"], url_path="reject-disposition")
    def reject_disposition(self, request, pk=None):
        """A supervisor returns the pending disposition with a reason; the report is registered again."""
        report = self.get_object()
        data = self.validated(ReasonSerializer)
        services.disposition_reject(actor=request.user, report=report, reason=data["reason"])
        return self._summary(report)

    @extend_schema(request=StartVerificationSerializer, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"], url_path="start-verification")
    def start_verification(self, request, pk=None):
        """A supervisor assigns investigators (from any commission) and sets the due date."""
        report = self.get_object()
        data = self.validated(StartVerificationSerializer)
        services.verification_start(
            actor=request.user,
            report=report,
            investigators=list(data["investigators"]),
            due_on=data.get("due_on"),
            notes=data["notes"],
        )
        return self._summary(report)

    @extend_schema(request=InvestigatorSerializer, responses=_responses(AssignmentSerializer, 201))
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """A supervisor adds an investigator to the verification."""
        report = self.get_object()
        data = self.validated(InvestigatorSerializer)
        assignment = services.assignment_add(actor=request.user, report=report, investigator=data["investigator"])
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InvestigatorSerializer, responses=_responses(None, 204))
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        """A supervisor takes an investigator off the report."""
        report = self.get_object()
        data = self.validated(InvestigatorSerializer)
        services.assignment_end(actor=request.user, report=report, investigator=data["investigator"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ReportFindingSerializer, responses=_responses(AllegationSerializer))
    @action(detail=True, methods=["post"], url_path="record-finding")
    def record_finding(self, request, pk=None):
        """An assigned investigator records the finding on one allegation of this report."""
        report = self.get_object()
        data = dict(self.validated(ReportFindingSerializer))
        allegation = services.finding_record(
            actor=request.user, report=report, allegation=data.pop("allegation"), **data
        )
        return Response(AllegationSerializer(allegation).data)

    @extend_schema(request=None, responses=_responses(None, 204))
    @action(detail=True, methods=["post"], url_path="read-supplements")
    def read_supplements(self, request, pk=None):
        """The intake office (or an assigned investigator) marks what the reporter added as read."""
        services.supplements_mark_read(actor=request.user, report=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VerificationNotesSerializer, responses=_responses(VerificationNotesSerializer))
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """An assigned investigator keeps the verification's working notes."""
        report = self.get_object()
        data = self.validated(VerificationNotesSerializer)
        verification = services.verification_notes_update(actor=request.user, report=report, notes=data["notes"])
        return Response({"notes": verification.notes})

    @extend_schema(request=None, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """A supervisor approves the conclusion once every allegation has a finding."""
        report = self.get_object()
        services.verification_conclude(actor=request.user, report=report)
        return self._summary(report)

    @extend_schema(request=ReasonSerializer, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """A supervisor closes a concluded report."""
        report = self.get_object()
        data = self.validated(ReasonSerializer)
        services.report_close(actor=request.user, report=report, reason=data["reason"])
        return self._summary(report)

    @extend_schema(request=ReasonSerializer, responses=_responses(ReportListSerializer))
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """A supervisor resumes a report held for later."""
        report = self.get_object()
        data = self.validated(ReasonSerializer)
        services.report_resume(actor=request.user, report=report, reason=data["reason"])
        return self._summary(report)

    # -- records on the report ------------------------------------------------------------------------------

    @extend_schema(request=FeedbackInputSerializer, responses=_responses(FeedbackSerializer, 201))
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """An intake officer or supervisor records what the reporter was told, when and how."""
        report = self.get_object()
        data = self.validated(FeedbackInputSerializer)
        feedback = services.feedback_record(actor=request.user, report=report, **data)
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecusalInputSerializer, responses=_responses(RecusalSerializer, 201))
    @action(detail=True, methods=["post"])
    def recusal(self, request, pk=None):
        """Declare a conflict of interest (or, as a supervisor, record one for a user): the user loses the report."""
        report = self.get_object()
        data = self.validated(RecusalInputSerializer)
        recusal = services.recusal_declare(
            actor=request.user, report=report, reason=data["reason"], user=data.get("user")
        )
        return Response(RecusalSerializer(recusal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LinkInputSerializer, responses=_responses(ReportLinkSerializer, 201))
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        """Link this report to an earlier one about the same subjects and allegations."""
        report = self.get_object()
        data = self.validated(LinkInputSerializer)
        link = services.report_link(actor=request.user, report=report, earlier=data["earlier"], note=data["note"])
        return Response(ReportLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": AttachmentInputSerializer}, responses=_responses(AttachmentSerializer, 201)
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        """Upload one file (PDF, image, Word, Excel or text; size limited) to the report."""
        report = self.get_object()
        data = self.validated(AttachmentInputSerializer)
        upload = services.Upload(name=data["file"].name, file=data["file"], kind=data["kind"])
        stored = services.attachment_add(actor=request.user, report=report, upload=upload)
        return Response(AttachmentSerializer(stored).data, status=status.HTTP_201_CREATED)

    # -- corrections ----------------------------------------------------------------------------------------

    @extend_schema(
        request=CorrectionInputSerializer,
        responses={
            201: OpenApiResponse(CorrectionSerializer, description="Applied: the disposition is not approved yet."),
            202: OpenApiResponse(CorrectionSerializer, description="Proposed: a supervisor decides."),
            400: REFUSED,
            403: REFUSED,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def corrections(self, request, pk=None):
        """Correct the report or restructure its allegations; after the disposition's approval, propose it."""
        report = self.get_object()
        serializer = CorrectionInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        correction = services.report_correct(
            actor=request.user,
            report=report,
            op=serializer.validated_data["op"],
            payload=serializer.payload(),
            reason=serializer.validated_data["reason"],
        )
        applied = correction.status == CorrectionStatus.APPLIED
        return Response(
            CorrectionSerializer(correction).data,
            status=status.HTTP_201_CREATED if applied else status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=CorrectionDecisionSerializer, responses=_responses(CorrectionSerializer))
    @action(detail=True, methods=["post"], url_path="decide-correction")
    def decide_correction(self, request, pk=None):
        """A supervisor of the handling commission applies or rejects a proposed correction (not their own)."""
        report = self.get_object()
        data = self.validated(CorrectionDecisionSerializer)
        correction = report.corrections.filter(pk=data["correction"]).first()
        if correction is None:
            raise DomainError(_("That correction is not one of this report's."), code="not_found")
        correction = services.correction_decide(
            actor=request.user, correction=correction, approve=data["approve"], reason=data["reason"]
        )
        return Response(CorrectionSerializer(correction).data)

    # -- the reporter's identity ----------------------------------------------------------------------------

    @extend_schema(request=IdentityRequestInputSerializer, responses=_responses(IdentityRequestSerializer, 201))
    @action(detail=True, methods=["post"], url_path="request-identity")
    def request_identity(self, request, pk=None):
        """Ask the custodian, with a reason, to see the reporter's identity."""
        report = self.get_object()
        data = self.validated(IdentityRequestInputSerializer)
        access = services.identity_request(actor=request.user, report=report, reason=data["reason"])
        return Response(IdentityRequestSerializer(access).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={**_responses(ReporterIdentitySerializer), 503: KEY_MISSING})
    @action(detail=True, methods=["post"], url_path="reveal-identity")
    def reveal_identity(self, request, pk=None):
        """The reporter's identity, for intake officers of the handling commission and holders of a grant.

        A POST, because every reveal is recorded on the report's timeline.
        """
        report = self.get_object()
        identity = services.identity_reveal(actor=request.user, report=report)
        return Response(ReporterIdentitySerializer(identity).data)


# ---------------------------------------------------------------------------------------------------------------
# Subjects


@extend_schema_view(
    retrieve=extend_schema(responses={200: SubjectDetailSerializer, 404: NOT_FOUND}),
)
class SubjectViewSet(InputMixin, ScopedReadOnlyViewSet):
    """The registry of people and organisations reported on, within the caller's reach."""

    serializer_class = SubjectSerializer
    pagination_class = DefaultCursorPagination
    filterset_class = SubjectFilterSet

    def visible_queryset(self, user):
        return selectors.subjects_visible_to(user)

    def retrieve(self, request, pk=None):
        subject = self.get_object()
        # The selector prefetches only the allegations about this subject.
        subject.visible_reports = selectors.reports_about(request.user, subject)
        return Response(SubjectDetailSerializer(subject, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------------------------------------------------------
# Allegations


class AllegationViewSet(InputMixin, ScopedReadOnlyViewSet):
    """Allegations of the reports within the caller's reach."""

    serializer_class = AllegationListSerializer
    pagination_class = DefaultCursorPagination
    filterset_class = AllegationFilterSet

    def visible_queryset(self, user):
        return selectors.allegations_visible_to(user).select_related("finding_by", "report__commission")

    @extend_schema(request=FindingInputSerializer, responses=_responses(AllegationSerializer))
    @action(detail=True, methods=["post"], url_path="record-finding")
    def record_finding(self, request, pk=None):
        """An assigned investigator records the finding on this allegation (same rules as on the report)."""
        allegation = self.get_object()
        data = self.validated(FindingInputSerializer)
        allegation = services.finding_record(
            actor=request.user, report=allegation.report, allegation=allegation, **data
        )
        return Response(AllegationSerializer(allegation).data)


# ---------------------------------------------------------------------------------------------------------------
# Identity requests


class IdentityRequestViewSet(InputMixin, ScopedReadOnlyViewSet):
    """Requests to see a reporter's identity: the caller's own, and those waiting for them as custodian."""

    serializer_class = IdentityRequestSerializer
    pagination_class = DefaultCursorPagination
    filterset_class = IdentityRequestFilterSet

    def visible_queryset(self, user):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return IdentityAccess.objects.none()
        return selectors.identity_requests_visible_to(user)

    def _decide(self, *, grant: bool) -> Response:
        access = self.get_object()
        data = self.validated(IdentityRequestInputSerializer)
        access = services.identity_decide(actor=self.request.user, access=access, grant=grant, reason=data["reason"])
        return Response(IdentityRequestSerializer(access).data)

    @extend_schema(request=IdentityRequestInputSerializer, responses=_responses(IdentityRequestSerializer))
    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        """The custodian (a supervisor of the handling commission) grants the request, with a reason."""
        return self._decide(grant=True)

    @extend_schema(request=IdentityRequestInputSerializer, responses=_responses(IdentityRequestSerializer))
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """The custodian refuses the request, with a reason."""
        return self._decide(grant=False)

    @extend_schema(request=IdentityRequestInputSerializer, responses=_responses(IdentityRequestSerializer))
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """The custodian revokes a granted request, with a reason."""
        access = self.get_object()
        data = self.validated(IdentityRequestInputSerializer)
        access = services.identity_revoke(actor=request.user, access=access, reason=data["reason"])
        return Response(IdentityRequestSerializer(access).data)


ROUTES = [
    ("reports", ReportViewSet, "report"),
    ("subjects", SubjectViewSet, "subject"),
    ("allegations", AllegationViewSet, "allegation"),
    ("identity-requests", IdentityRequestViewSet, "identity-request"),
]
