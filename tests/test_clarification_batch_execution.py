"""Issue 15: each clarification of the city's joint batch records its own execution, by its own commission
(DESIGN.md §6 "one record per act"); the batch only groups them and is carried out when all its items are."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from cases.choices import Category, Finding, Rank, SubjectKind
from cases.services import AllegationInput, SubjectInput
from clarification import services
from clarification.choices import Audience, BatchStatus, Method, Status
from clarification.models import JointBatch, Recommendation
from clarification.selectors import batch_summary
from core.errors import DomainError

from .cases_helpers import register, to_concluded, zhanyi_official
from .clarification_helpers import draft, last_month, reviewers, to_approved
from .factories import member

pytestmark = pytest.mark.django_db

ZHANYI_PLACE = "沾益区纪委监委二楼会议室"
QILIN_PLACE = "麒麟区第一中学会议室"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def qilin_supervisor(tree):
    return member("qilin-supervisor", tree["qilin"], Role.SUPERVISOR)


@pytest.fixture
def zhanyi_rec(tree, zhanyi_supervisor, zhanyi_investigator):
    offices = reviewers(tree["zhanyi"], "zhanyi")
    report = register(
        offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(
                text="随意取消中标结果",
                category=Category.WORK,
                new_subject=zhanyi_official("沾益甲某", Rank.TOWNSHIP_SECTION),
            )
        ],
    ).report
    to_concluded(report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,))
    return to_approved(
        draft(report, zhanyi_investigator, name="沾益甲某"), zhanyi_investigator, offices, zhanyi_supervisor
    )


@pytest.fixture
def qilin_rec(tree, qilin_supervisor, qilin_investigator):
    offices = reviewers(tree["qilin"], "qilin")
    teacher = SubjectInput(
        kind=SubjectKind.PERSON, name="麒麟丙某", position="副校长", unit="麒麟区第一中学", rank=Rank.TOWNSHIP_SECTION
    )
    report = register(
        offices["letters_visits"],
        tree["qilin"],
        allegations=[AllegationInput(text="违规收取择校费", category=Category.INTEGRITY, new_subject=teacher)],
    ).report
    to_concluded(report, qilin_supervisor, qilin_investigator, findings=(Finding.UNSUBSTANTIATED,))
    return to_approved(
        draft(report, qilin_investigator, name="麒麟丙某", method=Method.WRITTEN, audience=Audience.PERSON),
        qilin_investigator,
        offices,
        qilin_supervisor,
    )


@pytest.fixture
def batch(tree, zhanyi_rec, qilin_rec, qujing_supervisor):
    return services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)


def record(actor, batch, recommendation, **kwargs):
    return services.batch_item_execute(
        actor=actor,
        batch=batch,
        recommendation=recommendation,
        executed_on=kwargs.pop("executed_on", timezone.localdate()),
        place=kwargs.pop("place", ZHANYI_PLACE),
        participants=kwargs.pop("participants", "区纪委监委分管领导、被澄清人所在单位班子成员"),
        **kwargs,
    )


def _progress(user, batch) -> list[tuple[str, int, int]]:
    return [(p["county"].division_code, p["done"], p["total"]) for p in batch_summary(user, batch)["progress"]]


def _nothing_written(batch, *recommendations) -> None:
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT and batch.executed_on is None
    for recommendation in recommendations:
        recommendation.refresh_from_db()
        assert recommendation.status == Status.APPROVED and recommendation.executed_on is None
        assert recommendation.execution_place == "" and recommendation.executed_by is None
    assert not AuditEvent.objects.filter(action__in=["clarification.execute", "clarification.batch_execute"]).exists()


# --- the defect: one stamp for every county --------------------------------------------------------------


def test_each_county_records_its_own_execution_in_the_city_batch(
    tree, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qilin_investigator, qujing_supervisor
):
    """Before: the city marked the batch executed and Qilin's teacher was recorded as cleared in Zhanyi's
    meeting room by the city's supervisor. Now each county records its own act."""
    record(zhanyi_investigator, batch, zhanyi_rec, place=ZHANYI_PLACE, participants="沾益区应急管理局班子成员")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT
    assert _progress(qujing_supervisor, batch) == [("530302", 0, 1), ("530303", 1, 1)]

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Recommendation.objects.filter(pk=qilin_rec.pk).update(decided_at=timezone.now() - datetime.timedelta(days=2))
    record(qilin_investigator, batch, qilin_rec, place=QILIN_PLACE, participants="校长、本人", executed_on=yesterday)

    zhanyi_rec.refresh_from_db()
    qilin_rec.refresh_from_db()
    assert (zhanyi_rec.execution_place, zhanyi_rec.executed_by, zhanyi_rec.executed_on) == (
        ZHANYI_PLACE,
        zhanyi_investigator,
        timezone.localdate(),
    )
    assert (qilin_rec.execution_place, qilin_rec.executed_by, qilin_rec.executed_on) == (
        QILIN_PLACE,
        qilin_investigator,
        yesterday,
    )
    participants = (zhanyi_rec.execution_participants, qilin_rec.execution_participants)
    assert participants == ("沾益区应急管理局班子成员", "校长、本人")
    # The approved method and audience, each its own.
    assert (qilin_rec.execution_method, qilin_rec.execution_audience) == (Method.WRITTEN, Audience.PERSON)
    assert (zhanyi_rec.execution_method, zhanyi_rec.execution_audience) == (Method.MEETING, Audience.UNIT)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXECUTED and batch.executed_on == timezone.localdate()
    assert _progress(qujing_supervisor, batch) == [("530302", 1, 1), ("530303", 1, 1)]
    executions = AuditEvent.objects.filter(action="clarification.execute").order_by("id")
    assert [(e.actor_id, e.data["batch"]) for e in executions] == [
        (zhanyi_investigator.pk, batch.pk),
        (qilin_investigator.pk, batch.pk),
    ]
    completed = AuditEvent.objects.get(action="clarification.batch_execute", target_id=str(batch.pk))
    assert completed.actor_id == qilin_investigator.pk and completed.data["executed"] == 2


