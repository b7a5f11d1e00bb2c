"""Writes of the statistics app: snapshots of the monthly figures, and exports (each one audited)."""

import datetime
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import Commission, User
from audit.services import audit_record
from config.db_router import replica_reads
from core import jobs, outbox
from core.errors import DomainError
from core.workflow import Workflow, by_the_system, transition

from . import exports, kept_items, selectors
from .figures import collect
from .models import ExportFormat, ExportJob, ExportStatus, Snapshot, SnapshotItems, export_retention
from .periods import month_end, previous_month

SNAPSHOT_JOB = "stats.monthly_snapshots"


# --- snapshots ---------------------------------------------------------------------------------------


@transaction.atomic
def snapshot_take(*, commission: Commission, month: datetime.date) -> tuple[Snapshot, bool]:
    """Keep the commission's figures of the month, alone and rolled up. A month already kept is left as it was:
    published figures do not change when late edits arrive. Returns (snapshot, created)."""
    month = jobs.month_start(month)
    if month >= jobs.month_start(timezone.localdate()):
        raise DomainError(_("Only a month that has ended can be published."), code="month_not_over")
    existing = Snapshot.objects.filter(commission=commission, month=month).first()
    if existing is not None:
        return existing, False
    end = month_end(month)
    figures, kept = {}, {}
    for side, subtree in (("alone", False), ("subtree", True)):
        figures[side], kept[subtree] = collect(commission, month, end, subtree=subtree)
    snapshot, created = Snapshot.objects.get_or_create(
        commission=commission,
        month=month,
        defaults={"figures": figures, "taken_at": timezone.now(), "items_kept": True},
    )
    if created:
        # The items each figure counted, so that its drill-down lists them as published.
        SnapshotItems.objects.bulk_create(
            SnapshotItems(snapshot=snapshot, subtree=subtree, key=key, ids=kept_items.pack(ids), count=len(ids))
            for subtree, by_key in kept.items()
            for key, ids in by_key.items()
        )
        audit_record(
            actor=None,
            action="stats.snapshot",
            target=snapshot,
            commission=commission,
            month=month.strftime("%Y-%m"),
            received=figures["subtree"].get("reports", 0),
        )
    return snapshot, created


def snapshots_take_month(month: datetime.date) -> dict:
    """Every commission's figures of the month, each committed on its own (a resumed run skips those done)."""
    taken = 0
    for commission in Commission.objects.order_by("path"):
        # One short transaction per commission (core.jobs.step): audited writes elsewhere never wait for the run.
        created = jobs.step(
            f"commission:{commission.pk}",
            lambda commission=commission: snapshot_take(commission=commission, month=month)[1],
        )
        taken += bool(created)
    return {"month": month.strftime("%Y-%m"), "taken": taken}


def snapshots_take_due(today: datetime.date | None = None) -> list[dict]:
    """The previous month for every commission, plus any month missed since the last run (at most a year);
    a repeated or concurrent run finds the month done and does nothing (core.jobs.run_once)."""
    last_complete = previous_month(today)
    results = []
    for month in jobs.due_months(SNAPSHOT_JOB, last_complete):
        run = jobs.run_once(SNAPSHOT_JOB, month, lambda month=month: snapshots_take_month(month))
        results.append(run.detail if run is not None else {"month": month.strftime("%Y-%m"), "skipped": True})
    return results


# --- exports -------------------------------------------------------------------------------------------


def _require_statistics(actor: User) -> None:
    if not selectors.may_see_statistics(actor):
        raise DomainError(_("Only supervisors and administrators export statistics."), code="forbidden")


def _clean_params(params) -> dict:
    """The filters as plain strings (a QueryDict's lists flattened), without pagination cursors."""
    if hasattr(params, "lists"):
        items = {key: values[-1] for key, values in params.lists()}
    else:
        items = dict(params or {})
    skip = ("after", "csrfmiddlewaretoken")
    return {str(k): str(v) for k, v in items.items() if k not in skip and v not in ("", None)}


def export_record(
    *, actor: User, kind: str, fmt: str, params, rows: int | None = None, commission: Commission | None = None
) -> None:
    """A direct download: audited before the first byte is sent."""
    _require_statistics(actor)
    audit_record(
        actor=actor,
        action="stats.export",
        target=commission,
        target_label=f"export:{kind}",
        commission=commission,
        kind=kind,
        format=fmt,
        params=_clean_params(params),
        rows=rows,
    )


@transaction.atomic
def export_job_start(*, actor: User, kind: str, fmt: str, params) -> ExportJob:
    """Queue a background export of a list; the worker writes the file and reports progress."""
    _require_statistics(actor)
    if kind not in exports.LISTS:
        raise DomainError(_("Unknown export."), code="kind")
    if fmt not in ExportFormat.values:
        raise DomainError(_("Unknown format."), code="format")
    clean = _clean_params(params)
    # Check the filters now, so a mistake shows on the page rather than as a failed job.
    exports.list_export(kind).queryset(actor, clean)
    job = ExportJob.objects.create(
        owner=actor, kind=kind, fmt=fmt, params={**clean, "_language": translation.get_language() or ""}
    )
    audit_record(actor=actor, action="stats.export_start", target=job, kind=kind, format=fmt, params=clean)
    from .tasks import run_export

    outbox.enqueue(run_export, job.pk)
    return job


