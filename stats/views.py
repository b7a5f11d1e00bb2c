"""Statistics pages: dashboards, drill-down lists and exports. Reads go through stats.selectors and the apps'
selectors; every export and download is recorded by a service before the first byte is sent."""

import functools
import os
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.db_router import replica_reads
from core import spreadsheets
from core.errors import DomainError
from core.jobs import month_start
from core.keyset import without_cursor

from . import charts, drilldown, exports, selectors, services
from .figures import (
    KPIS,
    counted_in,
    figures_for,
    figures_from_values,
    label_of,
    monthly_trend,
    subordinate_comparison,
)
from .forms import PeriodForm
from .models import ExportFormat, export_retention
from .periods import Period, parse_period

ITEMS_PAGE = 50


def _require_statistics(user) -> None:
    """Statistics are for supervisors and admins; to anyone else they do not exist."""
    if not selectors.may_see_statistics(user):
        raise Http404


def _subtree(params) -> bool:
    return params.get("scope", "subtree") != "alone"


def _query(period: Period, subtree: bool) -> str:
    return urlencode({**period.as_params(), "scope": "subtree" if subtree else "alone"})


def _bad_period(request, commission, error: DomainError):
    form = PeriodForm(initial={k: v for k, v in request.GET.items()})
    return render(
        request, "stats/bad_period.html", {"commission": commission, "form": form, "error": error.message}, status=400
    )


def _commission_and_period(view):
    """A statistics page of one commission (`pk`, in the user's statistics reach) over the period its query names:
    the view is called with both; a period that does not parse is answered with the form that says why."""

    @functools.wraps(view)
    def page(request, pk, **kwargs):
        _require_statistics(request.user)
        commission = selectors.statistics_commission(request.user, pk)
        try:
            period = parse_period(request.GET)
        except DomainError as error:
            return _bad_period(request, commission, error)
        return view(request, commission, period, **kwargs)

    return login_required(page)


@login_required
def index(request):
    _require_statistics(request.user)
    tops = selectors.top_commissions(request.user)
    if len(tops) == 1:
        return redirect("stats:dashboard", tops[0].pk)
    commissions = selectors.statistics_commissions(request.user).order_by("path")
    return render(request, "stats/index.html", {"commissions": commissions})


def _published(snapshot, subtree: bool) -> dict | None:
    if snapshot is None:
        return None
    return snapshot.figures.get("subtree" if subtree else "alone", {})


def _compare(params) -> bool:
    """Whether the user asked to see the current figures beside the published ones."""
    return params.get("compare") in ("1", "on", "true")


