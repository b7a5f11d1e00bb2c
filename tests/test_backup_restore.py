"""make backup / make restore: a fresh database gets back every report, finding, audit event and file."""

import os
import subprocess

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from audit.models import AuditEvent
from cases.choices import Finding
from cases.models import Allegation, Report
from cases.services import Upload

from .cases_helpers import register, to_concluded

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _count(url: str, sql: str) -> int:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_backup_restores_into_a_fresh_database(tmp_path, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    report = register(
        zhanyi_intake, tree["zhanyi"], uploads=[Upload(name="举报材料.pdf", data=b"%PDF-1.4 backup test")]
    ).report
    to_concluded(report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.PARTLY))
    source = _url(connection.settings_dict["NAME"])
    target_name = f"{connection.settings_dict['NAME']}_restore"
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        cursor.execute(f'CREATE DATABASE "{target_name}"')
    try:
        data_dir = settings.PRIVATE_FILES_ROOT.parent
        backup = tmp_path / "backup"
        env = {**os.environ, "DATABASE_URL": source, "DATA_DIR": str(data_dir)}
        subprocess.run(["bin/backup", str(backup)], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)
        restored_dir = tmp_path / "restored-data"
        env = {**os.environ, "DATABASE_URL": _url(target_name), "DATA_DIR": str(restored_dir)}
        subprocess.run(["bin/restore", str(backup)], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)

        target = _url(target_name)
        assert _count(target, "SELECT count(*) FROM cases_report") == Report.objects.count()
        assert _count(target, "SELECT count(*) FROM cases_allegation WHERE finding <> ''") == (
            Allegation.objects.exclude(finding="").count()
        )
        assert _count(target, "SELECT count(*) FROM audit_auditevent") == AuditEvent.objects.count()
        attachment = report.attachments.get()
        assert (restored_dir / "private" / attachment.file.name).read_bytes() == b"%PDF-1.4 backup test"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        admin.close()