_E = ExportStatus
EXPORTS = Workflow(
    name="export",
    model=ExportJob,
    noun=gettext_lazy("the export"),
    audit_context=lambda job: {"kind": job.kind, "format": job.fmt},
    transitions=[
        transition("run", gettext_lazy("Run"), [_E.QUEUED], _E.RUNNING, by_the_system, ""),
        transition(
            "done", gettext_lazy("Finish"), [_E.RUNNING], _E.DONE, by_the_system, "", action="stats.export_done"
        ),
        transition("fail", gettext_lazy("Fail"), [_E.QUEUED, _E.RUNNING], _E.FAILED, by_the_system, ""),
        # Back to queued only when its runner died midway (exports_resume_orphaned).
        transition("requeue", gettext_lazy("Queue again"), [_E.RUNNING], _E.QUEUED, by_the_system, ""),
        transition("expire", gettext_lazy("Expire"), [_E.DONE], _E.EXPIRED, by_the_system, ""),
    ],
)
_STEP = {_E.RUNNING: "run", _E.DONE: "done", _E.FAILED: "fail", _E.QUEUED: "requeue", _E.EXPIRED: "expire"}


def _job_transition(job: ExportJob, target: str, *, actor=None, **fields) -> ExportJob:
    """Every change of an export's status, through the workflow engine."""
    name = _STEP[target]
    if job.status not in EXPORTS[name].sources:
        raise DomainError(_("This export has already finished."), code="wrong_state")
    if target in (_E.DONE, _E.FAILED):
        fields["finished_at"] = timezone.now()
    audit = {"rows": fields.get("rows_done", job.rows_done)} if target == _E.DONE else {}
    return EXPORTS.apply(job, actor=actor, name=name, fields=fields, **audit)


def exports_dir() -> Path:
    path = Path(settings.PRIVATE_FILES_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


# A running export is held by its runner's database session (a session-level advisory lock on the job): the lock
# goes when the runner's process dies, so a free lock on a running job means the job was orphaned.
_RUNNER_LOCK_SPACE = 1402


def _runner_lock(job_id: int) -> bool:
    if connection.vendor != "postgresql":
        return True  # the embedded default runs exports in-process: nothing to orphan
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_RUNNER_LOCK_SPACE, job_id])
        return bool(cursor.fetchone()[0])


def _runner_unlock(job_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_RUNNER_LOCK_SPACE, job_id])


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file. A redelivered task finds the job no longer queued and does nothing. The rows go to a
    `.part` file renamed only when complete, and the job is done only after the rename: a file being written, or
    left by a worker killed midway, is never the job's file."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportStatus.QUEUED or not _runner_lock(job.pk):
            return job
        try:
            owner = User.objects.get(pk=job.owner_id)
            params = {k: v for k, v in job.params.items() if not k.startswith("_")}
            export = exports.list_export(job.kind)
            try:
                _require_statistics(owner)  # the role may have gone since the job was queued
                queryset = export.queryset(owner, params)
                with replica_reads():  # counted where the rows will be read (_export_write)
                    total = queryset.order_by().count()  # scoped to the owner's commissions and filters
            except DomainError as error:
                return _job_transition(job, ExportStatus.FAILED, error=str(error))
            reach = sorted(jurisdiction.readable_commission_ids(owner))
            _job_transition(
                job, ExportStatus.RUNNING, rows_total=total, rows_done=0, reach=reach, attempts=job.attempts + 1
            )
        except BaseException:
            _runner_unlock(job.pk)
            raise
    try:
        if job.status != ExportStatus.RUNNING:
            return job  # refused above (the owner's role has gone): failed, nothing to write
        return _export_write(job, owner, export, queryset)
    finally:
        _runner_unlock(job.pk)


def _export_write(job: ExportJob, owner: User, export, queryset) -> ExportJob:
    path = exports_dir() / f"{job.pk}-{uuid.uuid4().hex}.{job.fmt}"
    part = path.with_name(path.name + PART_SUFFIX)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        # The rows are read from the replica when there is one (docs/scaling.md): the export's long read leaves the
        # primary to the case workers; its progress and the job itself are written to, and read from, the primary.
        with translation.override(job.params.get("_language") or settings.LANGUAGE_CODE), replica_reads():
            headings = export.headers()
            rows = exports.rows_of(export, queryset)
            header_rows = [[str(export.title), timezone.localtime().strftime("%Y-%m-%d %H:%M")]]
            if job.fmt == ExportFormat.CSV:
                exports.write_csv(part, header_rows, headings, rows, progress)
            else:
                exports.write_xlsx(part, [(str(export.title), header_rows, headings, rows)], progress)
        os.replace(part, path)
    except Exception as error:
        part.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        job.refresh_from_db()
        _job_transition(job, ExportStatus.FAILED, error=str(error)[:500])
        raise
    job.refresh_from_db()
    _job_transition(job, ExportStatus.DONE, actor=owner, file_path=str(path.relative_to(settings.PRIVATE_FILES_ROOT)))
    return job


