import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from clarification import services
from clarification.choices import BatchStatus, Status
from clarification.models import BatchItem, JointBatch, Recommendation
from clarification.selectors import batch_summary, batches_visible_to
from core.errors import DomainError
from core.models import JobRun

from .clarification_helpers import carry_out, concluded_report, draft, reviewers, to_approved

pytestmark = pytest.mark.django_db


def approved_recommendations(tree, zhanyi_intake_unused, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor):
    offices = reviewers(tree["zhanyi"], "zhanyi")
    report = concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)
    township = to_approved(
        draft(report, zhanyi_investigator, name="王某"), zhanyi_investigator, offices, zhanyi_supervisor
    )
    county = to_approved(
        draft(report, zhanyi_investigator, name="李某"), zhanyi_investigator, offices, qujing_supervisor
    )
    return township, county


@pytest.fixture
def approved(tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor):
    return approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)


def test_city_batch_holds_approved_clarifications_of_its_counties(tree, approved, qujing_supervisor):
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    assert batch.month == timezone.localdate().replace(day=1)
    assert set(batch.items.values_list("recommendation_id", flat=True)) == {r.pk for r in approved}
    summary = batch_summary(qujing_supervisor, batch)
    assert summary["people"] == 2 and summary["organisations"] == 0
    assert [g["county"] for g in summary["groups"]] == [tree["zhanyi"]]


def test_building_twice_gives_one_batch_with_each_item_once(tree, approved, qujing_supervisor):
    first = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    second = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    assert first.pk == second.pk
    assert JointBatch.objects.count() == 1 and BatchItem.objects.count() == 2


def test_only_a_city_supervisor_builds_by_hand(tree, approved, zhanyi_supervisor):
    with pytest.raises(DomainError) as refusal:
        services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=zhanyi_supervisor)
    assert refusal.value.code == "forbidden"
    assert JointBatch.objects.count() == 0


def test_batch_is_visible_to_the_city_and_its_counties_only(
    tree, approved, qujing_supervisor, zhanyi_supervisor, kunming_supervisor
):
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    assert batches_visible_to(qujing_supervisor).filter(pk=batch.pk).exists()
    assert batches_visible_to(zhanyi_supervisor).filter(pk=batch.pk).exists()
    assert not batches_visible_to(kunming_supervisor).filter(pk=batch.pk).exists()


def test_the_batch_is_carried_out_when_each_of_its_items_is(tree, approved, qujing_supervisor, zhanyi_investigator):
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    township, county = approved
    carry_out(batch, zhanyi_investigator, township)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT
    carry_out(batch, zhanyi_investigator, county)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXECUTED and batch.executed_on == timezone.localdate()
    assert set(Recommendation.objects.values_list("status", flat=True)) == {Status.EXECUTED}
    with pytest.raises(DomainError) as refusal:
        services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    assert refusal.value.code == "executed"


def test_monthly_job_runs_once_per_month_and_catches_up_a_missed_one(tree, approved):
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    two_months_ago = (first_of_month - datetime.timedelta(days=40)).replace(day=1)
    JobRun.objects.create(
        job=services.batches.JOB_NAME, period=two_months_ago, status="done", started_at=timezone.now()
    )
    results = services.batches_build_due(today)
    months = [r["month"] for r in results]
    last_month = (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    assert months == [last_month.strftime("%Y-%m"), first_of_month.strftime("%Y-%m")]
    assert JointBatch.objects.filter(city=tree["qujing"]).count() == 2
    assert JointBatch.objects.filter(city=tree["kunming"]).count() == 2
    again = services.batches_build_due(today)
    assert again == []
    assert JobRun.objects.filter(status="done").count() == 3


def test_monthly_task_runs_eagerly(tree, approved):
    from clarification.tasks import build_monthly_batches

    result = build_monthly_batches.delay().get()
    assert result[0]["batches"]["530300"] == 2
    assert build_monthly_batches.delay().get() == []


def test_management_command_builds_one_city(tree, approved, capsys):
    call_command("build_clarification_batches", "--city", "530300")
    assert JointBatch.objects.get(city=tree["qujing"]).items.count() == 2


def test_beat_schedule_is_in_the_database():
    from importlib import import_module

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # Transactional tests flush the data the migration wrote, so run it again (it is idempotent).
    import_module("clarification.migrations.0002_monthly_batch_schedule").create_schedule(apps, None)
    import_module("clarification.migrations.0002_monthly_batch_schedule").create_schedule(apps, None)
    task = PeriodicTask.objects.get(task="clarification.tasks.build_monthly_batches")
    assert task.crontab.day_of_month == "1" and str(task.crontab.timezone) == "Asia/Shanghai"


@pytest.mark.django_db(transaction=True)
def test_concurrent_builds_give_one_batch_without_duplicates(
    tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)
    barrier = threading.Barrier(4)
    errors = []

    def build():
        try:
            barrier.wait()
            services.batch_build(city=tree["qujing"], month=timezone.localdate())
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert JointBatch.objects.count() == 1
    assert BatchItem.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_monthly_jobs_run_the_month_once(tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor):
    approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)
    barrier = threading.Barrier(3)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(services.batches_build_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for r in results if r and not r[0].get("skipped")) == 1
    assert JobRun.objects.count() == 1 and JointBatch.objects.filter(city=tree["qujing"]).count() == 1
    assert AuditEvent.objects.filter(action="clarification.batch_build").count() == JointBatch.objects.count()


@pytest.mark.django_db(transaction=True)
def test_real_celery_worker_runs_the_monthly_task(tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor):
    from clarification.tasks import build_monthly_batches

    from .faults import RedisServer, celery_on, start_worker, stop_worker

    approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)
    redis = RedisServer().start()  # a broker of its own: no stale messages from other runs
    worker = None
    try:
        with celery_on(redis.url):
            worker = start_worker(redis.url)
            output = build_monthly_batches.apply_async().get(timeout=90)
            assert output[0]["batches"]["530300"] == 2
            batch = JointBatch.objects.get(city=tree["qujing"])
            assert batch.items.count() == 2
            assert JobRun.objects.filter(status="done").count() == 1
            # Delivered again (a redelivery after a lost worker): nothing more is built.
            assert build_monthly_batches.apply_async().get(timeout=60) == []
            assert BatchItem.objects.count() == 2
    finally:
        stop_worker(worker)
        redis.stop()
