"""The "my work" page and the home page: what the workflows ask of me now (core/work.py), grouped by task.

Apps add work that is not a workflow step (an accountability decision's follow-up visits, say) through
`<app>/hooks.py: my_work_sections(user)`. Each section is a dict: title, key, count, rows (each with url, label,
detail, due_on).
"""

from core import work

from . import selectors


def sections_for(user) -> list[dict]:
    sections = [
        {
            "title": task.label,
            "key": task.key,
            "count": task.count_label,
            "rows": [
                {"url": r["url"], "label": r["label"], "detail": task.label, "due_on": r["due_on"]} for r in task.rows
            ],
        }
        for task in work.tasks_for(user)
    ]
    for section in selectors.my_work_sections_from_apps(user):
        section.setdefault("count", str(len(section["rows"])))
        sections.append(section)
    return sections
