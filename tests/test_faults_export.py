"""A worker SIGKILLed in the middle of a large background export: the export starts again by itself, its page
says what is true meanwhile, and no partial file is ever the export's file (issue 13)."""

import signal

import psycopg2
import pytest
from django.urls import reverse

from accounts.models import Commission, CommissionLevel, Membership
from accounts.roles import Role
from audit.models import AuditEvent
from devtools.scale.generator import generate
from stats.models import ExportJob, ExportStatus
from stats.services import PART_SUFFIX

from .faults import RedisServer, celery_on, database_url, start_worker, stop_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
REPORTS = 5000
PROGRESS_ROWS = "50"  # the worker records its progress every 50 rows: many steps, so it is caught midway


def _waiting_on_a_lock(url: str) -> bool:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _runner_lock_held(url: str, job_id: int) -> bool:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s", [job_id])
        return cursor.fetchone()[0] > 0


def test_export_whose_worker_is_killed_midway_runs_again_by_itself(client, tmp_path, settings):
    settings.PRIVATE_FILES_ROOT = tmp_path
    generate(reports=REPORTS, seed=13, log=lambda *a: None)
    province = Commission.objects.get(level=CommissionLevel.PROVINCIAL)
    supervisor = Membership.objects.filter(commission=province, role=Role.SUPERVISOR).first().user
    url = database_url()
    redis = RedisServer().start()
    holder = psycopg2.connect(url)
    worker = None
    env = (("PRIVATE_FILES_ROOT", str(tmp_path)), ("STATS_EXPORT_PROGRESS_ROWS", PROGRESS_ROWS))
    try:
        with celery_on(redis.url):
            worker = start_worker(redis.url, *env)
            client.force_login(supervisor)
            response = client.post(reverse("stats:export-start"), {"kind": "reports", "fmt": "csv", "query": ""})
            assert response.status_code == 302
            job = ExportJob.objects.get(owner=supervisor)

            # Hold the job's row once the first rows are written: the worker's next progress write waits there,
            # half done, with a partial file on disk.
            assert wait_for(lambda: ExportJob.objects.get(pk=job.pk).rows_done > 0, timeout=120, step=0.005)
            with holder.cursor() as cursor:
                cursor.execute("SELECT id FROM stats_exportjob WHERE id = %s FOR UPDATE", [job.pk])
            assert wait_for(lambda: _waiting_on_a_lock(url), timeout=60), "the worker finished before the kill"
            stop_worker(worker, signal.SIGKILL)
            worker = None

            job.refresh_from_db()
            assert job.status == ExportStatus.RUNNING and 0 < job.rows_done < REPORTS and job.file_path == ""
            partial = list((tmp_path / "exports").iterdir())
            assert len(partial) == 1 and partial[0].name.endswith(PART_SUFFIX), "only a .part file, never the file"
            client.force_login(supervisor)
            assert client.get(reverse("stats:export-download", args=[job.pk])).status_code != 200
            page = client.get(reverse("stats:export-job", args=[job.pk])).content.decode()
            assert "下载文件" not in page  # no download link while the file is not complete

            holder.rollback()
            assert wait_for(lambda: not _runner_lock_held(url, job.pk), timeout=60), "the dead runner kept its lock"
            worker = start_worker(redis.url, *env)  # finds the orphaned export when it starts, and runs it again
            assert wait_for(lambda: ExportJob.objects.get(pk=job.pk).status == ExportStatus.DONE, timeout=180)
        job.refresh_from_db()
        assert job.attempts == 2 and job.rows_done == job.rows_total == REPORTS
        files = list((tmp_path / "exports").iterdir())
        assert files == [tmp_path / job.file_path], "the partial file is gone, the complete one is the export's"
        lines = files[0].read_text(encoding="utf-8").splitlines()
        assert len(lines) == REPORTS + 3  # title line, a blank line, the headings, then every report once
        assert AuditEvent.objects.filter(action="stats.export_resume", target_id=str(job.pk)).count() == 1
        assert AuditEvent.objects.filter(action="stats.export_done", target_id=str(job.pk)).count() == 1
        page = client.get(reverse("stats:export-job", args=[job.pk])).content.decode()
        assert "导出已从第一行重新开始" in page
    finally:
        stop_worker(worker)
        holder.close()
        redis.stop()
