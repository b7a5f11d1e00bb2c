"""The "my work" page: what is assigned to me, what waits for my approval, what is overdue.

Each section is a dict: title, rows (each with url, label, detail, due_on). Other apps add theirs through
`<app>/hooks.py: my_work_sections(user)`.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import jurisdiction
from accounts.roles import Role
from core.sections import first_rows_by_section

from . import deadlines, selectors
from .choices import OPEN_STATUSES, AccessStatus, Status
from .models import Allegation

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


def _report_sections(user, conditions: dict[str, Q]) -> dict[str, list]:
    """Every report section of the page in one query, each by due date."""
    order = [F("due_on").asc(nulls_last=True), F("id").asc()]
    return first_rows_by_section(
        selectors.reports_visible_to(user),
        {name: (condition, order) for name, condition in conditions.items()},
        LIMIT,
    )


def sections_for(user) -> list[dict]:
    sections = []
    supervised = [c.pk for c in jurisdiction.commissions_with_role(user, Role.SUPERVISOR)]
    intake = [c.pk for c in jurisdiction.commissions_with_role(user, Role.INTAKE)]
    # The user's few assignments as a list of ids, so that each section is an index range for PostgreSQL (a
    # subquery in one branch of the OR made it test every report in reach: 2.3 s at 1,000,000 reports).
    assigned_ids = selectors.assigned_report_ids(user)
    assigned = (
        Q(pk__in=assigned_ids, status__in=[Status.DISPOSITION_APPROVED, Status.UNDER_VERIFICATION])
        if assigned_ids
        else Q(pk__isnull=True)  # never true, and unlike an empty IN it stays a boolean column
    )
    open_findings = Allegation.objects.filter(report=OuterRef("pk"), finding="")
    conditions = {"assigned": assigned}
    if supervised:
        mine = Q(commission__in=supervised)
        conditions |= {
            "proposals": mine & Q(status=Status.DISPOSITION_PROPOSED),
            "ready": mine & Q(~Exists(open_findings), status=Status.UNDER_VERIFICATION),
            "approved": mine & Q(status=Status.DISPOSITION_APPROVED),
            "concluded": mine & Q(status=Status.CONCLUDED),
        }
    if intake:
        conditions["registered"] = Q(commission__in=intake, status=Status.REGISTERED)
    overdue_scope = (mine | assigned) if supervised else assigned
    conditions["overdue"] = overdue_scope & Q(status__in=OPEN_STATUSES, due_on__lte=deadlines.nearing_limit())
    reports = _report_sections(user, conditions)

    if Role.INVESTIGATOR in jurisdiction.roles_of(user) or reports["assigned"]:
        sections.append({"title": _("Reports assigned to me"), "rows": _rows(reports["assigned"])})
    if supervised:
        sections.append(
            {
                "title": _("Approvals waiting for me"),
                "rows": _rows(reports["proposals"], lambda r: _("Disposition to approve"))
                + _rows(reports["ready"], lambda r: _("Findings complete: conclusion to approve"))
                + _rows(reports["approved"], lambda r: _("Investigators to assign"))
                + _rows(reports["concluded"], lambda r: _("Concluded: to close or pass on")),
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
    if intake:
        sections.append({"title": _("Registered reports awaiting disposition"), "rows": _rows(reports["registered"])})
    sections.append({"title": _("Overdue or due within a week"), "rows": _rows(reports["overdue"]), "deadline": True})
    sections.extend(selectors.my_work_sections_from_apps(user))
    return sections
