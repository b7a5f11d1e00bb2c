"""Scheduled work never skips a month: the clock is moved across the monthly due times (time-machine) with the
broker down, with beat not running, and with a worker killed midway; a daily catch-up builds the month's
joint batch and publishes the statistics snapshot, exactly once."""

import datetime
import logging
import signal
import zoneinfo
from importlib import import_module

import psycopg2
import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clarification.models import BatchItem, JointBatch
from clarification.services.batches import JOB_NAME as BATCH_JOB
from core import jobs
from core.models import JobRun
from stats.models import Snapshot
from stats.services import SNAPSHOT_JOB

from .faults import RedisServer, celery_on, database_url, start_worker, stop_worker, wait_for
from .test_clarification_batches import approved_recommendations

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BATCH_TASK = "Monthly city-county joint clarification batches"
SNAPSHOT_TASK = "Monthly statistics: publish the previous month's figures"
CATCH_UP_TASK = "Daily catch-up of the monthly jobs"


def _month_before(month: datetime.date) -> datetime.date:
    return (month - datetime.timedelta(days=1)).replace(day=1)


def _first_of_next_month() -> datetime.date:
    return jobs.next_month(timezone.localdate())


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _schedules(last_run: datetime.datetime) -> None:
    """The schedules as the migrations write them, each last run the day before (beat ran until then)."""
    from django_celery_beat.models import PeriodicTask

    for module, function in (
        ("clarification.migrations.0002_monthly_batch_schedule", "create_schedule"),
        ("stats.migrations.0002_monthly_snapshot_schedule", "create_schedule"),
        ("core.migrations.0003_outbox_schedule", "create"),
        ("core.migrations.0005_catch_up_schedule", "create"),
    ):
        try:
            getattr(import_module(module), function)(apps, None)
        except ModuleNotFoundError:  # (the catch-up did not exist before issue 14)
            pass
    PeriodicTask.objects.update(last_run_at=last_run)


def _beat(app):
    from django_celery_beat.schedulers import DatabaseScheduler

    return DatabaseScheduler(app=app)


def _tick(scheduler) -> None:
    """Let beat send everything that is due now."""
    for _ in range(20):
        if scheduler.tick() > 0:
            return


def _month_done(month: datetime.date) -> bool:
    """The month's batch and the previous month's snapshot are both finished (waited for by name, not by a count of
    finished runs, which another run could reach first)."""
    done = JobRun.objects.filter(status="done")
    return (
        done.filter(job=BATCH_JOB, period=month).exists()
        and done.filter(job=SNAPSHOT_JOB, period=_month_before(month)).exists()
    )


def _assert_month_done_once(tree, approved, month: datetime.date) -> None:
    assert JobRun.objects.filter(job=BATCH_JOB, period=month, status="done").count() == 1
    assert JobRun.objects.filter(job=SNAPSHOT_JOB, period=_month_before(month), status="done").count() == 1
    assert JointBatch.objects.filter(month=month).count() == 2  # Kunming and Qujing, one each
    batch = JointBatch.objects.get(city=tree["qujing"], month=month)
    assert sorted(batch.items.values_list("recommendation_id", flat=True)) == sorted(r.pk for r in approved)
    assert AuditEvent.objects.filter(action="clarification.batch_build").count() == 2
    snapshots = Snapshot.objects.filter(month=_month_before(month))
    assert snapshots.count() == len(tree) and snapshots.values("commission").distinct().count() == len(tree)


def _in_process_worker(app):
    """A real Celery worker in this process, so it reads the moved clock; it consumes from the test's Redis."""
    from celery.contrib.testing.worker import start_worker as embedded_worker

    return embedded_worker(app, perform_ping_check=False, queues=["celery", "batch", "exports"], shutdown_timeout=30)


@pytest.fixture(autouse=True)
def _explicit_identity_keys(settings):
    """A worker started in this process runs the startup checks, which want explicit identity keys (DEBUG is off
    under pytest); set before any identity is written, so every row is encrypted with them."""
    settings.IDENTITY_KEYS = ["dGVzdC1zdWl0ZS1pZGVudGl0eS1rZXktMDEyMzQ1Njc="]
    settings.IDENTITY_HASH_KEY = "test-suite-identity-hash-key-0123456789abcdef"


