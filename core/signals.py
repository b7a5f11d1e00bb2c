"""Audit events for authentication incidents raised by django-axes."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from accounts.models import User
from audit.services import audit_record


@receiver(user_locked_out)
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    user = User.objects.filter(username=username).first() if username else None
    audit_record(
        actor=None,
        action="auth.lockout",
        target=user,
        target_label=username or "",
        username=username,
        ip_address=ip_address,
    )
