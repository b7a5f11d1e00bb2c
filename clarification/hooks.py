"""Sections the clarification app adds to the cases pages ("my work", the subject page)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors

LIMIT = 50


def _row(recommendation, detail, due_on=None, subject=None) -> dict:
    return {
        "url": reverse("clarification:detail", args=[recommendation.pk]),
        "label": f"{recommendation.reference} · {(subject or recommendation.subject).name}",
        "detail": detail,
        "due_on": due_on,
    }


def subject_sections(user, subject) -> list[dict]:
    found = list(selectors.recommendations_about(user, subject)[: LIMIT + 1])
    rows = [_row(r, f"{r.get_status_display()} · {r.report.reference}", subject=subject) for r in found[:LIMIT]]
    return [{"title": _("Clarifications"), "rows": rows, "more": len(found) > LIMIT}] if rows else []


def report_sections(user, report) -> list[dict]:
    """For the report page (when cases offers the hook): its clarifications and false-accusation cases."""
    rows = [_row(r, r.get_status_display()) for r in selectors.recommendation_list(user).filter(report=report)]
    rows += [
        {
            "url": reverse("clarification:false-case-detail", args=[case.pk]),
            "label": case.reference,
            "detail": _("False-accusation case"),
            "due_on": None,
        }
        for case in selectors.false_cases_visible_to(user).filter(report=report)
    ]
    if selectors.ready_reports(user).filter(pk=report.pk).exists():
        rows.append(
            {
                "url": reverse("clarification:create") + f"?report={report.pk}",
                "label": _("Recommend clarification"),
                "detail": _("Allegations found untrue wait for a recommendation."),
                "due_on": None,
            }
        )
    return [{"title": _("Clarifications"), "rows": rows}] if rows else []


def clarified_subject_ids(report) -> list[int]:
    """Subjects of the report with a clarification decided for them: a recommendation that was not rejected."""
    return list(selectors.decided_subject_ids(report))