@_commission_and_period
def dashboard(request, commission, period):
    """A month with kept figures is served from its snapshot (and the trend and comparison from the kept months),
    so the default page reads no raw tables; the current figures are counted only when the user asks to compare
    them. Any other period, and a month not yet published (the current month), is counted live."""
    subtree = _subtree(request.GET)
    snapshot = selectors.snapshot_of(commission, period.start) if period.is_month else None
    published = _published(snapshot, subtree)
    compare = published is not None and _compare(request.GET)
    # The live counts are the long reads of this page: on the replica when there is one (docs/scaling.md).
    with replica_reads():
        if published is not None and not compare:
            figures = figures_from_values(commission, period.start, period.end, subtree=subtree, values=published)
        else:
            figures = figures_for(commission, period.start, period.end, subtree=subtree, published=published)
        # The live figures also serve the trend's current month and the comparison below: counted once.
        axis, series = monthly_trend(commission, month_start(period.end), subtree=subtree, current=figures)
        headings, comparison = subordinate_comparison(commission, period.start, period.end, current=figures)
    kpis = [
        {
            "key": key,
            "label": label,
            "value": figures.shown(key),
            "published": counted_in(key, published) if compare else None,
            "detail_key": detail_key,
            "detail_label": detail_label,
            "detail": figures.shown(detail_key) if detail_key else None,
            "detail_published": counted_in(detail_key, published) if compare and detail_key else None,
        }
        for key, label, detail_key, detail_label in KPIS
    ]
    bars = None
    if comparison:
        shown = [h for h in headings if h[0] in ("reports", "clarifications", "held")]
        bars = charts.bar_chart(
            [(row["commission"].name, [row["values"][name] for name, _label in shown]) for row in comparison],
            [label for _name, label in shown],
            title=_("Comparison of the commissions below"),
        )
        for row in comparison:
            row["cells"] = [row["values"][name] for name, _label in headings]
            row["query"] = _query(period, True)
    query = _query(period, subtree)
    context = {
        "commission": commission,
        "ancestors": selectors.statistics_commissions(request.user)
        .filter(division_code__in=commission.ancestor_codes())
        .exclude(pk=commission.pk)
        .order_by("path"),
        "period": period,
        "subtree": subtree,
        "query": query,
        "form": PeriodForm.for_period(period, request.GET, subtree),
        "figures": figures,
        "snapshot": snapshot,
        "published_only": published is not None and not compare,
        "compare": compare,
        "compare_query": urlencode({**period.as_params(), "scope": "subtree" if subtree else "alone", "compare": "1"}),
        "kpis": kpis,
        "trend": charts.line_chart(axis, series, title=_("The last 12 months")),
        "trend_rows": [(label, values, sum(values)) for _name, label, values in series],
        "axis": axis,
        "headings": headings,
        "comparison": comparison,
        "bars": bars,
    }
    return render(request, "stats/dashboard.html", context)


@_commission_and_period
def items(request, commission, period):
    """The items a figure counts, in the user's reach: for a published month those counted when it was published
    (?view=current for today's), otherwise today's, with the same filter as the number, through the selectors."""
    subtree = _subtree(request.GET)
    key = request.GET.get("key", "")
    found = drilldown.listing(
        request.user,
        commission,
        period,
        subtree=subtree,
        key=key,
        current=request.GET.get("view") == "current",
        cursor=request.GET.get("after"),
        size=ITEMS_PAGE,
    )
    if found is None:
        raise Http404
    params = without_cursor(request.GET)
    other = without_cursor(request.GET)
    if found.basis == drilldown.PUBLISHED:
        other["view"] = "current"
    else:
        other.pop("view", None)
    return render(
        request,
        "stats/items.html",
        {
            "commission": commission,
            "period": period,
            "subtree": subtree,
            "label": label_of(key),
            "listing": found,
            "page": found.page,
            "rows": found.items,
            "base_query": params.urlencode(),
            "other_query": other.urlencode(),
            "query": _query(period, subtree),
        },
    )


# --- exports ---------------------------------------------------------------------------------------


