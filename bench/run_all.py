#!/usr/bin/env python
"""`make bench SIZE=n`: fill the bench database with n reports (when it does not hold them already), run every
script against gunicorn, and write the figures to bench/results/ as a markdown table.

    .venv/bin/python bench/run_all.py --size 20000 [--requests 200] [--reseed]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from common import ROOT, SERVER_ENV, Server

PY = str(ROOT / ".venv/bin/python")
HERE = Path(__file__).resolve().parent


def run_script(name: str, *args, env=None) -> list[tuple[str, str]]:
    print(f"== {name} {' '.join(args)}", flush=True)
    result = subprocess.run(
        [PY, str(HERE / name), *args],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV, **(env or {})},
        capture_output=True,
        text=True,
    )
    figures = []
    for line in result.stdout.splitlines():
        print("  " + line, flush=True)
        if ": " in line and not line.startswith(" "):
            key, value = line.split(": ", 1)
            figures.append((key, value))
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        figures.append((f"{name} failed", f"exit {result.returncode} (see the make output)"))
    return figures


def psql(database: str, sql: str) -> str:
    url = urlparse(SERVER_ENV["DATABASE_URL"])
    return subprocess.run(
        ["psql", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
        + ["-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
    ).stdout.strip()


SWEEP_SMALLER = 100_000


def smaller_database_url() -> str:
    """The second database the sweep's growth ratios are measured against: the bench database's name + _100000."""
    url = urlparse(SERVER_ENV["DATABASE_URL"])
    return url._replace(path=f"{url.path}_{SWEEP_SMALLER}").geturl()


def prepare(size: int, reseed: bool, database_url: str = SERVER_ENV["DATABASE_URL"]) -> float | None:
    """Seed a bench database with `size` reports unless it holds exactly that many; returns seconds taken."""
    name = urlparse(database_url).path.lstrip("/")
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and not reseed:
        held = psql(name, "SELECT count(*) FROM cases_report")
        # Transfers to other commissions add a few reports to the generated number.
        if held.isdigit() and size <= int(held) <= size * 1.01:
            print(f"{name} already holds {size} reports", flush=True)
            return None
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')
    psql("postgres", f'CREATE DATABASE "{name}"')
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url}
    subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    start = datetime.datetime.now()
    subprocess.run(
        [PY, "manage.py", "seed_scale", "--reports", str(size), "--check", "200"], cwd=ROOT, env=env, check=True
    )
    return (datetime.datetime.now() - start).total_seconds()


def publish_past_months() -> float | None:
    """Publish the statistics of the past twelve months, as the monthly task has done in production (the
    dashboards and their trends read them): `stats_snapshot --month` for each month. Returns seconds taken."""
    name = urlparse(SERVER_ENV["DATABASE_URL"]).path.lstrip("/")
    months = psql(name, "SELECT count(DISTINCT month) FROM stats_snapshot")
    if months and int(months) >= 12:
        print(f"{name} already holds {months} months of statistics", flush=True)
        return None
    env = {**os.environ, **SERVER_ENV}
    start = datetime.datetime.now()
    month = datetime.date.today().replace(day=1)
    for _ in range(12):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        print(f"stats_snapshot --month {month:%Y-%m}", flush=True)
        subprocess.run(
            [PY, "manage.py", "stats_snapshot", "--month", f"{month:%Y-%m}"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return (datetime.datetime.now() - start).total_seconds()


def preparation_figures(size: int, seeded: float | None, published: float | None) -> list[tuple[str, str]]:
    """The wall times of seeding and publishing, kept in bench/results/prepared-<size>.json so that a later run
    on the same database still reports them (marked with the day they were measured)."""
    record = HERE / "results" / f"prepared-{size}.json"
    kept = json.loads(record.read_text()) if record.exists() else {}
    today = datetime.date.today().isoformat()
    if seeded is not None:
        kept["seed"] = {"seconds": round(seeded), "on": today}
    if published is not None:
        kept["snapshots"] = {"seconds": round(published), "on": today}
    if seeded is not None or published is not None:
        record.parent.mkdir(exist_ok=True)
        record.write_text(json.dumps(kept, indent=2) + "\n")
    figures = []
    for key, label, this_run in (
        ("seed", f"seed_scale --reports {size}: wall time", seeded is not None),
        ("snapshots", "stats_snapshot of the 12 past months, every commission", published is not None),
    ):
        if key in kept:
            measured = "" if this_run else f" (measured {kept[key]['on']}, when the database was filled)"
            figures.append((label, f"{kept[key]['seconds']} s{measured}"))
    return figures


def sweep_smaller(reseed: bool) -> list[tuple[str, str]]:
    """The sweep at 100,000 reports on a database of its own, filled here when it does not hold them, so that the
    sweep at the full size prints each combination's growth against a figure of the same run."""
    url = smaller_database_url()
    seeded = prepare(SWEEP_SMALLER, reseed, url)
    figures = []
    if seeded is not None:
        figures.append(
            (f"seed_scale --reports {SWEEP_SMALLER} (the sweep's smaller database): wall time", f"{seeded:.0f} s")
        )
    with Server(database_url=url) as server:
        for key, value in run_script(
            "sweep.py", "--requests", "50", env={"BENCH_URL": server.url, "DATABASE_URL": url}
        ):
            if not key.startswith("sweep p95"):
                figures.append((f"{key} (the 100k database)", value))
    return figures


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    pg = psql("postgres", "SHOW server_version")
    return (
        f"{os.cpu_count()} CPU cores ({cpu}), {memory / 1024 / 1024:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, PostgreSQL {pg} (default configuration, shared_buffers "
        f"{psql('postgres', 'SHOW shared_buffers')}), Python {platform.python_version()}, gunicorn -w 2 (sync)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    seeded = prepare(args.size, args.reseed)
    published = publish_past_months()
    figures = preparation_figures(args.size, seeded, published)
    if args.size >= 1_000_000:
        figures += sweep_smaller(args.reseed)
    with Server() as server:
        env = {"BENCH_URL": server.url}
        figures += run_script("latency.py", "--requests", str(args.requests), env=env)
        figures += run_script("throughput.py", env=env)
        # Every sort × filter × role on the list, the API list and the subject page; the growth from the other size
        # when its sweep-<size>.json is there (run `make bench` at 100,000 and at 1,000,000).
        figures += run_script("sweep.py", "--requests", "50", env=env)
        for pid in server.worker_pids():
            rss = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS"))
            figures.append((f"gunicorn worker {pid} RSS after the run", f"{rss / 1024:.0f} MB"))
    figures += run_script("queries.py")
    figures += run_script("report_page_sections.py")
    figures += run_script("work_profile.py")
    figures += run_script("request_parts.py")
    figures += run_script("jobs.py")
    figures += run_script("audited_write.py")
    if (HERE / "export_memory.py").exists():
        for rows in sorted({min(args.size, 100_000), 100_000} | ({1_000_000} if args.size >= 1_000_000 else set())):
            # Both database configurations (with and without PGBOUNCER_TRANSACTION_POOLING=1); a real background
            # export of the whole database (its time to the first rows) when the rows are all the reports.
            job = ["--job"] if rows == args.size else []
            for key, value in run_script("export_memory.py", "--rows", str(rows), "--seeded", *job):
                figures.append((f"export of {rows:,} rows: {key}", value))
    else:
        figures.append(("exports", "bench/export_memory.py not there yet"))
    write(args.size, figures)


def write(size: int, figures: list[tuple[str, str]]) -> None:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    today = datetime.date.today().isoformat()
    lines = [
        f"# Benchmark at {size:,} reports ({today})",
        "",
        f"Machine: {machine()}.",
        "",
        "Produced by `make bench SIZE=" + str(size) + "` (bench/run_all.py); latencies are measured by the client "
        "over keep-alive on 127.0.0.1, sequential requests after 5 warm-up requests.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in figures),
        "",
    ]
    path = results / f"results-{size}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
