"""The figures of a commission over a period: pure, read-only aggregate queries (GROUP BY), never per-row loops.

Each figure is counted from a *source*: a model, the field that names its commission, the condition that puts
a row in the period, and the breakdown fields counted in the same GROUP BY. A figure's key names its source and,
for a breakdown row, the field and value (``"reports|channel=letter"``). The drill-down list of a figure applies
the very same condition to the app's visibility selector, so the list holds exactly what the number counts,
within the user's reach.

"subtree" rolls the figures up over the commission and every commission below it (Commission.path). The subtree is
resolved once per scope to the list of its commission ids, and the tables are filtered with ``commission_id IN
(...)``: a join on ``path LIKE '/530000/%'`` is estimated at one commission by the planner, which then reads every
report of the subtree through nested loops instead of starting from the period's date index (issue 7). When the
subtree holds every commission (the province), the condition is left out altogether: it holds for every row.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, IntegerField, Q, QuerySet, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accountability.choices import (
    NO_MEASURE_CIRCUMSTANCES,
    Circumstance,
    ComplaintOutcome,
    DecisionStatus,
    Form,
    Trigger,
)
from accountability.models import Complaint, Decision
from accountability.selectors import complaints_visible_to, decisions_visible_to
from accounts.models import Commission
from cases.choices import OPEN_STATUSES, Area, Channel, DispositionDecision, DispositionKind, Finding, Rank, SubjectKind
from cases.choices import Status as ReportStatus
from cases.models import Allegation, Disposition, Report, Subject, Transfer, Verification
from cases.selectors import allegations_visible_to, reports_visible_to
from clarification.choices import AccuserClass, BatchStatus, GainKind, MeasureKind, MeasureStatus, Method, TransferOrgan
from clarification.choices import Status as ClarificationStatus
from clarification.models import FalseAccusationCase, JointBatch, Measure, Recommendation, ReturnVisit
from clarification.selectors import (
    batches_visible_to,
    false_cases_visible_to,
    recommendations_visible_to,
    return_visits_visible_to,
)

from .models import Snapshot
from .periods import month_end, month_start, month_start_after
from .together import rows_of_each


@dataclass(frozen=True)
class Scope:
    """What is counted: one commission (or its subtree) over [start, end], judged against `today`."""

    commission: Commission
    start: datetime.date
    end: datetime.date
    subtree: bool = True
    today: datetime.date = field(default_factory=timezone.localdate)

    @cached_property
    def _tree(self) -> tuple[tuple[int, ...], bool]:
        if not self.subtree:
            return (self.commission.pk,), False
        rows = list(Commission.objects.order_by("pk").values_list("pk", "path"))  # ~150 rows: one query
        ids = tuple(pk for pk, path in rows if path.startswith(self.commission.path))
        return ids, len(ids) == len(rows)

    @property
    def commission_ids(self) -> tuple[int, ...]:
        """The commission and, rolled up, every commission below it (one query, kept for the scope's lifetime)."""
        return self._tree[0]

    @property
    def everything(self) -> bool:
        """Rolled up over a subtree that holds every commission (the province): no row is outside it."""
        return self._tree[1]

    @property
    def start_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_before(self) -> datetime.datetime:
        """The first instant after the period (timestamps are compared in Asia/Shanghai days)."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min))


def _never_null(model: type, path: str) -> bool:
    """Whether every row of `model` reaches a commission through `path` (no nullable link on the way)."""
    for name in path.split("__"):
        link = model._meta.get_field(name)
        if link.null:
            return False
        model = link.related_model
    return True


def _within(commission_field: str, scope: Scope, model: type | None = None) -> Q:
    if scope.subtree and scope.everything and model is not None and _never_null(model, commission_field):
        # Every commission is in the subtree and every row has one: the condition holds for every row, and
        # leaving it out lets the planner start from the period's index without joining up to the commission.
        return Q()
    if scope.subtree:
        return Q(**{f"{commission_field}__in": scope.commission_ids})
    return Q(**{commission_field: scope.commission.pk})


def _days(name: str) -> Callable[[Scope], Q]:
    return lambda s: Q(**{f"{name}__gte": s.start, f"{name}__lte": s.end})


def _instants(name: str) -> Callable[[Scope], Q]:
    return lambda s: Q(**{f"{name}__gte": s.start_at, f"{name}__lt": s.end_before})


@dataclass(frozen=True)
class Source:
    name: str
    model: type
    commission_field: str
    when: Callable[[Scope], Q]
    visible: Callable  # the app's visibility selector: user -> QuerySet of model
    fields: tuple[str, ...] = ()  # single-valued breakdowns, all counted in one GROUP BY
    multi: tuple[str, ...] = ()  # breakdowns across a to-many join: one distinct count each
    date_field: str = ""  # the day a row falls on, for monthly trends
    within: Callable[[Scope], Q] | None = None  # replaces the commission condition
    distinct: bool = False
    # A source of subjects counted once: the distinct organisations and people behind the items of the source `of`
    # (its rows, its condition), through `subject_field`; its one breakdown field is the subject's kind. Counted in
    # the query of `of`, so it costs no query of its own.
    of: str = ""
    subject_field: str = ""

    def where(self, scope: Scope) -> Q:
        within = self.within(scope) if self.within else _within(self.commission_field, scope, self.model)
        return within & self.when(scope)

    def counted(self, scope: Scope) -> QuerySet:
        return self.model.objects.filter(self.where(scope))


_DONE = [ClarificationStatus.EXECUTED, ClarificationStatus.COMPLETED]
_TOOK_EFFECT = [DecisionStatus.IN_FORCE, DecisionStatus.CHANGED, DecisionStatus.REVOKED]


def _decided(scope: Scope) -> Q:
    # Original decisions only: a decision changed on complaint is counted once, in the month it first took effect.
    return _days("decided_on")(scope) & Q(status__in=_TOOK_EFFECT, supersedes__isnull=True)


def _holding(scope: Scope) -> Q:
    """Decisions that hold an organisation or a person to account today: in force (a revoked decision, and one
    changed to no accountability, hold no one), counted in the month the accountability first took effect, so a
    correction replaces its original in that month instead of adding a second count."""
    return (
        _days("first_decided_on")(scope)
        & Q(status=DecisionStatus.IN_FORCE)
        & ~Q(circumstance__in=NO_MEASURE_CIRCUMSTANCES)
    )


def _of_concluded_reports(scope: Scope) -> Q:
    """Allegations of the reports whose verification was concluded in the period. A report has one verification:
    a semi-join on the verifications, which goes from each verification straight to its report's allegations
    instead of through the report's row."""
    return Q(report__in=Verification.objects.filter(_instants("concluded_at")(scope)).values("report"))


def _batches_within(scope: Scope) -> Q:
    if scope.subtree:
        ids = scope.commission_ids
        return Q(city__in=ids) | Q(items__county__in=ids)
    return Q(city=scope.commission.pk) | Q(items__county=scope.commission.pk)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "reports",
            Report,
            "commission",
            _days("received_on"),
            reports_visible_to,
            fields=("channel", "area"),
            multi=("allegations__subject__rank",),
            date_field="received_on",
        ),
        Source(
            "dispositions",
            Disposition,
            "from_commission",
            lambda s: _instants("decided_at")(s) & Q(decision=DispositionDecision.APPROVED),
            lambda user: Disposition.objects.filter(report__in=reports_visible_to(user)),
            fields=("kind",),
        ),
        Source(
            "open_reports",
            Report,
            "commission",
            lambda s: Q(received_on__lte=s.end, status__in=OPEN_STATUSES),
            reports_visible_to,
            fields=("status",),
        ),
        Source(
            "overdue_reports",
            Report,
            "commission",
            lambda s: Q(received_on__lte=s.end, status__in=OPEN_STATUSES, due_on__lt=s.today),
            reports_visible_to,
        ),
        Source(
            "transfers",
            Transfer,
            "from_commission",
            _instants("created_at"),
            lambda user: Transfer.objects.filter(report__in=reports_visible_to(user)),
        ),
        Source(
            "verifications",
            Verification,
            "report__commission",
            _instants("concluded_at"),
            lambda user: Verification.objects.filter(report__in=reports_visible_to(user)),
        ),
        Source(
            "allegations",
            Allegation,
            "report__commission",
            _of_concluded_reports,
            allegations_visible_to,
            fields=("finding", "suspected_false"),
        ),
        Source(
            "false_cases",
            FalseAccusationCase,
            "commission",
            _instants("opened_at"),
            false_cases_visible_to,
            fields=("accuser_class",),
        ),
        Source(
            "measures",
            Measure,
            "case__commission",
            lambda s: _instants("decided_at")(s) & Q(status=MeasureStatus.APPROVED),
            lambda user: Measure.objects.filter(case__in=false_cases_visible_to(user)),
            fields=("kind", "subkind"),
        ),
        Source(
            "clarifications",
            Recommendation,
            "commission",
            lambda s: _days("executed_on")(s) & Q(status__in=_DONE),
            recommendations_visible_to,
            fields=("subject__kind", "execution_method", "commission"),
            date_field="executed_on",
        ),
        Source(
            "clarified",
            Recommendation,
            "commission",
            lambda s: _days("executed_on")(s) & Q(status__in=_DONE),
            recommendations_visible_to,
            fields=("subject__kind",),
            of="clarifications",
            subject_field="subject",
        ),
        Source(
            "batches",
            JointBatch,
            "city",
            lambda s: _days("executed_on")(s) & Q(status=BatchStatus.EXECUTED),
            batches_visible_to,
            within=_batches_within,
            distinct=True,
        ),
        Source(
            "visits_done",
            ReturnVisit,
            "recommendation__commission",
            _days("visited_on"),
            return_visits_visible_to,
        ),
        Source(
            "visits_overdue",
            ReturnVisit,
            "recommendation__commission",
            lambda s: Q(visited_on__isnull=True, due_on__lt=s.today, due_on__lte=s.end),
            return_visits_visible_to,
        ),
        Source(
            "held",
            Decision,
            "case__commission",
            _holding,
            decisions_visible_to,
            fields=("target_kind", "form", "case__trigger"),
            date_field="first_decided_on",
        ),
        Source(
            "accountable",
            Decision,
            "case__commission",
            _holding,
            decisions_visible_to,
            fields=("target_kind",),
            of="held",
            subject_field="target__subject",
        ),
        Source(
            "assessed",
            Decision,
            "case__commission",
            _decided,
            decisions_visible_to,
            fields=("circumstance",),
        ),
        Source("complaints", Complaint, "case__commission", _days("received_on"), complaints_visible_to),
        Source(
            "complaints_resolved",
            Complaint,
            "case__commission",
            _days("resolved_on"),
            complaints_visible_to,
            fields=("outcome",),
        ),
    ]
}
# The sources of subjects counted once, by the source whose items they are behind.
SUBJECTS_OF: dict[str, Source] = {s.of: s for s in SOURCES.values() if s.of}


