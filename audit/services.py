from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent

# One lock number for the whole chain: chaining is serialised so each event links to the one before. It is held
# only by chain_pending's own short transactions, never by the transaction of the change being audited.
_CHAIN_LOCK = 7_405_320_261
# Events still unchained this long after they were written are reported by verify_chain: the chaining after
# commit failed and the beat job (every minute) has not caught up.
UNCHAINED_GRACE = timedelta(minutes=5)


def ref(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None,
    commission=None,
    scope: models.Model | None = None,
    target_label: str = "",
    **data,
) -> AuditEvent:
    """Append an audit event; call it inside the transaction of the change it records.

    `scope` names the case (a report, a recommendation...) whose timeline shows the event. The event is written
    unchained and takes no lock, so it never makes another transaction wait; it gets its place in the chain right
    after the transaction commits (chain_pending), and disappears with it if the transaction rolls back.
    """
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "auth",
        target_id=str(target.pk) if target is not None else target_label[:40],
        commission=commission,
        scope_ref=ref(scope) if scope is not None else "",
        data=_roundtrip({key: _jsonable(value) for key, value in data.items() if value is not None}),
    )
    event.save(force_insert=True)
    # Once per transaction: a job that writes a thousand events chains them after its commit in one go.
    if not any(entry[1] is _chain_after_commit for entry in connection.run_on_commit):
        transaction.on_commit(_chain_after_commit, robust=True)
    return event


def _chain_after_commit() -> None:
    chain_pending()


def chain_pending(batch: int = 1000) -> int:
    """Give every committed, unchained event its place in the chain; return how many were chained.

    Runs right after each audited transaction commits, every minute from beat (audit.tasks.chain_events) and
    before each checkpoint. Each batch is one short transaction under the chain's lock: the events committed by
    then, in id order, follow the chain's head. So the chain's order is the order of the commits, up to events
    committed within the same instant, which follow each other by id. A rolled-back event never had a place.
    """
    chained = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
            pending = list(AuditEvent.objects.filter(chain_seq__isnull=True).order_by("id")[:batch])
            if not pending:
                return chained
            head = AuditEvent.objects.filter(chain_seq__isnull=False).order_by("-chain_seq")
            seq, previous = head.values_list("chain_seq", "hash").first() or (0, "")
            for event in pending:
                seq += 1
                event.chain_seq, event.prev_hash = seq, previous
                event.hash = previous = event.compute_hash()
            _save_chain_fields(pending)
        chained += len(pending)
        if len(pending) < batch:
            return chained


def _save_chain_fields(events: list[AuditEvent]) -> None:
    """Write the chain fields, and only them (the database lets this happen once per event: migration 0007)."""
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_update(events, ["chain_seq", "prev_hash", "hash"])
        return
    from psycopg2.extras import execute_values

    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "UPDATE audit_auditevent AS a SET chain_seq = v.chain_seq, prev_hash = v.prev_hash, hash = v.hash "
            "FROM (VALUES %s) AS v(id, chain_seq, prev_hash, hash) WHERE a.id = v.id",
            [(event.pk, event.chain_seq, event.prev_hash, event.hash) for event in events],
            page_size=len(events),
        )


def _roundtrip(data: dict) -> dict:
    import json

    return json.loads(json.dumps(data, ensure_ascii=False))


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool | dict) else str(value)


def timeline(scope: models.Model):
    return AuditEvent.objects.filter(scope_ref=ref(scope)).select_related("actor").order_by("id")


def verify_chain(batch: int = 5000) -> tuple[bool, AuditEvent | None, str]:
    """Walk the chain in order; return (intact, first broken event, what is wrong with it).

    Events not chained yet are part of no chain; they are a problem only once they have waited UNCHAINED_GRACE.
    """
    previous_hash = ""
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(chain_seq__gt=last_seq).order_by("chain_seq")[:batch])
        if not events:
            break
        for event in events:
            if event.prev_hash != previous_hash:
                return False, event, "missing or reordered event before this one"
            if event.compute_hash() != event.hash:
                return False, event, "content changed, or its hash was not made with the audit key"
            previous_hash = event.hash
            last_seq = event.chain_seq
    now = timezone.now()
    stranded = AuditEvent.objects.filter(chain_seq__isnull=True, created_at__lt=now - UNCHAINED_GRACE)
    event = stranded.order_by("id").first()
    if event is not None:
        waited = int((now - event.created_at).total_seconds() // 60)
        return False, event, f"not chained {waited} minutes after it was written (is the chaining job of beat running?)"
    return True, None, ""
