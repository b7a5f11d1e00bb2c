#!/usr/bin/env python
"""Export memory benchmark: streams an export of 100,000 reports and prints rows per second and peak RSS.

Runs on its own against PostgreSQL. It creates a throwaway database (``<name>_bench_<pid>``) next to the one
named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dic), migrates it, fills it with
bulk_create, runs the real CSV and XLSX exports of the report list as a city supervisor, and drops it.

    .venv/bin/python bench/export_memory.py [--rows 100000]

Peak RSS is read after setup (the baseline) and after each export; flat memory means the export adds only a
few MB over the baseline whatever the number of rows.
"""

import argparse
import datetime
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    """Current resident set size (from /proc), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so each export's peak is measured alone.
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def _admin_cursor(url: str):
    import psycopg2

    parsed = urlparse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parsed.username or "postgres",
        password=parsed.password,
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
    )
    connection.autocommit = True
    return connection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="export the newest ROWS reports of the database DATABASE_URL names (filled by seed_scale) as the "
        "province supervisor, instead of filling a throwaway database with bare reports",
    )
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dic")
    if args.seeded:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from accounts.models import User

        _export(User.objects.get(username="yunnan-supervisor"), args.rows)
        return
    parsed = urlparse(base)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("The benchmark runs against PostgreSQL: set DATABASE_URL=postgres://...")
    name = f"{(parsed.path.lstrip('/') or 'dic')}_bench_{os.getpid()}"
    admin = _admin_cursor(base)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ["TWO_FACTOR_ROLES"] = ""
    try:
        _run(args.rows)
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _run(rows: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts import demo as accounts_demo
    from accounts.models import User
    from cases.choices import Area, Channel, Status
    from cases.models import Report

    commissions = accounts_demo.seed()
    qujing = commissions["qujing"]
    below = [c for c in commissions.values() if c.path.startswith(qujing.path)]
    user = User.objects.get(username="qujing-supervisor")
    started = time.perf_counter()
    today = datetime.date.today()
    channels, areas, statuses = Channel.values, Area.values, [Status.REGISTERED, Status.CLOSED, Status.CONCLUDED]
    batch = []
    for i in range(rows):
        batch.append(
            Report(
                reference=f"BENCH-{i:07d}",
                commission=below[i % len(below)],
                received_on=today - datetime.timedelta(days=i % 365),
                channel=channels[i % len(channels)],
                area=areas[i % len(areas)],
                summary=f"反映某单位干部违规问题（第{i}号测试举报），涉及工程项目招投标和资金使用等情况。",
                status=statuses[i % len(statuses)],
            )
        )
        if len(batch) == 5000:
            Report.objects.bulk_create(batch)
            batch = []
    if batch:
        Report.objects.bulk_create(batch)
    print(f"setup: {rows:,} reports in {time.perf_counter() - started:.1f}s")
    _export(user, rows)
    del settings  # settings are only imported to make sure Django is configured


def _export(user, rows: int) -> None:
    from django.test import override_settings

    from stats import exports

    export = exports.list_export("reports")
    print(f"columns: {len(export.headers())}")
    baseline = _rss_mb()
    print(f"baseline RSS before exporting: {baseline:.1f} MB")
    with override_settings(STATS_MAX_SYNC_EXPORT_ROWS=rows * 2), tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "xlsx"):
            _reset_peak()
            queryset = export.queryset(user, {})[:rows]
            path = Path(tmp) / f"reports.{fmt}"
            start = time.perf_counter()
            if fmt == "csv":
                # The same generator the streaming response sends, written to a file instead of a socket.
                with open(path, "w", encoding="utf-8") as out:
                    for line in exports.csv_lines(
                        [[str(export.title)]], export.headers(), exports.rows_of(export, queryset)
                    ):
                        out.write(line)
            else:
                exports.write_xlsx(path, [(str(export.title), [], export.headers(), exports.rows_of(export, queryset))])
            elapsed = time.perf_counter() - start
            written = sum(1 for _ in open(path, "rb")) - 3 if fmt == "csv" else rows
            print(
                f"{fmt}: {written:,} rows in {elapsed:.1f}s = {written / elapsed:,.0f} rows/s; "
                f"peak RSS {_peak_mb():.1f} MB (+{_peak_mb() - baseline:.1f} MB over the baseline); "
                f"file {path.stat().st_size / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