# --- keys ----------------------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value)


def key_of(source: str, **conditions) -> str:
    return "|".join([source, *(f"{name}={_text(value)}" for name, value in conditions.items())])


def parse_key(key: str) -> tuple[Source, dict[str, str]] | None:
    """The source and conditions of a figure key; None for anything not built by this module."""
    name, *parts = (key or "").split("|")
    source = SOURCES.get(name)
    if source is None:
        return None
    conditions = {}
    for part in parts:
        field_name, sep, value = part.partition("=")
        if not sep or field_name not in source.fields + source.multi or field_name in conditions:
            return None
        conditions[field_name] = value
    return source, conditions


# --- counting ------------------------------------------------------------------------------------

# The figures of the comparison of the commissions below, in its column order.
COMPARISON = [
    ("reports", _("Reports received")),
    ("verifications", _("Verifications concluded")),
    ("clarifications", _("Clarifications executed (each counted)")),
    ("held", _("Accountability decisions (each counted)")),
    ("overdue_reports", _("Overdue work")),
]
COMPARED = [name for name, _label in COMPARISON]


def _subjects_of(source: Source) -> Source | None:
    """The source that counts the distinct subjects behind `source`'s items, if any."""
    return SUBJECTS_OF.get(source.name)


def _count_subjects(subjects: Source, found: dict[str, set[int]]) -> dict[str, int]:
    values = {key_of(subjects.name, **{subjects.fields[0]: kind}): len(ids) for kind, ids in found.items()}
    values[subjects.name] = sum(len(ids) for ids in found.values())  # a subject has one kind: the sets are apart
    return values


