#!/usr/bin/env python
"""Server time p50 / p95 of the main pages over N sequential requests each, against gunicorn (-w 2).

.venv/bin/python bench/latency.py [--requests 200] [--only 'my work']   (BENCH_URL=http://... for a running server)
"""

from common import figure, login, measure_from_command_line, timed


def pages(t) -> list[tuple[str, str, str]]:
    """(label, user, path)."""
    import datetime

    sup, county_sup, inv = t.province_supervisor, t.county_supervisor, t.investigator
    this_month = datetime.date.today().strftime("%Y-%m")
    return [
        ("report list, first page (province)", sup, "/reports/"),
        ("report list, filtered (province)", sup, "/reports/?status=under_verification&area=procurement"),
        ("report list, deep page (province)", sup, f"/reports/?after={t.deep_cursor}"),
        ("report list, search 采购 (province)", sup, "/reports/?q=采购"),
        ("report list, first page (county)", county_sup, "/reports/"),
        ("report page", county_sup, f"/reports/{t.report}/"),
        ("API report list (province)", sup, "/api/reports/"),
        ("API report list, search 采购", sup, "/api/reports/?q=采购"),
        (f"subject page ({t.subject_reports} reports)", county_sup, f"/subjects/{t.subject}/"),
        ("my work (investigator)", inv, "/"),
        ("my work (intake officer)", t.intake, "/"),
        ("my work (reviewer)", t.reviewer, "/"),
        ("my work (county supervisor)", county_sup, "/"),
        ("my work (city supervisor)", t.city_supervisor, "/"),
        ("my work (province supervisor)", sup, "/"),
        ("statistics dashboard, province", sup, f"/stats/{t.province}/"),
        ("statistics dashboard, province, current month (live)", sup, f"/stats/{t.province}/?month={this_month}"),
        ("statistics dashboard, county", sup, f"/stats/{t.county}/"),
        ("trivial view", sup, "/bench/trivial/"),
    ]


def run(url: str, count: int, only: str = "") -> None:
    from targets import find

    t = find()
    sessions = {}
    for label, user, path in pages(t):
        if only and only not in label:
            continue
        if user not in sessions:
            sessions[user] = login(url, user)
        p50, p95, status, made = timed(sessions[user], url + path, count)
        if made < count:
            label = f"{label} [{made} requests]"
        if status != 200:
            figure(f"{label} status", status)
            continue
        figure(f"{label} p50", f"{p50:.1f}", "ms")
        figure(f"{label} p95", f"{p95:.1f}", "ms")


def main() -> None:
    measure_from_command_line(
        run, requests=200, only_help="measure only the pages whose label holds this, e.g. 'my work'"
    )


if __name__ == "__main__":
    main()
