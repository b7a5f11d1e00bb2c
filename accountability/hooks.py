"""Sections the accountability app adds to the cases pages ("my work", a subject's page)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.sections import counted_rows

from . import selectors
from .choices import DecisionStatus


def _row(case_id, label, detail, due_on=None):
    return {
        "url": reverse("accountability:case-detail", args=[case_id]),
        "label": label,
        "detail": detail,
        "due_on": due_on,
    }


def my_work_sections(user, shown: int | None = None) -> list[dict]:
    """One section of follow-ups (reviews and visits, soonest due first): the first `shown` rows built, each kind
    counted up to the limit."""
    work = selectors.accountability_work_for(user, shown)
    rows = []
    rows += [
        _row(
            d.case_id,
            f"{d.case.reference} · {d.target.subject}",
            _("Influence period ended: “may be used again” review due"),
            d.influence_ends_on,
        )
        for d in work.reviews_due
    ]
    rows += [
        _row(
            v.decision.case_id,
            f"{v.decision.case.reference} · {v.decision.target.subject}",
            _("Follow-up visit due"),
            v.due_on,
        )
        for v in work.visits_due
    ]
    if not rows:
        return []
    rows.sort(key=lambda row: row["due_on"])
    found = min(work.reviews_found, selectors.LIMIT) + min(work.visits_found, selectors.LIMIT)
    more = max(work.reviews_found, work.visits_found) > selectors.LIMIT
    return [
        {
            "title": _("Accountability follow-up"),
            "key": "accountability.follow_up",
            "rows": rows[:shown],
            "found": found,
            "count": f"{found}+" if more else str(found),
        }
    ]


STATUS_BADGES = {
    DecisionStatus.IN_FORCE: "ok",
    DecisionStatus.PROPOSED: "warn",
    DecisionStatus.CHANGED: "",
    DecisionStatus.REVOKED: "danger",
}


def _decision_detail(d) -> str:
    detail = "、".join(d.measure_labels()) or d.get_circumstance_display()
    replacement = getattr(d, "corrected_by", None)
    if d.status == DecisionStatus.CHANGED and replacement is not None and replacement.decided_on:
        detail += " · " + _("replaced on %(day)s") % {"day": replacement.decided_on.isoformat()}
    return detail


def subject_sections(user, subject) -> list[dict]:
    """The subject's accountability record, the latest decisions first (up to LIMIT, and whether there are more),
    each with its status, so a decision replaced on complaint is never read as if it were still in force."""
    # The ids chosen first, then joined as one list of ids: as one query PostgreSQL misjudged the subquery and joined
    # every decision of the province (3.7 s at 1,000,000 reports).
    history = selectors.history_of_subject(user, subject).select_related(None).select_related("case", "corrected_by")
    found, decisions = counted_rows(history, selectors.LIMIT)
    return [
        {
            "title": _("Accountability history"),
            "more": len(found) > selectors.LIMIT,
            "rows": [
                {
                    **_row(
                        d.case_id,
                        f"{d.case.reference} · {d.get_form_display() or d.get_circumstance_display()}",
                        _decision_detail(d),
                        d.decided_on,
                    ),
                    "status": d.get_status_display(),
                    "status_class": STATUS_BADGES.get(d.status, ""),
                }
                for d in decisions
            ],
        }
    ]