class _Counting:
    """One source's figures (total and breakdowns): its queries, a GROUP BY and one distinct count per multi
    breakdown, and how their rows become figures. The queries of every source are answered together, in one
    statement (`stats.together`).

    With `by_commission`, the commission is added to the GROUP BY and the total is also summed per commission
    into it (the comparison of the commissions below reads these instead of counting again). When the distinct
    subjects behind the items are counted too (people clarified, people held to account), the subject is added
    to the same GROUP BY and the subjects are told apart here: one row per subject and breakdown, no extra query."""

    def __init__(self, source: Source, scope: Scope, by_commission: dict[int, int] | None = None):
        self.source = source
        self.by_commission = by_commission
        self.counted = source.counted(scope).order_by()
        self.grouped = list(source.fields)
        self.commission = source.commission_field
        if by_commission is not None and self.commission not in self.grouped:
            self.grouped.append(self.commission)
        self.subjects = _subjects_of(source)
        if self.subjects is not None:
            self.grouped.append(self.subjects.subject_field)

    def queries(self) -> list[QuerySet]:
        """The grouped query (a single row when nothing is grouped), then one per multi breakdown."""
        # COUNT(*) rather than COUNT(id) (the same number: an id is never null), so that a count of rows can be
        # answered from an index that does not hold the id (the overdue return visits: 6 ms instead of 80).
        n = Count("pk", distinct=True) if self.source.distinct else Count("*")
        if self.grouped:
            main = self.counted.values(*self.grouped).annotate(n=n)
        else:  # grouped by a constant: no GROUP BY, one row
            main = self.counted.annotate(_all=Value(1, IntegerField())).values("_all").annotate(n=n)
        multi = [self.counted.values(name).annotate(n=Count("pk", distinct=True)) for name in self.source.multi]
        return [main, *multi]

    def values(self, rows: list[list[dict]]) -> dict[str, int]:
        """The figures, by key, from the rows of `queries()` (in the same order)."""
        source, subjects = self.source, self.subjects
        main, *multi = rows
        values: dict[str, int] = {}
        found: dict[str, set[int]] = {}
        total = 0
        by_field: dict[str, dict] = {name: {} for name in source.fields}  # value -> count, keyed once at the end
        for row in main:
            total += row["n"]
            for name, counts in by_field.items():
                counts[row[name]] = counts.get(row[name], 0) + row["n"]
            if self.by_commission is not None:
                commission_id = row[self.commission]
                self.by_commission[commission_id] = self.by_commission.get(commission_id, 0) + row["n"]
            if subjects is not None:
                found.setdefault(_text(row[subjects.fields[0]]), set()).add(row[subjects.subject_field])
        for name, counts in by_field.items():
            for value, n in counts.items():
                key = key_of(source.name, **{name: value})
                values[key] = values.get(key, 0) + n  # None and "" share a key
        values[source.name] = total
        for name, found_rows in zip(source.multi, multi, strict=True):
            for row in found_rows:
                values[key_of(source.name, **{name: row[name]})] = row["n"]
        if subjects is not None:
            values.update(_count_subjects(subjects, found))
        return values


