"""Issue 12, item 4: an insider with the application's database access cannot rewrite the audit trail unseen.

The attacks are made as that insider makes them: SQL on the audit table, with its row trigger switched off
where the attack needs it. The table owner can do that (the application's role can not: see
`test_application_role_cannot_alter_the_audit_table_but_appends_through_audit_record`); the keyed chain
and the checkpoints kept outside the database are what still tell.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from contextlib import closing, contextmanager
from importlib import import_module

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEvent
from audit.services import audit_record, chain_pending, verify_chain
from cases.services import identity_reveal

from .cases_helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint_file(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.log"
    return settings.AUDIT_CHECKPOINT_FILE


@pytest.fixture
def trail(tree, zhanyi_intake):
    """Two reports registered, the reporter of the first revealed, then two more reports."""
    first = register(zhanyi_intake, tree["zhanyi"]).report
    register(zhanyi_intake, tree["zhanyi"])
    identity_reveal(actor=zhanyi_intake, report=first)
    register(zhanyi_intake, tree["zhanyi"])
    register(zhanyi_intake, tree["zhanyi"])
    chain_pending()  # what each commit does right after it (the test's transaction never commits)
    return list(AuditEvent.objects.order_by("chain_seq"))


@contextmanager
def _trigger_off():
    """What the table's owner can do: switch the append-only row trigger off, edit, switch it back on."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred foreign key check
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        yield cursor
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def _unkeyed_hash(event: AuditEvent) -> str:
    """The chain's hash as anyone can compute it without a key: SHA-256 of the event's canonical content."""
    content = json.dumps(
        {
            "prev": event.prev_hash,
            "at": event.created_at.isoformat(),
            "actor": event.actor_id,
            "action": event.action,
            "target": [event.target_type, event.target_id],
            "commission": event.commission_id,
            "scope": event.scope_ref,
            "data": event.data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _verify(*args) -> CommandError:
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit", *args)
    assert refused.value.returncode == 1
    return refused.value


# --- the attacks of the issue -------------------------------------------------------------------------------


def test_deleting_the_newest_events_is_detected_by_the_last_checkpoint(trail, checkpoint_file):
    call_command("audit_checkpoint")  # what the beat job does every 10 minutes
    newest, kept = trail[-2:], trail[:-2]
    with _trigger_off() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [newest[0].pk])

    call_command("verify_audit")  # a shortened chain is still a chain: the key alone cannot see a missing tail
    error = _verify("--since-checkpoint")

    assert str(error) == (
        f"Checkpoint 1 ({_checkpoint_time(checkpoint_file, 0)}) names event {trail[-1].pk} "
        f"(event {len(trail)} of the trail), which is missing: the trail now ends at event {kept[-1].pk} "
        f"and holds {len(kept)} events up to it."
    )


def test_rewriting_an_identity_reveal_and_rechaining_it_without_the_key_is_detected(
    trail, checkpoint_file, zhanyi_investigator
):
    call_command("audit_checkpoint")
    head = AuditEvent.objects.order_by("-id").first()
    reveal = next(event for event in trail if event.action == "identity.reveal")
    with _trigger_off() as cursor:
        # Blame somebody else for the reveal, then recompute the chain from there on as the code says.
        cursor.execute(
            "UPDATE audit_auditevent SET actor_id = %s, data = %s WHERE id = %s",
            [zhanyi_investigator.pk, json.dumps({"note": "checked by the investigator"}), reveal.pk],
        )
        previous = AuditEvent.objects.filter(id__lt=reveal.pk).order_by("-id").values_list("hash", flat=True).first()
        for event in AuditEvent.objects.filter(id__gte=reveal.pk).order_by("id"):
            event.prev_hash = previous
            previous = _unkeyed_hash(event)
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, previous, event.pk],
            )

    assert str(_verify()) == (
        f"Audit trail broken at event {reveal.pk} ({reveal.created_at:%Y-%m-%d %H:%M:%S}, identity.reveal): "
        "content changed, or its hash was not made with the audit key."
    )
    assert str(_verify("--since-checkpoint")).splitlines() == [
        f"Audit trail broken at event {reveal.pk} ({reveal.created_at:%Y-%m-%d %H:%M:%S}, identity.reveal): "
        "content changed, or its hash was not made with the audit key.",
        f"Checkpoint 1 ({_checkpoint_time(checkpoint_file, 0)}) names event {head.pk} with hash "
        f"{head.hash[:16]}…, but the trail holds {previous[:16]}… there: the events up to it were rewritten.",
    ]


