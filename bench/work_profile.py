#!/usr/bin/env python
"""Where the work list's time goes, in this process (no HTTP): for the investigator, county supervisor and province
supervisor that bench/latency.py measures, the statements, their SQL time, the process's CPU time, and the
slowest statements; and the CPU time of a user's first work list of the day in this process, which compiles the
statement that the following ones reuse (core/work.py). The figures behind bench/results/README.md's "my work"
paragraph.

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python bench/work_profile.py [--loads 5]
"""

import statistics
import time

from common import figure, loads_from_command_line, user_with_reach


def main() -> None:
    loads = loads_from_command_line(5)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from targets import find

    from accountability import selectors as accountability_selectors
    from cases.my_work import sections_for
    from core import work

    t = find()
    for role, username in (
        ("investigator", t.investigator),
        ("county supervisor", t.county_supervisor),
        ("province supervisor", t.province_supervisor),
    ):
        sections_for(user_with_reach(username), shown=10)  # warm
        cpus, sqls = [], []
        for _ in range(loads):
            user = user_with_reach(username)  # as a request loads it (the reach from its cache)
            cpu = time.process_time()
            with CaptureQueriesContext(connection) as statements:
                sections_for(user, shown=10)
            cpus.append((time.process_time() - cpu) * 1000)
            sqls.append(sum(float(q["time"]) for q in statements.captured_queries) * 1000)
        firsts = []
        for _ in range(loads):
            work._recent.entries.clear()
            accountability_selectors._follow_ups.entries.clear()
            user = user_with_reach(username)
            cpu = time.process_time()
            sections_for(user, shown=10)
            firsts.append((time.process_time() - cpu) * 1000)
        figure(f"work list, {role}: statements", len(statements))
        figure(f"work list, {role}: SQL time (median)", f"{statistics.median(sqls):.0f}", "ms")
        figure(f"work list, {role}: CPU of this process (median)", f"{statistics.median(cpus):.0f}", "ms")
        figure(f"work list, {role}: CPU of the first of the day (median)", f"{statistics.median(firsts):.0f}", "ms")
        slowest = max(statements.captured_queries, key=lambda q: float(q["time"]))
        figure(f"work list, {role}: slowest statement", f"{float(slowest['time']) * 1000:.0f} ms {slowest['sql'][:90]}")


if __name__ == "__main__":
    main()