def _collect_source(source: Source, scope: Scope) -> dict[str, set[int]]:
    """The ids of the items behind each of the source's figures (and of the subjects behind them), for a snapshot:
    the same rows as `_Counting` counts, read row by row instead of grouped."""
    counted = source.counted(scope).order_by()
    subjects = _subjects_of(source)
    names = ["pk", *source.fields, *([subjects.subject_field] if subjects else [])]
    ids: dict[str, set[int]] = {source.name: set()}
    found: dict[str, set[int]] = {}
    for row in counted.values_list(*names).iterator(chunk_size=5000):
        pk = row[0]
        ids[source.name].add(pk)
        for name, value in zip(source.fields, row[1 : 1 + len(source.fields)], strict=True):
            ids.setdefault(key_of(source.name, **{name: value}), set()).add(pk)
        if subjects is not None:
            kind = row[1 + source.fields.index(subjects.fields[0])]
            found.setdefault(_text(kind), set()).add(row[-1])
    for name in source.multi:
        for pk, value in counted.values_list("pk", name).iterator(chunk_size=5000):
            ids.setdefault(key_of(source.name, **{name: value}), set()).add(pk)
    if subjects is not None:
        ids[subjects.name] = set().union(*found.values())
        for kind, subject_ids in found.items():
            ids[key_of(subjects.name, **{subjects.fields[0]: kind})] = subject_ids
    return ids


def _count_scope(scope: Scope) -> tuple[dict[str, int], dict[str, dict[int, int]]]:
    """Every figure's count, by key; and for a subtree, the compared figures per commission of the subtree.
    One statement for every source, however many there are."""
    by_commission: dict[str, dict[int, int]] = {}
    countings = []
    for source in SOURCES.values():
        if source.of:
            continue  # counted with the source it counts the subjects of
        per = None
        if scope.subtree and source.name in COMPARED and not source.distinct:
            per = by_commission.setdefault(source.name, {})
        countings.append(_Counting(source, scope, per))
    queries = [counting.queries() for counting in countings]
    rows = rows_of_each([query for some in queries for query in some])
    values: dict[str, int] = {}
    for counting, some in zip(countings, queries, strict=True):
        values.update(counting.values(rows[: len(some)]))
        rows = rows[len(some) :]
    return values, by_commission


