"""The monthly city-county joint clarification (市县联动): one batch per city and month, each item once.

The batch groups; each commission carries out and records its own clarifications (services.execution), and the
batch is carried out when all its items are."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jurisdiction
from accounts.models import Commission, CommissionLevel, User
from accounts.roles import Role
from audit.services import audit_record
from core import jobs, outbox
from core.errors import DomainError
from core.workflow import Workflow, transition

from ..choices import BatchStatus, Status
from ..models import BatchItem, JointBatch, Recommendation

DONE_STATUSES = (Status.EXECUTED, Status.COMPLETED)

JOB_NAME = "clarification.monthly_batches"


def _refuse_unless_city_supervisor(actor: User, city: Commission) -> None:
    if not jurisdiction.has_role(actor, city, Role.SUPERVISOR):
        raise DomainError(_("Only a supervisor of the city commission may do this."), code="forbidden")


def refuse_future_month(month: datetime.date) -> None:
    current = jobs.month_start(timezone.localdate())
    if jobs.month_start(month) > current:
        raise DomainError(
            _("%(month)s has not begun: a batch is built for %(current)s or an earlier month.")
            % {"month": month.strftime("%Y-%m"), "current": current.strftime("%Y-%m")},
            code="future_month",
        )


@transaction.atomic
def batch_build(*, city: Commission, month: datetime.date, actor: User | None = None) -> JointBatch:
    """Build or rebuild the city's batch of the month: every approved clarification of the city and its counties
    not yet carried out. Each is in one batch at a time: one listed in an earlier month's batch moves here
    (carried over), one already in a later month's batch stays there, and one no longer waiting (carried out,
    sent back) leaves. Safe to run twice or at once: the batch rows are locked, latest month first."""
    if city.level != CommissionLevel.MUNICIPAL:
        raise DomainError(_("Joint batches are built for municipal commissions."), code="not_city")
    if actor is not None:
        _refuse_unless_city_supervisor(actor, city)
    month = jobs.month_start(month)
    refuse_future_month(month)
    try:
        with transaction.atomic():
            JointBatch.objects.get_or_create(
                city=city, month=month, defaults={"built_at": timezone.now(), "built_by": actor}
            )
    except IntegrityError:
        pass  # built a moment ago by another runner; the lock below waits for it to finish
    batch = JointBatch.objects.select_for_update().get(city=city, month=month)
    if batch.status == BatchStatus.EXECUTED:
        if actor is not None:
            raise DomainError(_("This batch has been executed and can no longer be rebuilt."), code="executed")
        return batch
    waiting = Recommendation.objects.filter(status=Status.APPROVED, commission__path__startswith=city.path)
    # Lock the earlier batches that items move out of, so none is executed while its items leave it.
    sources = list(
        JointBatch.objects.select_for_update()
        .filter(pk__in=BatchItem.objects.filter(recommendation__in=waiting, batch__month__lt=month).values("batch_id"))
        .order_by("-month")
    )
    listed = {
        item.recommendation_id: item
        for item in BatchItem.objects.select_for_update(of=("self",))
        .filter(recommendation__in=waiting)
        .select_related("batch")
    }
    new_items, carried = [], []
    for recommendation in waiting.only("pk", "commission_id", "method"):
        item = listed.get(recommendation.pk)
        if item is None:
            new_items.append(
                BatchItem(
                    batch=batch,
                    recommendation=recommendation,
                    county_id=recommendation.commission_id,
                    method=recommendation.method,
                )
            )
        elif item.batch.month < month:
            item.carried_from, item.batch = item.batch.month, batch
            item.county_id, item.method = recommendation.commission_id, recommendation.method
            carried.append(item)
    BatchItem.objects.bulk_update(carried, ["batch", "carried_from", "county", "method"])
    BatchItem.objects.bulk_create(new_items, ignore_conflicts=True)
    # Items carried out stay: the batch records where each was carried out.
    removed, _detail = batch.items.exclude(recommendation__status__in=[Status.APPROVED, *DONE_STATUSES]).delete()
    for source in sources:
        moved = sorted(i.recommendation_id for i in carried if i.carried_from == source.month)
        audit_record(
            actor=actor,
            action="clarification.batch_carry_over",
            target=source,
            commission=city,
            scope=source,
            month=month.strftime("%Y-%m"),
            recommendations=moved,
        )
        batch_complete_if_done(batch=source, actor=actor)  # what stays in it was carried out there
    batch.built_at = timezone.now()
    if actor is not None:
        batch.built_by = actor
    batch.save(update_fields=["built_at", "built_by"])
    audit_record(
        actor=actor,
        action="clarification.batch_build",
        target=batch,
        commission=city,
        scope=batch,
        month=month.strftime("%Y-%m"),
        added=len(new_items),
        carried_over=len(carried),
        removed=removed,
        total=batch.items.count(),
    )
    batch_complete_if_done(batch=batch, actor=actor)
    return batch


def batches_build_month(month: datetime.date) -> dict:
    """Every municipal commission's batch of the month, each city committed on its own."""
    built = {}
    for city in Commission.objects.filter(level=CommissionLevel.MUNICIPAL).order_by("path"):
        # One transaction per city (core.jobs.step): a run killed midway resumes with the next city, and a city
        # built by an earlier attempt of the month is not rebuilt.
        count = jobs.step(f"commission:{city.pk}", lambda city=city: batch_build(city=city, month=month).items.count())
        if count is not None:
            built[city.division_code] = count
    return {"month": month.strftime("%Y-%m"), "batches": built}


