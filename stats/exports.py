"""What the exports write: the monthly statistics, and the lists of reports, clarifications and decisions.

Lists are read with the list pages' own filters and the apps' selectors, then streamed in keyset batches (`keyset`):
memory stays flat whatever the number of rows, and the first rows come at once, in every configuration.
"""

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core import spreadsheets
from core.errors import DomainError

from .figures import Figures
from .models import ExportKind

CHUNK = 2000


def max_sync_rows() -> int:
    return int(getattr(settings, "STATS_MAX_SYNC_EXPORT_ROWS", 50_000))


@functools.lru_cache(maxsize=256)
def _labels(model, name: str, language: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


class Cells:
    """How an export writes its cells, with the language and time zone read once per export: at tens of
    thousands of rows a second, looking them up per cell (and get_FOO_display(), which rebuilds the choices
    every call) dominated the export."""

    def __init__(self):
        from django.utils import timezone

        self.language = translation.get_language()
        self.zone = timezone.get_current_timezone()
        self.yes, self.no = _("yes"), _("no")
        self._commissions = None

    def display(self, obj, name: str) -> str:
        """A choice's label."""
        return self.label(type(obj), name, getattr(obj, name))

    def label(self, model, name: str, value) -> str:
        return _labels(model, name, self.language).get(value, "" if value in (None, "") else str(value))

    def commission(self, pk: int):
        """Commissions by id, read once per export (a province has about 150)."""
        if self._commissions is None:
            from accounts.models import Commission

            self._commissions = Commission.objects.in_bulk()
        return self._commissions[pk]

    def labels(self, model, name: str) -> dict:
        return _labels(model, name, self.language)

    def day(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return value.astimezone(self.zone).replace(tzinfo=None).isoformat(" ", "minutes")  # faster than strftime
        return value.isoformat()

    def yes_no(self, value) -> str:
        return "" if value is None else (self.yes if value else self.no)


def _refuse_invalid(form) -> None:
    if form.is_bound and not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        raise DomainError("; ".join(messages) or _("Please check the filters."), code="bad_filters")


# --- reports ---------------------------------------------------------------------------------------


def _reports(user, params) -> QuerySet:
    from django.db.models import F, JSONField, OuterRef, Subquery
    from django.db.models.functions import JSONObject

    from cases.models import Allegation
    from cases.selectors import reports_filtered
    from core.json_rows import JSONArrayAgg

    form, queryset = reports_filtered(user, params)
    _refuse_invalid(form)
    # Each report's allegations come inside its own row (one JSON array), and of the reporter only whether the
    # report was anonymous: no query per row, and no identity is decrypted for an export.
    allegations = (
        Allegation.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values(
            rows=JSONArrayAgg(
                JSONObject(
                    subject=F("subject__name"),
                    category=F("category"),
                    finding=F("finding"),
                    suspected_false=F("suspected_false"),
                )
            )
        )
    )
    # Plain values rather than model instances: building two instances per row halved the export's speed.
    return (
        queryset.annotate(
            allegation_rows=Subquery(allegations[:1], output_field=JSONField()),
            anonymous=F("reporter__is_anonymous"),
            concluded_at=F("verification__concluded_at"),
        )
        .order_by("-id")
        .values(*REPORT_VALUES)
    )


REPORT_VALUES = [
    "id",  # the key of the export's batches (keyset)
    "reference",
    "commission_id",
    "received_on",
    "channel",
    "area",
    "place",
    "anonymous",
    "status",
    "outcome",
    "due_on",
    "created_at",
    "updated_at",
    "summary",
    "allegation_rows",
    "concluded_at",
]


def _report_headers() -> list[str]:
    return [
        _("Reference"),
        _("Handling commission"),
        _("Division code"),
        _("Received on"),
        _("Channel"),
        _("Livelihood area"),
        _("Place (scan-a-code)"),
        _("Anonymous"),
        _("Status"),
        _("Outcome"),
        _("Stage due on"),
        _("Registered at"),
        _("Last changed"),
        _("Summary"),
        _("Subjects"),
        pgettext("export column: how many", "Allegations"),
        _("Discipline categories"),
        _("Findings"),
        _("Suspected false accusation"),
        _("Verification concluded"),
    ]


def _count_labels(values: Iterable[str], labels: dict) -> str:
    counted: dict[str, int] = {}
    for value in values:
        if value:
            counted[value] = counted.get(value, 0) + 1
    return "、".join(f"{labels.get(value, value)} {n}" for value, n in counted.items())


def _report_row(report: dict, c: Cells) -> list:
    from cases.models import Allegation, Report

    allegations = report["allegation_rows"] or []
    categories = c.labels(Allegation, "category")
    findings = c.labels(Allegation, "finding")
    commission = c.commission(report["commission_id"])
    return [
        report["reference"],
        commission.name,
        commission.division_code,
        c.day(report["received_on"]),
        c.label(Report, "channel", report["channel"]),
        c.label(Report, "area", report["area"]),
        report["place"],
        c.yes_no(report["anonymous"]),
        c.label(Report, "status", report["status"]),
        c.label(Report, "outcome", report["outcome"]),
        c.day(report["due_on"]),
        c.day(report["created_at"]),
        c.day(report["updated_at"]),
        report["summary"],
        "、".join(dict.fromkeys(a["subject"] for a in allegations)),
        len(allegations),
        "、".join(dict.fromkeys(categories.get(a["category"], a["category"]) for a in allegations)),
        _count_labels((a["finding"] for a in allegations), findings),
        c.yes_no(any(a["suspected_false"] for a in allegations)) if allegations else "",
        c.day(report["concluded_at"]),
    ]


# --- clarifications --------------------------------------------------------------------------------


def _clarifications(user, params) -> QuerySet:
    from clarification.forms import RecommendationFilterForm
    from clarification.selectors import recommendations_visible_to

    form = RecommendationFilterForm(params or None)
    _refuse_invalid(form)
    queryset = recommendations_visible_to(user).select_related("commission", "subject", "report")
    if form.is_valid() and form.cleaned_data.get("status"):
        queryset = queryset.filter(status=form.cleaned_data["status"])
    return queryset.order_by("-id")


def _clarification_headers() -> list[str]:
    return [
        _("Reference"),
        _("Handling commission"),
        _("Report"),
        _("Subject"),
        _("Kind"),
        _("Method"),
        _("Audience scope"),
        _("Status"),
        _("Executed on"),
    ]


def _clarification_row(r, c: Cells) -> list:
    return [
        r.reference,
        r.commission.name,
        r.report.reference,
        r.subject.name,
        c.display(r.subject, "kind"),
        c.display(r, "method"),
        c.display(r, "audience"),
        c.display(r, "status"),
        c.day(r.executed_on),
    ]


# --- accountability decisions ----------------------------------------------------------------------


def _decisions(user, params) -> QuerySet:
    from accountability.selectors import decisions_visible_to
    from accountability.views import filtered_cases

    form, cases = filtered_cases(user, params)
    _refuse_invalid(form)
    queryset = decisions_visible_to(user)
    if form.is_bound:
        queryset = queryset.filter(case__in=cases.order_by().values("pk"))
        # The page filters cases; on decisions the target kind and form apply to each decision itself.
        if form.is_valid() and form.cleaned_data.get("target_kind"):
            queryset = queryset.filter(target_kind=form.cleaned_data["target_kind"])
        if form.is_valid() and form.cleaned_data.get("form"):
            queryset = queryset.filter(form=form.cleaned_data["form"])
    return queryset.select_related("target__subject").order_by("-id")


def _decision_headers() -> list[str]:
    return [
        _("Case"),
        _("Handling commission"),
        _("Organisation or person"),
        _("Kind"),
        _("Status"),
        _("Form"),
        _("Measures"),
        _("Circumstance"),
        _("Decided on"),
        _("Approving commission"),
    ]


def _decision_row(d, c: Cells) -> list:
    return [
        d.case.reference,
        d.case.commission.name,
        d.target.subject.name,
        c.display(d, "target_kind"),
        c.display(d, "status"),
        c.display(d, "form") if d.form else "",
        pgettext("list separator", "; ").join(d.measure_labels()),
        c.display(d, "circumstance"),
        c.day(d.decided_on),
        d.approving_commission.name,
    ]


@dataclass(frozen=True)
class ListExport:
    kind: str
    title: str
    queryset: Callable  # (user, params) -> QuerySet, scoped and filtered like the list page
    headers: Callable[[], list[str]]
    row: Callable[[object, "Cells"], list]


LISTS: dict[str, ListExport] = {
    e.kind: e
    for e in [
        ListExport(ExportKind.REPORTS, gettext_lazy("Reports"), _reports, _report_headers, _report_row),
        ListExport(
            ExportKind.CLARIFICATIONS,
            gettext_lazy("Clarifications"),
            _clarifications,
            _clarification_headers,
            _clarification_row,
        ),
        ListExport(
            ExportKind.DECISIONS,
            gettext_lazy("Accountability decisions"),
            _decisions,
            _decision_headers,
            _decision_row,
        ),
    ]
}


def list_export(kind: str) -> ListExport:
    export = LISTS.get(kind)
    if export is None:
        raise DomainError(_("Unknown export."), code="kind")
    return export


def count_up_to(queryset: QuerySet, limit: int) -> int:
    """At most limit + 1: enough to tell whether a list is too long, without counting it all."""
    return queryset.order_by()[: limit + 1].count()


def rows_of(export: ListExport, queryset: QuerySet) -> Iterator[list]:
    cells = Cells()
    for obj in keyset(queryset):
        yield export.row(obj, cells)


def keyset(queryset: QuerySet, size: int | None = None) -> Iterator:
    """The rows of a queryset ordered by its primary key ("-id" or "id"), read in batches of `size`: ORDER BY id
    LIMIT size, then WHERE id < (or >) the last id read. Rows then never repeat nor go missing between batches,
    whatever other columns they share, because the key is unique.

    Why not `iterator()`: its server-side cursor is switched off behind PgBouncer in transaction pooling
    (DISABLE_SERVER_SIDE_CURSORS), and psycopg2 then loads the whole result into memory (2 GB at a million
    rows); and outside a transaction, as the background export runs, Django declares the cursor WITH HOLD, so
    PostgreSQL writes the whole result to a temporary file before the first row (a minute at a million rows).
    Each batch here is one short query: nothing is held between batches, and each is planned as a top-N read
    of the primary key. A slice already on the queryset (`[:n]`) bounds the rows read."""
    ordering = tuple(queryset.query.order_by)
    if ordering not in {("-id",), ("id",), ("-pk",), ("pk",)}:
        raise ValueError(f"keyset() needs a queryset ordered by its primary key alone, not {ordering}")
    descending = ordering[0].startswith("-")
    size = size or CHUNK
    query = queryset.query
    if query.low_mark:
        raise ValueError("keyset() reads from the first row: slice with [:n] only")
    left = None if query.high_mark is None else query.high_mark
    queryset = queryset._chain()
    queryset.query.clear_limits()
    values = queryset._fields is not None  # a values() queryset: dicts, whose key must be among the fields
    if values and "id" not in queryset._fields:
        raise ValueError("keyset() over values() needs the 'id' among the fields")
    batch_queryset = queryset
    while left is None or left > 0:
        want = size if left is None else min(size, left)
        batch = list(batch_queryset[:want])
        yield from batch
        if len(batch) < want:
            return
        if left is not None:
            left -= len(batch)
        last = batch[-1]["id"] if values else batch[-1].pk
        batch_queryset = queryset.filter(pk__lt=last) if descending else queryset.filter(pk__gt=last)


# --- the monthly statistics --------------------------------------------------------------------------


def statistics_header(figures: Figures, period_label: str) -> list[list]:
    scope = _("commission and all below it") if figures.subtree else _("commission alone")
    return [
        [_("Commission"), figures.commission.name, figures.commission.division_code],
        [_("Period"), period_label, f"{figures.start.isoformat()} – {figures.end.isoformat()}"],
        [_("Counted over"), scope],
    ]


def statistics_sheets(figures: Figures, period_label: str) -> list[tuple[str, list[list], list[str], list[list]]]:
    """One sheet per section: (title, header rows, column headings, rows)."""
    with_published = any(r.published is not None for s in figures.sections for r in s.rows)
    headings = [_("Breakdown"), _("Figure"), _("Current")] + ([_("Published")] if with_published else [])
    sheets = []
    for section in figures.sections:
        rows = [[row.group, row.label, row.value] + ([row.published] if with_published else []) for row in section.rows]
        sheets.append((section.title, statistics_header(figures, period_label), headings, rows))
    return sheets


# --- writers: every cell through core.spreadsheets, so no cell from user text is ever a formula ---------------


def csv_lines(header_rows: Iterable[list], headings: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text line by line: the header rows, a blank line, the column headings, then the rows."""

    def lines():
        yield from header_rows
        if header_rows:
            yield []
        yield headings
        yield from rows

    return spreadsheets.csv_lines(lines())


def write_csv(path, header_rows, headings, rows, progress: Callable[[int], None] | None = None) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        for line in csv_lines(header_rows, headings, _counting(rows, progress)):
            out.write(line)


def write_xlsx(path, sheets: Iterable[tuple], progress: Callable[[int], None] | None = None) -> None:
    """sheets: (title, header rows, headings, rows). Constant-memory mode keeps one row in memory at a time."""
    with spreadsheets.Workbook(path, constant_memory=True) as book:
        for title, header_rows, headings, rows in sheets:
            sheet = book.sheet(title)
            for row in header_rows:
                sheet.append(row)
            if header_rows:
                sheet.append([])
            sheet.append(headings, bold=True)
            for row in _counting(rows, progress):
                sheet.append(row)


def _counting(rows: Iterable[list], progress: Callable[[int], None] | None) -> Iterator[list]:
    if progress is None:
        yield from rows
        return
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % settings.STATS_EXPORT_PROGRESS_ROWS == 0:
            progress(done)
    progress(done)
