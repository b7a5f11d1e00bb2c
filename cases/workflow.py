"""The report workflow, declared for the engine (core/workflow.py; DESIGN.md §3, rules of the house).

registered → disposition proposed → disposition approved → under verification → concluded → closed,
plus held, transferred and closed early. Findings are recorded by the assigned investigators while the
report is under verification (a step that asks work of them without changing the state).
"""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.roles import Role
from core.workflow import NEVER, Workflow, any_of, rows_at, rows_in, transition

from . import deadlines
from .choices import Status
from .models import Allegation, Report, Supplement


def _role(*roles):
    def allowed(user, report, **context):
        return jurisdiction.has_role(user, report.commission_id, *roles)

    def actors(user):
        return rows_at(user, *roles)

    return allowed, actors


def _who(*roles):
    def refusal(report, **context):
        return _("Only a %(roles)s of %(commission)s may do this.") % {
            "roles": " / ".join(str(Role(r).label) for r in sorted(roles)),
            "commission": report.commission,
        }

    return refusal


def _open_findings(report) -> str | None:
    findings = [a.finding for a in report.allegations.all()]
    if not findings or not all(findings):
        return _("Every allegation needs a finding before the verification can conclude.")
    return None


def _findings_to_record(user, report) -> bool:
    return any(not a.finding for a in report.allegations.all())


_OPEN_FINDING = Exists(Allegation.objects.filter(report=OuterRef("pk"), finding=""))


def _selectors():
    from . import selectors

    return selectors


def _assigned(user, report, **context):
    from .selectors import is_assigned

    return is_assigned(user, report)


def _with_active_assignments(report) -> None:
    """Read by `selectors.is_assigned` instead of a query per user, when many users' tasks on the report are worked
    out (the recommendation task of clarification/workflow.py asks it too)."""
    report._active_assignments = _selectors().active_assignments(report)


def _assigned_rows(user):
    from .selectors import assigned_report_ids

    assigned = rows_in(assigned_report_ids(user))
    return assigned & Q(_OPEN_FINDING) if assigned is not NEVER else NEVER


def _supervisor_ready(user):
    return _SUPERVISOR_ROWS(user) & ~Q(_OPEN_FINDING)


_UNREAD = Exists(Supplement.objects.filter(report=OuterRef("pk"), read_at__isnull=True))


def _unread_supplements(report) -> bool:
    return Supplement.objects.filter(report=report, read_at__isnull=True).exists()


def _reader(user, report, **context) -> bool:
    return jurisdiction.has_role(user, report.commission_id, Role.INTAKE) or _assigned(user, report)


def _reader_rows(user) -> Q:
    from .selectors import assigned_report_ids

    readers = any_of(rows_at(user, Role.INTAKE), rows_in(assigned_report_ids(user)))
    return readers & Q(_UNREAD) if readers is not NEVER else NEVER


_SUPERVISOR, _SUPERVISOR_ROWS = _role(Role.SUPERVISOR)
_PROPOSER, _PROPOSER_ROWS = _role(Role.REVIEWER, Role.SUPERVISOR)
S = Status