def test_truncate_of_the_audit_table_is_refused(trail):
    for statement in ("TRUNCATE audit_auditevent", "TRUNCATE accounts_user, audit_auditevent CASCADE"):
        with pytest.raises(DatabaseError, match="audit_auditevent is append-only: TRUNCATE refused"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(statement)
    assert list(AuditEvent.objects.order_by("id")) == trail
    assert verify_chain()[0]


@pytest.mark.django_db(transaction=True)
def test_application_role_cannot_alter_the_audit_table_but_appends_through_audit_record(tree, zhanyi_intake):
    register(zhanyi_intake, tree["zhanyi"])
    events = AuditEvent.objects.count()
    with _app_role() as (role, password):
        call_command("grant_app_role", role)
        table, owner = "table audit_auditevent", "must be owner of"
        refused = {
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only": f"{owner} {table}",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL": f"{owner} {table}",
            "DROP TRIGGER audit_event_no_truncate ON audit_auditevent": f"{owner} relation audit_auditevent",
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
            "LANGUAGE plpgsql": "permission denied for schema public",  # (not even CREATE there; nor the owner)
            f"ALTER TABLE audit_auditevent OWNER TO {role}": f"{owner} {table}",
            "DROP TABLE audit_auditevent": f"{owner} {table}",
            "DROP SCHEMA public CASCADE": f"{owner} schema public",
            "TRUNCATE audit_auditevent": f"permission denied for {table}",
            "UPDATE audit_auditevent SET action = 'tampered'": f"permission denied for {table}",
            "DELETE FROM audit_auditevent": f"permission denied for {table}",
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), 1)": (
                "permission denied for sequence audit_auditevent_id_seq"
            ),
        }
        with closing(psycopg2.connect(**_params(role, password))) as conn:
            conn.autocommit = True  # each refusal on its own
            with conn.cursor() as cursor:
                for statement, message in refused.items():
                    with pytest.raises(psycopg2.errors.InsufficientPrivilege) as error:
                        cursor.execute(statement)
                    assert str(error.value).strip() == message, statement
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = 'audit_auditevent'::regclass AND NOT tgisinternal"
            )
            assert dict(cursor.fetchall()) == {"audit_event_append_only": "O", "audit_event_no_truncate": "O"}
        assert AuditEvent.objects.count() == events

        with _django_connected_as(role, password):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                assert cursor.fetchone()[0] == role
            register(zhanyi_intake, tree["zhanyi"])  # the application's own work, every table it touches
            event = audit_record(actor=zhanyi_intake, action="role.probe", target=None, target_label="probe")
            assert AuditEvent.objects.order_by("-id").first() == event
            assert verify_chain()[0]

        # The one UPDATE it holds, of the chain fields, the trigger allows once, on an event not chained yet.
        with closing(psycopg2.connect(**_params(role, password))) as conn:
            conn.autocommit = True
            with conn.cursor() as cursor:
                for statement in (
                    "UPDATE audit_auditevent SET hash = 'forged'",
                    "UPDATE audit_auditevent SET chain_seq = NULL",
                ):
                    with pytest.raises(psycopg2.errors.RaiseException) as error:
                        cursor.execute(statement)
                    assert str(error.value).splitlines()[0] == "audit_auditevent is append-only: UPDATE refused"
                # It can append a false event (SECURITY.md says so) and give it a place with a hash made without
                # the key: verify names it. Chaining it again, to hide that, is refused.
                cursor.execute(
                    "INSERT INTO audit_auditevent (created_at, action, target_type, target_id, scope_ref, data, "
                    "prev_hash, hash) VALUES (now(), 'identity.reveal', 'auth', 'x', '', '{}', '', '') RETURNING id"
                )
                forged = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT chain_seq, hash FROM audit_auditevent ORDER BY chain_seq DESC NULLS LAST LIMIT 1"
                )
                head_seq, head_hash = cursor.fetchone()
                cursor.execute(
                    "UPDATE audit_auditevent SET chain_seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                    [head_seq + 1, head_hash, hashlib.sha256(b"forged").hexdigest(), forged],
                )
                with pytest.raises(psycopg2.errors.RaiseException, match="append-only: UPDATE refused"):
                    cursor.execute("UPDATE audit_auditevent SET hash = 'again' WHERE id = %s", [forged])
        assert verify_chain() == (
            False,
            AuditEvent.objects.get(pk=forged),
            "content changed, or its hash was not made with the audit key",
        )

        # Tables created by later migrations (as the owner) get the same grants.
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE audit_grant_probe (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
        try:
            with psycopg2.connect(**_params(role, password)) as conn, conn.cursor() as cursor:
                cursor.execute("INSERT INTO audit_grant_probe (note) VALUES ('x') RETURNING id")
                cursor.execute("UPDATE audit_grant_probe SET note = 'y'")
                cursor.execute("DELETE FROM audit_grant_probe")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE audit_grant_probe")


def test_grant_refuses_a_role_that_could_alter_the_audit_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match=f"{owner} owns audit_auditevent or is a member of its owner"):
        call_command("grant_app_role", owner)
    with pytest.raises(CommandError, match="Role nobody-by-this-name does not exist"):
        call_command("grant_app_role", "nobody-by-this-name")


