"""A Celery worker killed (SIGKILL) in the middle of the monthly batch: a rerun resumes it and builds each city's
batch once."""

import signal

import psycopg2
import pytest
from django.utils import timezone

from audit.models import AuditEvent
from clarification.models import BatchItem, JointBatch
from core.models import JobRun

from .faults import RedisServer, celery_on, database_url, start_worker, stop_worker, wait_for
from .test_clarification_batches import approved_recommendations

pytestmark = pytest.mark.django_db(transaction=True)


def _blocked_on_a_lock(url: str) -> bool:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_monthly_job_killed_halfway_resumes_and_does_each_commission_once(
    tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    from clarification.tasks import build_monthly_batches

    approved = approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)
    month = timezone.localdate().replace(day=1)
    # Kunming's batch is built first (cities go in path order) and committed on its own; holding Qujing's batch
    # row makes the worker stop right there, half done.
    qujing_batch = JointBatch.objects.create(city=tree["qujing"], month=month, built_at=timezone.now())
    url = database_url()
    holder = psycopg2.connect(url)
    redis = RedisServer().start()
    worker = None
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM clarification_jointbatch WHERE id = %s FOR UPDATE", [qujing_batch.pk])
        with celery_on(redis.url):
            worker = start_worker(redis.url)
            build_monthly_batches.apply_async()
            assert wait_for(lambda: _blocked_on_a_lock(url), timeout=60), "the worker never reached Qujing"
            stop_worker(worker, signal.SIGKILL)
            holder.rollback()
            assert not JobRun.objects.filter(status="done").exists()
            assert JointBatch.objects.filter(city=tree["kunming"]).exists(), "each city is committed on its own"

            worker = start_worker(redis.url)
            result = build_monthly_batches.apply_async()
            result.get(timeout=90)
        run = JobRun.objects.get(status="done")
        assert run.attempts == 2
        assert sorted(run.steps.values_list("key", flat=True)) == sorted(
            f"commission:{tree[c].pk}" for c in ("kunming", "qujing")
        )
        built = AuditEvent.objects.filter(action="clarification.batch_build").values_list("commission_id", flat=True)
        assert sorted(built) == sorted([tree["kunming"].pk, tree["qujing"].pk]), "each city built once"
        assert JointBatch.objects.filter(month=month).count() == 2  # the test tree has two cities: Kunming, Qujing
        assert sorted(BatchItem.objects.values_list("recommendation_id", flat=True)) == sorted(r.pk for r in approved)
    finally:
        stop_worker(worker)
        holder.close()
        redis.stop()
