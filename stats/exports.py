"""What the exports write: the monthly statistics, and the lists of reports, clarifications and decisions.

Lists are read with the list pages' own filters and the apps' selectors, then streamed in keyset batches (`keyset`):
memory stays flat whatever the number of rows, and the first rows come at once, in every configuration.
"""

import datetime
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.models import CharField, DateTimeField, F, Func, QuerySet, Value
from django.utils import timezone, translation
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
        self.language = translation.get_language()
        self.zone = timezone.get_current_timezone()
        self.yes, self.no = _("yes"), _("no")
        self._commissions = None
        self._memo: dict = {}

    def display(self, obj, name: str) -> str:
        """A choice's label."""
        return self.label(type(obj), name, getattr(obj, name))

    def label(self, model, name: str, value) -> str:
        return _labels(model, name, self.language).get(value, "" if value in (None, "") else str(value))

    def commissions(self) -> dict:
        """Commissions by id, read once per export (a province has about 150)."""
        if self._commissions is None:
            from accounts.models import Commission

            self._commissions = Commission.objects.in_bulk()
        return self._commissions

    def memo(self, key: str, build: Callable[["Cells"], object]):
        """What build(cells) returns, built once per export: a row function's lookups."""
        if key not in self._memo:
            self._memo[key] = build(self)
        return self._memo[key]

    def labels(self, model, name: str) -> dict:
        return _labels(model, name, self.language)

    def day(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime.datetime):
            return value.astimezone(self.zone).replace(tzinfo=None).isoformat(" ", "minutes")  # faster than strftime
        return value.isoformat()

    def text(self, value) -> str:
        """A date or time the query already wrote as text (PostgreSQL), else as day() writes it."""
        return value if value.__class__ is str else self.day(value)

    def yes_no(self, value) -> str:
        return "" if value is None else (self.yes if value else self.no)


def _refuse_invalid(form) -> None:
    if form.is_bound and not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        raise DomainError("; ".join(messages) or _("Please check the filters."), code="bad_filters")


# --- reports ---------------------------------------------------------------------------------------


def _reports(user, params) -> QuerySet:
    from django.db.models import OuterRef, Subquery, TextField

    from cases.models import Allegation
    from cases.selectors import reports_filtered

    form, queryset = reports_filtered(user, params)
    _refuse_invalid(form)
    # Each report's allegations come inside its own row (one JSON array of [subject, category, finding,
    # suspected false] arrays: json, not jsonb objects, a third cheaper to build and to read), and of the reporter
    # only whether the report was anonymous: no query per row, and no identity is decrypted for an export.
    allegations = (
        Allegation.objects.filter(report=OuterRef("pk"))
        .order_by()
        .values(rows=_JSONArrays("subject__name", "category", "finding", "suspected_false"))
    )
    # Plain values rather than model instances: building two instances per row halved the export's speed. On
    # PostgreSQL dates and times come as the text the file holds (to_char in the export's time zone): turning
    # each timestamp into an aware datetime and back into text was a third of the Python time per row.
    if connections[queryset.db].vendor == "postgresql":
        zone = timezone.get_current_timezone_name()
        texts = {
            "received_text": _date_text("received_on"),
            "due_text": _date_text("due_on"),
            "created_text": _local_time_text("created_at", zone),
            "updated_text": _local_time_text("updated_at", zone),
            "concluded_text": _local_time_text("verification__concluded_at", zone),
        }
    else:  # the values themselves, written by Cells.day
        texts = {
            "received_text": F("received_on"),
            "due_text": F("due_on"),
            "created_text": F("created_at"),
            "updated_text": F("updated_at"),
            "concluded_text": F("verification__concluded_at"),
        }
    return (
        queryset.annotate(
            allegation_rows=Subquery(allegations[:1], output_field=TextField()),
            anonymous=F("reporter__is_anonymous"),
            **texts,
        )
        .order_by("-id")
        .values(*REPORT_VALUES)
    )


class _JSONArrays(Func):
    """The subquery's rows as JSON text: an array of one array per row (the named columns, in order)."""

    template = "(JSON_AGG(JSON_BUILD_ARRAY(%(expressions)s)))::text"
    output_field = CharField()
    contains_aggregate = False  # aggregates the subquery's own rows; the outer query is not grouped

    def __init__(self, *names):
        super().__init__(*(F(name) for name in names))

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="JSON_GROUP_ARRAY(JSON_ARRAY(%(expressions)s))")


def _date_text(field: str):
    """A date as Cells.day writes it (YYYY-MM-DD), or NULL."""
    return Func(F(field), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())


