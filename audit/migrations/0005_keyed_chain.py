"""Re-chain the existing audit trail with the keyed hash (HMAC-SHA256 under AUDIT_CHAIN_KEY, audit/chain.py).

Why a re-chain and not a version per event: with a version field, whoever can edit the table could mark any
event "unkeyed" and recompute a plain SHA-256 chain over it, so old events would stay rewritable. After the
re-chain every event is keyed.

Before it overwrites the unkeyed hashes, the migration checks the unkeyed chain and appends one event,
`audit.rechain`, that carries the old head's hash and what that check found ("intact", or the first broken
event): a trail that was already tampered with is not laundered silently.

On PostgreSQL the append-only row trigger refuses the UPDATEs, so the migration switches it off for its own
transaction (ALTER TABLE ... DISABLE TRIGGER, allowed to the table's owner, which is who runs migrations)
and on again before it commits; if anything fails the whole change, trigger included, is rolled back.
The reverse goes back to unkeyed hashes (and keeps the audit.rechain event, as data).
"""

import hashlib

from django.db import migrations
from django.utils import timezone

from audit.chain import canonical, event_hash

BATCH = 2000
TRIGGER = "audit_event_append_only"


def _content(event) -> dict:
    return {
        "prev": event.prev_hash,
        "at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "action": event.action,
        "target": [event.target_type, event.target_id],
        "commission": event.commission_id,
        "scope": event.scope_ref,
        "data": event.data,
    }


def _unkeyed(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def _rewrite(apps, schema_editor, new_hash, old_hash=None) -> tuple[int, str, str]:
    """Recompute every hash with `new_hash`; check the stored chain with `old_hash` on the way.

    Returns (events, the old head's hash, what the check of the old chain found).
    """
    AuditEvent = apps.get_model("audit", "AuditEvent")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
    count, last_id, old_previous, new_previous, finding = 0, 0, "", "", "intact"
    while True:
        events = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:BATCH])
        if not events:
            break
        for event in events:
            if old_hash is not None and finding == "intact":
                if event.prev_hash != old_previous:
                    finding = f"broken at event {event.pk}: missing or reordered event before it"
                elif old_hash(_content(event)) != event.hash:
                    finding = f"broken at event {event.pk}: content changed"
            old_previous = event.hash
            event.prev_hash = new_previous
            event.hash = new_previous = new_hash(_content(event))
            count, last_id = count + 1, event.pk
        _save_hashes(AuditEvent, schema_editor.connection, events)
    if postgresql:
        schema_editor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {TRIGGER}")
    return count, old_previous, finding


def _save_hashes(AuditEvent, connection, events) -> None:
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_update(events, ["prev_hash", "hash"])
        return
    # One UPDATE ... FROM (VALUES ...) per batch: many times faster than bulk_update's CASE WHEN on PostgreSQL.
    from psycopg2.extras import execute_values

    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "UPDATE audit_auditevent AS a SET prev_hash = v.prev_hash, hash = v.hash "
            "FROM (VALUES %s) AS v(id, prev_hash, hash) WHERE a.id = v.id",
            [(event.pk, event.prev_hash, event.hash) for event in events],
            page_size=len(events),
        )


def rechain(apps, schema_editor):
    count, unkeyed_head, finding = _rewrite(apps, schema_editor, event_hash, old_hash=_unkeyed)
    if not count:
        return
    AuditEvent = apps.get_model("audit", "AuditEvent")
    previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        created_at=timezone.now(),
        action="audit.rechain",
        target_type="auth",
        target_id="audit-trail",
        data={"events": count, "unkeyed_head": unkeyed_head, "unkeyed_chain": finding},
        prev_hash=previous,
    )
    event.hash = event_hash(_content(event))
    event.save(force_insert=True)


def unchain(apps, schema_editor):
    _rewrite(apps, schema_editor, _unkeyed)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_refuse_truncate")]
    operations = [migrations.RunPython(rechain, unchain)]
