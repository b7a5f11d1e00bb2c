from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent

# One lock number for the whole trail: appends are serialised so each event chains to the one before.
_CHAIN_LOCK = 7_405_320_261


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

    `scope` names the case (a report, a recommendation...) whose timeline shows the event.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            target_type=target._meta.label_lower if target is not None else "auth",
            target_id=str(target.pk) if target is not None else target_label[:40],
            commission=commission,
            scope_ref=ref(scope) if scope is not None else "",
            data={key: _jsonable(value) for key, value in data.items() if value is not None},
            prev_hash=previous,
        )
        # Round-trip the JSON so the hash is computed over exactly what the database will return.
        event.data = _roundtrip(event.data)
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


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
    """Walk the trail in order; return (intact, first broken event, what is wrong with it)."""
    previous_hash = ""
    last_id = 0
    while True:
        events = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not events:
            return True, None, ""
        for event in events:
            if event.prev_hash != previous_hash:
                return False, event, "missing or reordered event before this one"
            if event.compute_hash() != event.hash:
                return False, event, "content changed, or its hash was not made with the audit key"
            previous_hash = event.hash
            last_id = event.id
