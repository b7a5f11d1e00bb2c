"""The one transition engine (core/workflow.py): the only writer of status fields, with its audit event (issue 15)."""

import ast
import pathlib

import pytest

from audit.models import AuditEvent
from cases import workflow
from cases.choices import Status
from core.errors import DomainError
from core.workflow import REGISTRY

from .cases_helpers import register

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The scale generator (devtools/) writes rows of every state in bulk for the bench (development only, never served).
NOT_PRODUCT = ("tests", "migrations", "bench", ".venv", "devtools", "node_modules")


def _status_writes(source: str) -> list[int]:
    """Lines that assign a `status` attribute, `update(status=...)`, or setattr(..., "status", ...)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                targets += target.elts if isinstance(target, ast.Tuple) else [target]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        lines += [node.lineno for t in targets if isinstance(t, ast.Attribute) and t.attr == "status"]
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "update"
                and any(k.arg == "status" for k in node.keywords)
            ):
                lines.append(node.lineno)
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1:
                if isinstance(node.args[1], ast.Constant) and node.args[1].value == "status":
                    lines.append(node.lineno)
    return lines


def test_no_code_outside_the_engine_writes_a_status_field():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "core/workflow.py" or any(part in relative for part in NOT_PRODUCT):
            continue
        offenders += [f"{relative}:{line}" for line in _status_writes(path.read_text())]
    assert offenders == [], "status fields are written only by core.workflow.Workflow.apply"


def test_the_check_catches_each_way_of_writing_a_status():
    source = "r.status = 'x'\na.b, r.status = 1, 2\nR.objects.filter().update(status='x')\nsetattr(r, 'status', 1)\n"
    assert _status_writes(source) == [1, 2, 3, 4]


def test_every_status_field_has_one_workflow():
    models = {(w.model._meta.label, w.field) for w in REGISTRY.values()}
    assert len(models) == len(REGISTRY)
    assert {label for label, _field in models} >= {
        "cases.Report",
        "cases.IdentityAccess",
        "clarification.Recommendation",
        "clarification.FalseAccusationCase",
        "clarification.Measure",
        "clarification.JointBatch",
        "accountability.AccountabilityCase",
        "accountability.Decision",
        "stats.ExportJob",
        "core.JobRun",
    }


def test_a_refused_transition_writes_nothing(tree, zhanyi_intake):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refusal:
        workflow.apply_transition(report=report, actor=zhanyi_intake, name="propose_disposition")
    assert refusal.value.code == "forbidden"
    report.refresh_from_db()
    assert report.status == Status.REGISTERED and AuditEvent.objects.count() == events


def test_a_transition_writes_the_state_and_its_audit_event_together(tree, zhanyi_intake, zhanyi_supervisor):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    workflow.apply_transition(report=report, actor=zhanyi_supervisor, name="propose_disposition", kind="preliminary")
    event = AuditEvent.objects.filter(action="report.propose_disposition").get()
    assert event.data["previous"] == Status.REGISTERED and event.data["status"] == Status.DISPOSITION_PROPOSED
    assert report.status == Status.DISPOSITION_PROPOSED
    with pytest.raises(DomainError) as refusal:
        workflow.apply_transition(report=report, actor=zhanyi_supervisor, name="propose_disposition")
    assert refusal.value.code == "wrong_state"
