import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import Rank
from core.errors import DomainError
from stats.figures import Scope, figures_for, items_for, key_of, parse_key
from stats.periods import parse_period

from .stats_helpers import ORGANISATION, build

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def data(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    return build(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)


def _figures(commission, subtree):
    return figures_for(commission, TODAY() - datetime.timedelta(days=30), TODAY(), subtree=subtree)


def test_figures_of_a_district_equal_the_hand_counts(data, tree):
    f = _figures(tree["zhanyi"], subtree=False)
    assert f.value("reports") == 2
    assert f.value("reports|channel=letter") == 1
    assert f.value("reports|channel=phone") == 1
    assert f.value("reports|area=procurement") == 1
    assert f.value(key_of("reports", allegations__subject__rank=Rank.TOWNSHIP_SECTION)) == 2
    assert f.value(key_of("reports", allegations__subject__rank=Rank.COUNTY_DIVISION)) == 1
    assert f.value(key_of("reports", allegations__subject__rank="")) == 1  # the organisation
    assert f.value("dispositions|kind=preliminary") == 1
    assert f.value("verifications") == 1
    assert f.value("allegations|finding=unsubstantiated") == 2
    assert f.value("allegations|finding=substantiated") == 0


def test_people_and_party_organisations_are_counted_apart(data, tree):
    f = _figures(tree["zhanyi"], subtree=False)
    assert f.value("clarifications") == 2
    assert f.value("clarifications|subject__kind=person") == 1
    assert f.value("clarifications|subject__kind=organisation") == 1
    assert f.value("clarifications|execution_method=meeting") == 2
    assert f.value(f"clarifications|commission={tree['zhanyi'].pk}") == 2
    assert f.value("held") == 2
    assert f.value("held|target_kind=person") == 1
    assert f.value("held|target_kind=organisation") == 1
    assert f.value("held|form=1") == 1  # the person
    assert f.value("held|form=") == 1  # the party organisation: its own measures, no form
    assert f.value("assessed|circumstance=ordinary") == 2


def test_the_city_rolls_up_its_districts_and_alone_counts_nothing_of_theirs(data, tree):
    city = _figures(tree["qujing"], subtree=True)
    assert city.value("reports") == 3
    assert city.value("reports|channel=online") == 1
    assert city.value(key_of("reports", allegations__subject__rank=Rank.GENERAL)) == 1
    assert city.value("held") == 3
    assert city.value("held|target_kind=person") == 2
    assert city.value("held|target_kind=organisation") == 1
    assert city.value("held|form=2") == 1
    assert city.value("open_reports") == 3  # registered, registered, concluded
    alone = _figures(tree["qujing"], subtree=False)
    assert alone.value("reports") == 0 and alone.value("held") == 0
    other_city = _figures(tree["kunming"], subtree=True)
    assert other_city.value("reports") == 0


def test_figures_outside_the_period_are_not_counted(data, tree):
    last_year = TODAY().replace(year=TODAY().year - 1)
    f = figures_for(tree["qujing"], last_year, last_year + datetime.timedelta(days=30), subtree=True)
    assert f.value("reports") == 0 and f.value("clarifications") == 0 and f.value("held") == 0


def test_figures_take_a_fixed_handful_of_queries(data, tree):
    with CaptureQueriesContext(connection) as queries:
        _figures(tree["qujing"], subtree=True)
    few = len(queries)
    assert few <= 25
    build_more = tree["zhanyi"]  # more rows do not mean more queries
    from .cases_helpers import register
    from .factories import member

    intake = member("zhanyi-intake-2", build_more, "intake", "letters_visits")
    for _ in range(3):
        register(intake, build_more)
    with CaptureQueriesContext(connection) as queries:
        _figures(tree["qujing"], subtree=True)
    assert len(queries) == few


def test_drill_down_lists_what_the_number_counts_within_reach(data, tree, qujing_supervisor, zhanyi_supervisor):
    scope = Scope(tree["qujing"], TODAY() - datetime.timedelta(days=30), TODAY(), subtree=True)
    people = items_for(qujing_supervisor, "held|target_kind=person", scope)
    assert people.count() == 2
    organisations = items_for(qujing_supervisor, "clarifications|subject__kind=organisation", scope)
    assert [r.subject.name for r in organisations] == [ORGANISATION]
    # A district supervisor asking about the city sees only their own district's items.
    assert items_for(zhanyi_supervisor, "held|target_kind=person", scope).count() == 1
    assert items_for(zhanyi_supervisor, "reports", scope).count() == 2


def test_unknown_or_forged_keys_are_refused(data):
    assert parse_key("nothing") is None
    assert parse_key("reports|summary=x") is None
    assert parse_key("reports|channel") is None
    assert parse_key("reports|channel=letter|channel=phone") is None


def test_periods_month_quarter_year_and_range():
    assert parse_period({"period": "month", "month": "2025-02"}).end == datetime.date(2025, 2, 28)
    quarter = parse_period({"period": "quarter", "year": "2025", "quarter": "3"})
    assert (quarter.start, quarter.end) == (datetime.date(2025, 7, 1), datetime.date(2025, 9, 30))
    assert parse_period({"period": "year", "year": "2024"}).end == datetime.date(2024, 12, 31)
    assert parse_period({"start": "2025-01-05", "end": "2025-01-05"}).start == datetime.date(2025, 1, 5)


@pytest.mark.parametrize(
    "params",
    [
        {"period": "range", "start": "2025-03-01", "end": "2025-02-01"},
        {"period": "month", "month": "2025-13"},
        {"period": "quarter", "year": "2025", "quarter": "5"},
        {"period": "year", "year": "abc"},
        {"period": "week"},
        {"period": "range", "start": "yesterday", "end": "2025-01-01"},
    ],
)
def test_bad_periods_are_refused_with_a_clear_error(params):
    with pytest.raises(DomainError) as refusal:
        parse_period(params)
    assert refusal.value.code == "bad_period"


def test_a_period_ending_before_it_starts_says_so():
    from django.utils import translation

    with translation.override("en"), pytest.raises(DomainError, match="ends before it starts"):
        parse_period({"start": "2025-03-01", "end": "2025-02-01"})


_COMPARED_KEYS = (
    "reports",
    "verifications",
    "allegations",
    "open_reports",
    "overdue_reports",
    "clarifications",
    "held",
)


def test_the_province_counts_its_whole_tree_and_nothing_of_another_province(data, tree):
    """The whole province is counted without the commission condition (every commission is in its subtree); once
    another province exists, the subtree is a list of commission ids and the other province's rows stay out."""
    from accounts.models import CommissionLevel
    from accounts.roles import Role

    from .cases_helpers import register
    from .factories import commission, member

    assert Scope(tree["yunnan"], TODAY(), TODAY()).everything
    assert not Scope(tree["qujing"], TODAY(), TODAY()).everything
    city = _figures(tree["qujing"], subtree=True)
    province = _figures(tree["yunnan"], subtree=True)
    assert province.value("reports") == 3 and province.value("verifications") == 1
    assert {k: province.value(k) for k in _COMPARED_KEYS} == {k: city.value(k) for k in _COMPARED_KEYS}

    guizhou = commission("520000", "GZ", "贵州省纪委监委", "Guizhou Provincial Commission", CommissionLevel.PROVINCIAL)
    register(member("guizhou-intake", guizhou, Role.INTAKE, "letters_visits"), guizhou)
    assert not Scope(tree["yunnan"], TODAY(), TODAY()).everything
    again = _figures(tree["yunnan"], subtree=True)
    assert {k: again.value(k) for k in _COMPARED_KEYS} == {k: province.value(k) for k in _COMPARED_KEYS}
    assert _figures(guizhou, subtree=True).value("reports") == 1
    assert _figures(guizhou, subtree=True).value("open_reports") == 1


def test_the_live_figures_serve_the_trend_and_the_comparison_unchanged(data, tree):
    """The current month's trend point and the comparison below are read from the live figures' counts per
    commission: the same numbers as counting them again, for the province, a city and a city alone."""
    from stats.figures import monthly_trend, subordinate_comparison
    from stats.periods import month_end, month_start, month_start_after
    from stats.services import snapshot_take

    start = month_start(TODAY() - datetime.timedelta(days=2))  # the month of the reports in `data`
    for commission in (tree["yunnan"], tree["qujing"]):  # the trend's 11 months before are kept
        for offset in range(1, 12):
            snapshot_take(commission=commission, month=month_start_after(start, -offset))
    for commission, subtree in ((tree["yunnan"], True), (tree["qujing"], True), (tree["qujing"], False)):
        live = figures_for(commission, start, month_end(start), subtree=subtree)
        with CaptureQueriesContext(connection) as reused_queries:
            reused = monthly_trend(commission, start, subtree=subtree, current=live)
            reused_comparison = subordinate_comparison(commission, start, month_end(start), current=live)
        with CaptureQueriesContext(connection) as counted_queries:
            counted = monthly_trend(commission, start, subtree=subtree)
            counted_comparison = subordinate_comparison(commission, start, month_end(start))
        assert reused == counted
        assert [(r["commission"], r["values"]) for r in reused_comparison[1]] == [
            (r["commission"], r["values"]) for r in counted_comparison[1]
        ]
        assert len(reused_queries) < len(counted_queries)
        assert reused[1][0][2][-1] == live.value("reports")