def test_deploy_scripts_make_both_roles_and_migrate_as_the_owner(tmp_path):
    """deploy/postgres-init/01-roles.sh on a fresh server, then deploy/migrate.sh: what docker-compose runs."""
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"dic_owner_{suffix}", f"dic_app_{suffix}", f"dic_deploy_{suffix}"
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", str(db["PORT"] or 5432)
    env = {
        **os.environ,
        "PGHOST": host,
        "PGPORT": port,
        "POSTGRES_USER": db["USER"],
        "DIC_OWNER_ROLE": owner,
        "DIC_OWNER_PASSWORD": "owner-secret",
        "DIC_APP_ROLE": app,
        "DIC_APP_PASSWORD": "app-secret",
        "DIC_DATABASE": database,
    }
    try:
        subprocess.run(
            ["deploy/postgres-init/01-roles.sh"], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True
        )
        env.update(
            PYTHON=sys.executable,
            DATABASE_OWNER_URL=f"postgres://{owner}:owner-secret@{host}:{port}/{database}",
            DATABASE_URL=f"postgres://{app}:app-secret@{host}:{port}/{database}",
        )
        migrated = subprocess.run(["deploy/migrate.sh"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr
        assert f"Granted {app}: " in migrated.stdout

        with closing(psycopg2.connect(env["DATABASE_URL"])) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditevent'")
            assert cursor.fetchone()[0] == owner
            cursor.execute(
                "SELECT count(*) FROM django_celery_beat_periodictask WHERE task = 'audit.tasks.write_checkpoint'"
            )
            assert cursor.fetchone()[0] == 1
            cursor.execute("SELECT count(*) FROM audit_auditevent")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="must be owner of table audit_auditevent"):
                cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    finally:
        with closing(psycopg2.connect(**_params(db["USER"], db["PASSWORD"]) | {"dbname": "postgres"})) as conn:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')
                cursor.execute(f"DROP ROLE IF EXISTS {app}")
                cursor.execute(f"DROP ROLE IF EXISTS {owner}")


# --- checkpoints ---------------------------------------------------------------------------------------------


def test_checkpoint_is_signed_appended_to_the_file_and_logged(trail, checkpoint_file, zhanyi_intake, tree, caplog):
    caplog.set_level("INFO", logger="audit.checkpoint")
    call_command("audit_checkpoint")
    first = checkpoint_file.read_text().splitlines()
    assert len(first) == 1
    line = json.loads(first[0])
    assert {key: line[key] for key in ("event", "hash", "count")} == {
        "event": trail[-1].pk,
        "hash": trail[-1].hash,
        "count": len(trail),
    }
    assert len(line["sig"]) == 64 and line["at"]
    assert [record.getMessage() for record in caplog.records] == [f"audit checkpoint {first[0]}"]

    call_command("audit_checkpoint")  # nothing new: nothing written
    assert checkpoint_file.read_text().splitlines() == first

    register(zhanyi_intake, tree["zhanyi"])
    from audit.tasks import write_checkpoint

    write_checkpoint.delay()
    lines = checkpoint_file.read_text().splitlines()
    assert lines[0] == first[0] and len(lines) == 2
    assert json.loads(lines[1])["event"] == AuditEvent.objects.order_by("-id").first().pk
    call_command("verify_audit", "--since-checkpoint")
    # The log's copy verifies the same, as its lines come (say, from a log store the database's users cannot edit).
    from_the_log = checkpoint_file.with_name("from-the-log.txt")
    logged = [record.getMessage() for record in caplog.records if record.name == "audit.checkpoint"]
    assert len(logged) == 2
    from_the_log.write_text("".join(f"2026-11-30 INFO {message}\n" for message in logged))
    call_command("verify_audit", "--since-checkpoint", "--checkpoints", str(from_the_log))


def test_checkpoint_runs_every_ten_minutes_from_the_database_schedule():
    task = PeriodicTask.objects.get(task="audit.tasks.write_checkpoint")
    assert task.enabled and (task.interval.every, task.interval.period) == (10, "minutes")


def test_an_edited_checkpoint_line_is_reported(trail, checkpoint_file):
    call_command("audit_checkpoint")
    line = json.loads(checkpoint_file.read_text())
    # Someone who deleted the tail also lowers the checkpoint to match: without the key the signature fails.
    line.update(event=trail[-3].pk, hash=trail[-3].hash, count=len(trail) - 2)
    checkpoint_file.write_text(json.dumps(line) + "\nnot a checkpoint\n")
    assert str(_verify("--since-checkpoint")).splitlines() == [
        f"Checkpoint 1 ({line['at']}) has a bad signature: edited, or not written with this audit key.",
        "Checkpoint 2 cannot be read.",
    ]


def test_since_checkpoint_without_any_checkpoint_fails(trail, checkpoint_file):
    assert str(_verify("--since-checkpoint")) == (
        f"No checkpoint in {checkpoint_file}: the trail cannot be checked against one (python manage.py "
        "audit_checkpoint writes one; the beat job does every 10 minutes)."
    )


def test_limit_events_after_the_last_checkpoint_can_be_removed_unseen(trail, checkpoint_file, tree, zhanyi_intake):
    """What SECURITY.md says cannot be promised: the tail written since the last checkpoint has no anchor."""
    call_command("audit_checkpoint")
    register(zhanyi_intake, tree["zhanyi"])
    with _trigger_off() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [trail[-1].pk])
    call_command("verify_audit", "--since-checkpoint")


