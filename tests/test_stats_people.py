"""People are counted as people (issue 14): one month with repeat subjects, a revoked decision, a changed decision
and late edits after publication, every figure and drill-down checked against the counts made by hand below.

Last month, at the Zhanyi district commission (built with the clock set to that month, through the services):

  clarifications  report 1: 王某, 沾益区应急管理局党组          report 2: 王某 again, the 党组 again, 张某
                  -> 5 clarifications: 3 of people (王某 twice, 张某), 2 of one party organisation
                  -> people clarified 2, party organisations clarified 1
  accountability  case A: 李某 (first form) and 沾益区林草局党组 (organisation measure, no form)
                  case B: 李某 again (first form)
                  case C: 赵某 (first form), revoked on complaint
                  case D: 钱某 (second form), changed on complaint to the first form (admonition)
                  -> decisions holding to account: 李某 x2, 钱某's corrected decision, the 林草局党组 = 4
                     (3 on people, 1 on an organisation; by form: first 3, second 0, no form 1)
                  -> people held accountable 2 (李某, 钱某), party organisations 1
                  -> decisions taken (originals that took effect, revoked and changed included) 5

The month is published; then, late: 孙某 is cleared with a clarification dated last month, and 李某's decision in
case B is revoked on a complaint received last month.
  live: people clarified 3, clarifications of people 4; people held accountable still 2 (李某 by case A),
        decisions on people 2
  published: unchanged, and its drill-downs list the items counted then (李某's revoked decision included).
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accountability import services as acc
from accountability.choices import DecisionStatus, Form, Measure
from accountability.models import Decision
from cases.choices import Category, Finding, OrganisationKind, Rank, SubjectKind
from cases.services import AllegationInput, SubjectInput
from clarification.models import Recommendation
from stats import drilldown
from stats.figures import collect, count_values, figures_for, parse_key
from stats.models import Snapshot, SnapshotItems
from stats.periods import month_end, month_period, previous_month
from stats.services import snapshot_take

from .cases_helpers import to_concluded
from .clarification_helpers import draft, execute, reviewers, to_approved
from .stats_helpers import _report
from .test_accountability_workflow import FIRST_FORM, ORGANISATION_DECISION, assess, initiate, musts, person

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
PARTY_GROUP = "沾益区应急管理局党组"
FORESTRY_GROUP = "沾益区林草局党组"


def _at(day: int, hour: int = 10):
    """The clock on that day of last month."""
    month = previous_month()
    return time_machine.travel(datetime.datetime(month.year, month.month, day, hour, tzinfo=ZONE), tick=True)


def _person(name):
    return SubjectInput(kind=SubjectKind.PERSON, name=name, unit="沾益区某局", rank=Rank.TOWNSHIP_SECTION)


def _allegation(text, *, new=None, subject=None):
    return AllegationInput(text=text, category=Category.INTEGRITY, new_subject=new, subject=subject)


def _clear(report, names, investigator, offices, supervisor, on_day):
    for name in names:
        recommendation = draft(report, investigator, name=name)
        to_approved(recommendation, investigator, offices, supervisor)
        execute(recommendation, investigator, executed_on=on_day)


def _decide(supervisor, case, data=FIRST_FORM):
    acc.case_start_investigation(actor=supervisor, case=case)
    decisions = []
    for target in case.targets.all():
        musts(supervisor, target)
        assess(supervisor, target)
        chosen = ORGANISATION_DECISION if target.kind == SubjectKind.ORGANISATION else data
        decision = acc.decision_propose(actor=supervisor, target=target, data=chosen)
        acc.decision_approve(actor=supervisor, decision=decision)
        decision.refresh_from_db()
        decisions.append(decision)
    return decisions


def _complain(decision, supervisor, reviewer, outcome, correction=None, received_on=None):
    complaint = acc.complaint_lodge(
        actor=supervisor,
        decision=decision,
        grounds="认为处理不当",
        received_on=received_on or timezone.localdate(),
    )
    acc.complaint_review(actor=reviewer, complaint=complaint, opinion="复查意见", recommendation=outcome)
    acc.complaint_resolve(
        actor=supervisor, complaint=complaint, outcome=outcome, reasons="经复查", correction=correction
    )


@pytest.fixture
def month(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    zhanyi = tree["zhanyi"]
    offices = reviewers(zhanyi, "zy")
    reviewer = offices["case_management"]
    with _at(10):
        today = timezone.localdate()
        first = _report(
            zhanyi_intake,
            zhanyi,
            "letter",
            [
                _allegation("违规发放补贴", new=_person("王某")),
                _allegation(
                    "落实主体责任不力",
                    new=SubjectInput(
                        kind=SubjectKind.ORGANISATION,
                        name=PARTY_GROUP,
                        organisation_kind=OrganisationKind.PARTY_ORGANISATION,
                    ),
                ),
            ],
            days_ago=1,
        )
        to_concluded(first, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,) * 2)
        wang = first.allegations.get(subject__name="王某").subject
        group = first.allegations.get(subject__name=PARTY_GROUP).subject
        second = _report(
            zhanyi_intake,
            zhanyi,
            "phone",
            [
                _allegation("收受礼金", subject=wang),
                _allegation("违规决策", subject=group),
                _allegation("优亲厚友", new=_person("张某")),
            ],
            days_ago=1,
        )
        to_concluded(second, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,) * 3)
        _clear(first, ["王某", PARTY_GROUP], zhanyi_investigator, offices, zhanyi_supervisor, today)
        _clear(second, ["王某", PARTY_GROUP, "张某"], zhanyi_investigator, offices, zhanyi_supervisor, today)

        li = person(zhanyi, name="李某")
        forestry = _organisation(zhanyi, FORESTRY_GROUP)
        case_a = _decide(zhanyi_supervisor, initiate(zhanyi_supervisor, zhanyi, [li, forestry]))
        (li_b,) = _decide(zhanyi_supervisor, initiate(zhanyi_supervisor, zhanyi, [li]))
        (zhao,) = _decide(zhanyi_supervisor, initiate(zhanyi_supervisor, zhanyi, [person(zhanyi, name="赵某")]))
        second_form = acc.DecisionInput(
            form=Form.SECOND, measures=[Measure.ORGANISATIONAL_ADJUSTMENT], deciding_organ="沾益区纪委监委"
        )
        qian_case = initiate(zhanyi_supervisor, zhanyi, [person(zhanyi, name="钱某")])
        (qian,) = _decide(zhanyi_supervisor, qian_case, second_form)
        _complain(zhao, zhanyi_supervisor, reviewer, "revoked")
        admonition = acc.DecisionInput(form=Form.FIRST, measures=[Measure.ADMONITION], deciding_organ="沾益区纪委监委")
        _complain(qian, zhanyi_supervisor, reviewer, "changed", correction=admonition)
        # Something of this month too, so the current month has items of its own.
    return {
        "first": first,
        "second": second,
        "li_a": next(d for d in case_a if d.target_kind == SubjectKind.PERSON),
        "forestry": next(d for d in case_a if d.target_kind == SubjectKind.ORGANISATION),
        "li_b": li_b,
        "zhao": zhao,
        "qian": qian,
        "offices": offices,
        "reviewer": reviewer,
    }


def _organisation(commission, name):
    from .test_accountability_workflow import organisation

    return organisation(commission, name=name)


def _late_edits(tree, data, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    """After publication: 孙某 cleared with a clarification dated last month; 李某's case-B decision revoked on a
    complaint received last month."""
    with _at(20):
        late = _report(
            zhanyi_intake, tree["zhanyi"], "online", [_allegation("吃拿卡要", new=_person("孙某"))], days_ago=1
        )
        to_concluded(late, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,))
        _clear(late, ["孙某"], zhanyi_investigator, data["offices"], zhanyi_supervisor, timezone.localdate())
    received = data["li_b"].notified_on + datetime.timedelta(days=3)
    _complain(data["li_b"], zhanyi_supervisor, data["reviewer"], "revoked", received_on=received)


PUBLISHED = {
    "clarified": 3,
    "clarified|subject__kind=person": 2,
    "clarified|subject__kind=organisation": 1,
    "clarifications": 5,
    "clarifications|subject__kind=person": 3,
    "clarifications|subject__kind=organisation": 2,
    "accountable": 3,
    "accountable|target_kind=person": 2,
    "accountable|target_kind=organisation": 1,
    "held": 4,
    "held|target_kind=person": 3,
    "held|target_kind=organisation": 1,
    "held|form=1": 3,
    "held|form=2": 0,
    "held|form=": 1,
    "assessed": 5,
}
LIVE = {
    **PUBLISHED,
    "clarified": 4,
    "clarified|subject__kind=person": 3,
    "clarifications": 6,
    "clarifications|subject__kind=person": 4,
    "held": 3,
    "held|target_kind=person": 2,
    "held|form=1": 2,
}


def _values(values: dict) -> dict:
    return {key: values.get(key, 0) for key in PUBLISHED}


def _month_figures(commission, subtree=True):
    start = previous_month()
    return figures_for(commission, start, month_end(start), subtree=subtree)


def test_people_and_organisations_are_counted_once_each(month, tree):
    assert _values(_month_figures(tree["zhanyi"], subtree=False).values) == PUBLISHED
    assert _values(_month_figures(tree["qujing"]).values) == PUBLISHED  # rolled up: the same, nothing twice


def test_a_revoked_decision_does_not_count_as_held_accountable(month, tree):
    held = _month_figures(tree["zhanyi"])
    assert month["zhao"].target.subject.name == "赵某"
    kept_names = {d.target.subject.name for d in Decision.objects.filter(pk__in=_ids(tree, "held"))}
    assert kept_names == {"李某", "钱某", FORESTRY_GROUP}
    assert held.value("held|target_kind=person") == 3 and held.value("accountable|target_kind=person") == 2


def _ids(tree, key, subtree=True):
    start = previous_month()
    return collect(tree["zhanyi"], start, month_end(start), subtree=subtree)[1].get(key, [])


def test_what_a_snapshot_keeps_equals_what_the_dashboard_counts(month, tree):
    """The snapshot counts from the ids it keeps; the live dashboard from one GROUP BY per source: the same."""
    start = previous_month()
    for commission in (tree["zhanyi"], tree["qujing"], tree["yunnan"]):
        for subtree in (False, True):
            kept, ids = collect(commission, start, month_end(start), subtree=subtree)
            assert kept == count_values(commission, start, month_end(start), subtree=subtree)
            assert all(len(ids[key]) == n for key, n in kept.items() if n)


def _items(client, commission, key, month_start, **params):
    query = urlencode({"period": "month", "month": month_start.strftime("%Y-%m"), "key": key, **params})
    response = client.get(reverse("stats:items", args=[commission.pk]) + "?" + query)
    assert response.status_code == 200
    return response


def _titles(response) -> list[str]:
    return sorted(item.title for item in response.context["rows"])


def test_published_figures_drill_down_to_the_items_counted_then(
    client, month, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    start = previous_month()
    for commission in (tree["zhanyi"], tree["qujing"]):
        snapshot_take(commission=commission, month=start)
    _late_edits(tree, month, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)

    snapshot = Snapshot.objects.get(commission=tree["qujing"], month=start)
    assert snapshot.items_kept and _values(snapshot.figures["subtree"]) == PUBLISHED
    assert _values(_month_figures(tree["qujing"]).values) == LIVE

    client.force_login(qujing_supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    qujing = tree["qujing"]
    people = _items(client, qujing, "clarified|subject__kind=person", start)
    assert people.context["listing"].basis == drilldown.PUBLISHED
    assert _titles(people) == ["张某", "王某"]
    html = people.content.decode()
    assert "As published on" in html and "The items counted in the published figure (2)" in html
    assert _titles(_items(client, qujing, "clarified|subject__kind=person", start, view="current")) == [
        "孙某",
        "张某",
        "王某",
    ]
    today = _items(client, qujing, "clarified|subject__kind=person", start, view="current")
    assert today.context["listing"].basis == drilldown.CURRENT
    assert "Items as they are today" in today.content.decode()
    assert "the published figure was 2" in today.content.decode()

    clarifications = _items(client, qujing, "clarifications|subject__kind=person", start)
    assert len(clarifications.context["rows"]) == 3
    assert {r.pk for r in clarifications.context["page"].items} == set(
        Recommendation.objects.filter(subject__name__in=["王某", "张某"]).values_list("pk", flat=True)
    )
    held = _items(client, qujing, "held|target_kind=person", start)
    assert {d.pk for d in held.context["page"].items} == {
        month["li_a"].pk,
        month["li_b"].pk,  # revoked after publication: still one of the items the published figure counted
        month["qian"].corrected_by.pk,
    }
    assert {
        d.pk for d in _items(client, qujing, "held|target_kind=person", start, view="current").context["page"].items
    } == {
        month["li_a"].pk,
        month["qian"].corrected_by.pk,
    }
    assert _titles(_items(client, qujing, "accountable|target_kind=person", start)) == ["李某", "钱某"]
    assert _titles(_items(client, qujing, "accountable|target_kind=organisation", start)) == [FORESTRY_GROUP]

    # Every published figure lists exactly as many items as it counted.
    for key, count in snapshot.figures["subtree"].items():
        source, _conditions = parse_key(key)
        if count == 0 or source.name not in drilldown.PRESENTERS:
            continue
        listing = drilldown.listing(
            qujing_supervisor,
            qujing,
            month_period(start),
            subtree=True,
            key=key,
            current=False,
            cursor=None,
            size=1000,
        )
        assert len(listing.items) == count, key
    assert SnapshotItems.objects.filter(snapshot=snapshot, subtree=True).count() == sum(
        1 for n in snapshot.figures["subtree"].values() if n
    )


def test_published_items_are_listed_only_within_reach(client, month, tree, qujing_admin, kunming_supervisor):
    from accountability.selectors import decisions_visible_to

    start = previous_month()
    snapshot_take(commission=tree["qujing"], month=start)
    client.force_login(kunming_supervisor)
    assert client.get(reverse("stats:items", args=[tree["qujing"].pk]), {"key": "held"}).status_code == 404
    client.force_login(qujing_admin)
    listed = {d.pk for d in _items(client, tree["qujing"], "held", start).context["page"].items}
    kept = set(_ids(tree, "held"))
    assert listed == set(decisions_visible_to(qujing_admin).filter(pk__in=kept).values_list("pk", flat=True))


def test_the_current_month_drills_down_to_todays_items(client, month, tree, zhanyi_supervisor, zhanyi_investigator):
    this_month = timezone.localdate().replace(day=1)
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [person(tree["zhanyi"], name="周某")])
    _decide(zhanyi_supervisor, case)
    client.force_login(zhanyi_supervisor)
    response = _items(client, tree["zhanyi"], "accountable|target_kind=person", this_month)
    assert response.context["listing"].basis == drilldown.CURRENT
    assert _titles(response) == ["周某"]
    assert "当前数据" in response.content.decode() or "today" in response.content.decode()


def test_a_month_published_before_items_were_kept_says_its_list_is_todays(client, month, tree, qujing_supervisor):
    start = previous_month()
    Snapshot.objects.create(
        commission=tree["qujing"], month=start, figures={"subtree": {"held": 9}, "alone": {}}, taken_at=timezone.now()
    )
    client.force_login(qujing_supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _items(client, tree["qujing"], "held", start)
    assert response.context["listing"].basis == drilldown.CURRENT_NOT_KEPT
    assert len(response.context["rows"]) == 4
    assert "before the counted items were kept" in response.content.decode()
    dashboard = client.get(
        reverse("stats:dashboard", args=[tree["qujing"].pk]), {"period": "month", "month": start.strftime("%Y-%m")}
    )
    people = next(k for k in dashboard.context["kpis"] if k["key"] == "accountable|target_kind=person")
    assert people["value"] is None  # not counted when published: shown as "—", never as 0
    assert "—" in dashboard.content.decode()


def test_the_dashboard_shows_people_and_each_clarification_or_decision(client, month, tree, qujing_supervisor):
    start = previous_month()
    client.force_login(qujing_supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        reverse("stats:dashboard", args=[tree["qujing"].pk]), {"period": "month", "month": start.strftime("%Y-%m")}
    )
    kpis = {k["key"]: (k["value"], k["detail"]) for k in response.context["kpis"]}
    assert kpis["clarified|subject__kind=person"] == (2, 3)
    assert kpis["clarified|subject__kind=organisation"] == (1, 2)
    assert kpis["accountable|target_kind=person"] == (2, 3)
    assert kpis["accountable|target_kind=organisation"] == (1, 1)
    html = response.content.decode()
    assert "People clarified" in html and "Clarifications of people, each counted:" in html
    assert "People held accountable" in html and "Decisions on people, each counted:" in html


def test_the_subject_page_shows_each_decision_with_its_status(client, month, tree, zhanyi_supervisor):
    qian = month["qian"]
    qian.refresh_from_db()
    client.force_login(zhanyi_supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cases:subject-detail", args=[qian.target.subject_id])).content.decode()
    section = html.split("Accountability history")[1]
    assert "Changed (superseded)" in section and "In force" in section
    assert f"replaced on {qian.corrected_by.decided_on.isoformat()}" in section
    assert section.index("In force") < section.index("Changed (superseded)")  # the one in force first
    zhao = client.get(reverse("cases:subject-detail", args=[month["zhao"].target.subject_id])).content.decode()
    assert "Revoked" in zhao.split("Accountability history")[1]
    history = client.get(reverse("accountability:subject-history", args=[qian.target.subject_id])).content.decode()
    assert "Changed (superseded)" in history and "In force" in history
    assert DecisionStatus.CHANGED == Decision.objects.get(pk=qian.pk).status
