"""What a user can do now: one answer for the work list page, the home page, the API and the action panels.

Derived from the workflow declarations (core/workflow.py): an object is in a user's work when a
transition that asks something (`task`) is open to that user on it. Each task is a section, its first rows
chosen by one LIMIT query of its own (core/sections.first_rows), overdue and soonest due first: a section
whose condition matches often stops early, where one windowed query for all of a workflow's sections evaluated
every condition on every row in reach (bench/results/README.md).
"""

from dataclasses import dataclass, field

from django.db.models import F

from core.sections import counted_rows
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
    tasks = []
    for workflow in REGISTRY.values():
        if workflow.visible is None or (workflows is not None and workflow.name not in workflows):
            continue
        if only is not None and not only.startswith(f"{workflow.name}."):
            continue
        conditions = workflow.work(user)
        if only is not None:
            conditions = {t: q for t, q in conditions.items() if f"{workflow.name}.{t.name}" == only}
        if not conditions:
            continue
        visible = workflow.visible(user).select_related(*workflow.presented_with)
        for t, condition in conditions.items():
            # Counted on the narrow rows, joined and built only for the rows shown (the home page shows a few).
            ids, presented = counted_rows(visible.filter(condition).order_by(*_order(workflow)), limit, shown)
            if ids:
                rows = [{**workflow.present(obj), "object": obj} for obj in presented[:shown]]
                tasks.append(Task(workflow, t, rows, found=min(len(ids), limit), more=len(ids) > limit))
    return tasks


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
