"""The dashboard of a published month is served from the kept snapshots (a fixed number of queries whatever the
data size); the current month, and the comparison with current figures, are counted live."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from cases.services import AllegationInput, SubjectInput
from stats.figures import key_of
from stats.models import Snapshot
from stats.periods import month_start_after, previous_month
from stats.services import snapshots_take_month

from .stats_helpers import _report

pytestmark = pytest.mark.django_db

# Session, user, reach, the commission, its snapshot, the ancestors, the children and their snapshots, the kept
# months of the trend, the commissions of the by-commission rows: counted once, whatever the number of rows.
MAX_QUERIES = 16


_GENERAL = AllegationInput(text="违规吃喝", category="integrity", new_subject=SubjectInput(name="孙某", rank="general"))


def _url(commission, **params):
    return reverse("stats:dashboard", args=[commission.pk]) + "?" + urlencode(params)


def _last_month_reports(tree, intake, count):
    for index in range(count):
        _report(
            intake,
            tree["zhanyi"],
            "letter",
            [
                AllegationInput(
                    text="违规吃喝", category="integrity", new_subject=SubjectInput(name=f"孙某{index}", rank="general")
                )
            ],
            days_ago=timezone.localdate().day + 1 + (0 if index == 0 else 1),
        )


def _publish_last_twelve_months():
    last = previous_month()
    for offset in range(12):
        snapshots_take_month(month_start_after(last, -offset))


def _month_param(day):
    return {"period": "month", "month": day.strftime("%Y-%m")}


def _get_counting_queries(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def test_a_published_month_is_served_from_snapshots_in_a_fixed_number_of_queries(
    client, tree, zhanyi_intake, qujing_supervisor, django_assert_max_num_queries
):
    client.force_login(qujing_supervisor)
    url = _url(tree["qujing"], **_month_param(previous_month()))
    _last_month_reports(tree, zhanyi_intake, 1)
    _publish_last_twelve_months()
    client.get(url)  # the first request of a session renews it (a write); the next ones within a minute do not
    _response, small = _get_counting_queries(client, url, django_assert_max_num_queries)

    _last_month_reports(tree, zhanyi_intake, 6)  # more data after publication: the page still reads the snapshots
    response, large = _get_counting_queries(client, url, django_assert_max_num_queries)

    assert len(large) == len(small)
    raw = ("cases_report", "accountability_", "clarification_")
    # The session's user query may carry what other apps load with the user (accounts.backends.load_with_user).
    counting = [sql for sql in large if 'FROM "accounts_user"' not in sql]
    assert not [sql for sql in counting if any(table in sql for table in raw)]
    assert response.context["published_only"] and not response.context["compare"]
    assert response.context["figures"].value("reports") == 1  # the published figure, not the 7 there are now
    assert response.context["trend_rows"][0][1][-1] == 1
    zhanyi_row = next(r for r in response.context["comparison"] if r["commission"] == tree["zhanyi"])
    assert zhanyi_row["values"]["reports"] == 1
    assert "Compare with current figures" in response.content.decode() or "与当前数据对照" in response.content.decode()


def test_the_trend_reads_the_kept_months_and_counts_the_current_month_live(
    client, tree, zhanyi_intake, qujing_supervisor
):
    _publish_last_twelve_months()
    kept = Snapshot.objects.get(commission=tree["qujing"], month=previous_month())
    kept.figures["subtree"]["reports"] = 42  # a kept figure is shown as it was kept
    kept.save()
    # Received today: the current month has no snapshot (a report of three days ago falls in the month before on
    # the first days of a month).
    _report(zhanyi_intake, tree["zhanyi"], "letter", [_GENERAL], days_ago=0)
    client.force_login(qujing_supervisor)
    today = month_start_after(previous_month(), 1)
    response = client.get(_url(tree["qujing"], **_month_param(today)))
    assert response.status_code == 200
    assert response.context["snapshot"] is None and not response.context["published_only"]
    assert response.context["figures"].value("reports") == 1  # live
    reports = response.context["trend_rows"][0][1]
    assert reports[-1] == 1 and reports[-2] == 42
    zhanyi_row = next(r for r in response.context["comparison"] if r["commission"] == tree["zhanyi"])
    assert zhanyi_row["values"]["reports"] == 1


def test_comparing_with_current_figures_counts_them_live_beside_the_published_ones(
    client, tree, zhanyi_intake, qujing_supervisor
):
    _last_month_reports(tree, zhanyi_intake, 1)
    _publish_last_twelve_months()
    _last_month_reports(tree, zhanyi_intake, 2)
    client.force_login(qujing_supervisor)
    response = client.get(_url(tree["qujing"], compare="1", **_month_param(previous_month())))
    assert response.context["compare"]
    row = next(r for s in response.context["figures"].sections for r in s.rows if r.key == "reports")
    assert (row.value, row.published, row.changed) == (3, 1, True)
    kpi = next(k for k in response.context["kpis"] if k["key"] == "reports")
    assert (kpi["value"], kpi["published"]) == (3, 1)


def test_a_published_month_of_a_commission_out_of_reach_is_404(client, tree, zhanyi_intake, zhanyi_supervisor):
    _last_month_reports(tree, zhanyi_intake, 1)
    _publish_last_twelve_months()
    client.force_login(zhanyi_supervisor)
    assert client.get(_url(tree["qujing"], **_month_param(previous_month()))).status_code == 404
    assert client.get(_url(tree["qujing"], compare="1", **_month_param(previous_month()))).status_code == 404


def _this_month():
    return _month_param(month_start_after(previous_month(), 1))


def _live_statements(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request of a session renews it (a write); the next ones within a minute do not
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_the_live_dashboard_counts_in_a_fixed_number_of_statements_whatever_the_commissions_and_sources(
    client, tree, zhanyi_intake, qujing_supervisor, monkeypatch
):
    """The current month is counted live: every source in one statement, so adding commissions below, figures
    (sources) or rows does not add statements; and the figures are those counted by hand."""
    from accounts.models import CommissionLevel
    from stats import figures

    from .factories import commission, member

    _publish_last_twelve_months()  # the trend's other months are kept
    general = AllegationInput(
        text="违规吃喝", category="integrity", new_subject=SubjectInput(name="孙某", rank="general")
    )
    _report(zhanyi_intake, tree["zhanyi"], "letter", [general], days_ago=0)
    _report(zhanyi_intake, tree["zhanyi"], "phone", [general], days_ago=0)
    client.force_login(qujing_supervisor)
    url = _url(tree["qujing"], **_this_month())
    response, few = _live_statements(client, url)
    assert not response.context["published_only"]
    assert few <= MAX_QUERIES

    # By hand: two reports this month, one by letter and one by phone, each with one allegation on a general
    # staff member, both registered (open, not yet due), both in Zhanyi.
    live = response.context["figures"]
    assert live.value("reports") == 2
    assert (live.value("reports|channel=letter"), live.value("reports|channel=phone")) == (1, 1)
    assert live.value(key_of("reports", allegations__subject__rank="general")) == 2
    assert live.value("open_reports") == 2 and live.value("overdue_reports") == 0
    assert live.value("verifications") == 0 and live.value("allegations") == 0
    assert response.context["trend_rows"][0][1][-1] == 2
    rows = {r["commission"]: r["values"]["reports"] for r in response.context["comparison"]}
    assert (rows[tree["zhanyi"]], rows[tree["qilin"]]) == (2, 0)

    # More commissions below, more sources, more rows: the same number of statements.
    for index in range(3):
        county = commission(
            f"53039{index}", f"N{index}", f"新区{index}", f"New {index}", CommissionLevel.COUNTY, tree["qujing"]
        )
        _report(
            member(f"new-intake-{index}", county, "intake", "letters_visits"), county, "letter", [general], days_ago=0
        )
    extra = figures.Source(
        "transfers_again",
        *[getattr(figures.SOURCES["transfers"], f) for f in ("model", "commission_field", "when", "visible")],
    )
    monkeypatch.setitem(figures.SOURCES, extra.name, extra)
    response, many = _live_statements(client, url)
    assert many == few
    assert response.context["figures"].value("reports") == 5
    assert len(response.context["comparison"]) == 5
