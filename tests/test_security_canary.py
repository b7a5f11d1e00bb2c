"""Canary: plant reporter identities with unique markers, run the workflow, and look for them everywhere.

The identity must appear in plaintext nowhere: not in a pg_dump of the database, not in the application
or worker logs, not in Redis keys or values, not in Celery messages.
"""

import io
import logging
import secrets
import subprocess
import uuid

import pytest
import redis as redis_lib
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Report
from core import outbox
from core.models import JobRun, OutboxMessage

from .faults import RedisServer, celery_on, database_url, start_worker, stop_worker, wait_for
from .test_cases_pages import _entry_post
from .test_public_intake import submit

pytestmark = pytest.mark.django_db(transaction=True)


def _id_number() -> str:
    """A random resident ID number that passes the checks (a real birth date, the GB 11643 check digit)."""
    from cases.contact import id_check_digit

    first17 = f"530303{1960 + secrets.randbelow(40)}{1 + secrets.randbelow(12):02d}{1 + secrets.randbelow(28):02d}"
    first17 += f"{secrets.randbelow(1000):03d}"
    return first17 + id_check_digit(first17)


def markers() -> dict:
    tag = secrets.token_hex(4).upper()
    return {
        "name": f"金丝雀{tag}",
        "phone": f"139{secrets.randbelow(10**8):08d}",
        "id_number": _id_number(),
        "address": f"金丝雀路{tag}号",
        "relation": f"金丝雀公司{tag}员工",  # it can identify the reporter: protected like the identity
    }


def test_reporter_identity_never_appears_in_plaintext(
    client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    public, staff = markers(), markers()
    planted = [*public.values(), *staff.values()]
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    redis = RedisServer().start()
    worker = None
    try:
        # The public page, its error paths, and a receipt lookup.
        client.defaults["REMOTE_ADDR"] = "10.9.8.7"
        submit(client, identity="named", altcha="", **public)
        response = submit(client, identity="named", **public)
        assert response.status_code == 200
        client.post(reverse("public:receipt"), {"code": "1234 5678 9012 3456 7890", "intent": "lookup"})

        # Staff registration, identity request, grant, reveal, feedback, API reads.
        client.force_login(zhanyi_intake)
        data = _entry_post(tree["zhanyi"], uuid.uuid4(), is_anonymous="")
        data.update(
            {
                "reporter_name": staff["name"],
                "reporter_phone": staff["phone"],
                "reporter_id_number": staff["id_number"],
                "reporter_address": staff["address"],
                "reporter_relation": staff["relation"],
            }
        )
        client.post(reverse("cases:report-create"), data)
        report = Report.objects.filter(created_by=zhanyi_intake).get()
        from cases.models import Reporter

        assert {r.name for r in Reporter.objects.all()} >= {public["name"], staff["name"]}, "both were planted"
        client.post(reverse("cases:identity-reveal", args=[report.pk]))
        access = services.identity_request(actor=zhanyi_investigator, report=report, reason="核实")
        services.identity_decide(actor=zhanyi_supervisor, access=access, grant=True, reason="同意")
        services.identity_reveal(actor=zhanyi_investigator, report=report)
        services.feedback_record(
            actor=zhanyi_intake, report=report, text="已核查", method="phone", given_on=timezone.localdate()
        )
        # Exports (the report list and the statistics), streamed.
        from accounts.models import User

        client.force_login(User.objects.get(username="zhanyi-supervisor"))
        export = client.get(reverse("stats:list-export", kwargs={"kind": "reports", "fmt": "csv"}))
        exported = b"".join(export.streaming_content).decode() if export.status_code == 200 else ""
        assert report.reference in exported, "the export ran and holds the report"
        api = APIClient()
        api.force_authenticate(zhanyi_investigator)
        api.get("/api/reports/")
        api.get(f"/api/reports/{report.pk}/")
        api.post(f"/api/reports/{report.pk}/reveal-identity/")

        # A background job through the broker and a real worker.
        with celery_on(redis.url):
            with transaction.atomic():
                message = outbox.enqueue("clarification.tasks.build_monthly_batches")
            broker = redis_lib.Redis.from_url(redis.url)
            queued = b"".join(broker.lrange(key, 0, -1)[0] for key in broker.keys("*") if broker.type(key) == b"list")
            assert queued, "the job's Celery message sat in the broker"
            worker = start_worker(redis.url)
            assert wait_for(lambda: JobRun.objects.filter(status="done").exists(), timeout=60)
            assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None
        stop_worker(worker)
        worker_log = worker.stderr.read().decode(errors="replace")

        dump = subprocess.run(["pg_dump", "--data-only", database_url()], capture_output=True, text=True, check=True)
        suite_redis = redis_lib.Redis.from_url(settings.REDIS_URL)
        redis_text = []
        for server in (suite_redis, redis_lib.Redis.from_url(redis.url)):
            for key in server.scan_iter("*"):
                redis_text.append(key.decode(errors="replace"))
                if server.type(key) == b"string":
                    redis_text.append((server.get(key) or b"").decode(errors="replace"))
        places = {
            "pg_dump": dump.stdout,
            "application log": log.getvalue(),
            "worker log": worker_log,
            "redis": "\n".join(redis_text),
            "celery messages": queued.decode(errors="replace"),
            "export": exported,
        }
        assert report.reference in dump.stdout, "the dump holds the data"
        leaks = [(where, marker) for where, text in places.items() for marker in planted if marker in text]
        assert leaks == []
    finally:
        logging.getLogger().removeHandler(handler)
        stop_worker(worker)
        redis.stop()
