"""The statistics API under /api/stats/: the same figures as the dashboard, scoped the same way.

/api/stats/commissions/                       commissions whose statistics the caller reads
/api/stats/commissions/{id}/figures/?period=  the figures (current, with the published ones for a month)
/api/stats/commissions/{id}/trend/            the last 12 months up to ?month=YYYY-MM
/api/stats/exports/                           the caller's background exports
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Commission
from core.api import ScopedReadOnlyViewSet
from core.jobs import month_start

from . import selectors
from .figures import figures_for, monthly_trend
from .models import ExportJob
from .periods import parse_period


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
        return self.request.query_params.get("scope", "subtree") != "alone"

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


class ExportJobViewSet(ScopedReadOnlyViewSet):
    serializer_class = ExportJobSerializer

    def visible_queryset(self, user):
        return selectors.export_jobs_of(user).order_by("-id")


ROUTES = [
    ("stats/commissions", StatisticsCommissionViewSet, "stats-commission"),
    ("stats/exports", ExportJobViewSet, "stats-export"),
]
