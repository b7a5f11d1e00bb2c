#!/usr/bin/env python
"""SQL queries per page (Django test client + CaptureQueriesContext), at two page sizes each; run at two data
sizes (make bench SIZE=...) to see them stay flat. Also flags any COUNT(*) without a WHERE clause.

    .venv/bin/python bench/queries.py
"""

import re

from common import figure, setup_django

WHOLE_TABLE_COUNT = re.compile(r"SELECT COUNT\(\*\)[^()]* FROM \"[a-z_]+\"\s*$", re.IGNORECASE)


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from targets import find

    import cases.views
    import core.work
    from accounts.models import User

    t = find()
    clients = {}

    def client(username):
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        return clients[username]

    def count(username, path, patches):
        saved = {}
        for (module, name), value in patches.items():
            saved[(module, name)] = getattr(module, name)
            setattr(module, name, value)
        try:
            c = client(username)
            c.get(path)  # warm caches that live per process (e.g. translations)
            with CaptureQueriesContext(connection) as queries:
                response = c.get(path)
        finally:
            for (module, name), value in saved.items():
                setattr(module, name, value)
        statements = [q for q in queries.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT"))]
        whole = [q["sql"] for q in queries.captured_queries if WHOLE_TABLE_COUNT.search(q["sql"])]
        if response.status_code != 200:
            return f"status {response.status_code}", whole
        return f"{len(statements)} (+{len(queries.captured_queries) - len(statements)} BEGIN/COMMIT)", whole

    sup, csup, inv = t.province_supervisor, t.county_supervisor, t.investigator
    checks = [
        ("report list, 25 rows", sup, "/reports/", {(cases.views, "PAGE_SIZE"): 25}),
        ("report list, 100 rows", sup, "/reports/", {(cases.views, "PAGE_SIZE"): 100}),
        ("report list, search, 25 rows", sup, "/reports/?q=采购", {(cases.views, "PAGE_SIZE"): 25}),
        ("report page", csup, f"/reports/{t.report}/", {}),
        ("API report list, 25 rows", sup, "/api/reports/?page_size=25", {}),
        ("API report list, 100 rows", sup, "/api/reports/?page_size=100", {}),
        ("my work (county supervisor), 10 rows per section", csup, "/", {(core.work, "LIMIT"): 10}),
        ("my work (county supervisor), 50 rows per section", csup, "/", {(core.work, "LIMIT"): 50}),
        ("my work (investigator)", inv, "/", {}),
        ("subject page", csup, f"/subjects/{t.subject}/", {}),
        ("statistics dashboard, province", sup, f"/stats/{t.province}/", {}),
    ]
    whole_counts = 0
    for label, user, path, patches in checks:
        n, whole = count(user, path, patches)
        whole_counts += len(whole)
        figure(f"queries: {label}", n)
    figure("whole-table COUNT(*) queries in these requests", whole_counts)


if __name__ == "__main__":
    main()
