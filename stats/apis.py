"""The statistics API under /api/stats/: the same figures as the dashboard, scoped the same way.

/api/stats/commissions/                       commissions whose statistics the caller reads
/api/stats/commissions/{id}/figures/?period=  the figures (current, with the published ones for a month)
/api/stats/commissions/{id}/trend/            the last 12 months up to ?month=YYYY-MM
/api/stats/commissions/{id}/items/?key=       the items behind one figure (as published, or as they are today)
/api/stats/commissions/{id}/download/?fmt=    the figures as an XLSX or CSV file (audited)
/api/stats/exports/                           the caller's background exports; POST starts one
/api/stats/exports/{id}/download/             the file of a finished export (its owner only, audited)
"""

import datetime

from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.models import Commission
from core.api import ScopedReadOnlyViewSet
from core.errors import DomainError
from core.jobs import month_start

from . import drilldown, exports, selectors, services
from .figures import figures_for, label_of, monthly_trend
from .models import ExportFormat, ExportJob
from .periods import parse_period
from .views import statistics_download


class FileRenderer(JSONRenderer):
    """Lets a download answer whatever the caller accepts; refusals are still JSON."""

    media_type = "*/*"


FILE_RENDERERS = [JSONRenderer, FileRenderer]
FILE = OpenApiResponse(description="The file, as an attachment (XLSX or CSV).")
REFUSED = OpenApiResponse(description="Refused (bad period, unknown format, not ready); nothing written.")
NOT_FOUND = OpenApiResponse(description="Not found or out of reach.")


@extend_schema_serializer(component_name="StatsCommission")
class CommissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commission
        fields = ["id", "name_zh", "name_en", "division_code", "level", "parent"]


class ExportJobSerializer(serializers.ModelSerializer):
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "fmt",
            "params",
            "status",
            "rows_done",
            "rows_total",
            "created_at",
            "finished_at",
            "expires_at",
        ]