def test_limit_an_event_edited_before_it_is_chained_is_chained_as_edited(trail, tree, zhanyi_intake):
    """What SECURITY.md says cannot be promised: the moment between an event's commit and its chaining."""
    register(zhanyi_intake, tree["zhanyi"])  # its commit would chain it; the test's transaction never commits
    unchained = AuditEvent.objects.filter(chain_seq__isnull=True).order_by("id").last()
    with _trigger_off() as cursor:
        cursor.execute("UPDATE audit_auditevent SET data = '{}' WHERE id = %s", [unchained.pk])
    chain_pending()
    assert AuditEvent.objects.get(pk=unchained.pk).data == {}
    assert verify_chain() == (True, None, "")


@pytest.mark.django_db(transaction=True)
def test_verify_audit_names_the_problem_and_exits_non_zero_from_the_command_line(tree, zhanyi_intake, tmp_path):
    register(zhanyi_intake, tree["zhanyi"])
    checkpoints = tmp_path / "checkpoints.log"
    call_command("audit_checkpoint", "--checkpoints", str(checkpoints))
    newest = AuditEvent.objects.order_by("-id").first()
    with _trigger_off() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_audit", "--since-checkpoint", "--checkpoints", str(checkpoints)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": _url()},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        f"CommandError: Checkpoint 1 ({_checkpoint_time(checkpoints, 0)}) names event {newest.pk} "
    )
    assert "which is missing" in result.stderr


