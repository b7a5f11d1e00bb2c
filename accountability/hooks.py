"""Sections the accountability app adds to the cases pages ("my work", a subject's page)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors


def _row(case_id, label, detail, due_on=None):
    return {
        "url": reverse("accountability:case-detail", args=[case_id]),
        "label": label,
        "detail": detail,
        "due_on": due_on,
    }


def my_work_sections(user) -> list[dict]:
    work = selectors.accountability_work_for(user)
    if not work:
        return []
    rows = [
        _row(d.case_id, f"{d.case.reference} · {d.target.subject}", _("Accountability decision to approve"))
        for d in work.approvals_waiting
    ]
    rows += [
        _row(c.case_id, f"{c.case.reference} · {c.decision.target.subject}", _("Complaint to review"))
        for c in work.complaints_to_review
    ]
    rows += [
        _row(c.case_id, f"{c.case.reference} · {c.decision.target.subject}", _("Complaint to decide"))
        for c in work.complaints_to_decide
    ]
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
    return [{"title": _("Accountability"), "rows": rows}]


def subject_sections(user, subject) -> list[dict]:
    decisions = selectors.history_of_subject(user, subject)
    return [
        {
            "title": _("Accountability history"),
            "rows": [
                _row(
                    d.case_id,
                    f"{d.case.reference} · {d.get_form_display() or d.get_circumstance_display()}",
                    "、".join(d.measure_labels()) or d.get_circumstance_display(),
                    d.decided_on,
                )
                for d in decisions
            ],
        }
    ]
