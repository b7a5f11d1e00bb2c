"""Audit events for authentication incidents raised by django-axes."""

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.dispatch import receiver

from accounts.signin import audit_incident


@receiver(user_locked_out)
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    # axes signals every refused attempt of a locked name-and-address pair: one event per lockout is enough.
    audit_incident(action="auth.lockout", username=username or "", ip_address=ip_address, window=get_cool_off(request))
