"""How the items behind a figure are listed: a title linking to the item's own page, its commission, its day.

A published month lists the items its figure counted when it was published (their ids are kept with the
snapshot), the current month and any other period the items as they are today; `listing` says which."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from core.keyset import Page, paginate, paginate_ids

from . import kept_items, selectors
from .figures import Scope, counted_in, items_for, kept_items_in_reach, parse_key
from .models import Snapshot


@dataclass
class Item:
    title: str
    url: str
    commission: object
    day: object
    details: str


def _report(r) -> Item:
    return Item(
        r.reference,
        reverse("cases:report-detail", args=[r.pk]),
        r.commission,
        r.received_on,
        f"{r.get_channel_display()} · {r.get_status_display()}",
    )


def _via_report(day: Callable, details: Callable) -> Callable:
    def present(obj) -> Item:
        report = obj.report
        return Item(
            report.reference,
            reverse("cases:report-detail", args=[report.pk]),
            report.commission,
            day(obj),
            details(obj),
        )

    return present


def _false_case(case) -> Item:
    return Item(
        case.reference,
        reverse("clarification:false-case-detail", args=[case.pk]),
        case.commission,
        case.opened_at,
        f"{case.allegation.subject.name} · {case.get_accuser_class_display()}",
    )


def _measure(m) -> Item:
    return Item(
        m.case.reference,
        reverse("clarification:false-case-detail", args=[m.case_id]),
        m.case.commission,
        m.decided_at,
        f"{m.get_kind_display()} · {m.get_subkind_display()}",
    )


def _named(name: str, kind: str) -> str:
    """A name with its kind in brackets, in the punctuation of the language: ASCII in English, full-width in Chinese."""
    return _("%(name)s (%(kind)s)") % {"name": name, "kind": kind}


def _recommendation(r) -> Item:
    return Item(
        r.reference,
        reverse("clarification:detail", args=[r.pk]),
        r.commission,
        r.executed_on,
        f"{_named(r.subject.name, r.subject.get_kind_display())} · {r.get_execution_method_display()}",
    )


def _batch(b) -> Item:
    return Item(
        str(b), reverse("clarification:batch-detail", args=[b.pk]), b.city, b.executed_on, b.get_status_display()
    )


def _visit(v) -> Item:
    r = v.recommendation
    return Item(
        r.reference,
        reverse("clarification:detail", args=[r.pk]),
        r.commission,
        v.visited_on or v.due_on,
        r.subject.name,
    )


def _decision(d) -> Item:
    form = d.get_form_display() if d.form else d.get_circumstance_display()
    return Item(
        d.case.reference,
        reverse("accountability:case-detail", args=[d.case_id]),
        d.case.commission,
        d.decided_on,
        f"{_named(d.target.subject.name, d.get_target_kind_display())} · {form}",
    )


def _subject(s) -> Item:
    return Item(
        s.name,
        reverse("cases:subject-detail", args=[s.pk]),
        s.commission,
        None,
        " · ".join(part for part in (s.get_kind_display(), s.position, s.unit) if part),
    )


def _complaint(c) -> Item:
    return Item(
        c.case.reference,
        reverse("accountability:case-detail", args=[c.case_id]),
        c.case.commission,
        c.resolved_on or c.received_on,
        f"{c.decision.target.subject.name} · {c.get_outcome_display() if c.outcome else ''}",
    )


# Per source: the related rows to fetch with the items (no query per row), and how one item is shown.
PRESENTERS: dict[str, tuple[tuple[str, ...], Callable]] = {
    "reports": (("commission",), _report),
    "open_reports": (("commission",), _report),
    "overdue_reports": (("commission",), _report),
    "dispositions": (
        ("report__commission",),
        _via_report(lambda d: d.decided_at, lambda d: d.get_kind_display()),
    ),
    "transfers": (
        ("report__commission", "to_commission"),
        _via_report(lambda t: t.created_at, lambda t: str(t.to_commission or t.to_organ)),
    ),
    "verifications": (("report__commission",), _via_report(lambda v: v.concluded_at, lambda v: "")),
    "allegations": (
        ("report__commission", "subject"),
        _via_report(lambda a: a.finding_at, lambda a: f"{a.subject.name} · {a.get_finding_display()} · {a.text[:60]}"),
    ),
    "false_cases": ((), _false_case),
    "measures": (("case__commission",), _measure),
    "clarifications": (("commission", "subject"), _recommendation),
    "clarified": (("commission",), _subject),
    "accountable": (("commission",), _subject),
    "batches": ((), _batch),
    "visits_done": ((), _visit),
    "visits_overdue": ((), _visit),
    "held": ((), _decision),
    "assessed": ((), _decision),
    "complaints": ((), _complaint),
    "complaints_resolved": ((), _complaint),
}


def present(source_name: str, objects) -> list[Item]:
    _related, presenter = PRESENTERS[source_name]
    return [presenter(obj) for obj in objects]


def with_related(source_name: str, queryset):
    related, _presenter = PRESENTERS[source_name]
    return queryset.select_related(*related) if related else queryset


# --- which items: as published, or as they are today -------------------------------------------------

PUBLISHED = "published"  # the items the published figure counted
CURRENT = "current"  # the items as they are today
CURRENT_NOT_KEPT = "current_not_kept"  # a published month whose items were not kept (published before they were)


@dataclass
class Listing:
    basis: str
    page: Page
    items: list[Item]
    snapshot: Snapshot | None = None
    published: int | None = None  # the published figure, when there is one


def listing(user, commission, period, *, subtree: bool, key: str, current: bool, cursor, size: int) -> Listing | None:
    """The items behind figure `key` within the user's reach; None for an unknown key. A published month lists the
    items counted when it was published, unless `current` asks for today's."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    source = parsed[0]
    snapshot = selectors.snapshot_of(commission, period.start) if period.is_month else None
    published = counted_in(key, snapshot.figures.get("subtree" if subtree else "alone", {})) if snapshot else None
    if snapshot is not None and snapshot.items_kept and not current:
        kept = selectors.kept_items_of(snapshot, subtree=subtree, key=key)
        queryset = with_related(source.name, kept_items_in_reach(user, key))
        page = paginate_ids(queryset, kept_items.unpack(kept.ids) if kept else [], cursor=cursor, size=size)
        return Listing(PUBLISHED, page, present(source.name, page.items), snapshot, published)
    queryset = with_related(source.name, items_for(user, key, Scope(commission, period.start, period.end, subtree)))
    page = paginate(queryset, keys=["-id"], kinds=[int], cursor=cursor, size=size)
    basis = CURRENT_NOT_KEPT if snapshot is not None and not snapshot.items_kept and not current else CURRENT
    return Listing(basis, page, present(source.name, page.items), snapshot, published)