def collect(
    commission: Commission,
    start: datetime.date,
    end: datetime.date,
    *,
    subtree: bool,
    today: datetime.date | None = None,
) -> tuple[dict[str, int], dict[str, list[int]]]:
    """What a snapshot keeps: every figure's count, and the ids of the items each figure counted (so a published
    figure drills down to what was counted when it was published). The counts are the sizes of the id sets."""
    scope = Scope(commission, start, end, subtree, today or timezone.localdate())
    ids: dict[str, set[int]] = {}
    for source in SOURCES.values():
        if not source.of:
            ids.update(_collect_source(source, scope))
    return {key: len(found) for key, found in ids.items()}, {key: sorted(found) for key, found in ids.items() if found}


def count_values(
    commission: Commission,
    start: datetime.date,
    end: datetime.date,
    *,
    subtree: bool,
    today: datetime.date | None = None,
) -> dict[str, int]:
    """Every figure's count, by key (what a snapshot keeps)."""
    scope = Scope(commission, start, end, subtree, today or timezone.localdate())
    return _count_scope(scope)[0]


# --- layout: sections, rows, labels ----------------------------------------------------------------


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    group: str = ""  # rows of one breakdown share a group heading
    headline: bool = False


@dataclass
class Row:
    key: str
    label: str
    value: int | None  # None: not counted when these figures were published
    group: str = ""
    headline: bool = False
    published: int | None = None

    @property
    def changed(self) -> bool:
        return self.published is not None and self.published != self.value


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row]


def _total(source: str, label) -> list[RowSpec]:
    return [RowSpec(source, label, headline=True)]


def _by(source: str, name: str, choices, group) -> list[RowSpec]:
    return [RowSpec(key_of(source, **{name: value}), label, group) for value, label in choices]


def _choices(choices_class, values=None) -> list:
    return [(c.value, c.label) for c in choices_class if values is None or c.value in values]


BY_COMMISSION = "__by_commission__"  # placeholder row: expanded to the commissions present in the counts
HELD = _("Accountability decisions (each counted, revoked ones excluded)")
EACH_CLARIFICATION = _("Clarifications, each counted")
EACH_DECISION = _("Decisions, each counted")

SECTIONS: list[tuple[str, str, list[RowSpec]]] = [
    (
        "reports",
        _("Reports and work"),
        [
            *_total("reports", _("Reports received")),
            *_by("reports", "channel", _choices(Channel), _("By channel")),
            *_by("reports", "area", _choices(Area), _("By livelihood area")),
            *_by(
                "reports",
                "allegations__subject__rank",
                [*_choices(Rank), ("", _("Organisations and people without a rank"))],
                _("By rank of the people reported"),
            ),
            *_total("dispositions", _("Dispositions approved")),
            *_by("dispositions", "kind", _choices(DispositionKind), _("Dispositions by kind")),
            *_total("open_reports", _("Open work (received by the end of the period, open today)")),
            *_by("open_reports", "status", _choices(ReportStatus, OPEN_STATUSES), _("Open work by stage")),
            *_total("overdue_reports", _("Overdue work (open, past its due date today)")),
            *_total("transfers", _("Reports transferred out")),
        ],
    ),
    (
        "verification",
        _("Verification and findings"),
        [
            *_total("verifications", _("Verifications concluded")),
            *_total("allegations", _("Allegations with a concluded finding")),
            *_by("allegations", "finding", _choices(Finding), _("Allegations by finding")),
            RowSpec(key_of("allegations", suspected_false=True), _("Suspected false accusations"), headline=True),
            RowSpec("false_cases", _("Confirmed false accusations (cases opened)"), headline=True),
        ],
    ),
    (
        "clarification",
        _("Clarification"),
        [
            # Qujing's "35 party organisations and 304 party members and officials": subjects counted once each.
            RowSpec(key_of("clarified", subject__kind=SubjectKind.PERSON), _("People clarified"), headline=True),
            RowSpec(
                key_of("clarified", subject__kind=SubjectKind.ORGANISATION),
                _("Party organisations clarified"),
                headline=True,
            ),
            *_total("clarifications", _("Clarifications executed (each counted)")),
            RowSpec(key_of("clarifications", subject__kind=SubjectKind.PERSON), _("Of people"), EACH_CLARIFICATION),
            RowSpec(
                key_of("clarifications", subject__kind=SubjectKind.ORGANISATION),
                _("Of party organisations"),
                EACH_CLARIFICATION,
            ),
            *_by("clarifications", "execution_method", _choices(Method), _("By method")),
            RowSpec(key_of("clarifications", commission=BY_COMMISSION), "", _("By commission")),
            *_total("batches", _("Joint clarification batches held")),
            *_total("visits_done", _("Return visits done")),
            *_total("visits_overdue", _("Return visits overdue")),
        ],
    ),
    (
        "false_accusations",
        _("False accusations"),
        [
            *_total("false_cases", _("False-accusation cases opened")),
            *_by("false_cases", "accuser_class", _choices(AccuserClass), _("By the accuser's identity")),
            *_total("measures", _("Handling measures approved")),
            *_by("measures", "kind", _choices(MeasureKind), _("By handling")),
            *_by("measures", "subkind", _choices(TransferOrgan), _("Transfers to public security or judicial organs")),
            *_by("measures", "subkind", _choices(GainKind), _("Corrections of improper gains")),
        ],
    ),
    (
        "accountability",
        _("Accountability"),
        [
            RowSpec(key_of("accountable", target_kind=SubjectKind.PERSON), _("People held accountable"), headline=True),
            RowSpec(
                key_of("accountable", target_kind=SubjectKind.ORGANISATION),
                _("Party organisations held accountable"),
                headline=True,
            ),
            *_total("held", HELD),
            RowSpec(key_of("held", target_kind=SubjectKind.PERSON), _("On people"), EACH_DECISION),
            RowSpec(key_of("held", target_kind=SubjectKind.ORGANISATION), _("On party organisations"), EACH_DECISION),
            *_by("held", "form", [*_choices(Form), ("", _("Party organisations (no form)"))], _("By form")),
            *_by("held", "case__trigger", _choices(Trigger), _("By trigger")),
            *_total("assessed", _("Decisions taken")),
            *_by("assessed", "circumstance", _choices(Circumstance), _("By circumstance")),
            *_total("complaints", _("Complaints received")),
            *_total("complaints_resolved", _("Complaints resolved")),
            *_by("complaints_resolved", "outcome", _choices(ComplaintOutcome), _("Complaints by outcome")),
        ],
    ),
]

