#!/usr/bin/env python
"""Data growth: what a report costs on disk, and what a year of reports adds (docs/scaling.md, "Data growth").

Reads only (catalogue sizes and counts) from the database DATABASE_URL names:

    DATABASE_URL=postgres://.../dic_bench .venv/bin/python bench/growth.py            # a seed_scale database
    DATABASE_URL=postgres://.../demo .venv/bin/python bench/growth.py --audit-only     # a seed_demo database

On a seed_scale database it prints the rows per report of each table, the bytes per report of the whole
database (tables, indexes, TOAST) and the reports received in the last 365 days. seed_scale writes no audit
events (it bypasses the services for speed), so the audit trail's share is measured on a seed_demo database,
whose reports went through the services: audit events of case work per report, and bytes per event.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASE_WORK = ("report.", "allegation.", "accountability.", "clarification.", "decision.", "false_case.", "identity.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--audit-only", action="store_true", help="only the audit trail figures (seed_demo)")
    args = parser.parse_args()
    import psycopg2

    connection = psycopg2.connect(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dic_bench"))
    connection.set_session(readonly=True, autocommit=True)
    cursor = connection.cursor()

    def one(sql: str, params=None):
        cursor.execute(sql, params)
        return cursor.fetchone()[0]

    reports = one("SELECT count(*) FROM cases_report")
    if args.audit_only:
        cursor.execute("SELECT action FROM audit_auditevent")
        actions = [row[0] for row in cursor.fetchall()]
        events = sum(1 for action in actions if action.startswith(CASE_WORK))
        size = one("SELECT pg_total_relation_size('audit_auditevent')")
        row = one("SELECT avg(pg_column_size(a.*)) FROM audit_auditevent a WHERE action NOT LIKE 'bench.%%'")
        print(f"reports: {reports:,}")
        print(f"audit events of case work: {events:,} = {events / reports:.1f} per report")
        print(f"audit event row (heap tuple, without indexes): {row:.0f} bytes on average")
        print(
            f"audit trail: {len(actions):,} events in {size / 1e6:.1f} MB with its indexes = "
            f"{size / len(actions):.0f} bytes per event"
        )
        return
    print(f"reports: {reports:,}")
    for table, label in (
        ("cases_allegation", "allegations"),
        ("cases_subject", "subjects"),
        ("cases_disposition", "dispositions"),
        ("clarification_recommendation", "clarification recommendations"),
        ("accountability_accountabilitycase", "accountability cases"),
        ("accountability_decision", "accountability decisions"),
    ):
        rows = one(f"SELECT count(*) FROM {table}")  # noqa: S608 (names from the list above)
        print(f"{label}: {rows:,} = {rows / reports:.3f} per report")
    database = one("SELECT pg_database_size(current_database())")
    print(f"database size: {database / 1e9:.2f} GB = {database / reports / 1e3:.2f} kB per report (every table)")
    cursor.execute("SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables ORDER BY 2 DESC LIMIT 6")
    for name, size in cursor.fetchall():
        print(f"table {name}: {size / 1e6:.0f} MB = {size / reports:.0f} bytes per report")
    year = one("SELECT count(*) FROM cases_report WHERE received_on > current_date - 365")
    print(f"reports received in the last 365 days: {year:,}")
    snapshots = one("SELECT count(*) FROM stats_snapshot")
    if snapshots:
        size = one("SELECT pg_total_relation_size('stats_snapshot')")
        print(f"published monthly figures: {snapshots:,} snapshots, {size / snapshots / 1e3:.1f} kB each")


if __name__ == "__main__":
    main()