REPORTS = Workflow(
    name="report",
    model=Report,
    noun=gettext_lazy("the report"),
    related=("commission",),
    audit_context=lambda report: {"commission": report.commission, "scope": report},
    visible=lambda user: _selectors().reports_visible_to(user),
    present=lambda report: {
        "url": reverse("cases:report-detail", args=[report.pk]),
        "label": f"{report.reference} · {report.summary[:40]}",
        "due_on": report.due_on,
    },
    order=("due_on", "id"),
    parties=lambda report: ([report.commission], _selectors().active_assignees(report)),
    prepare=_with_active_assignments,
    transitions=[
        transition(
            "propose_disposition",
            gettext_lazy("Propose disposition"),
            [S.REGISTERED],
            [S.DISPOSITION_PROPOSED],
            _PROPOSER,
            _who(Role.REVIEWER, Role.SUPERVISOR),
            task=gettext_lazy("Disposition to propose"),
            actors=_PROPOSER_ROWS,
        ),
        transition(
            "approve_disposition",
            gettext_lazy("Approve disposition"),
            [S.DISPOSITION_PROPOSED],
            [S.DISPOSITION_APPROVED, S.HELD, S.CLOSED_EARLY, S.TRANSFERRED, S.REGISTERED],
            _SUPERVISOR,
            _who(Role.SUPERVISOR),
            task=gettext_lazy("Disposition to approve"),
            actors=_SUPERVISOR_ROWS,
        ),
        transition(
            "reject_disposition",
            gettext_lazy("Return disposition"),
            [S.DISPOSITION_PROPOSED],
            [S.REGISTERED],
            _SUPERVISOR,
            _who(Role.SUPERVISOR),
        ),
        transition(
            "start_verification",
            gettext_lazy("Assign and start verification"),
            [S.DISPOSITION_APPROVED],
            [S.UNDER_VERIFICATION],
            _SUPERVISOR,
            _who(Role.SUPERVISOR),
            task=gettext_lazy("Investigators to assign"),
            actors=_SUPERVISOR_ROWS,
        ),
        transition(
            "record_finding",
            gettext_lazy("Record findings"),
            [S.UNDER_VERIFICATION],
            [S.UNDER_VERIFICATION],
            _assigned,
            gettext_lazy("Only an investigator assigned to this report may record findings."),
            task=gettext_lazy("Findings to record"),
            pending=_findings_to_record,
            actors=_assigned_rows,
        ),
        transition(
            "conclude",
            gettext_lazy("Approve conclusion"),
            [S.UNDER_VERIFICATION],
            [S.CONCLUDED],
            _SUPERVISOR,
            _who(Role.SUPERVISOR),
            ready=_open_findings,
            ready_code="open",
            task=gettext_lazy("Findings complete: conclusion to approve"),
            actors=_supervisor_ready,
        ),
        transition(
            "close",
            gettext_lazy("Close report"),
            [S.CONCLUDED],
            [S.CLOSED],
            _SUPERVISOR,
            _who(Role.SUPERVISOR),
            task=gettext_lazy("Concluded: to close or pass on"),
            actors=_SUPERVISOR_ROWS,
        ),
        transition(
            "read_supplements",
            gettext_lazy("Mark the reporter's additions read"),
            list(S.values),
            S.REGISTERED,  # a step without a change of state: supplements_mark_read only checks it
            _reader,
            gettext_lazy("Only the intake office of the handling commission or an assigned investigator reads these."),
            task=gettext_lazy("Information the reporter added"),
            pending=lambda user, report: _unread_supplements(report),
            actors=_reader_rows,
        ),
        transition(
            "resume", gettext_lazy("Resume held report"), [S.HELD], [S.REGISTERED], _SUPERVISOR, _who(Role.SUPERVISOR)
        ),
    ],
)
TRANSITIONS = REPORTS.by_name


def check_transition(*, report: Report, actor, name: str, target: str | None = None):
    return REPORTS.check(report, actor=actor, name=name, target=target)


def lock(report: Report) -> Report:
    return REPORTS.lock(report)


def apply_transition(*, report: Report, actor, name: str, target: str | None = None, **audit_data) -> Report:
    """Move a locked report to its next state, with its new due date and an audit event."""
    due_on = audit_data.pop("due_on", None)
    outcome = audit_data.get("outcome")

    def fields(new_status):
        changes = {"due_on": due_on or deadlines.due_after(new_status)}
        if outcome is not None:
            changes["outcome"] = outcome
        return changes

    return REPORTS.apply(report, actor=actor, name=name, target=target, fields=fields, **audit_data)


def allowed_transitions(user, report: Report) -> list[str]:
    """Names of the transitions this user may take on this report now (for buttons; services decide)."""
    return REPORTS.allowed(user, report)
