#!/usr/bin/env python
"""The report page's eleven sections: prefetched, one statement each (what the page does), against packed as JSON
arrays into the report's own query (core/json_rows.py, what it did before). CPU and wall per load of one report
with its sections, in this process, against the bench database. Issue 17 asked to keep json_rows only where a
figure shows it is needed; this is the figure for the report page.

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python bench/report_page_sections.py [--loads 60]
"""

import statistics
import time

from common import figure, loads_from_command_line, user_with_reach


def main() -> None:
    loads = loads_from_command_line(60)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from targets import find

    from accounts import jurisdiction
    from cases import selectors
    from core.json_rows import attach_lists, with_lists

    t = find()
    user = user_with_reach(t.county_supervisor)

    def packed():
        lists = selectors._report_page_lists()
        queryset = with_lists(
            selectors.reports_visible_to(user).select_related("commission", "reporter", "verification__concluded_by"),
            **lists,
        )
        report = jurisdiction.get_in_reach(queryset, pk=t.report)
        attach_lists(report, **lists)
        return report

    def prefetched():
        return selectors.report_detail(user, t.report)

    assert [len(packed().allegations.all())] == [len(prefetched().allegations.all())]
    for label, load in (("prefetched, one statement per section", prefetched), ("packed as JSON", packed)):
        walls, cpus = [], []
        for _ in range(loads):
            cpu, wall = time.process_time(), time.perf_counter()
            with CaptureQueriesContext(connection) as statements:
                load()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        walls.sort()
        figure(f"report page sections, {label}: statements", len(statements))
        figure(f"report page sections, {label}: CPU p50", f"{statistics.median(cpus):.1f}", "ms")
        figure(f"report page sections, {label}: wall p95", f"{walls[int(len(walls) * 0.95) - 1]:.1f}", "ms")


if __name__ == "__main__":
    main()
