import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import chain_pending, verify_chain

from .cases_helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(tree, zhanyi_intake):
    for _ in range(3):
        register(zhanyi_intake, tree["zhanyi"])
    chain_pending()  # what each commit does right after it (the test's transaction never commits)
    return list(AuditEvent.objects.order_by("chain_seq"))


def _behind_the_back(sql, params):
    """Edit the table the way someone with database access would: with the trigger switched off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = origin")


def test_every_event_chains_to_the_previous_one(trail):
    assert trail[0].prev_hash == "" or AuditEvent.objects.filter(id__lt=trail[0].id).exists()
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.prev_hash == before.hash
    assert verify_chain()[0]
    call_command("verify_audit")


def test_database_refuses_update_and_delete(trail):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=trail[0].pk).delete()
    assert AuditEvent.objects.get(pk=trail[0].pk).action == trail[0].action


def test_database_lets_the_chain_fields_be_written_once_and_nothing_else_with_them(db):
    """Chaining after commit is the one UPDATE the trigger allows: on an unchained event, the chain fields only."""
    event = AuditEvent.objects.create(action="report.register", target_type="auth", target_id="x")
    for change in ({"chain_seq": 1, "hash": "h", "action": "report.view"}, {"action": "report.view"}, {"hash": "h"}):
        with pytest.raises(DatabaseError, match="audit_auditevent is append-only: UPDATE refused"):
            with transaction.atomic():
                AuditEvent.objects.filter(pk=event.pk).update(**change)
    assert chain_pending() == 1
    for change in ({"hash": "h"}, {"chain_seq": None, "prev_hash": "", "hash": ""}, {"chain_seq": 7}):
        with pytest.raises(DatabaseError, match="audit_auditevent is append-only: UPDATE refused"):
            with transaction.atomic():
                AuditEvent.objects.filter(pk=event.pk).update(**change)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.chain_seq, stored.hash) == ("report.register", 1, stored.compute_hash())


def test_verify_audit_finds_an_edited_row(trail):
    _behind_the_back('UPDATE audit_auditevent SET data = \'{"reference": "X"}\' WHERE id = %s', [trail[1].pk])
    intact, event, problem = verify_chain()
    assert not intact and event.pk == trail[1].pk and "changed" in problem
    with pytest.raises(CommandError, match=str(trail[1].pk)):
        call_command("verify_audit")


def test_verify_audit_finds_a_deleted_row(trail):
    _behind_the_back("DELETE FROM audit_auditevent WHERE id = %s", [trail[1].pk])
    intact, event, problem = verify_chain()
    assert not intact and event.pk == trail[2].pk and "missing" in problem
