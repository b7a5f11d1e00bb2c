"""The "my work" page: what is assigned to me, what waits for my approval, what is overdue.

Each section is a dict: title, rows (each with url, label, detail, due_on). Other apps add theirs through
`<app>/hooks.py: my_work_sections(user)`.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import jurisdiction
from accounts.roles import Role

from . import deadlines, selectors
from .choices import OPEN_STATUSES, AccessStatus, Status

LIMIT = 50


def _rows(reports, detail=None):
    return [
        {
            "url": reverse("cases:report-detail", args=[r.pk]),
            "label": f"{r.reference} · {r.summary[:40]}",
            "detail": detail(r) if detail else r.get_status_display(),
            "due_on": r.due_on,
        }
        for r in reports[:LIMIT]
    ]


def sections_for(user) -> list[dict]:
    sections = []
    visible = selectors.reports_visible_to(user).select_related("commission")
    assigned = selectors.my_assigned_reports(user).order_by("due_on", "id")
    if Role.INVESTIGATOR in jurisdiction.roles_of(user) or assigned.exists():
        sections.append({"title": _("Reports assigned to me"), "rows": _rows(assigned)})

    supervised = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    if supervised:
        mine = visible.filter(commission__in=supervised)
        proposals = mine.filter(status=Status.DISPOSITION_PROPOSED).order_by("due_on", "id")
        ready = (
            mine.filter(status=Status.UNDER_VERIFICATION)
            .annotate(open_findings=Count("allegations", filter=Q(allegations__finding="")))
            .filter(open_findings=0)
            .order_by("due_on", "id")
        )
        approved = mine.filter(status=Status.DISPOSITION_APPROVED).order_by("due_on", "id")
        concluded = mine.filter(status=Status.CONCLUDED).order_by("due_on", "id")
        sections.append(
            {
                "title": _("Approvals waiting for me"),
                "rows": _rows(proposals, lambda r: _("Disposition to approve"))
                + _rows(ready, lambda r: _("Findings complete: conclusion to approve"))
                + _rows(approved, lambda r: _("Investigators to assign"))
                + _rows(concluded, lambda r: _("Concluded: to close or pass on")),
            }
        )
        identity = selectors.identity_requests_for_custodian(user).filter(status=AccessStatus.PENDING)
        sections.append(
            {
                "title": _("Identity requests waiting for me"),
                "rows": [
                    {
                        "url": reverse("cases:identity-requests"),
                        "label": f"{a.report.reference} · {a.requester}",
                        "detail": a.reason[:60],
                        "due_on": None,
                    }
                    for a in identity[:LIMIT]
                ],
            }
        )
    if jurisdiction.commissions_with_role(user, Role.INTAKE):
        intake = [c.pk for c in jurisdiction.commissions_with_role(user, Role.INTAKE)]
        registered = visible.filter(commission__in=intake, status=Status.REGISTERED).order_by("due_on", "id")
        sections.append({"title": _("Registered reports awaiting disposition"), "rows": _rows(registered)})

    limit = deadlines.nearing_limit()
    overdue_scope = assigned if not supervised else visible.filter(Q(commission__in=supervised) | Q(pk__in=assigned))
    overdue = overdue_scope.filter(status__in=OPEN_STATUSES, due_on__lte=limit).order_by("due_on", "id")
    sections.append({"title": _("Overdue or due within a week"), "rows": _rows(overdue), "deadline": True})
    sections.extend(selectors.my_work_sections_from_apps(user))
    return sections
