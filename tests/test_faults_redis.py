"""Redis down: pages keep serving, saving a report still succeeds, and no background job is lost."""

import time
import uuid

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from cases.models import Report
from core import outbox
from core.models import JobRun, OutboxMessage

from .faults import RedisServer, celery_on, start_worker, stop_worker, wait_for
from .test_cases_pages import _entry_post

pytestmark = pytest.mark.django_db(transaction=True)


def test_redis_down_then_back(client, tree, zhanyi_intake):
    redis = RedisServer().start()
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis.url}}
    worker = None
    try:
        with override_settings(CACHES=cache), celery_on(redis.url):
            client.force_login(zhanyi_intake)
            assert client.get(reverse("cases:report-list")).status_code == 200

            redis.stop()
            assert client.get(reverse("cases:report-list")).status_code == 200
            assert client.get(reverse("public:report", args=["530303"])).status_code == 200
            response = client.post(reverse("cases:report-create"), _entry_post(tree["zhanyi"], uuid.uuid4()))
            assert response.status_code == 200 and Report.objects.count() == 1

            with transaction.atomic():
                message = outbox.enqueue("clarification.tasks.build_monthly_batches")
            message.refresh_from_db()
            # The registration queued its inbox notification first: the drain tried the oldest pending job, found the
            # broker down and stopped; every job waits, none is lost.
            pending = list(OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id"))
            assert message in pending and pending[0].attempts >= 1, "the broker was down: the job waits"

            redis.start()
            worker = start_worker(redis.url)  # drains the outbox when it is ready
            assert wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).sent_at is not None, timeout=60)
            assert wait_for(lambda: JobRun.objects.filter(job__startswith="clarification", status="done").exists())
    finally:
        stop_worker(worker)
        redis.stop()


def test_work_started_while_redis_is_down_runs_once_when_it_is_back(client, tree, qujing_supervisor, tmp_path):
    """A statistics export and the monthly batch job started from their pages with the broker down: each page
    answers at once, and each job runs exactly once after Redis and a worker come back."""
    from audit.models import AuditEvent
    from stats.models import ExportJob, ExportStatus

    redis = RedisServer().start()
    worker = None
    try:
        with override_settings(PRIVATE_FILES_ROOT=tmp_path), celery_on(redis.url):
            client.force_login(qujing_supervisor)
            redis.stop()
            started = time.monotonic()
            response = client.post(reverse("stats:export-start"), {"kind": "reports", "fmt": "csv", "query": ""})
            assert response.status_code == 302, response.status_code
            response = client.post(reverse("clarification:batch-job-run"))
            assert response.status_code == 302
            assert time.monotonic() - started < 5, "a page waited for the broker"
            job = ExportJob.objects.get(owner=qujing_supervisor)
            assert job.status == ExportStatus.QUEUED
            assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2, "both jobs wait in the outbox"
            assert AuditEvent.objects.filter(action="clarification.batch_job_request").count() == 1

            redis.start()
            worker = start_worker(redis.url, ("PRIVATE_FILES_ROOT", str(tmp_path)))  # drains the outbox when ready
            assert wait_for(lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(), timeout=60)
            assert wait_for(lambda: ExportJob.objects.get(pk=job.pk).status == ExportStatus.DONE, timeout=60)
            assert wait_for(lambda: JobRun.objects.filter(job="clarification.monthly_batches", status="done").exists())
        stop_worker(worker)
        worker = None
        assert AuditEvent.objects.filter(action="stats.export_done", target_id=str(job.pk)).count() == 1
        run = JobRun.objects.get(job="clarification.monthly_batches")
        assert run.attempts == 1
        assert list(tmp_path.glob("exports/*")) == [tmp_path / ExportJob.objects.get(pk=job.pk).file_path]
    finally:
        stop_worker(worker)
        redis.stop()