# The headline figures shown as cards on the dashboard: key, label, and the figure shown beneath it (each
# clarification or decision counted, where one subject may count several times).
KPIS = [
    ("reports", _("Reports received"), None, None),
    ("verifications", _("Verifications concluded"), None, None),
    (
        key_of("clarified", subject__kind=SubjectKind.PERSON),
        _("People clarified"),
        key_of("clarifications", subject__kind=SubjectKind.PERSON),
        _("Clarifications of people, each counted:"),
    ),
    (
        key_of("clarified", subject__kind=SubjectKind.ORGANISATION),
        _("Party organisations clarified"),
        key_of("clarifications", subject__kind=SubjectKind.ORGANISATION),
        _("Clarifications of party organisations, each counted:"),
    ),
    (
        key_of("accountable", target_kind=SubjectKind.PERSON),
        _("People held accountable"),
        key_of("held", target_kind=SubjectKind.PERSON),
        _("Decisions on people, each counted:"),
    ),
    (
        key_of("accountable", target_kind=SubjectKind.ORGANISATION),
        _("Party organisations held accountable"),
        key_of("held", target_kind=SubjectKind.ORGANISATION),
        _("Decisions on party organisations, each counted:"),
    ),
    ("false_cases", _("False-accusation cases"), None, None),
    ("overdue_reports", _("Overdue work"), None, None),
]


def _commission_rows(spec: RowSpec, values: dict, published: dict | None) -> list[RowSpec]:
    """The BY_COMMISSION placeholder becomes one row per commission that has a count."""
    prefix = spec.key.rsplit("=", 1)[0] + "="
    ids = {k[len(prefix) :] for k in {*values, *(published or {})} if k.startswith(prefix)}
    commissions = Commission.objects.filter(pk__in=[i for i in ids if i.isdigit()]).order_by("path")
    return [RowSpec(f"{prefix}{c.pk}", c.name, spec.group) for c in commissions]


def lay_out(values: dict[str, int], published: dict[str, int] | None = None) -> list[Section]:
    """Sections and rows in a fixed order, zeros included, from the counts by key."""
    sections = []
    for section_key, title, specs in SECTIONS:
        rows = []
        for spec in specs:
            expanded = _commission_rows(spec, values, published) if spec.key.endswith(BY_COMMISSION) else [spec]
            rows.extend(_row(s, values, published) for s in expanded)
        sections.append(Section(section_key, str(title), rows))
    return sections


def counted_in(key: str, values: dict) -> int | None:
    """The figure's count; None when `values` (a snapshot taken before the figure existed) never counted it."""
    source = key.split("|", 1)[0]
    if source not in values and source in SOURCES:
        return None
    return values.get(key, 0)


def _row(spec: RowSpec, values: dict, published: dict | None) -> Row:
    return Row(
        key=spec.key,
        label=str(spec.label),
        value=counted_in(spec.key, values),
        group=str(spec.group),
        headline=spec.headline,
        published=None if published is None else counted_in(spec.key, published),
    )