def _local_time_text(field: str, zone: str):
    """A timestamp as Cells.day writes it: in the export's time zone, to the minute (YYYY-MM-DD HH24:MI)."""
    local = Func(Value(zone), F(field), function="timezone", output_field=DateTimeField())
    return Func(local, Value("YYYY-MM-DD HH24:MI"), function="to_char", output_field=CharField())


REPORT_VALUES = [
    "id",  # the key of the export's batches (keyset)
    "reference",
    "commission_id",
    "received_text",
    "channel",
    "area",
    "place",
    "anonymous",
    "status",
    "outcome",
    "due_text",
    "created_text",
    "updated_text",
    "summary",
    "allegation_rows",
    "concluded_text",
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
    labels = c.memo("reports", _report_labels)
    allegations = _loads(report["allegation_rows"]) if report["allegation_rows"] else ()  # [subject, category, ...]
    name, code = labels.commissions[report["commission_id"]]
    anonymous = report["anonymous"]
    day = c.text
    return [
        report["reference"],
        name,
        code,
        day(report["received_text"]),
        labels.channel.get(report["channel"], report["channel"]),
        labels.area.get(report["area"], report["area"]),
        report["place"],
        "" if anonymous is None else (c.yes if anonymous else c.no),
        labels.status.get(report["status"], report["status"]),
        labels.outcome.get(report["outcome"], report["outcome"]),
        day(report["due_text"]),
        day(report["created_text"]),
        day(report["updated_text"]),
        report["summary"],
        "、".join(dict.fromkeys([a[0] for a in allegations])),
        len(allegations),
        "、".join(dict.fromkeys([labels.category.get(a[1], a[1]) for a in allegations])),
        _count_labels([a[2] for a in allegations], labels.finding),
        (c.yes if any(a[3] for a in allegations) else c.no) if allegations else "",
        day(report["concluded_text"]),
    ]


_loads = json.JSONDecoder().decode


@dataclass(frozen=True)
class _ReportLabels:
    """What a report row looks up, resolved once per export: choice labels by value (with "" for no value, as
    Cells.label writes it), and each commission's name in the export's language with its division code."""

    commissions: dict
    channel: dict
    area: dict
    status: dict
    outcome: dict
    category: dict
    finding: dict


def _report_labels(c: Cells) -> _ReportLabels:
    from cases.models import Allegation, Report

    def choices(model, name):
        return {None: "", "": "", **c.labels(model, name)}

    return _ReportLabels(
        commissions={pk: (commission.name, commission.division_code) for pk, commission in c.commissions().items()},
        channel=choices(Report, "channel"),
        area=choices(Report, "area"),
        status=choices(Report, "status"),
        outcome=choices(Report, "outcome"),
        category=c.labels(Allegation, "category"),
        finding=c.labels(Allegation, "finding"),
    )


# --- clarifications --------------------------------------------------------------------------------


def _clarifications(user, params) -> QuerySet:
    from clarification.selectors import recommendations_filtered

    form, queryset = recommendations_filtered(user, params)
    _refuse_invalid(form)
    return queryset


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
    db = queryset.db  # chosen here: the replica router's choice is per thread

    def batches() -> Iterator[QuerySet]:
        """The query of each batch; the rows it read are sent back, and give the next batch its start."""
        nonlocal left
        batch_queryset = queryset.using(db)
        while left is None or left > 0:
            want = size if left is None else min(size, left)
            rows = yield batch_queryset[:want]
            if len(rows) < want:
                return
            if left is not None:
                left -= len(rows)
            last = rows[-1]["id"] if values else rows[-1].pk
            batch_queryset = queryset.using(db).filter(**{"pk__lt" if descending else "pk__gt": last})

    if connections[db].in_atomic_block:
        # Inside a transaction another connection would not see its rows: one batch after the other.
        plan = batches()
        try:
            batch = list(next(plan))
            while True:
                yield from batch
                batch = list(plan.send(batch))
        except StopIteration:
            return
    yield from _prefetching(batches())


def _prefetching(plan) -> Iterator:
    """Batches read one ahead by a thread of our own, on a database connection of its own, while the rows of the
    one before are written: the database's time and Python's then overlap (each was about half of an export's)."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(batch_queryset):
        return list(batch_queryset)

    def close():
        connections.close_all()  # this thread's connections only (they are per thread)

    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-reader")
    try:
        try:
            pending = reader.submit(fetch, next(plan))
        except StopIteration:
            return
        while pending is not None:
            batch = pending.result()
            try:
                pending = reader.submit(fetch, plan.send(batch))
            except StopIteration:
                pending = None
            yield from batch
    finally:
        reader.submit(close).result()
        reader.shutdown()


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