def _xlsx_response(sheets, filename: str) -> FileResponse:
    """Write to a temporary file (constant-memory mode, flat memory), then stream it; the file is unlinked at
    once and disappears when the response closes it."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        exports.write_xlsx(path, sheets)
        stream = open(path, "rb")  # noqa: SIM115 - closed by FileResponse
    finally:
        os.unlink(path)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=filename,
        content_type=spreadsheets.XLSX_CONTENT_TYPE,
    )


def _csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@_commission_and_period
def statistics_export(request, commission, period, fmt):
    if fmt not in ExportFormat.values:
        raise Http404
    return statistics_download(
        request.user, commission, period, subtree=_subtree(request.GET), fmt=fmt, params=request.GET
    )


def statistics_download(user, commission, period, *, subtree: bool, fmt: str, params):
    """The figures of the dashboard as a file, audited before the first byte (the page and the API)."""
    snapshot = selectors.snapshot_of(commission, period.start) if period.is_month else None
    with replica_reads():
        figures = figures_for(
            commission, period.start, period.end, subtree=subtree, published=_published(snapshot, subtree)
        )
    services.export_record(actor=user, kind="statistics", fmt=fmt, params=params, commission=commission)
    filename = services.export_filename(f"statistics-{commission.division_code}", fmt, period.label.replace(" ", ""))
    sheets = exports.statistics_sheets(figures, period.label)
    if fmt == ExportFormat.XLSX:
        return _xlsx_response(sheets, filename)
    header_rows = sheets[0][1] if sheets else []
    headings = [_("Section"), *(sheets[0][2] if sheets else [])]
    rows = [[title, *row] for title, _header, _headings, section_rows in sheets for row in section_rows]
    return _csv_response(exports.csv_lines(header_rows, headings, rows), filename)


@login_required
def list_export(request, kind, fmt):
    """A list with the filters of its page, streamed; refused above the configured number of rows."""
    _require_statistics(request.user)
    if fmt not in ExportFormat.values or kind not in exports.LISTS:
        raise Http404
    export = exports.LISTS[kind]
    try:
        queryset = export.queryset(request.user, request.GET)
    except DomainError as error:
        return render(request, "stats/export_refused.html", {"error": error.message, "export": export}, status=400)
    limit = exports.max_sync_rows()
    rows = exports.count_up_to(queryset, limit)
    if rows > limit:
        params = without_cursor(request.GET)
        message = _(
            "This export holds more than %(limit)s rows, too many to download directly. "
            "Start a background export: you can follow its progress and download the file when it is ready."
        ) % {"limit": f"{limit:,}"}
        return render(
            request,
            "stats/export_refused.html",
            {"error": message, "export": export, "kind": kind, "fmt": fmt, "query": params.urlencode()},
            status=400,
        )
    services.export_record(actor=request.user, kind=kind, fmt=fmt, params=request.GET, rows=rows)
    filename = services.export_filename(kind, fmt)
    headings = export.headers()
    header_rows = [[str(export.title)]]
    if fmt == ExportFormat.XLSX:
        return _xlsx_response([(str(export.title), header_rows, headings, exports.rows_of(export, queryset))], filename)
    return _csv_response(exports.csv_lines(header_rows, headings, exports.rows_of(export, queryset)), filename)


@login_required
def export_center(request):
    """The list exports, with the filters of their list pages, and the user's background exports."""
    _require_statistics(request.user)
    from accountability.filters import CasePageFilterSet
    from cases.filters import ReportPageFilterSet
    from clarification.filters import RecommendationFilterSet

    forms = [
        ("reports", exports.LISTS["reports"].title, ReportPageFilterSet(user=request.user).form),
        ("clarifications", exports.LISTS["clarifications"].title, RecommendationFilterSet().form),
        ("decisions", exports.LISTS["decisions"].title, CasePageFilterSet(user=request.user).form),
    ]
    jobs = selectors.export_jobs_of(request.user)[:20]
    context = {
        "forms": forms,
        "jobs": jobs,
        "limit": exports.max_sync_rows(),
        "retention_days": export_retention().days,
    }
    return render(request, "stats/exports.html", context)


@login_required
@require_POST
def export_start(request):
    _require_statistics(request.user)
    kind, fmt = request.POST.get("kind", ""), request.POST.get("fmt", "")
    query = request.POST.get("query", "")
    try:
        job = services.export_job_start(actor=request.user, kind=kind, fmt=fmt, params=QueryDict(query))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("stats:exports")
    messages.success(request, _("The export has started."))
    return redirect("stats:export-job", job.pk)


@login_required
def export_job(request, pk):
    job = selectors.export_job(request.user, pk)
    return render(request, "stats/export_job.html", {"job": job})


@login_required
def export_download(request, pk):
    job = selectors.export_job(request.user, pk)
    try:
        path = services.export_job_download(actor=request.user, job=job)
    except DomainError as error:
        if error.code == "forbidden":
            raise Http404 from None  # the role or reach that made the file is gone: as if it did not exist
        if error.code == "expired":
            return render(request, "stats/export_job.html", {"job": job}, status=410)
        messages.error(request, error.message)
        return redirect("stats:export-job", job.pk)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=services.export_filename(job.kind, job.fmt))
