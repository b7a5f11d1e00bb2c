from django.db import models

from .models import AuditEvent


def ref(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def audit_record(
    *, actor, action: str, target: models.Model, commission=None, scope: models.Model | None = None, **data
) -> AuditEvent:
    """Append an audit event; call it inside the transaction of the change it records.

    `scope` names the case (a report, a recommendation...) whose timeline shows the event.
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        commission=commission,
        scope_ref=ref(scope) if scope is not None else "",
        data={key: _jsonable(value) for key, value in data.items() if value is not None},
    )


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