def test_city_supervisor_cannot_stamp_a_countys_clarification(batch, zhanyi_rec, qilin_rec, qujing_supervisor):
    with pytest.raises(DomainError) as refusal:
        record(qujing_supervisor, batch, qilin_rec)
    assert refusal.value.code == "forbidden" and "麒麟区纪委监委" in refusal.value.message
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_the_one_stamp_for_the_whole_batch_is_gone(client, batch, zhanyi_rec, qilin_rec, qujing_supervisor):
    client.force_login(qujing_supervisor)
    data = {"executed_on": timezone.localdate().isoformat(), "place": "曲靖市纪委会议室"}
    response = client.post(reverse("clarification:batch-action", args=[batch.pk, "execute"]), data)
    assert response.status_code == 404
    response = api(qujing_supervisor).post(f"/api/clarification-batches/{batch.pk}/execute/", data, format="json")
    assert response.status_code == 404
    assert not hasattr(services, "batch_execute")
    _nothing_written(batch, zhanyi_rec, qilin_rec)


# --- refusals that write nothing --------------------------------------------------------------------------


def test_a_sibling_county_cannot_record_another_countys_clarification(
    client, batch, zhanyi_rec, qilin_rec, qilin_investigator
):
    with pytest.raises(DomainError) as refusal:
        record(qilin_investigator, batch, zhanyi_rec)
    assert refusal.value.code == "forbidden"
    # Through the page and the API the item is out of reach: the same answer as an item that does not exist.
    client.force_login(qilin_investigator)
    form = {"recommendation": zhanyi_rec.pk, "executed_on": timezone.localdate().isoformat(), "place": "x"}
    response = client.post(reverse("clarification:batch-action", args=[batch.pk, "execute-item"]), form)
    assert response.status_code == 404
    response = api(qilin_investigator).post(f"/api/clarification-batches/{batch.pk}/execute-item/", form, format="json")
    assert response.status_code == 404
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_a_user_of_the_commission_without_the_role_cannot_record(tree, batch, zhanyi_rec, qilin_rec):
    intake = member("zhanyi-intake-2", tree["zhanyi"], Role.INTAKE, "letters_visits")
    with pytest.raises(DomainError) as refusal:
        record(intake, batch, zhanyi_rec)
    assert refusal.value.code == "forbidden"
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_the_approved_method_and_audience_stay_frozen(batch, zhanyi_rec, qilin_rec, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, batch, zhanyi_rec, method_used=Method.WRITTEN)
    assert refusal.value.code == "frozen"
    # Even a narrower audience is a change of what was approved for the joint clarification.
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, batch, zhanyi_rec, audience_reached=Audience.PERSON)
    assert refusal.value.code == "frozen"
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_a_clarification_not_approved_any_more_cannot_be_recorded(batch, zhanyi_rec, qilin_rec, zhanyi_investigator):
    services.recommendation_reopen(actor=zhanyi_investigator, recommendation=zhanyi_rec, reason="更正澄清范围")
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, batch, zhanyi_rec)
    assert refusal.value.code == "wrong_state"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT
    assert not AuditEvent.objects.filter(action="clarification.execute").exists()