def label_of(key: str) -> str:
    """The label of a figure, with its breakdown heading, e.g. "By channel · Letter"."""
    for _key, _title, specs in SECTIONS:
        for spec in specs:
            if spec.key == key:
                return f"{spec.group} · {spec.label}" if spec.group else str(spec.label)
    parsed = parse_key(key)
    if parsed and parsed[1].get("commission", "").isdigit():
        commission = Commission.objects.filter(pk=parsed[1]["commission"]).first()
        if commission is not None:
            return f"{_('Clarifications executed')} · {commission.name}"
    return key


@dataclass
class Figures:
    commission: Commission
    start: datetime.date
    end: datetime.date
    subtree: bool
    values: dict[str, int]
    sections: list[Section]
    # Counted live (None when read from a snapshot); over a subtree, the compared figures per commission of the
    # subtree (figure -> commission id -> count).
    by_commission: dict[str, dict[int, int]] | None = None

    def value(self, key: str) -> int:
        return self.values.get(key, 0)

    def shown(self, key: str) -> int | None:
        """The count to show; None for a figure that was not counted when these figures were published."""
        return counted_in(key, self.values)

    def counted_live(self, commission: Commission, start: datetime.date, end: datetime.date, *, subtree: bool) -> bool:
        """Whether these are the figures of `commission` over exactly [start, end], counted live from the tables."""
        return (
            self.by_commission is not None
            and self.commission.pk == commission.pk
            and self.subtree == subtree
            and (self.start, self.end) == (start, end)
        )

    def as_dict(self) -> dict:
        return {
            "commission": {
                "id": self.commission.pk,
                "name": self.commission.name,
                "division_code": self.commission.division_code,
            },
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "subtree": self.subtree,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "rows": [
                        {"key": r.key, "label": r.label, "group": r.group, "value": r.value}
                        | ({"published": r.published} if r.published is not None else {})
                        for r in s.rows
                    ],
                }
                for s in self.sections
            ],
        }


def figures_for(
    commission: Commission,
    start: datetime.date,
    end: datetime.date,
    *,
    subtree: bool,
    published: dict[str, int] | None = None,
    today: datetime.date | None = None,
) -> Figures:
    """The commission's figures over [start, end], alone or rolled up over its subtree."""
    scope = Scope(commission, start, end, subtree, today or timezone.localdate())
    values, by_commission = _count_scope(scope)
    return Figures(commission, start, end, subtree, values, lay_out(values, published), by_commission)


def figures_from_values(
    commission: Commission, start: datetime.date, end: datetime.date, *, subtree: bool, values: dict[str, int]
) -> Figures:
    return Figures(commission, start, end, subtree, values, lay_out(values))


# --- drill-down: the items a figure counts ----------------------------------------------------------


def items_for(user, key: str, scope: Scope) -> QuerySet | None:
    """The items the figure `key` counts today, through the app's visibility selector; None for an unknown key.
    For a figure of subjects counted once, the organisations or people behind the items in reach."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    source, conditions = parsed
    queryset = source.visible(user).filter(source.where(scope)).filter(**conditions)
    if source.of:
        return Subject.objects.filter(pk__in=queryset.values(source.subject_field))
    if source.distinct or set(conditions) & set(source.multi):
        queryset = queryset.distinct()
    return queryset


def kept_items_in_reach(user, key: str) -> QuerySet | None:
    """Where the items a published figure counted are looked up by id: the source's rows in the user's reach, whatever
    they have become since (a late edit does not take an item out of, or put one into, a published figure)."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    source = parsed[0]
    if source.of:
        return Subject.objects.filter(pk__in=source.visible(user).values(source.subject_field))
    return source.visible(user)


# --- trends and comparisons ------------------------------------------------------------------------

TREND_SERIES = [
    ("reports", _("Reports received")),
    ("clarifications", _("Clarifications executed (each counted)")),
    ("held", _("Accountability decisions (each counted)")),
]


def months_ending(last_month: datetime.date, count: int = 12) -> list[datetime.date]:
    return [month_start_after(last_month, offset) for offset in range(-(count - 1), 1)]


def _kept_months(commission: Commission, months: list[datetime.date], *, subtree: bool) -> dict[datetime.date, dict]:
    """The commission's kept figures (alone or rolled up) for those of `months` that have a snapshot: one query."""
    side = "subtree" if subtree else "alone"
    rows = Snapshot.objects.filter(commission=commission, month__in=months).values_list("month", f"figures__{side}")
    return {month: figures or {} for month, figures in rows}