@pytest.fixture
def approved(tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor):
    return approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)


@pytest.mark.django_db(transaction=True)
def test_broker_down_at_the_monthly_due_time_is_caught_up_within_a_day(tree, approved, caplog):
    day = _first_of_next_month()
    _schedules(last_run=_at(day - datetime.timedelta(days=1), 3))
    redis = RedisServer().start()
    try:
        with celery_on(redis.url) as app, time_machine.travel(_at(day, 1, 25)) as clock:
            app.conf.worker_hijack_root_logger = False
            # With Redis down, beat's send fails when the result backend gives up reconnecting: after 20 retries a
            # second apart by default (20 s for each task due), after one here; it fails all the same.
            app.conf.result_backend_transport_options = {"retry_policy": {"max_retries": 1}}
            beat = _beat(app)
            beat.producer  # noqa: B018 - beat has been running, connected to the broker
            _tick(beat)
            redis.stop()

            caplog.set_level(logging.ERROR, logger="celery.beat")
            for hour, minute in ((1, 31), (2, 11)):  # both monthly due times pass while Redis is down
                clock.move_to(_at(day, hour, minute))
                _tick(beat)
            beat.sync()
            assert "Couldn't apply scheduled task" in caplog.text
            from django_celery_beat.models import PeriodicTask

            assert PeriodicTask.objects.get(name=BATCH_TASK).last_run_at >= _at(day, 1, 30), "beat records the run"
            assert not JointBatch.objects.exists() and not JobRun.objects.exists()

            redis.start()  # the broker is back; the daily catch-up is due at 03:00
            clock.move_to(_at(day, 3, 5))
            with _in_process_worker(app):
                _tick(beat)
                done = wait_for(lambda: _month_done(day), timeout=90)
                assert done, "the month's batch and snapshot were not made within the day"
                _assert_month_done_once(tree, approved, day)
                # The catch-up again (tomorrow's, or a redelivery): nothing more is built or published.
                from core.tasks import catch_up_monthly_jobs

                assert catch_up_monthly_jobs.apply_async().get(timeout=60) == {BATCH_JOB: [], SNAPSHOT_JOB: []}
            _assert_month_done_once(tree, approved, day)
    finally:
        redis.stop()


@pytest.mark.django_db(transaction=True)
def test_beat_down_at_the_monthly_due_time_is_caught_up_when_it_starts(tree, approved):
    day = _first_of_next_month()
    _schedules(last_run=_at(day - datetime.timedelta(days=1), 3))
    redis = RedisServer().start()
    try:
        # Nothing ran at 01:30 or 02:10: beat was down. It starts at 09:00 the same day.
        with celery_on(redis.url) as app, time_machine.travel(_at(day, 9, 0)):
            app.conf.worker_hijack_root_logger = False
            beat = _beat(app)
            # django-celery-beat loads crontab tasks only within two hours of their hour: the monthly ones
            # are not even loaded until late in the evening. The catch-up (an interval) is.
            assert BATCH_TASK not in beat.schedule and SNAPSHOT_TASK not in beat.schedule
            assert CATCH_UP_TASK in beat.schedule
            with _in_process_worker(app):
                _tick(beat)
                assert wait_for(lambda: _month_done(day), timeout=90)
                _assert_month_done_once(tree, approved, day)
                from core.tasks import catch_up_monthly_jobs

                assert catch_up_monthly_jobs.apply_async().get(timeout=60) == {BATCH_JOB: [], SNAPSHOT_JOB: []}
            _assert_month_done_once(tree, approved, day)
    finally:
        redis.stop()


