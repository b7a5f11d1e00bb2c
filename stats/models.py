import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Commission


class Snapshot(models.Model):
    """The published figures of one commission for one month, kept as they were on the day they were taken."""

    commission = models.ForeignKey(Commission, verbose_name=_("commission"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    # {"alone": {figure key: count}, "subtree": {figure key: count}}
    figures = models.JSONField(_("figures"), default=dict)
    taken_at = models.DateTimeField(_("taken at"))
    # Whether the ids of the counted items were kept (SnapshotItems): snapshots taken before they were drill down
    # to today's items, and say so.
    items_kept = models.BooleanField(_("counted items kept"), default=False, editable=False)

    class Meta:
        ordering = ["commission__path", "-month"]
        verbose_name = _("published monthly figures")
        verbose_name_plural = _("published monthly figures")
        constraints = [
            models.UniqueConstraint(fields=["commission", "month"], name="stats_snapshot_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="stats_snapshot_month_start"),
        ]

    def __str__(self) -> str:
        return f"{self.commission} {self.month:%Y-%m}"


class SnapshotItems(models.Model):
    """The ids of the items one published figure counted, so that its drill-down lists what was counted then rather
    than what the tables hold today. Read one figure at a time, so the dashboard never loads them."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="item_lists")
    subtree = models.BooleanField()
    key = models.CharField(max_length=200)
    # Sorted ids, delta-encoded and compressed (stats/kept_items.py): a province's month runs to hundreds of
    # thousands of ids, and consecutive ids compress to about a byte each.
    ids = models.BinaryField()
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("items of a published figure")
        verbose_name_plural = _("items of published figures")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "subtree", "key"], name="stats_snapshot_items_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.key}"


class ExportKind(models.TextChoices):
    STATISTICS = "statistics", _("Monthly statistics")
    REPORTS = "reports", _("Reports")
    CLARIFICATIONS = "clarifications", _("Clarifications")
    DECISIONS = "decisions", _("Accountability decisions")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


def export_retention() -> datetime.timedelta:
    """How long a background export's file is kept after it is written (EXPORT_RETENTION_DAYS)."""
    return datetime.timedelta(days=int(getattr(settings, "EXPORT_RETENTION_DAYS", 7)))


class ExportJob(models.Model):
    """A background export of a list too long to download directly. Only its owner may download the file, while
    they still hold a statistics role and reach every commission the file was written for, and until it expires."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExportKind.choices)
    fmt = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED, editable=False
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0, editable=False)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True, editable=False)
    file_path = models.CharField(max_length=255, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)
    # Starts of the writing: more than one when a worker died midway and the export was run again.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    # The commissions whose work the file may hold: the owner's reach when the worker read the rows.
    reach = models.JSONField(_("reach"), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [models.Index(fields=["owner", "-id"], name="stats_export_owner_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed", "expired"]),
                name="stats_export_status_known",
            ),
            models.CheckConstraint(condition=models.Q(fmt__in=["csv", "xlsx"]), name="stats_export_format_known"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file_path=""), name="stats_export_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.fmt} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def expires_at(self) -> datetime.datetime | None:
        if self.status not in (ExportStatus.DONE, ExportStatus.EXPIRED) or self.finished_at is None:
            return None
        return self.finished_at + export_retention()

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        """Expired files are refused at once, before the daily job has deleted them."""
        if self.status == ExportStatus.EXPIRED:
            return True
        expires_at = self.expires_at
        return expires_at is not None and expires_at <= (now or timezone.now())

    @property
    def expired(self) -> bool:  # for templates
        return self.is_expired()