def monthly_trend(
    commission: Commission,
    last_month: datetime.date,
    *,
    subtree: bool,
    months: int = 12,
    current: Figures | None = None,
) -> tuple[list[datetime.date], list[tuple[str, str, list[int]]]]:
    """Per series, the monthly counts of the `months` months ending with `last_month`.

    Months with a snapshot are read from it (one query for all of them); only the months without one, normally
    just the current month, are counted from the tables (one query per series, over those months only). When the
    only such month is the one `current` has just counted live (the dashboard of the current month), its series
    are taken from `current`: the same rows, counted once."""
    axis = months_ending(last_month, months)
    kept = _kept_months(commission, axis, subtree=subtree)
    missing = [month for month in axis if month not in kept]
    live: dict[str, dict[datetime.date, int]] = {name: {} for name, _label in TREND_SERIES}
    if (
        len(missing) == 1
        and current is not None
        and current.counted_live(commission, missing[0], month_end(missing[0]), subtree=subtree)
    ):
        live = {name: {missing[0]: current.value(name)} for name, _label in TREND_SERIES}
    elif missing:
        scope = Scope(commission, missing[0], month_end(missing[-1]), subtree)
        queries = [
            SOURCES[name]
            .counted(scope)
            .order_by()
            .annotate(month=TruncMonth(SOURCES[name].date_field))
            .values("month")
            .annotate(n=Count("*"))
            for name, _label in TREND_SERIES
        ]
        for (name, _label), rows in zip(TREND_SERIES, rows_of_each(queries), strict=True):
            live[name] = {_as_date(row["month"]): row["n"] for row in rows}
    series = []
    for name, label in TREND_SERIES:
        values = [kept[month].get(name, 0) if month in kept else live[name].get(month, 0) for month in axis]
        series.append((name, str(label), values))
    return axis, series


def _as_date(value) -> datetime.date:
    if isinstance(value, str):  # read through JSON (stats.together)
        return datetime.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime.datetime) else value


def subordinate_comparison(
    commission: Commission, start: datetime.date, end: datetime.date, *, current: Figures | None = None
) -> tuple[list[tuple[str, str]], list[dict]]:
    """For each commission directly below, its figures rolled up over its own subtree.

    For a whole month, the children's snapshots of that month are read (one query); only when some child has none
    are the figures counted from the tables (one query per figure), and used for those children only. When
    `current` holds the live figures of the same commission and period rolled up, their counts per commission
    are summed per child instead of counting again."""
    headings = [(n, str(label)) for n, label in COMPARISON]
    children = list(Commission.objects.filter(parent=commission).order_by("path"))
    if not children:
        return headings, []
    counts: dict[int, dict[str, int]] = {}
    if start == month_start(start) and end == month_end(start):
        kept = Snapshot.objects.filter(commission__in=children, month=start).values_list(
            "commission_id", "figures__subtree"
        )
        for pk, figures in kept:
            counts[pk] = {name: (figures or {}).get(name, 0) for name, _label in COMPARISON}
    missing = [child for child in children if child.pk not in counts]
    if missing:
        counts.update(_live_comparison(commission, missing, start, end, current))
    return headings, [{"commission": child, "values": counts[child.pk]} for child in children]


def _live_comparison(
    commission: Commission,
    children: list[Commission],
    start: datetime.date,
    end: datetime.date,
    current: Figures | None = None,
) -> dict[int, dict[str, int]]:
    below = list(Commission.objects.filter(path__startswith=commission.path).values_list("pk", "path"))
    child_of = {}
    for pk, path in below:
        for child in children:
            if path.startswith(child.path):
                child_of[pk] = child.pk
    reused = current is not None and current.counted_live(commission, start, end, subtree=True)
    counts = {child.pk: {name: 0 for name, _label in COMPARISON} for child in children}
    if reused:
        by_commission = current.by_commission
    else:
        scope = Scope(commission, start, end, subtree=True)
        by_commission = _per_commission([SOURCES[name] for name in COMPARED], scope)
    for name in COMPARED:
        for commission_id, n in by_commission.get(name, {}).items():
            child = child_of.get(commission_id)
            if child is not None:
                counts[child][name] += n
    return counts


def _per_commission(sources: list[Source], scope: Scope) -> dict[str, dict[int, int]]:
    """Each source's total per commission, all in one statement."""
    queries = [
        source.counted(scope).order_by().values(source.commission_field).annotate(n=Count("*")) for source in sources
    ]
    return {
        source.name: {row[source.commission_field]: row["n"] for row in rows}
        for source, rows in zip(sources, rows_of_each(queries), strict=True)
    }