class StrictCharField(serializers.CharField):
    """A filter's value is text, as the list page sends it: a number or a list is refused, not turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ExportStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(exports.LISTS))
    fmt = serializers.ChoiceField(choices=ExportFormat.values)
    filters = serializers.DictField(
        child=StrictCharField(allow_blank=True),
        required=False,
        default=dict,
        help_text='The filters of the list page, e.g. {"status": "closed", "received_from": "2026-01-01"}.',
    )


class ItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()
    commission = serializers.CharField(source="commission.name", allow_null=True)
    day = serializers.SerializerMethodField()
    details = serializers.CharField()

    def get_day(self, item) -> str | None:
        day = item.day
        if isinstance(day, datetime.datetime):
            day = timezone.localtime(day).date()
        return day.isoformat() if day else None


class ItemsSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    basis = serializers.ChoiceField(
        choices=[drilldown.PUBLISHED, drilldown.CURRENT, drilldown.CURRENT_NOT_KEPT],
        help_text="published: the items the published figure counted; current: the items as they are today; "
        "current_not_kept: a month published before its items were kept, listed as they are today.",
    )
    published = serializers.IntegerField(allow_null=True, help_text="The published figure, for a published month.")
    published_at = serializers.DateTimeField(allow_null=True)
    items = ItemSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Pass as ?after= for the next page.")


ITEMS_PAGE = 50

PERIOD_PARAMETERS = [
    OpenApiParameter("period", str, enum=["month", "quarter", "year", "range"]),
    OpenApiParameter("month", str, description="YYYY-MM"),
    OpenApiParameter("year", int),
    OpenApiParameter("quarter", int, enum=[1, 2, 3, 4]),
    OpenApiParameter("start", str, description="YYYY-MM-DD"),
    OpenApiParameter("end", str, description="YYYY-MM-DD"),
    OpenApiParameter("scope", str, enum=["subtree", "alone"]),
]


class StatisticsCommissionViewSet(ScopedReadOnlyViewSet):
    serializer_class = CommissionSerializer
    pagination_class = None

    def visible_queryset(self, user):
        return selectors.statistics_commissions(user).order_by("path")

    def _subtree(self) -> bool:
        scope = self.request.query_params.get("scope") or "subtree"
        if scope not in ("subtree", "alone"):
            raise serializers.ValidationError({"scope": [_("subtree or alone.")]})
        return scope == "subtree"

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: OpenApiResponse(description="Sections of rows: key, label, group, value, published.")},
    )
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        commission = self.get_object()
        period = parse_period(request.query_params)
        subtree = self._subtree()
        snapshot = selectors.snapshot_of(commission, period.start) if period.is_month else None
        published = snapshot.figures.get("subtree" if subtree else "alone", {}) if snapshot else None
        figures = figures_for(commission, period.start, period.end, subtree=subtree, published=published)
        data = figures.as_dict()
        data["period"] = {"kind": period.kind, "label": period.label}
        data["published_at"] = snapshot.taken_at.isoformat() if snapshot else None
        return Response(data)

    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("key", str, description="The figure's key, as in figures/ (default: reports)."),
            OpenApiParameter("view", str, enum=["current"], description="Today's items even for a published month."),
            OpenApiParameter("after", str, description="The cursor of the next page."),
        ],
        responses={200: ItemsSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        """The items one figure counts, within the caller's reach: for a published month those counted when it was
        published, otherwise (or with ?view=current) the items as they are today."""
        commission = self.get_object()
        period = parse_period(request.query_params)
        key = request.query_params.get("key") or "reports"
        found = drilldown.listing(
            request.user,
            commission,
            period,
            subtree=self._subtree(),
            key=key,
            current=request.query_params.get("view") == "current",
            cursor=request.query_params.get("after"),
            size=ITEMS_PAGE,
        )
        if found is None:
            raise DomainError(_("Unknown figure."), code="key")
        data = {
            "key": key,
            "label": label_of(key),
            "basis": found.basis,
            "published": found.published,
            "published_at": found.snapshot.taken_at if found.snapshot else None,
            "items": found.items,
            "next": found.page.next_cursor,
        }
        return Response(ItemsSerializer(data).data)

    @extend_schema(
        parameters=[*PERIOD_PARAMETERS, OpenApiParameter("fmt", str, enum=ExportFormat.values)],
        responses={(200, "*/*"): FILE, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def download(self, request, pk=None):
        """The figures as on the dashboard, as a file (?fmt=xlsx or csv, default csv); every download is audited."""
        commission = self.get_object()
        fmt = request.query_params.get("fmt") or ExportFormat.CSV
        if fmt not in ExportFormat.values:
            raise DomainError(_("Unknown format."), code="format")
        period = parse_period(request.query_params)
        return statistics_download(
            request.user, commission, period, subtree=self._subtree(), fmt=fmt, params=request.query_params
        )

    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: OpenApiResponse(description="Months and one series of monthly counts per figure.")},
    )
    @action(detail=True, methods=["get"])
    def trend(self, request, pk=None):
        commission = self.get_object()
        period = parse_period(request.query_params)
        axis, series = monthly_trend(commission, month_start(period.end), subtree=self._subtree())
        return Response(
            {
                "months": [m.strftime("%Y-%m") for m in axis],
                "series": [{"key": name, "label": label, "values": values} for name, label, values in series],
            }
        )


class ExportJobViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """The caller's own background exports: start one, follow it, download its file."""

    serializer_class = ExportJobSerializer

    def visible_queryset(self, user):
        return selectors.export_jobs_of(user).order_by("-id")

    @extend_schema(request=ExportStartSerializer, responses={201: ExportJobSerializer, 400: REFUSED, 403: REFUSED})
    def create(self, request, *args, **kwargs):
        """Start a background export of a list (reports, clarifications, decisions) with its page's filters."""
        serializer = ExportStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        params = QueryDict(mutable=True)
        for name, value in data["filters"].items():
            params[name] = value
        job = services.export_job_start(actor=request.user, kind=data["kind"], fmt=data["fmt"], params=params)
        job.refresh_from_db()
        return Response(ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "*/*"): FILE, 400: REFUSED, 404: NOT_FOUND, 410: REFUSED})
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def download(self, request, pk=None):
        """The file of a finished export, for the person who started it; every download is audited."""
        job = self.get_object()
        try:
            path = services.export_job_download(actor=request.user, job=job)
        except DomainError as refusal:
            if refusal.code == "forbidden":  # the reach the file was written for is lost: as the page, a 404
                raise NotFound() from refusal
            raise
        return FileResponse(open(path, "rb"), as_attachment=True, filename=services.export_filename(job.kind, job.fmt))


ROUTES = [
    ("stats/commissions", StatisticsCommissionViewSet, "stats-commission"),
    ("stats/exports", ExportJobViewSet, "stats-export"),
]
