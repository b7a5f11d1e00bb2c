from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chain import event_hash


class AuditEvent(models.Model):
    """One append-only line of the audit trail: transitions, approvals, exports, identity reveals."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.CharField(_("target type"), max_length=60)
    target_id = models.CharField(_("target id"), max_length=40)
    commission = models.ForeignKey(
        "accounts.Commission",
        verbose_name=_("commission"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_ref = models.CharField(
        _("belongs to"), max_length=80, blank=True, db_index=True, help_text=_("The case whose timeline shows it.")
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The chain fields are written once, after the event's transaction commits (audit.services.chain_pending):
    # an event's place in the chain, the hash of the event before it there, and its own keyed hash.
    chain_seq = models.BigIntegerField(null=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            # The events still waiting for their place in the chain: few, found without reading the trail.
            models.Index(fields=["id"], condition=models.Q(chain_seq__isnull=True), name="audit_unchained_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"

    def chain_content(self) -> dict:
        return {
            "prev": self.prev_hash,
            "at": self.created_at.isoformat(),
            "actor": self.actor_id,
            "action": self.action,
            "target": [self.target_type, self.target_id],
            "commission": self.commission_id,
            "scope": self.scope_ref,
            "data": self.data,
        }

    def compute_hash(self) -> str:
        """The event's content chained to the previous event's hash, keyed (tamper evidence: audit/chain.py)."""
        return event_hash(self.chain_content())
