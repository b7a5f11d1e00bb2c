"""Redis down: pages keep serving, saving a report still succeeds, and no background job is lost."""

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
            assert message.sent_at is None and message.attempts == 1, "the broker was down: the job waits"

            redis.start()
            worker = start_worker(redis.url)  # drains the outbox when it is ready
            assert wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).sent_at is not None, timeout=60)
            assert wait_for(lambda: JobRun.objects.filter(job__startswith="clarification", status="done").exists())
    finally:
        stop_worker(worker)
        redis.stop()