def _blocked_on_a_lock(url: str) -> bool:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _advisory_locks(url: str) -> int:
    """The monthly jobs' advisory locks held in this database (core.jobs; another test's locks are not ours)."""
    from core.jobs import _LOCK_SPACE

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [_LOCK_SPACE],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_killed_batch_shows_as_started_then_stale_and_the_catch_up_reruns_it(client, tree, approved, qujing_supervisor):
    from clarification.tasks import build_monthly_batches

    month = timezone.localdate().replace(day=1)
    # Holding Qujing's batch row stops the worker there, half done (Kunming's batch in its open transaction).
    qujing_batch = JointBatch.objects.create(city=tree["qujing"], month=month, built_at=timezone.now())
    url = database_url()
    holder = psycopg2.connect(url)
    redis = RedisServer().start()
    worker = None
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM clarification_jointbatch WHERE id = %s FOR UPDATE", [qujing_batch.pk])
        with celery_on(redis.url):
            worker = start_worker(redis.url, ("JOBS_HEARTBEAT_SECONDS", "1"))
            build_monthly_batches.apply_async()
            assert wait_for(lambda: _blocked_on_a_lock(url), timeout=60), "the worker never reached Qujing"
            run = JobRun.objects.filter(job=BATCH_JOB, period=month).first()
            assert run is not None, "nothing shows that the month's run is under way"
            assert run.status == "running" and run.attempts == 1 and run.runner
            assert wait_for(lambda: JobRun.objects.get(pk=run.pk).heartbeat_at > run.heartbeat_at, timeout=30)
            stop_worker(worker, signal.SIGKILL)
        holder.rollback()
        # PostgreSQL ends a dead client's backend when it next talks to it; under load that can take a while.
        assert wait_for(lambda: _advisory_locks(url) == 0, timeout=90), "the dead worker's session ended"

        client.force_login(qujing_supervisor)
        html = client.get(reverse("clarification:batch-list")).content.decode()
        assert 'class="job-running"' in html and "已开始" in html  # pending, and said so
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
            assert [r["state"] for r in jobs.status_of(BATCH_JOB) if r["period"] == month] == ["stale"]
            html = client.get(reverse("clarification:batch-list")).content.decode()
            assert 'class="job-stale"' in html and "已停止" in html
            html = client.get(reverse("clarification:batch-detail", args=[qujing_batch.pk])).content.decode()
            assert 'class="job-stale"' in html

            from core.tasks import catch_up_monthly_jobs

            result = catch_up_monthly_jobs.apply().get()
            assert [r["month"] for r in result[BATCH_JOB]] == [f"{month:%Y-%m}"]
        run.refresh_from_db()
        assert run.status == "done" and run.attempts == 2
        assert JointBatch.objects.filter(month=month).count() == 2
        assert sorted(BatchItem.objects.values_list("recommendation_id", flat=True)) == sorted(r.pk for r in approved)
        assert catch_up_monthly_jobs.apply().get() == {BATCH_JOB: [], SNAPSHOT_JOB: []}
        assert JobRun.objects.filter(job=BATCH_JOB).count() == 1
    finally:
        stop_worker(worker)
        holder.close()
        redis.stop()


@pytest.mark.django_db
def test_catch_up_runs_each_month_without_a_finished_run(tree, approved):
    current = timezone.localdate().replace(day=1)
    last = _month_before(current)
    before = _month_before(_month_before(current))
    now = timezone.now()
    JobRun.objects.create(job=BATCH_JOB, period=before, status="done", started_at=now)
    JobRun.objects.create(job=BATCH_JOB, period=last, status="failed", started_at=now, detail={"error": "boom"})
    JobRun.objects.create(job=BATCH_JOB, period=current, status="done", started_at=now)
    JobRun.objects.create(job=SNAPSHOT_JOB, period=_month_before(last), status="done", started_at=now)

    result = jobs.catch_up()
    assert [r["month"] for r in result[BATCH_JOB]] == [f"{last:%Y-%m}"], "the failed month between two done ones"
    assert [r["month"] for r in result[SNAPSHOT_JOB]] == [f"{last:%Y-%m}"]
    assert JointBatch.objects.filter(month=last).count() == 2
    assert jobs.catch_up() == {BATCH_JOB: [], SNAPSHOT_JOB: []}


@pytest.mark.django_db
def test_daily_catch_up_schedule_is_in_the_database():
    from django_celery_beat.models import PeriodicTask

    import_module("core.migrations.0005_catch_up_schedule").create(apps, None)
    import_module("core.migrations.0005_catch_up_schedule").create(apps, None)
    task = PeriodicTask.objects.get(task="core.tasks.catch_up_monthly_jobs")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "days"
