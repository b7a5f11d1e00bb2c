"""A report's status and due-date badges, rendered in Python: as template includes they were two thirds of the
report list's rows (25 rows, two includes each, bench/results)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cases.choices import Status

register = template.Library()

STATUS_CLASSES = {
    Status.CLOSED: "badge",
    Status.CLOSED_EARLY: "badge",
    Status.CONCLUDED: "badge ok",
    Status.UNDER_VERIFICATION: "badge info",
    Status.DISPOSITION_PROPOSED: "badge warn",
    Status.TRANSFERRED: "badge",
    Status.HELD: "badge",
}


@register.simple_tag
def status_badge(report) -> str:
    return format_html(
        '<span class="{}">{}</span>', STATUS_CLASSES.get(report.status, "badge info"), report.get_status_display()
    )


@register.simple_tag(takes_context=True)
def due_badge(context, report) -> str:
    """The stage's due date: overdue (before `today`), due soon (by `nearing`) or later; a dash when closed."""
    due = report.due_on
    if not due or not report.is_open:
        return format_html('<span class="muted">—</span>')
    if due < context["today"]:
        return format_html(
            '<span class="badge danger" title="{}">{} · {}</span>', _("Overdue"), due.isoformat(), _("overdue")
        )
    if due <= context["nearing"]:
        return format_html('<span class="badge warn">{}</span>', due.isoformat())
    return format_html('<span class="muted">{}</span>', due.isoformat())
