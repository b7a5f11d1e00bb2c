"""Joint batches hold each clarification once (DESIGN.md §2, §6 "one record per act"): carried-out ones are never
in a later batch, one not carried out moves to the next month's batch visibly, and no batch is built ahead."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clarification import services
from clarification.choices import BatchStatus
from clarification.models import BatchItem, JointBatch
from core.errors import DomainError
from core.models import JobRun

from .clarification_helpers import carry_out, execute, last_month
from .test_clarification_batches import approved_recommendations

pytestmark = pytest.mark.django_db

FUTURE = datetime.date(2031, 1, 1)


@pytest.fixture
def approved(tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor):
    return approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)


def _build(tree, month, actor):
    return services.batch_build(city=tree["qujing"], month=month, actor=actor)


def _batches_of(recommendation) -> list[str]:
    return [
        f"{m:%Y-%m}"
        for m in BatchItem.objects.filter(recommendation=recommendation).values_list("batch__month", flat=True)
    ]


def test_a_clarification_belongs_to_one_batch_at_a_time(tree, approved, qujing_supervisor):
    earlier = _build(tree, last_month(), qujing_supervisor)
    current = _build(tree, timezone.localdate(), qujing_supervisor)
    for recommendation in approved:
        assert _batches_of(recommendation) == [f"{current.month:%Y-%m}"]
    assert earlier.items.count() == 0 and current.items.count() == 2
    # Rebuilding the earlier month does not take them back: they are already listed in a later month.
    _build(tree, last_month(), qujing_supervisor)
    assert earlier.items.count() == 0 and current.items.count() == 2


def test_the_database_holds_one_batch_per_clarification(tree, approved, qujing_supervisor):
    current = _build(tree, timezone.localdate(), qujing_supervisor)
    other = JointBatch.objects.create(city=tree["qujing"], month=last_month(), built_at=timezone.now())
    item = current.items.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItem.objects.create(
            batch=other, recommendation=item.recommendation, county=item.county, method=item.method
        )
    assert other.items.count() == 0


def test_carried_out_clarifications_are_never_in_a_later_batch(tree, approved, qujing_supervisor, zhanyi_investigator):
    earlier = _build(tree, last_month(), qujing_supervisor)
    carry_out(earlier, zhanyi_investigator, *approved)
    current = _build(tree, timezone.localdate(), qujing_supervisor)
    assert current.items.count() == 0
    assert sorted(earlier.items.values_list("recommendation_id", flat=True)) == sorted(r.pk for r in approved)


def test_a_clarification_carried_out_from_its_own_page_stays_in_its_batch(
    tree, approved, qujing_supervisor, zhanyi_investigator
):
    current = _build(tree, timezone.localdate(), qujing_supervisor)
    township, county = approved
    execute(township, zhanyi_investigator)  # recorded on the clarification's page: still the batch's item
    _build(tree, timezone.localdate(), qujing_supervisor)
    assert sorted(current.items.values_list("recommendation_id", flat=True)) == sorted([township.pk, county.pk])
    carry_out(current, zhanyi_investigator, county)
    current.refresh_from_db()
    assert current.status == BatchStatus.EXECUTED


def test_an_executed_batch_lists_only_what_it_carried_out(
    tree, approved, qujing_supervisor, zhanyi_investigator, zhanyi_supervisor
):
    earlier = _build(tree, last_month(), qujing_supervisor)
    township, county = approved
    services.recommendation_reopen(actor=zhanyi_investigator, recommendation=township, reason="更正澄清范围")
    carry_out(earlier, zhanyi_investigator, county)
    earlier.refresh_from_db()
    assert earlier.status == BatchStatus.EXECUTED
    assert list(earlier.items.values_list("recommendation_id", flat=True)) == [county.pk]
    event = AuditEvent.objects.get(action="clarification.batch_execute", target_id=str(earlier.pk))
    assert event.data["dropped"] == [township.pk]


def test_one_not_carried_out_moves_to_the_next_month_visibly(client, tree, approved, qujing_supervisor):
    earlier = _build(tree, last_month(), qujing_supervisor)
    current = _build(tree, timezone.localdate(), qujing_supervisor)
    source = f"{earlier.month:%Y-%m}"
    assert set(current.items.values_list("carried_from", flat=True)) == {earlier.month}
    assert AuditEvent.objects.filter(action="clarification.batch_carry_over", target_id=str(earlier.pk)).exists()

    client.force_login(qujing_supervisor)
    for name in ("clarification:batch-detail", "clarification:batch-print"):
        html = client.get(reverse(name, args=[current.pk])).content.decode()
        assert html.count(f"由{source}结转") == 2, name  # Chinese is the default language
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("clarification:batch-print", args=[current.pk])).content.decode()
    assert html.count(f"carried over from {source}") == 2

    api = APIClient()
    api.force_authenticate(qujing_supervisor)
    data = api.get(f"/api/clarification-batches/{current.pk}/").json()
    assert [item["carried_over_from"] for item in data["items"]] == [source, source]

    from openpyxl import load_workbook

    roster = client.get(reverse("clarification:batch-xlsx", args=[current.pk]))
    rows = list(load_workbook(io.BytesIO(roster.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1][-1] == "Carried over from" and [row[-1] for row in rows[2:4]] == [source, source]


def test_a_batch_for_a_future_month_is_refused(client, tree, approved, qujing_supervisor, capsys):
    with pytest.raises(DomainError) as refusal:
        _build(tree, FUTURE, qujing_supervisor)
    assert refusal.value.code == "future_month" and "2031-01" in refusal.value.message

    client.force_login(qujing_supervisor)
    response = client.post(
        reverse("clarification:batch-list"), {"city": tree["qujing"].pk, "month": "2031-01"}, follow=True
    )
    assert "msg-error" in response.content.decode() and "2031-01" in response.content.decode()

    api = APIClient()
    api.force_authenticate(qujing_supervisor)
    response = api.post(
        "/api/clarification-batches/build/", {"city": tree["qujing"].pk, "month": "2031-01-01"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "future_month"

    for args in (["--city", "530300", "--month", "2031-01"], ["--month", "2031-01"]):
        with pytest.raises(CommandError) as error:
            call_command("build_clarification_batches", *args)
        assert "2031-01" in str(error.value)
    with pytest.raises(CommandError) as error:
        call_command("build_clarification_batches", "--month", "2031-13")
    assert "YYYY-MM" in str(error.value)

    assert not JointBatch.objects.exists() and not JobRun.objects.exists()


def test_executing_a_batch_with_carried_over_items(tree, approved, qujing_supervisor, zhanyi_investigator):
    _build(tree, last_month(), qujing_supervisor)
    current = _build(tree, timezone.localdate(), qujing_supervisor)
    carry_out(current, zhanyi_investigator, *approved)
    current.refresh_from_db()
    assert current.status == BatchStatus.EXECUTED and current.items.count() == 2


def test_migration_leaves_each_clarification_in_one_batch(tree, approved, qujing_supervisor, zhanyi_investigator):
    """The data written before the rule (the same clarification in every later batch) is cleaned up once."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    township, county = approved
    september = (last_month() - datetime.timedelta(days=1)).replace(day=1)
    batches = [
        JointBatch.objects.create(city=tree["qujing"], month=m, built_at=timezone.now())
        for m in (september, last_month(), timezone.localdate().replace(day=1))
    ]
    with connection.cursor() as cursor:  # as the table was before the constraint (rolled back with the test)
        cursor.execute("ALTER TABLE clarification_batchitem DROP CONSTRAINT clar_batch_item_one_batch")
    for batch in batches:
        for r in approved:
            BatchItem.objects.create(batch=batch, recommendation=r, county=r.commission, method=r.method)
    # September's meeting carried out the township official; the later batches still listed him.
    execute(township, zhanyi_investigator)
    JointBatch.objects.filter(pk=batches[0].pk).update(status="executed", executed_on=timezone.localdate())

    import_module("clarification.migrations.0006_batch_item_one_batch").keep_one_item_each(apps, None)

    assert list(BatchItem.objects.filter(recommendation=township).values_list("batch", "carried_from")) == [
        (batches[0].pk, None)
    ]
    assert list(BatchItem.objects.filter(recommendation=county).values_list("batch", "carried_from")) == [
        (batches[2].pk, last_month())
    ]
