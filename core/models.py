from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobRun(models.Model):
    """One row per (job, period): a missed period is caught up, and a repeated run finds it done."""

    job = models.CharField(_("job"), max_length=60)
    period = models.DateField(_("period"), help_text=_("The first day of the period the run covers."))
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last heartbeat"), null=True, blank=True, help_text=_("Written by the runner while it works.")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    runner = models.CharField(_("runner"), max_length=100, blank=True, help_text=_("Host and process."))

    class Meta:
        ordering = ["job", "-period"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="jobrun_unique_job_period"),
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "done", "failed"]), name="jobrun_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period:%Y-%m} {self.status}"


class JobStep(models.Model):
    """One unit of a periodic run (a commission's part) done and committed: a run that died midway resumes after
    its last step, and no unit is done twice in a period (core.jobs.step)."""

    run = models.ForeignKey(JobRun, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=100)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="jobstep_unique_run_key")]

    def __str__(self) -> str:
        return f"{self.run} {self.key}"


class OutboxMessage(models.Model):
    """A background job recorded in the same transaction as the change that asked for it.

    The broker (Redis) may be down when a request commits; the job is not lost: it stays here until
    core.outbox.drain() hands it to Celery (right after commit, at worker start, and every minute).
    """

    task = models.CharField(_("task"), max_length=150)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("queued job")
        verbose_name_plural = _("queued jobs")
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