PART_SUFFIX = ".part"


def exports_resume_orphaned() -> list[int]:
    """Queue again every running export whose runner died (its lock is free): it starts over from the first row,
    and its page says queued, attempt 2, rather than running. Every minute from beat, and when a worker starts.
    Returns the ids queued again."""
    if connection.vendor != "postgresql":
        return []
    resumed = []
    for job_id in ExportJob.objects.filter(status=ExportStatus.RUNNING).order_by("pk").values_list("pk", flat=True):
        if not _runner_lock(job_id):
            continue  # its runner is at work
        try:
            with transaction.atomic():
                job = ExportJob.objects.select_for_update().get(pk=job_id)
                if job.status != ExportStatus.RUNNING:
                    continue
                for left in exports_dir().glob(f"{job.pk}-*{PART_SUFFIX}"):
                    left.unlink(missing_ok=True)
                _job_transition(job, ExportStatus.QUEUED, rows_done=0)
                audit_record(actor=None, action="stats.export_resume", target=job, attempts=job.attempts, kind=job.kind)
                from .tasks import run_export

                outbox.enqueue(run_export, job.pk)
                resumed.append(job.pk)
        finally:
            _runner_unlock(job_id)
    return resumed


def export_job_check_access(*, actor: User, job: ExportJob) -> None:
    """The owner, still holding a statistics role and still reaching every commission the file was written for
    (a membership removed or moved since the export started takes the file away with it)."""
    if job.owner_id != actor.pk:
        raise DomainError(_("Only the person who started the export may download it."), code="forbidden")
    _require_statistics(actor)
    if not set(job.reach) <= jurisdiction.readable_commission_ids(actor):
        raise DomainError(
            _("This export holds work of commissions you no longer reach; start the export again."), code="forbidden"
        )


@transaction.atomic
def export_job_download(*, actor: User, job: ExportJob, now: datetime.datetime | None = None) -> Path:
    """The file of a finished, unexpired job, for its owner while the role and reach remain; every download is
    audited."""
    export_job_check_access(actor=actor, job=job)
    if job.is_expired(now):
        raise DomainError(
            _("This export has expired and its file was deleted; start the export again."), code="expired"
        )
    if job.status != ExportStatus.DONE:
        raise DomainError(_("The export is not ready yet."), code="not_ready")
    path = Path(settings.PRIVATE_FILES_ROOT) / job.file_path
    if not path.is_file():
        raise DomainError(_("The export file is no longer available; start the export again."), code="gone")
    audit_record(actor=actor, action="stats.export_download", target=job, kind=job.kind, format=job.fmt)
    return path


def _export_expire(*, job_id: int, cutoff: datetime.datetime) -> Path | None:
    """Mark one finished job expired and audit it; returns its file for the caller to delete after the commit.
    A job already expired (a second run, or a run at the same time) is left alone."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ExportStatus.DONE or job.finished_at > cutoff:
            return None
        path = Path(settings.PRIVATE_FILES_ROOT) / job.file_path
        _job_transition(job, ExportStatus.EXPIRED, file_path="")
        audit_record(
            actor=None,
            action="stats.export_expire",
            target=job,
            owner=job.owner_id,
            kind=job.kind,
            format=job.fmt,
            finished_at=job.finished_at.isoformat(),
            retention_days=export_retention().days,
        )
    return path


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """The daily job: delete the files of exports older than EXPORT_RETENTION_DAYS and mark them expired, then
    the files no finished export owns (left by a worker killed while writing) once they are as old. Returns how
    many exports expired; a second run finds nothing to do."""
    cutoff = (now or timezone.now()) - export_retention()
    expired = 0
    due = ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lte=cutoff).order_by("pk")
    for job_id in due.values_list("pk", flat=True):
        path = _export_expire(job_id=job_id, cutoff=cutoff)
        if path is not None:
            path.unlink(missing_ok=True)
            expired += 1
    _orphans_delete(cutoff)
    return expired


def _orphans_delete(cutoff: datetime.datetime) -> None:
    root = Path(settings.PRIVATE_FILES_ROOT)
    owned = set(ExportJob.objects.filter(status=ExportStatus.DONE).values_list("file_path", flat=True))
    deleted = []
    for path in exports_dir().iterdir():
        if path.is_file() and str(path.relative_to(root)) not in owned and path.stat().st_mtime <= cutoff.timestamp():
            path.unlink(missing_ok=True)
            deleted.append(path.name)
    if deleted:
        audit_record(actor=None, action="stats.export_files_delete", target=None, target_label="exports", files=deleted)


def export_filename(kind: str, fmt: str, suffix: str = "") -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{kind}{('-' + suffix) if suffix else ''}-{stamp}.{fmt}"
