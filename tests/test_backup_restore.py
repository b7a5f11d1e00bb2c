"""make backup / make restore: a fresh database gets back every report, finding, audit event and file."""

import os
import subprocess
import sys
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from audit.models import AuditEvent
from cases.choices import Finding
from cases.models import Allegation, Report
from cases.services import Upload

from .cases_helpers import register, to_concluded

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str, user: str = "") -> str:
    db = connection.settings_dict
    return f"postgres://{user or db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


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


def test_restore_as_the_owner_role_grants_the_app_role_and_keeps_the_trail_verifiable(tmp_path, tree, zhanyi_intake):
    """Production roles (deploy/postgres-init): the owner restores, the application's role works on the result."""
    register(zhanyi_intake, tree["zhanyi"])
    source_checkpoints = tmp_path / "source" / "audit-checkpoints.log"
    call_command("audit_checkpoint", "--checkpoints", str(source_checkpoints))
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"dic_owner_{suffix}", f"dic_app_{suffix}"
    target_name = f"{connection.settings_dict['NAME']}_r{suffix}"
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {owner} LOGIN")
        cursor.execute(f"CREATE ROLE {app} LOGIN")
        cursor.execute(f'CREATE DATABASE "{target_name}" OWNER {owner}')
    try:
        backup = tmp_path / "backup"
        env = {
            **os.environ,
            "DATABASE_URL": _url(connection.settings_dict["NAME"]),
            "DATA_DIR": str(settings.PRIVATE_FILES_ROOT.parent),
            "AUDIT_CHECKPOINT_FILE": str(source_checkpoints),
        }
        subprocess.run(["bin/backup", str(backup)], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)
        restored = tmp_path / "restored"
        (restored / "audit-checkpoints.log").parent.mkdir()
        (restored / "audit-checkpoints.log").write_text("a checkpoint of the trail the restore replaces\n")
        env = {
            **os.environ,
            "DATABASE_URL": _url(target_name, user=owner),
            "DATA_DIR": str(restored),
            "AUDIT_CHECKPOINT_FILE": str(restored / "audit-checkpoints.log"),
            "DATABASE_APP_ROLE": app,
        }
        subprocess.run(["bin/restore", str(backup)], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)

        as_app = _url(target_name, user=app)
        assert _count(as_app, "SELECT count(*) FROM cases_report") == Report.objects.count()
        assert _count(as_app, "SELECT count(*) FROM audit_auditevent") == AuditEvent.objects.count()
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied for table audit_auditevent"):
            _count(as_app, "TRUNCATE audit_auditevent")
        assert [path.name[:38] for path in restored.glob("audit-checkpoints.log.*")] == [
            "audit-checkpoints.log.before-restore-2"
        ]
        verified = subprocess.run(
            [sys.executable, "manage.py", "verify_audit", "--since-checkpoint"],
            cwd=settings.BASE_DIR,
            env={**env, "DATABASE_URL": as_app},
            capture_output=True,
            text=True,
        )
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("Audit trail intact. Checkpoints matching: 1, the last at ")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
            cursor.execute(f"DROP ROLE IF EXISTS {app}")
            cursor.execute(f"DROP ROLE IF EXISTS {owner}")
        admin.close()
