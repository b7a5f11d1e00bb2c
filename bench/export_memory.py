#!/usr/bin/env python
"""Export benchmark: streams an export of 100,000 reports and prints rows per second, peak RSS and the time to
the first rows, in both documented database configurations.

Runs on its own against PostgreSQL. It creates a throwaway database (``<name>_bench_<pid>``) next to the one
named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dic), migrates it, fills it with
bulk_create, runs the real CSV and XLSX exports of the report list as a city supervisor, and drops it. With
--seeded it exports the newest ROWS reports of the database DATABASE_URL names instead (read-only unless --job).

    .venv/bin/python bench/export_memory.py [--rows 100000] [--seeded [--job]]

Each configuration runs in a process of its own (peak RSS is per process): "direct" (server-side cursors
allowed, DB_CONN_MAX_AGE as set) and "pgbouncer" (PGBOUNCER_TRANSACTION_POOLING=1, as docs/scaling.md tells
operators behind PgBouncer to set: no server-side cursor). Peak RSS is read after setup (the baseline) and
after each export; flat memory means the export adds only a few MB over the baseline whatever the number of
rows. "first rows" is the time from the start of the read to the first row, read outside any transaction as the
background worker reads; --job also runs a real background export (stats.services.export_job_run, writing an
export job, its audit events and a file) and prints when its progress first moved from 0.
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


def _memory_mb(field: str) -> float:
    """A figure of /proc/self/status in MB (VmRSS: resident now, VmHWM: the peak); without /proc, the peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    return _memory_mb("VmRSS")


def _peak_mb() -> float:
    return _memory_mb("VmHWM")


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


CONFIGURATIONS = {
    "direct": {"PGBOUNCER_TRANSACTION_POOLING": "0"},
    "pgbouncer": {"PGBOUNCER_TRANSACTION_POOLING": "1"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="export the newest ROWS reports of the database DATABASE_URL names (filled by seed_scale) as the "
        "province supervisor, instead of filling a throwaway database with bare reports",
    )
    parser.add_argument(
        "--job",
        action="store_true",
        help="also run one real background export of every report (writes to the database)",
    )
    parser.add_argument("--config", choices=sorted(CONFIGURATIONS), help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.config:  # one configuration, in this process
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from accounts.models import User

        _export(User.objects.get(username=args.user), args.rows, args.config, job=args.job)
        return
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dic")
    if args.seeded:
        _configurations(args, "yunnan-supervisor")
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
        _fill(args.rows)
        _configurations(args, "qujing-supervisor")
    finally:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _configurations(args, username: str) -> None:
    """Each configuration in a fresh process of this script, its lines printed as they come."""
    import subprocess

    for config, env in CONFIGURATIONS.items():
        command = [sys.executable, __file__, "--rows", str(args.rows), "--config", config, "--user", username]
        result = subprocess.run(
            command + (["--job"] if args.job else []), env={**os.environ, **env}, capture_output=True, text=True
        )
        sys.stdout.write(result.stdout)
        sys.stdout.flush()
        if result.returncode:
            sys.stderr.write(result.stderr[-3000:])
            sys.exit(result.returncode)


def _fill(rows: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts import demo as accounts_demo
    from cases.choices import Area, Channel, Status
    from cases.models import Report

    commissions = accounts_demo.seed()
    qujing = commissions["qujing"]
    below = [c for c in commissions.values() if c.path.startswith(qujing.path)]
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


def _export(user, rows: int, config: str, *, job: bool) -> None:
    from django.db import connection
    from django.test import override_settings

    from stats import exports

    pooled = connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    label = f"{config} ({'no server-side cursor' if pooled else 'server-side cursors allowed'})"
    export = exports.list_export("reports")
    print(f"{label}: columns: {len(export.headers())}")
    with override_settings(STATS_MAX_SYNC_EXPORT_ROWS=rows * 2), tempfile.TemporaryDirectory() as tmp:
        baseline = _rss_mb()
        print(f"{label}: baseline RSS before exporting: {baseline:.1f} MB")
        for fmt in ("csv", "xlsx"):
            _reset_peak()
            queryset = export.queryset(user, {})[:rows]
            path = Path(tmp) / f"reports.{fmt}"
            start, cpu = time.perf_counter(), time.process_time()
            if fmt == "csv":
                # The same generator the streaming response sends, written to a file instead of a socket.
                with open(path, "w", encoding="utf-8") as out:
                    for line in exports.csv_lines(
                        [[str(export.title)]], export.headers(), exports.rows_of(export, queryset)
                    ):
                        out.write(line)
            else:
                exports.write_xlsx(path, [(str(export.title), [], export.headers(), exports.rows_of(export, queryset))])
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            written = sum(1 for _ in open(path, "rb")) - 3 if fmt == "csv" else rows
            print(
                f"{label}: {fmt} of {written:,} rows: {elapsed:.1f}s = {written / elapsed:,.0f} rows/s "
                f"({written / cpu:,.0f} rows per CPU second of this process); "
                f"peak RSS {_peak_mb():.1f} MB (+{_peak_mb() - baseline:.1f} MB over the baseline); "
                f"file {path.stat().st_size / 1e6:.1f} MB"
            )
        # The first rows as the background worker reads them: outside any transaction (autocommit).
        start = time.perf_counter()
        next(iter(exports.rows_of(export, export.queryset(user, {})[:rows])))
        print(f"{label}: first row of the export read outside a transaction: {time.perf_counter() - start:.2f}s")
        connection.close()  # whatever that read left open (a held cursor) goes with its connection
    if job:
        _background_job(user, label)


def _background_job(user, label: str) -> None:
    """A real background export of every report the user reaches, run as the worker runs it; the main thread
    watches its progress from a connection of its own, as the export's page does."""
    import threading

    from django.db import connections
    from django.test import override_settings

    from stats import services
    from stats.models import ExportJob

    with tempfile.TemporaryDirectory() as tmp, override_settings(PRIVATE_FILES_ROOT=tmp):
        job = ExportJob.objects.create(owner=user, kind="reports", fmt="csv", params={})
        _reset_peak()
        start = time.perf_counter()

        def run():
            try:
                services.export_job_run(job_id=job.pk)
            finally:
                connections.close_all()

        worker = threading.Thread(target=run)
        worker.start()
        first = None
        while worker.is_alive():
            if first is None and ExportJob.objects.filter(pk=job.pk, rows_done__gt=0).exists():
                first = time.perf_counter() - start
            time.sleep(0.05)
        worker.join()
        elapsed = time.perf_counter() - start
        job.refresh_from_db()
        print(
            f"{label}: background csv export of {job.rows_done:,} rows ({job.status}): progress first moved after "
            f"{first if first is not None else elapsed:.2f}s, done in {elapsed:.1f}s; peak RSS {_peak_mb():.1f} MB"
        )


if __name__ == "__main__":
    main()
