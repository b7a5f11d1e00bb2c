#!/usr/bin/env python
"""Wall time of the monthly jobs, each in a transaction rolled back afterwards (the data stay as generated):
the joint clarification batch of the city with the most approved clarifications, and the statistics
snapshots of last month for the whole province (every commission, alone and rolled up) as the monthly task
takes them. Also checks that a two-character search is answered from the GIN index.

    .venv/bin/python bench/jobs.py
"""

import time

from common import figure, setup_django


class Rollback(Exception):
    pass


def timed(function, before=None) -> float:
    """Seconds `function` takes, in a transaction rolled back afterwards; `before` runs first, untimed."""
    from django.db import transaction

    try:
        with transaction.atomic():
            if before is not None:
                before()
            start = time.perf_counter()
            function()
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


def main() -> None:
    setup_django()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Commission, CommissionLevel
    from cases.search import search_reports
    from cases.selectors import report_list
    from clarification.models import Recommendation
    from clarification.services.batches import batch_build

    cities = {c.pk: c for c in Commission.objects.filter(level=CommissionLevel.MUNICIPAL)}
    approved = Recommendation.objects.filter(status="approved").values("commission__path").annotate(n=Count("id"))
    per_city = {}
    for row in approved:
        for city in cities.values():
            if row["commission__path"].startswith(city.path):
                per_city[city.pk] = per_city.get(city.pk, 0) + row["n"]
    city = cities[max(per_city, key=per_city.get)] if per_city else next(iter(cities.values()))
    month = timezone.localdate().replace(day=1)
    seconds = timed(lambda: batch_build(city=city, month=month))
    figure(f"monthly joint batch, largest city ({per_city.get(city.pk, 0)} clarifications)", f"{seconds:.2f}", "s")

    try:
        from stats.periods import previous_month
        from stats.services import snapshot_take, snapshots_take_month
    except ImportError:
        figure("statistics snapshot", "stats app not ready")
    else:
        from stats.models import Snapshot

        last = previous_month(timezone.localdate())
        province = Commission.objects.get(level=CommissionLevel.PROVINCIAL)

        def unpublish():  # the bench database keeps last month published; take it again from the tables
            Snapshot.objects.filter(month=last).delete()

        figure(
            "monthly statistics snapshot, province commission only",
            f"{timed(lambda: snapshot_take(commission=province, month=last), unpublish):.2f}",
            "s",
        )
        figure(
            f"monthly statistics snapshots, all {len(Commission.objects.all())} commissions",
            f"{timed(lambda: snapshots_take_month(last), unpublish):.2f}",
            "s",
        )

    from accounts.models import User

    user = User.objects.get(username="yunnan-supervisor")
    for word in ("采购", "医保", "杨艳敏"):
        queryset = search_reports(report_list(user), word).order_by("-id")[:26]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        scans = [line.strip().split("  (")[0].lstrip("-> ") for line in plan.splitlines() if "Scan" in line]
        main_scan = next((s for s in scans if "cases_report" in s), scans[0] if scans else "?")
        took = plan.strip().splitlines()[-1].split(":")[-1].strip()
        uses_gin = "report_search_gin" in plan
        seq = "Seq Scan on cases_report" in plan
        figure(
            f"search {word} query plan",
            f"{'GIN report_search_gin' if uses_gin else main_scan}{'; SEQ SCAN' if seq else ''}; {took}",
        )


if __name__ == "__main__":
    main()
