from django.db import models

from .models import AuditEvent


def audit_record(*, actor, action: str, target: models.Model, commission=None, **data) -> AuditEvent:
    """Append an audit event; call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        commission=commission,
        data={key: value for key, value in data.items() if value is not None},
    )
