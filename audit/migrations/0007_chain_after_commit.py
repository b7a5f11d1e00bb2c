"""Events are chained after their transaction commits, not inside it (issue 13).

`chain_seq` is an event's place in the chain, written with `prev_hash` and `hash` once, after the commit, by
audit.services.chain_pending. The append-only trigger of 0003 now lets exactly that one write through: on a row
with no `chain_seq` yet, an UPDATE that sets it and changes nothing but the three chain fields. Everything else
(any other UPDATE, DELETE, TRUNCATE) is still refused.

The existing events were chained at insert, in id order: they get their places in that order (1, 2, ...), and
their hashes are kept as they are (nothing is re-chained). The update goes through the new trigger as any
chaining does.

The reverse puts the old trigger back and drops `chain_seq`; events chained after this migration in an order
other than their ids' (a transaction that committed after a later one) then fail the old code's check, which
walks ids.
"""

from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
           AND to_jsonb(NEW) - ARRAY['chain_seq', 'prev_hash', 'hash']
               = to_jsonb(OLD) - ARRAY['chain_seq', 'prev_hash', 'hash'] THEN
            RETURN NEW;  -- the one write of an event's place in the chain
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
APPEND_ONLY_BEFORE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
NUMBER = """
UPDATE audit_auditevent AS a SET chain_seq = n.seq
FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM audit_auditevent WHERE chain_seq IS NULL) AS n
WHERE a.id = n.id
"""


def number_existing(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # not schema_editor.execute: the function holds a "%"
            cursor.execute(APPEND_ONLY)
            cursor.execute(NUMBER)
        return
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = list(AuditEvent.objects.order_by("id"))
    for seq, event in enumerate(events, start=1):
        event.chain_seq = seq
    AuditEvent.objects.bulk_update(events, ["chain_seq"], batch_size=1000)


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(APPEND_ONLY_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_checkpoint_schedule")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(chain_seq__isnull=True), fields=["id"], name="audit_unchained_idx"
            ),
        ),
        migrations.RunPython(number_existing, restore_trigger),
    ]