def test_a_clarification_of_another_batch_is_refused(tree, batch, zhanyi_rec, zhanyi_investigator, qujing_supervisor):
    other = JointBatch.objects.create(city=tree["qujing"], month=last_month(), built_at=timezone.now())
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, other, zhanyi_rec)
    assert refusal.value.code == "not_in_batch"
    zhanyi_rec.refresh_from_db()
    assert zhanyi_rec.status == Status.APPROVED


def test_recording_twice_is_refused(batch, zhanyi_rec, qilin_rec, zhanyi_investigator):
    record(zhanyi_investigator, batch, zhanyi_rec)
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, batch, zhanyi_rec, place="另一个会议室")
    assert refusal.value.code == "wrong_state"
    zhanyi_rec.refresh_from_db()
    assert zhanyi_rec.execution_place == ZHANYI_PLACE
    assert AuditEvent.objects.filter(action="clarification.execute").count() == 1


@pytest.mark.parametrize(
    ("days", "code"),
    [(1, "future_date"), (-1, "before_approval")],
    ids=["in-the-future", "before-the-approval"],
)
def test_bad_dates_are_refused(batch, zhanyi_rec, qilin_rec, zhanyi_investigator, days, code):
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, batch, zhanyi_rec, executed_on=timezone.localdate() + datetime.timedelta(days=days))
    assert refusal.value.code == code
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_the_place_is_required(batch, zhanyi_rec, qilin_rec, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        record(zhanyi_investigator, batch, zhanyi_rec, place="  ")
    assert refusal.value.code == "required"
    _nothing_written(batch, zhanyi_rec, qilin_rec)


# --- the clarification's own page and service follow the same rule ----------------------------------------


def test_executing_from_the_clarification_records_it_in_its_batch(
    batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qujing_supervisor
):
    with pytest.raises(DomainError) as refusal:  # a leader above may not record a county's act for it
        services.clarification_execute(
            actor=qujing_supervisor,
            recommendation=zhanyi_rec,
            executed_on=timezone.localdate(),
            place="曲靖市纪委会议室",
            participants="",
            method_used=zhanyi_rec.method,
            audience_reached=zhanyi_rec.audience,
        )
    assert refusal.value.code == "forbidden"
    services.clarification_execute(
        actor=zhanyi_investigator,
        recommendation=zhanyi_rec,
        executed_on=timezone.localdate(),
        place=ZHANYI_PLACE,
        participants="",
        method_used=zhanyi_rec.method,
        audience_reached=zhanyi_rec.audience,
    )
    event = AuditEvent.objects.get(action="clarification.execute")
    assert event.data["batch"] == batch.pk
    assert _progress(qujing_supervisor, batch) == [("530302", 0, 1), ("530303", 1, 1)]


def test_intake_gives_feedback_per_clarification_once_it_is_carried_out(
    tree, batch, zhanyi_rec, qilin_rec, zhanyi_investigator
):
    intake = User.objects.get(username="zhanyi-intake")
    record(zhanyi_investigator, batch, zhanyi_rec)
    services.clarification_feedback(
        actor=intake, recommendation=zhanyi_rec, text="已澄清", method="phone", given_on=timezone.localdate()
    )
    qilin_intake = User.objects.get(username="qilin-intake")
    with pytest.raises(DomainError) as refusal:  # Qilin's is not carried out yet: no feedback on it
        services.clarification_feedback(
            actor=qilin_intake, recommendation=qilin_rec, text="已澄清", method="phone", given_on=timezone.localdate()
        )
    assert refusal.value.code == "wrong_state"


# --- months: carried-over items, and a batch left with only carried-out items -------------------------------


def test_a_batch_is_carried_out_once_the_rest_moves_to_the_next_month(
    tree, zhanyi_rec, qilin_rec, zhanyi_investigator, qujing_supervisor
):
    earlier = services.batch_build(city=tree["qujing"], month=last_month(), actor=qujing_supervisor)
    record(zhanyi_investigator, earlier, zhanyi_rec)
    current = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    assert list(current.items.values_list("recommendation_id", "carried_from")) == [(qilin_rec.pk, earlier.month)]
    earlier.refresh_from_db()
    assert earlier.status == BatchStatus.EXECUTED
    assert list(earlier.items.values_list("recommendation_id", flat=True)) == [zhanyi_rec.pk]


def test_rebuilding_keeps_the_items_already_carried_out(
    tree, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qujing_supervisor
):
    record(zhanyi_investigator, batch, zhanyi_rec)
    services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    assert sorted(batch.items.values_list("recommendation_id", flat=True)) == sorted([zhanyi_rec.pk, qilin_rec.pk])


# --- pages ---------------------------------------------------------------------------------------------------


def _execute_item_form(recommendation, **overrides):
    return {
        "recommendation": recommendation.pk,
        "executed_on": timezone.localdate().isoformat(),
        "place": ZHANYI_PLACE,
        "participants": "区纪委监委分管领导",
        **overrides,
    }


def test_batch_page_shows_progress_per_commission_and_a_form_for_own_items_only(
    client, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qujing_supervisor
):
    client.force_login(zhanyi_investigator)
    html = client.get(reverse("clarification:batch-detail", args=[batch.pk])).content.decode()
    assert f'data-execute-item="{zhanyi_rec.pk}"' in html and "data-execute-item=" + f'"{qilin_rec.pk}"' not in html
    assert 'data-progress="530303"' in html and 'data-progress="530302"' in html
    assert "麒麟丙某" not in html  # the sibling's item is a count only

    client.force_login(qujing_supervisor)  # the city sees everything, records nothing
    html = client.get(reverse("clarification:batch-detail", args=[batch.pk])).content.decode()
    assert "data-execute-item=" not in html and "麒麟丙某" in html


def test_batch_page_records_a_countys_execution(client, batch, zhanyi_rec, qilin_rec, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    url = reverse("clarification:batch-action", args=[batch.pk, "execute-item"])
    response = client.post(url, _execute_item_form(zhanyi_rec), follow=True)
    assert "msg-success" in response.content.decode()
    zhanyi_rec.refresh_from_db()
    assert zhanyi_rec.status == Status.EXECUTED and zhanyi_rec.execution_place == ZHANYI_PLACE
    html = response.content.decode()
    assert ZHANYI_PLACE in html and 'data-progress="530303"' in html

    response = client.post(url, _execute_item_form(zhanyi_rec, place="又一次"), follow=True)
    assert "msg-error" in response.content.decode()
    zhanyi_rec.refresh_from_db()
    assert zhanyi_rec.execution_place == ZHANYI_PLACE


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"executed_on": "2099-01-01"}, "不能晚于今天"),
        ({"executed_on": "yesterday"}, "实施日期"),
        ({"place": ""}, "地点"),
    ],
    ids=["future", "not-a-date", "no-place"],
)
def test_batch_page_refusals_write_nothing(
    client, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, overrides, message
):
    client.force_login(zhanyi_investigator)
    url = reverse("clarification:batch-action", args=[batch.pk, "execute-item"])
    response = client.post(url, _execute_item_form(zhanyi_rec, **overrides), follow=True)
    html = response.content.decode()
    assert "msg-error" in html and message in html
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_clarification_page_tells_the_batch_and_keeps_method_and_audience_fixed(
    client, batch, zhanyi_rec, zhanyi_investigator, qujing_supervisor
):
    client.force_login(zhanyi_investigator)
    response = client.get(reverse("clarification:detail", args=[zhanyi_rec.pk]))
    html = response.content.decode()
    assert 'id="batch-execution"' in html and batch.month.strftime("%Y-%m") in html
    assert 'name="method_used"' not in html and 'name="audience_reached"' not in html
    response = client.post(
        reverse("clarification:action", args=[zhanyi_rec.pk, "execute"]),
        {"executed_on": timezone.localdate().isoformat(), "place": ZHANYI_PLACE, "method_used": "written"},
        follow=True,
    )
    assert "msg-error" in response.content.decode()
    zhanyi_rec.refresh_from_db()
    assert zhanyi_rec.status == Status.APPROVED
    response = client.post(
        reverse("clarification:action", args=[zhanyi_rec.pk, "execute"]),
        {"executed_on": timezone.localdate().isoformat(), "place": ZHANYI_PLACE},
        follow=True,
    )
    assert "msg-success" in response.content.decode()
    zhanyi_rec.refresh_from_db()
    assert zhanyi_rec.status == Status.EXECUTED and zhanyi_rec.execution_method == Method.MEETING

    client.force_login(qujing_supervisor)  # the city leader sees it but is not offered the county's act
    html = client.get(reverse("clarification:detail", args=[zhanyi_rec.pk])).content.decode()
    assert 'action="' + reverse("clarification:action", args=[zhanyi_rec.pk, "execute"]) not in html


