"""The "my work" page and the home page: what the workflows ask of me now (core/work.py), grouped by task.

Apps add work that is not a workflow step (an accountability decision's follow-up visits, say) through
`<app>/hooks.py: my_work_sections(user, shown)`. Each section is a dict: title, key, count (a label: "50+"), found,
rows (the first `shown`, each with url, label,
detail, due_on).
"""

from core import work

from . import selectors


def sections_for(user, shown: int | None = None, only: str | None = None) -> list[dict]:
    """Every section of the user's work (or the one keyed `only`), each with its first `shown` rows (all found,
    by default), its count and whether more rows were found than are shown."""
    sections = [
        {
            "title": task.label,
            "key": task.key,
            "count": task.count_label,
            "found": task.found,
            "rows": [
                {"url": r["url"], "label": r["label"], "detail": task.label, "due_on": r["due_on"]} for r in task.rows
            ],
        }
        for task in work.tasks_for(user, shown=shown, only=only)
    ]
    for section in selectors.my_work_sections_from_apps(user, shown):
        if only is None or section["key"] == only:
            sections.append(section)
    for section in sections:
        section["truncated"] = section["found"] > len(section["rows"])
    return sections
