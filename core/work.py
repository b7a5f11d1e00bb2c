"""What a user can do now: one answer for the work list page, the home page, the API and the action panels.

Derived from the workflow declarations (core/workflow.py): an object is in a user's work when a
transition that asks something (`task`) is open to that user on it. Each task is a section, its first rows
chosen by a LIMIT query of its own, overdue and soonest due first: a section whose condition matches often stops
early, where one windowed query for all of a workflow's sections evaluated every condition on every row in reach
(bench/results/README.md). The tasks' queries go to the database as one statement (core/sections.ids_together),
compiled once per user, reach version and day; the rows shown are then joined for display, one query per workflow.
"""

from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from core.cache import Recent
from core.lookups import Ids
from core.sections import ids_together, run_together
from core.workflow import REGISTRY, Transition, Workflow

LIMIT = 50


@dataclass
class Task:
    workflow: Workflow
    transition: Transition
    rows: list[dict] = field(default_factory=list)  # the rows shown (the first `shown` of those found)
    found: int = 0  # rows found, up to the limit
    more: bool = False  # more rows wait than the limit

    @property
    def key(self) -> str:
        return f"{self.workflow.name}.{self.transition.name}"

    @property
    def label(self) -> str:
        return str(self.transition.task)

    @property
    def count_label(self) -> str:
        return f"{LIMIT}+" if self.more else str(self.found)


def _order(workflow: Workflow) -> list:
    return [F(name[1:]).desc() if name.startswith("-") else F(name).asc(nulls_last=True) for name in workflow.order]


def tasks_for(
    user,
    limit: int | None = None,
    workflows: tuple[str, ...] | None = None,
    shown: int | None = None,
    only: str | None = None,
) -> list[Task]:
    """The user's work, grouped by what is asked of them; empty tasks are left out.

    Each task finds up to `limit` rows (counted, "50+" beyond) and presents the first `shown` of them (all, by
    default); `workflows` and `only` (a task key) narrow it to some workflows or one task."""
    limit = limit or LIMIT
    asked, compiled = _compiled(user, limit, workflows, only)
    if not asked:
        return []
    found = run_together(compiled, len(asked))
    presented = _presented(asked, found, limit if shown is None else shown)
    tasks = []
    for (workflow, t), ids in zip(asked, found, strict=True):
        if ids:
            rows = [
                {**workflow.present(presented[workflow.name][pk]), "object": presented[workflow.name][pk]}
                for pk in ids[: limit if shown is None else shown]
                if pk in presented[workflow.name]
            ]
            tasks.append(Task(workflow, t, rows, found=min(len(ids), limit), more=len(ids) > limit))
    return tasks


# The work list's statement, compiled, per user, reach version and day: its conditions depend on nothing else
# (tests/test_work_list.py::test_building_the_work_conditions_reads_nothing_from_the_database).
_recent = Recent(size=512)


def _compiled(user, limit, workflows, only) -> tuple[list[tuple[Workflow, Transition]], tuple | None]:
    """The tasks that may ask something of the user and the statement that finds each one's first rows (its
    narrow rows ordered, `limit` + 1 of them to count "50+")."""
    key = (user.pk, str(user.reach_version), timezone.localdate(), limit, workflows, only)
    asked, compiled = _recent.get_or_set(key, lambda: _compile(user, limit, workflows, only))
    return [(REGISTRY[w], REGISTRY[w].by_name[t]) for w, t in asked], compiled


def _compile(user, limit, workflows, only) -> tuple[list[tuple[str, str]], tuple | None]:
    asked, querysets = [], []
    for workflow in REGISTRY.values():
        if workflow.visible is None or (workflows is not None and workflow.name not in workflows):
            continue
        if only is not None and not only.startswith(f"{workflow.name}."):
            continue
        conditions = workflow.work(user)
        if only is not None:
            conditions = {t: q for t, q in conditions.items() if f"{workflow.name}.{t.name}" == only}
        for t, condition in conditions.items():
            asked.append((workflow.name, t.name))
            querysets.append(workflow.visible(user).filter(condition).order_by(*_order(workflow)))
    return asked, ids_together(querysets, limit + 1) if querysets else None


def _presented(asked, found, shown: int) -> dict[str, dict]:
    """The objects of the rows shown, joined for display: one query per workflow for all its tasks."""
    wanted: dict[str, set] = {}
    for (workflow, _t), ids in zip(asked, found, strict=True):
        wanted.setdefault(workflow.name, set()).update(ids[:shown])
    presented = {}
    for name, ids in wanted.items():
        workflow = REGISTRY[name]
        objects = workflow.model._default_manager.select_related(*workflow.presented_with).filter(
            pk__any_of=Ids(sorted(ids))
        )
        presented[name] = {obj.pk: obj for obj in objects} if ids else {}
    return presented


def object_keys(user) -> set[tuple[str, int]]:
    """Every (workflow, id) in the user's work, without the display limit (for checks and tests)."""
    keys = set()
    for workflow in REGISTRY.values():
        if workflow.visible is None:
            continue
        for condition in workflow.work(user).values():
            ids = workflow.visible(user).filter(condition).values_list("pk", flat=True)
            keys.update((workflow.name, pk) for pk in ids)
    return keys
