"""A notification in a user's inbox: what happened (a kind and its parameters), where to act (a URL), and
whether it has been read.

The text is not stored: each kind has a message that is formatted when it is shown, so the same row reads
in Chinese or English depending on the viewer's choice (ISSUE 15). The parameters hold only what the
message needs (a task's message id, a reference), never a reporter's identity.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TASK_CREATED = "task_created", _("New task")
    TASK_ASSIGNED = "task_assigned", _("Assigned to you")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


# What each kind says after its name, formatted at display time in the viewer's language. %(task)s is a message id
# the caller marked with gettext_noop (translated here); %(label)s (a reference) and %(due_on)s are shown as they are.
DETAILS = {
    Kind.TASK_CREATED: _("%(task)s · %(label)s"),
    Kind.TASK_ASSIGNED: _("%(task)s · %(label)s"),
    Kind.DUE_SOON: _("due on %(due_on)s · %(label)s"),
    Kind.OVERDUE: _("due on %(due_on)s · %(label)s"),
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    key = models.CharField(
        _("deduplication key"), max_length=200, help_text=_("The same key is written once per recipient.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # A race between two writers (the engine and the daily job, two workers) cannot write one twice.
            models.UniqueConstraint(fields=["recipient", "key"], name="inbox_notification_unique_key"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in Kind]), name="inbox_notification_kind_known"
            ),
        ]
        indexes = [
            # The list (newest first) and the bell's COUNT of unread rows, each one index range per user.
            models.Index(fields=["recipient", "-id"], name="inbox_recipient_newest"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="inbox_unread"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def detail(self) -> str:
        """The message without the kind's name (the list shows the kind as a badge beside it)."""
        params = self.params or {}
        values = {
            "task": gettext(params["task"]) if params.get("task") else self.get_kind_display(),
            "label": params.get("label", ""),
            "due_on": self.due_on.isoformat() if self.due_on else "",
        }
        return str(DETAILS[self.kind]) % values

    @property
    def text(self) -> str:
        return gettext("%(kind)s: %(detail)s") % {"kind": self.get_kind_display(), "detail": self.detail}