def test_batch_pages_in_english(client, batch, zhanyi_rec, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("clarification:batch-detail", args=[batch.pk])).content.decode()
    assert "Progress per commission" in html and "Record execution" in html


# --- API -------------------------------------------------------------------------------------------------------


def test_api_records_a_countys_execution_and_shows_progress(
    tree, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qilin_investigator
):
    url = f"/api/clarification-batches/{batch.pk}/execute-item/"
    body = {"recommendation": zhanyi_rec.pk, "executed_on": timezone.localdate().isoformat(), "place": ZHANYI_PLACE}
    response = api(zhanyi_investigator).post(url, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "built"
    assert [(p["commission"], p["done"], p["total"]) for p in data["progress"]] == [
        (tree["qilin"].pk, 0, 1),
        (tree["zhanyi"].pk, 1, 1),
    ]
    [item] = data["items"]
    assert (item["execution_place"], item["executed_by"], item["status"]) == (
        ZHANYI_PLACE,
        str(zhanyi_investigator),
        "executed",
    )
    # Twice: refused with its code, nothing changed.
    again = api(zhanyi_investigator).post(url, {**body, "place": "又一次"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "wrong_state"
    # The sibling sees Zhanyi's progress as counts, never its place.
    sibling = api(qilin_investigator).get(f"/api/clarification-batches/{batch.pk}/")
    assert ZHANYI_PLACE not in sibling.content.decode()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"executed_on": "2099-01-01"}, "future_date"),
        ({"method_used": "written"}, "frozen"),
        ({"audience_reached": "person"}, "frozen"),
        ({"executed_on": "yesterday"}, None),
        ({"place": ""}, None),
    ],
    ids=["future", "method", "audience", "not-a-date", "no-place"],
)
def test_api_refusals_write_nothing(batch, zhanyi_rec, qilin_rec, zhanyi_investigator, overrides, code):
    body = {"recommendation": zhanyi_rec.pk, "executed_on": timezone.localdate().isoformat(), "place": ZHANYI_PLACE}
    response = api(zhanyi_investigator).post(
        f"/api/clarification-batches/{batch.pk}/execute-item/", {**body, **overrides}, format="json"
    )
    assert response.status_code == 400, response.content
    if code:
        assert response.json()["code"] == code
    else:  # the input's shape: the field is named
        assert [e["attr"] for e in response.json()["errors"]] == list(overrides)
    _nothing_written(batch, zhanyi_rec, qilin_rec)