def batches_build_due(today: datetime.date | None = None) -> list[dict]:
    """Build this month's batches and any month missed since the last run; a repeated run does nothing."""
    if today is not None:
        refuse_future_month(today)
    results = []
    for month in jobs.due_months(JOB_NAME, today):
        run = jobs.run_once(JOB_NAME, month, lambda month=month: batches_build_month(month))
        results.append(run.detail if run is not None else {"month": month.strftime("%Y-%m"), "skipped": True})
    return results


@transaction.atomic
def batches_build_request(*, actor: User) -> None:
    """A city supervisor asks for the monthly build job now (a month stalled, failed or not run yet) instead of
    waiting for the daily catch-up. Queued through the outbox: the request answers at once even with the broker
    down, and the job runs once when it is back (core.jobs.run_once skips a month done)."""
    cities = [
        c for c in jurisdiction.commissions_with_role(actor, Role.SUPERVISOR) if c.level == CommissionLevel.MUNICIPAL
    ]
    if not cities:
        raise DomainError(_("Only a supervisor of the city commission may do this."), code="forbidden")
    from ..tasks import build_monthly_batches

    message = outbox.enqueue(build_monthly_batches)
    audit_record(actor=actor, action="clarification.batch_job_request", target=message, commission=cities[0])


BATCHES = Workflow(
    name="batch",
    model=JointBatch,
    noun=gettext_lazy("the batch"),
    related=("city",),
    audit_context=lambda batch: {"commission": batch.city, "scope": batch},
    transitions=[
        # Taken by the services when the last item of the batch is carried out (each by its own commission).
        transition(
            "complete",
            gettext_lazy("Carried out"),
            [BatchStatus.BUILT],
            BatchStatus.EXECUTED,
            lambda user, batch, **context: True,
            "",
            action="clarification.batch_execute",
        )
    ],
)


def batch_complete_if_done(*, batch: JointBatch, actor: User | None) -> bool:
    """Mark a locked batch carried out once none of its items waits and at least one was carried out. An item
    sent back since (no longer approved) leaves it, and joins a later batch once approved again."""
    if batch.status == BatchStatus.EXECUTED:
        return False
    statuses = dict(batch.items.values_list("recommendation_id", "recommendation__status"))
    done = sorted(pk for pk, status in statuses.items() if status in DONE_STATUSES)
    if not done or Status.APPROVED in statuses.values():
        return False
    dropped = sorted(set(statuses) - set(done))
    batch.items.filter(recommendation_id__in=dropped).delete()
    last = max(Recommendation.objects.filter(pk__in=done).values_list("executed_on", flat=True))
    BATCHES.apply(
        batch,
        actor=actor,
        name="complete",
        fields={"executed_on": last},
        executed=len(done),
        dropped=dropped,
        executed_on=last,
    )
    return True


@transaction.atomic
def batch_export_record(*, actor: User, batch: JointBatch, fmt: str) -> None:
    """Exports of the roster are audited (they carry names of the people cleared)."""
    audit_record(
        actor=actor, action="clarification.batch_export", target=batch, commission=batch.city, scope=batch, format=fmt
    )
