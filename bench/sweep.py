#!/usr/bin/env python
"""Every list path, flat: p95 of the report list for every sort × each single filter, a two-filter and an
empty-result filter, and search, for a county investigator, a county supervisor, a city supervisor and the
province admin; the same filters on the API list; the subject page. Run at two sizes (two databases) and it prints
the growth ratio of each combination from the smaller to the larger.

    DATABASE_URL=.../dic_bench_100k .venv/bin/python bench/sweep.py --requests 50    # writes results/sweep-<n>.json
    DATABASE_URL=.../dic_bench      .venv/bin/python bench/sweep.py --requests 50    # and prints the growth

Targets (issue 18): every combination p95 <= 150 ms at 1,000,000 reports and growth <= 1.5x from 100,000.
"""

import datetime
import json
from pathlib import Path

from common import figure, login, measure_from_command_line, timed

RESULTS = Path(__file__).resolve().parent / "results"
SORTS = ["-id", "id", "-received_on", "received_on"]
TARGET_MS = 150
TARGET_GROWTH = 1.5


def filters(county: int) -> list[tuple[str, str]]:
    """(label, query string): each single filter with a typical value, two together, one that matches nothing."""
    today = datetime.date.today()
    return [
        ("no filter", ""),
        ("status", "status=under_verification"),
        ("channel, rare", "channel=self_discovered"),
        ("area", "area=medical"),
        ("commission", f"commission={county}"),
        ("received within 90 days", f"received_from={today - datetime.timedelta(days=90)}"),
        ("received a year ago", f"received_to={today - datetime.timedelta(days=365)}"),
        ("overdue", "overdue=on"),
        ("channel and area", "channel=judicial&area=medical"),
        ("empty result", f"received_from={today}&status=closed&channel=judicial"),
        ("search 采购", "q=采购"),
        ("search, no match", "q=无此线索词"),
    ]


def people() -> dict:
    from targets import find

    from accounts.models import Membership
    from accounts.roles import Role

    t = find()
    province_admin = Membership.objects.filter(commission=t.province, role=Role.ADMIN).order_by("user_id").first().user
    return {
        "targets": t,
        "users": {
            "county investigator": t.investigator,
            "county supervisor": t.county_supervisor,
            "city supervisor": t.city_supervisor,
            "province admin": province_admin.username,
        },
    }


def combinations(chosen: dict) -> list[tuple[str, str, str]]:
    """(label, user, path)."""
    t = chosen["targets"]
    found = []
    for role, user in chosen["users"].items():
        for label, query in filters(t.county):
            for sort in SORTS:
                path = "/reports/?" + "&".join(p for p in (query, f"sort={sort}") if p)
                found.append((f"list · {role} · {label} · sort {sort}", user, path))
            found.append((f"API list · {role} · {label}", user, "/api/reports/" + (f"?{query}" if query else "")))
        found.append((f"subject page · {role}", user, f"/subjects/{t.subject}/"))
    return found


def run(url: str, count: int, only: str) -> None:
    from django.db import connection

    chosen = people()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_report")
        size = cursor.fetchone()[0]
    size_label = 1_000_000 if size >= 900_000 else 100_000 if size >= 90_000 else size
    sessions, measured = {}, {}
    for label, user, path in combinations(chosen):
        if only and only not in label:
            continue
        if user not in sessions:
            sessions[user] = login(url, user)
        p50, p95, status, made = timed(sessions[user], url + path, count, budget_seconds=60)
        if status != 200:
            figure(f"{label} status", status)
            continue
        measured[label] = {"p50": round(p50, 1), "p95": round(p95, 1), "requests": made}
    RESULTS.mkdir(exist_ok=True)
    record = RESULTS / f"sweep-{size_label}.json"
    kept = json.loads(record.read_text()) if record.exists() and only else {}
    kept.update(measured)
    record.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
    other = RESULTS / f"sweep-{100_000 if size_label == 1_000_000 else 1_000_000}.json"
    smaller = json.loads(other.read_text()) if size_label == 1_000_000 and other.exists() else {}
    over, grown = [], []
    for label, values in measured.items():
        line = f"{values['p95']:.1f} ms"
        if label in smaller:
            ratio = values["p95"] / max(smaller[label]["p95"], 1e-6)
            line += f" (100k {smaller[label]['p95']:.1f} ms, growth {ratio:.2f}x)"
            if ratio > TARGET_GROWTH:
                grown.append(label)
        if values["p95"] > TARGET_MS:
            over.append(label)
        figure(f"sweep p95 · {label}", line)
    worst = max(measured.items(), key=lambda item: item[1]["p95"]) if measured else None
    figure(f"sweep at {size:,} reports, combinations", len(measured))
    if worst:
        figure("sweep, slowest combination", f"{worst[0]} {worst[1]['p95']:.1f} ms")
    figure(f"sweep, combinations above {TARGET_MS} ms p95", f"{len(over)}" + (f" ({'; '.join(over)})" if over else ""))
    if smaller:
        figure(
            f"sweep, combinations growing more than {TARGET_GROWTH}x from 100k",
            f"{len(grown)}" + (f" ({'; '.join(grown)})" if grown else ""),
        )


def main() -> None:
    measure_from_command_line(run, requests=50, only_help="measure only the combinations whose label holds this")


if __name__ == "__main__":
    main()
