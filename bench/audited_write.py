#!/usr/bin/env python
"""How long an audited write takes while the monthly jobs run (issue 13): the statistics snapshot of last month
for every commission and the joint clarification batches of this month run in two threads, each through
core.jobs.run_once as the monthly tasks do (committing per commission), and a third holds a transaction that wrote
an audit event open the whole time (as a slow request would), while the main thread keeps doing short audited
writes (a row locked and an audit event appended, committed, then chained). Prints the p50 / p95 / max of the
writes: none of them waits for the open transaction (events are chained after commit, audit/services.py).

    .venv/bin/python bench/audited_write.py

On the bench database (bench/common.py); the snapshots of last month are taken again from the tables (deleted
first, as bench/jobs.py does) and the batches rebuilt, under run names of their own (bench.*).
"""

import statistics
import threading
import time

from common import figure, setup_django


def main() -> None:
    setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Commission
    from audit.services import audit_record
    from clarification.services.batches import batches_build_month
    from core import jobs
    from core.models import JobRun
    from stats.models import Snapshot
    from stats.periods import previous_month
    from stats.services import snapshots_take_month

    last = previous_month(timezone.localdate())
    month = timezone.localdate().replace(day=1)
    JobRun.objects.filter(job__startswith="bench.").delete()
    Snapshot.objects.filter(month=last).delete()
    target = Commission.objects.order_by("path").first()
    took: dict[str, float] = {}

    def background(name: str, work) -> None:
        start = time.perf_counter()
        try:
            work()
        finally:
            took[name] = time.perf_counter() - start
            connection.close()

    writing = threading.Event()
    held_open = threading.Event()

    def open_transaction() -> None:
        """A transaction that wrote an audit event and stays open until the writes are done."""
        try:
            with transaction.atomic():
                # No foreign key to the commission the writes lock: its KEY SHARE lock is not what is measured here.
                audit_record(actor=None, action="bench.open_transaction", target=None, target_label="bench")
                held_open.set()
                writing.wait()
        finally:
            held_open.set()
            connection.close()

    holder = threading.Thread(target=open_transaction)
    holder.start()
    held_open.wait()
    threads = [
        threading.Thread(
            target=background,
            args=(
                "snapshot",
                lambda: jobs.run_once("bench.monthly_snapshots", last, lambda: snapshots_take_month(last)),
            ),
        ),
        threading.Thread(
            target=background,
            args=("batches", lambda: jobs.run_once("bench.monthly_batches", month, lambda: batches_build_month(month))),
        ),
    ]
    for thread in threads:
        thread.start()
    writes = []
    while any(thread.is_alive() for thread in threads) or len(writes) < 20:
        start = time.perf_counter()
        with transaction.atomic():
            Commission.objects.select_for_update().filter(pk=target.pk).first()
            audit_record(actor=None, action="bench.audited_write", target=target, commission=target)
        writes.append((time.perf_counter() - start) * 1000)
        time.sleep(0.01)
    writing.set()
    for thread in [*threads, holder]:
        thread.join()
    writes.sort()
    p95 = writes[max(int(len(writes) * 0.95) - 1, 0)]
    figure("monthly snapshot (every commission) while writing", f"{took['snapshot']:.2f}", "s")
    figure("monthly batches (every city) while writing", f"{took['batches']:.2f}", "s")
    figure(
        f"audited write during the monthly jobs, p50 ({len(writes)} writes)", f"{statistics.median(writes):.1f}", "ms"
    )
    figure(
        "audited write during the monthly jobs and an open audited transaction, p95 (target < 200 ms)",
        f"{p95:.1f}",
        "ms",
    )
    figure("audited write during the monthly jobs, max", f"{writes[-1]:.1f}", "ms")


if __name__ == "__main__":
    main()