# --- the key -------------------------------------------------------------------------------------------------


def test_chain_is_keyed(trail, settings):
    assert trail[-1].hash != _unkeyed_hash(trail[-1])
    assert trail[-1].compute_hash() == trail[-1].hash
    settings.AUDIT_CHAIN_KEY = "another key"
    assert trail[-1].compute_hash() != trail[-1].hash
    assert verify_chain()[1] == trail[0]


def _manage(*args, **env) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "sqlite:///:memory:"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_an_audit_chain_key():
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "k7#Qm2$vX9!pL4&zR8*wT1^yN6@bC3%hJ5-dF0+gS2=aE7~uI9",
        # The identity keys have their own checks (tests/test_security_identity_keys.py); here they are given.
        "IDENTITY_KEYS": "Pw1c5cHh1bS9wVhVOR5yXG0uX5nDq0dj8ZzP4Jp1H9s=",
        "IDENTITY_HASH_KEY": "audit-test-hash-key-0123456789abcdefghijklmnop",
    }
    refused = _manage("check", **production)
    assert refused.returncode == 1
    assert "(audit.E001) AUDIT_CHAIN_KEY is not set." in refused.stderr
    assert _manage("check", **production, AUDIT_CHAIN_KEY="a" * 48).returncode == 0
    assert _manage("check", DEBUG="1").returncode == 0  # the embedded default derives a key from SECRET_KEY


# --- existing trails ---------------------------------------------------------------------------------------


def _as_before_the_key(events):
    """Turn the trail back into what the unkeyed code wrote, as a database from before this change holds."""
    previous = ""
    with _trigger_off() as cursor:
        for event in AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("id"):
            event.prev_hash = previous
            previous = _unkeyed_hash(event)
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, previous, event.pk],
            )
    return previous


def _rechain():
    migration = import_module("audit.migrations.0005_keyed_chain")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.rechain(apps, editor)


def test_migration_rechains_an_unkeyed_trail_and_records_its_old_head(trail):
    unkeyed_head = _as_before_the_key(trail)
    assert not verify_chain()[0]
    _rechain()
    intact, _, _ = verify_chain()
    assert intact
    last = AuditEvent.objects.order_by("-id").first()
    assert (last.action, last.data) == (
        "audit.rechain",
        {"events": len(trail), "unkeyed_head": unkeyed_head, "unkeyed_chain": "intact"},
    )


def test_migration_records_an_unkeyed_trail_that_was_already_broken(trail):
    _as_before_the_key(trail)
    with _trigger_off() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'report.view' WHERE id = %s", [trail[2].pk])
    _rechain()
    assert verify_chain()[0]
    assert AuditEvent.objects.order_by("-id").first().data["unkeyed_chain"] == (
        f"broken at event {trail[2].pk}: content changed"
    )


# --- helpers -------------------------------------------------------------------------------------------------


def _params(user: str, password: str = "") -> dict:
    db = connection.settings_dict
    return {
        "dbname": db["NAME"],
        "user": user,
        "password": password,
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
    }


def _url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _checkpoint_time(path, index: int) -> str:
    return json.loads(path.read_text().splitlines()[index])["at"]


@contextmanager
def _app_role():
    """A login role made for one test, like the application's; dropped with everything granted to it."""
    role, password = f"dic_app_test_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [password])
    try:
        yield role, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@contextmanager
def _django_connected_as(role: str, password: str):
    """The application's connection, logged in as `role` (the test's own data is committed: transactional test)."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD=password)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
