"""Periodic jobs that run once per period, whoever starts them (Celery beat, the daily catch-up, a worker
retry, a person).

`run_once` first commits the (job, period) row as running, with a heartbeat, so a run under way (or one
whose runner died) can be seen. The work then runs under a lock on the period held by the runner's database
session: two runners at once serialise and the second finds the period done, and a new runner does not wait
for the heartbeat to go stale when the old one is gone. The work commits one `step` at a time (a
commission's part), each recorded with its run, so no long transaction holds locks other writers need; a
runner that dies midway leaves its finished steps, stops beating, and the next runner (the daily catch-up at
the latest) resumes the period after the last step: each step is done once per period.
"""

import datetime
import logging
import os
import socket
import threading
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import JobRun, JobStatus, JobStep
from .workflow import Workflow, by_the_system, transition

logger = logging.getLogger(__name__)
CATCH_UP_LIMIT = 12

# job name -> function(today) that runs every due period of the job; filled by the apps (AppConfig.ready).
MONTHLY_JOBS: dict[str, Callable[[datetime.date | None], list]] = {}
_current_run: ContextVar[JobRun | None] = ContextVar("current_job_run", default=None)


def register_monthly(job: str, run_due: Callable[[datetime.date | None], list]) -> None:
    MONTHLY_JOBS[job] = run_due


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _months_back(day: datetime.date, count: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - count, 12)
    return datetime.date(year, month + 1, 1)


def due_months(job: str, today: datetime.date | None = None) -> list[datetime.date]:
    """Every month without a finished run, from the job's first run (at most a year back) to the current one;
    only the current month for a job that has never run."""
    current = month_start(today or timezone.localdate())
    window = _months_back(current, CATCH_UP_LIMIT - 1)
    first = JobRun.objects.filter(job=job, period__lte=current).aggregate(first=Min("period"))["first"]
    done = set(
        JobRun.objects.filter(job=job, status=JobStatus.DONE, period__gte=window, period__lte=current).values_list(
            "period", flat=True
        )
    )
    period = max(month_start(first), window) if first else current
    months = []
    while period <= current:
        if period not in done:
            months.append(period)
        period = next_month(period)
    return months


def is_stale(run: JobRun, now: datetime.datetime | None = None) -> bool:
    """A running row whose runner has not beaten for JOBS_STALE_MINUTES: it died, and the period is due again."""
    if run.status != JobStatus.RUNNING:
        return False
    last = run.heartbeat_at or run.started_at
    return last < (now or timezone.now()) - datetime.timedelta(minutes=settings.JOBS_STALE_MINUTES)


# A job run's states, written only here: a runner starts (or restarts, after a dead runner) a period, and finishes
# or fails it.
RUNS = Workflow(
    name="job",
    model=JobRun,
    noun=gettext_lazy("the job run"),
    audit_context=lambda run: {"job": run.job, "period": run.period},
    transitions=[
        transition(
            "start",
            gettext_lazy("Start"),
            [JobStatus.RUNNING, JobStatus.FAILED],
            JobStatus.RUNNING,
            by_the_system,
            "",
        ),
        transition("finish", gettext_lazy("Finish"), [JobStatus.RUNNING], JobStatus.DONE, by_the_system, ""),
        transition(
            "fail", gettext_lazy("Fail"), [JobStatus.RUNNING, JobStatus.FAILED], JobStatus.FAILED, by_the_system, ""
        ),
    ],
)


def run_once(job: str, period: datetime.date, work: Callable[[], dict]) -> JobRun | None:
    """Run `work` for the period unless it is done already; returns the run, or None when skipped."""
    try:
        return _run_locked(job, period, work)
    except Exception as error:
        # Leave a visible trace for the admin; the period stays due, so the next run retries it.
        failed = {"finished_at": timezone.now(), "detail": {"error": str(error)[:500]}}
        for run in JobRun.objects.filter(job=job, period=period).exclude(status=JobStatus.DONE):
            RUNS.apply(run, actor=None, name="fail", fields=failed)
        if not JobRun.objects.filter(job=job, period=period).exists():
            JobRun.objects.create(
                job=job,
                period=period,
                status=JobStatus.FAILED,
                started_at=timezone.now(),
                finished_at=timezone.now(),
                detail={"error": str(error)[:500]},
            )
        raise


def _lock_period(job: str, period: datetime.date, *, wait: bool = True) -> bool:
    """A transaction-level lock on (job, period), released at commit, at rollback, or when the session dies."""
    if connection.vendor != "postgresql":
        return True  # the embedded SQLite database lets one writer in at a time anyway
    key = zlib.crc32(f"{job}:{period.isoformat()}".encode()) & 0x7FFFFFFF  # the int4 key of pg_advisory locks
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, key])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, key])
        return bool(cursor.fetchone()[0])