def test_api_city_supervisor_is_refused(batch, zhanyi_rec, qilin_rec, qujing_supervisor):
    body = {"recommendation": zhanyi_rec.pk, "executed_on": timezone.localdate().isoformat(), "place": "市纪委"}
    response = api(qujing_supervisor).post(f"/api/clarification-batches/{batch.pk}/execute-item/", body, format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    _nothing_written(batch, zhanyi_rec, qilin_rec)


# --- print and XLSX roster ------------------------------------------------------------------------------------


def test_roster_shows_each_commissions_execution(
    client, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qujing_supervisor
):
    from openpyxl import load_workbook

    record(zhanyi_investigator, batch, zhanyi_rec, place=ZHANYI_PLACE)
    client.force_login(qujing_supervisor)
    html = client.get(reverse("clarification:batch-print", args=[batch.pk])).content.decode()
    assert ZHANYI_PLACE in html and 'data-progress="530303"' in html
    roster = client.get(reverse("clarification:batch-xlsx", args=[batch.pk]))
    rows = list(load_workbook(io.BytesIO(roster.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    header = list(rows[1])
    by_reference = {row[2]: dict(zip(header, row, strict=False)) for row in rows[2:] if row and row[2]}
    zhanyi_row, qilin_row = by_reference[zhanyi_rec.reference], by_reference[qilin_rec.reference]
    assert (zhanyi_row["实施日期"], zhanyi_row["地点"], zhanyi_row["实施人"]) == (
        timezone.localdate().isoformat(),
        ZHANYI_PLACE,
        str(zhanyi_investigator),
    )
    assert qilin_row["地点"] in (None, "")
    # Progress per commission, for the whole batch (counts only).
    assert ("沾益区纪委监委", "1/1") in [tuple(row[:2]) for row in rows if row]
    assert ("麒麟区纪委监委", "0/1") in [tuple(row[:2]) for row in rows if row]


# --- the data migration -------------------------------------------------------------------------------------


def test_migration_copies_the_batch_stamp_to_items_without_their_own(
    tree, batch, zhanyi_rec, qilin_rec, zhanyi_investigator, qujing_supervisor
):
    from importlib import import_module

    from django.apps import apps

    record(zhanyi_investigator, batch, zhanyi_rec, place=ZHANYI_PLACE)
    # An item carried out before the change, with the batch's stamp only (its own fields left empty).
    Recommendation.objects.filter(pk=qilin_rec.pk).update(
        status=Status.EXECUTED, executed_on=timezone.localdate(), execution_place="", executed_by=None
    )
    stamp = {"executed_on": timezone.localdate(), "place": "曲靖市纪委会议室", "participants": "各县区代表"}
    import_module("clarification.migrations.0007_batch_item_execution").copy_stamp_to_items(
        apps, None, stamps={batch.pk: {**stamp, "executed_by_id": qujing_supervisor.pk}}
    )
    zhanyi_rec.refresh_from_db()
    qilin_rec.refresh_from_db()
    assert zhanyi_rec.execution_place == ZHANYI_PLACE and zhanyi_rec.executed_by == zhanyi_investigator
    assert (qilin_rec.execution_place, qilin_rec.execution_participants, qilin_rec.executed_by) == (
        "曲靖市纪委会议室",
        "各县区代表",
        qujing_supervisor,
    )
    assert (qilin_rec.execution_method, qilin_rec.execution_audience) == (Method.WRITTEN, Audience.PERSON)