_LOCK_SPACE = 1401  # first key of the two-key advisory locks taken by this module


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _claim(job: str, period: datetime.date) -> JobRun | None:
    """Record, and commit, that a runner has started the period; None when the period is done."""
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                JobRun.objects.get_or_create(
                    job=job,
                    period=period,
                    defaults={"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now},
                )
        except IntegrityError:
            pass  # another runner created it a moment ago
        run = JobRun.objects.select_for_update().get(job=job, period=period)
        if run.status == JobStatus.DONE:
            return None
        if _lock_period(job, period, wait=False):  # nobody is working on it: this runner starts it (again)
            started = {"started_at": now, "heartbeat_at": now, "finished_at": None, "runner": _runner()}
            run = RUNS.apply(run, actor=None, name="start", fields={**started, "attempts": run.attempts + 1})
    return run


@contextmanager
def _heartbeat(run_id: int):
    """Beat every JOBS_HEARTBEAT_SECONDS from a thread of its own (its own database session, so the beats are
    seen while the work's transaction is still open); the beats stop when the process dies."""
    if connection.vendor != "postgresql":
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.JOBS_HEARTBEAT_SECONDS):
                JobRun.objects.filter(pk=run_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        except Exception:  # noqa: BLE001 - a missed beat only makes the run look stale sooner
            logger.warning("jobs: heartbeat of run %s stopped", run_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def _lock_period_session(job: str, period: datetime.date) -> Callable[[], None]:
    """Wait for the (job, period) lock and hold it with this database session until the returned release is
    called (or the session dies), across the work's many short transactions."""
    if connection.vendor != "postgresql":
        return lambda: None
    key = zlib.crc32(f"{job}:{period.isoformat()}".encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_SPACE, key])

    def release() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, key])

    return release


def _run_locked(job: str, period: datetime.date, work: Callable[[], dict]) -> JobRun | None:
    claimed = _claim(job, period)
    if claimed is None:
        return None
    release = _lock_period_session(job, period)  # a runner still at work holds it: wait for it to finish
    try:
        run = JobRun.objects.get(pk=claimed.pk)
        if run.status != JobStatus.RUNNING:
            return None  # done by the runner this one waited for (or failed there: the catch-up retries it)
        token = _current_run.set(run)
        try:
            with _heartbeat(run.pk):
                detail = work() or {}
        finally:
            _current_run.reset(token)
        finished = timezone.now()
        return RUNS.apply(
            run, actor=None, name="finish", fields={"detail": detail, "finished_at": finished, "heartbeat_at": finished}
        )
    finally:
        release()


def step(key: str, do: Callable[[], object]):
    """Do one unit of the current run (`do`) in a transaction of its own, once per period: the unit is recorded
    with the run in the same transaction, so a resumed run skips it (returns None). Outside a run (a person, a
    bench) it simply runs `do` in a transaction."""
    run = _current_run.get()
    with transaction.atomic():
        if run is not None:
            try:
                with transaction.atomic():
                    JobStep.objects.create(run=run, key=key[:100])
            except IntegrityError:
                return None  # done by an earlier attempt of this period
        return do()


def catch_up(today: datetime.date | None = None) -> dict:
    """Run every registered monthly job for each period without a finished run (never run, failed, or left
    running by a runner that died). Idempotent: a period done is skipped. One job's failure does not stop
    the others; it is raised at the end, and its row says failed."""
    results, errors = {}, []
    for job, run_due in sorted(MONTHLY_JOBS.items()):
        try:
            results[job] = run_due(today)
        except Exception as error:  # noqa: BLE001 - re-raised below once every job has had its turn
            logger.exception("jobs: catch-up of %s failed", job)
            results[job] = {"error": str(error)[:500]}
            errors.append(error)
    if errors:
        raise errors[0]
    return results


def status_of(job: str, *, months: int = 3, today: datetime.date | None = None) -> list[dict]:
    """The job's last months, latest first, each with what the page should say: done, running, stale
    (its runner stopped beating: the daily catch-up runs it again), failed, or due (not run yet)."""
    current = month_start(today or timezone.localdate())
    first = _months_back(current, months - 1)
    runs = {r.period: r for r in JobRun.objects.filter(job=job, period__gte=first, period__lte=current)}
    due = set(due_months(job, today))
    now = timezone.now()
    rows = []
    period = current
    while period >= first:
        run = runs.get(period)
        if run is not None:
            state = "stale" if is_stale(run, now) else run.status
        elif period in due:
            state = "due"
        else:
            state = None
        if state is not None:
            rows.append({"period": period, "state": state, "run": run})
        period = _months_back(period, 1)
    return rows
