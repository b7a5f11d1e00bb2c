import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from openpyxl import load_workbook

from audit.models import AuditEvent
from stats import services
from stats.models import ExportJob, ExportStatus, Snapshot
from stats.periods import previous_month

from .stats_helpers import _report, build, period_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    return build(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)


def _url(name, *args, **params):
    return reverse(name, args=args) + ("?" + urlencode(params) if params else "")


# --- dashboard and its scope ---------------------------------------------------------------------


def test_city_supervisor_sees_the_city_dashboard_with_its_districts(client, data, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(_url("stats:dashboard", tree["qujing"].pk, **period_params()))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.value("reports") == 3
    assert figures.value("held|target_kind=organisation") == 1
    names = [row["commission"].name_zh for row in response.context["comparison"]]
    assert "沾益区纪委监委" in names and "麒麟区纪委监委" in names
    assert b"<svg" in response.content and b"<script" not in response.content


def test_start_page_leads_a_supervisor_to_their_commission(client, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(reverse("stats:index"))
    assert response.status_code == 302 and response.url == reverse("stats:dashboard", args=[tree["qujing"].pk])


def test_county_supervisor_gets_404_for_the_city(client, data, tree, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    assert client.get(_url("stats:dashboard", tree["zhanyi"].pk)).status_code == 200
    assert client.get(_url("stats:dashboard", tree["qujing"].pk)).status_code == 404
    assert client.get(_url("stats:dashboard", tree["qilin"].pk)).status_code == 404


def test_investigator_gets_404_for_statistics(client, tree, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    assert client.get(reverse("stats:index")).status_code == 404
    assert client.get(_url("stats:dashboard", tree["zhanyi"].pk)).status_code == 404
    assert client.get(reverse("stats:exports")).status_code == 404
    assert client.get(_url("stats:list-export", "reports", "csv")).status_code == 404


def test_statistics_link_shows_for_supervisors_only(client, tree, qujing_supervisor, zhanyi_investigator):
    client.force_login(qujing_supervisor)
    assert reverse("stats:index").encode() in client.get(reverse("home")).content
    client.force_login(zhanyi_investigator)
    assert reverse("stats:index").encode() not in client.get(reverse("home")).content


def test_a_period_ending_before_it_starts_is_a_clear_error(client, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(
        _url("stats:dashboard", tree["qujing"].pk, period="range", start="2025-03-01", end="2025-02-01"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "结束日期早于开始日期" in response.content.decode() or "ends before it starts" in response.content.decode()


# --- drill-down ----------------------------------------------------------------------------------


def test_drill_down_lists_the_counted_items_with_links(client, data, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(_url("stats:items", tree["qujing"].pk, key="reports", **period_params()))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
    assert reverse("cases:report-detail", args=[data["qilin_report"].pk]) in response.content.decode()
    response = client.get(
        _url("stats:items", tree["qujing"].pk, key="clarifications|subject__kind=organisation", **period_params())
    )
    assert [row.title for row in response.context["rows"]] == [
        r.reference for r in data["cleared"].clarifications.filter(subject__kind="organisation")
    ]


def test_drill_down_outside_reach_or_with_a_forged_key_is_404(client, data, tree, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    assert client.get(_url("stats:items", tree["qujing"].pk, key="reports")).status_code == 404
    assert client.get(_url("stats:items", tree["zhanyi"].pk, key="reports|summary=x")).status_code == 404
    response = client.get(_url("stats:items", tree["zhanyi"].pk, key="reports", **period_params()))
    assert len(response.context["rows"]) == 2


# --- exports -------------------------------------------------------------------------------------


def test_statistics_xlsx_has_one_sheet_per_section_and_the_header(client, data, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(_url("stats:statistics-export", tree["qujing"].pk, "xlsx", **period_params()))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(book.sheetnames) == 5
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert rows[0][1] == "曲靖市纪委监委"
    assert period_params()["start"] in rows[1][2]
    totals = {row[1]: row[2] for row in rows[4:]}
    with translation.override("zh-hans"):
        assert totals[translation.gettext("Reports received")] == 3
    accountability = {r[1]: r[2] for r in book[book.sheetnames[4]].iter_rows(values_only=True) if len(r) > 2}
    with translation.override("zh-hans"):
        assert accountability[translation.gettext("Party organisations held accountable")] == 1
        assert accountability[translation.gettext("People held accountable")] == 2
    assert AuditEvent.objects.filter(action="stats.export", data__kind="statistics", actor=qujing_supervisor).exists()


def test_statistics_export_of_the_city_is_404_for_a_county_supervisor(client, data, tree, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    assert client.get(_url("stats:statistics-export", tree["qujing"].pk, "csv")).status_code == 404
    assert not AuditEvent.objects.filter(action="stats.export").exists()


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_report_export_streams_the_list_with_its_filters_within_reach(
    client, data, qujing_supervisor, zhanyi_supervisor
):
    client.force_login(qujing_supervisor)
    rows = _csv(client.get(_url("stats:list-export", "reports", "csv")))
    references = {row[0] for row in rows[3:]}
    assert references == {data["registered"].reference, data["cleared"].reference, data["qilin_report"].reference}
    rows = _csv(client.get(_url("stats:list-export", "reports", "csv", channel="phone")))
    assert [row[0] for row in rows[3:]] == [data["cleared"].reference]
    client.force_login(zhanyi_supervisor)
    rows = _csv(client.get(_url("stats:list-export", "reports", "csv")))
    assert data["qilin_report"].reference not in {row[0] for row in rows[3:]}
    assert AuditEvent.objects.filter(action="stats.export", data__kind="reports").count() == 3


def test_decision_and_clarification_exports_hold_their_rows(client, data, qujing_supervisor):
    client.force_login(qujing_supervisor)
    decisions = _csv(client.get(_url("stats:list-export", "decisions", "csv")))
    assert len(decisions[3:]) == 3
    people = _csv(client.get(_url("stats:list-export", "decisions", "csv", target_kind="person")))
    assert len(people[3:]) == 2
    clarifications = _csv(client.get(_url("stats:list-export", "clarifications", "csv", status="executed")))
    assert len(clarifications[3:]) == 2
    response = client.get(_url("stats:list-export", "decisions", "xlsx"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows(values_only=True))) == 3 + 3


@override_settings(STATS_MAX_SYNC_EXPORT_ROWS=2)
def test_an_export_above_the_limit_is_refused_and_offers_a_background_export(client, data, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(_url("stats:list-export", "reports", "csv", channel=""))
    assert response.status_code == 400
    assert reverse("stats:export-start") in response.content.decode()
    assert not AuditEvent.objects.filter(action="stats.export").exists()
    assert client.get(_url("stats:list-export", "reports", "csv", channel="phone")).status_code == 200


@override_settings(STATS_MAX_SYNC_EXPORT_ROWS=2)
def test_background_export_runs_through_celery_and_only_its_owner_downloads(
    client, data, qujing_supervisor, kunming_supervisor, django_capture_on_commit_callbacks
):
    client.force_login(qujing_supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stats:export-start"), {"kind": "reports", "fmt": "xlsx", "query": "channel=&status="}
        )
    job = ExportJob.objects.get()
    assert response.url == reverse("stats:export-job", args=[job.pk])
    assert (job.status, job.rows_done, job.rows_total) == (ExportStatus.DONE, 3, 3)
    page = client.get(reverse("stats:export-job", args=[job.pk]))
    assert b"data-poll" not in page.content
    download = client.get(reverse("stats:export-download", args=[job.pk]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows(values_only=True))) == 3 + 3
    actions = set(AuditEvent.objects.filter(target_id=str(job.pk)).values_list("action", flat=True))
    assert actions == {"stats.export_start", "export.run", "stats.export_done", "stats.export_download"}
    client.force_login(kunming_supervisor)
    assert client.get(reverse("stats:export-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("stats:export-job", args=[job.pk])).status_code == 404


def test_a_queued_export_page_refreshes_itself(client, qujing_supervisor):
    """By polling from a script (stats/export_job.js), not a timed reload that throws a screen reader to the top."""
    job = ExportJob.objects.create(owner=qujing_supervisor, kind="reports", fmt="csv")
    client.force_login(qujing_supervisor)
    content = client.get(reverse("stats:export-job", args=[job.pk])).content
    assert b'data-poll="3000"' in content and b"stats/export_job.js" in content
    assert b'http-equiv="refresh"' not in content


# --- snapshots -------------------------------------------------------------------------------------


def _last_month_report(tree, zhanyi_intake, token_days=0):
    from cases.services import AllegationInput, SubjectInput

    days_ago = timezone.localdate().day + 1 + token_days
    return _report(
        zhanyi_intake,
        tree["zhanyi"],
        "letter",
        [AllegationInput(text="违规吃喝", category="integrity", new_subject=SubjectInput(name="孙某", rank="general"))],
        days_ago=days_ago,
    )


def test_snapshots_are_taken_once_and_published_figures_do_not_change(tree, zhanyi_intake):
    _last_month_report(tree, zhanyi_intake)
    first = services.snapshots_take_due()
    assert first[0]["taken"] == Snapshot.objects.count() > 0
    snapshot = Snapshot.objects.get(commission=tree["qujing"], month=previous_month())
    assert snapshot.figures["subtree"]["reports"] == 1 and snapshot.figures["alone"]["reports"] == 0
    _last_month_report(tree, zhanyi_intake, token_days=1)  # a late entry for the published month
    assert services.snapshots_take_due() == []  # nothing is due: the month is done
    call_command("stats_snapshot", stdout=io.StringIO())
    snapshot.refresh_from_db()
    assert snapshot.figures["subtree"]["reports"] == 1
    assert Snapshot.objects.filter(commission=tree["qujing"]).count() == 1


def test_the_dashboard_shows_published_and_current_figures_side_by_side(client, tree, zhanyi_intake, qujing_supervisor):
    _last_month_report(tree, zhanyi_intake)
    from stats.tasks import snapshot_previous_month

    snapshot_previous_month.delay()
    _last_month_report(tree, zhanyi_intake, token_days=1)
    client.force_login(qujing_supervisor)
    month = previous_month().strftime("%Y-%m")
    response = client.get(_url("stats:dashboard", tree["qujing"].pk, period="month", month=month, compare="1"))
    row = next(r for s in response.context["figures"].sections for r in s.rows if r.key == "reports")
    assert (row.value, row.published, row.changed) == (2, 1, True)


def test_the_current_month_cannot_be_published(tree):
    from core.errors import DomainError

    with pytest.raises(DomainError) as refusal:
        services.snapshot_take(commission=tree["qujing"], month=timezone.localdate())
    assert refusal.value.code == "month_not_over"


def test_the_monthly_schedule_exists_for_the_first_of_the_month_in_shanghai():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="stats.tasks.snapshot_previous_month")
    assert task.crontab.day_of_month == "1" and str(task.crontab.timezone) == "Asia/Shanghai"


# --- API -------------------------------------------------------------------------------------------


def test_api_figures_are_scoped_like_the_dashboard(client, data, tree, qujing_supervisor, zhanyi_supervisor):
    client.force_login(qujing_supervisor)
    url = reverse("stats-commission-figures", args=[tree["qujing"].pk])
    response = client.get(url, period_params())
    assert response.status_code == 200
    rows = {r["key"]: r["value"] for s in response.json()["sections"] for r in s["rows"]}
    assert rows["reports"] == 3 and rows["held|target_kind=person"] == 2
    bad = client.get(url, {"period": "range", "start": "2025-03-01", "end": "2025-02-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_period"
    client.force_login(zhanyi_supervisor)
    assert client.get(url).status_code == 404
    listed = client.get(reverse("stats-commission-list")).json()
    assert [c["id"] for c in listed] == [tree["zhanyi"].pk]


def test_api_lists_nothing_for_an_investigator(client, tree, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    assert client.get(reverse("stats-commission-list")).json() == []
    assert client.get(reverse("stats-commission-figures", args=[tree["zhanyi"].pk])).status_code == 404


def test_month_before_the_data_shows_zeros(client, data, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    old = (timezone.localdate() - datetime.timedelta(days=800)).strftime("%Y-%m")
    response = client.get(_url("stats:dashboard", tree["qujing"].pk, period="month", month=old))
    assert response.context["figures"].value("reports") == 0


def test_report_export_has_twenty_columns_from_the_report_and_its_allegations(client, data, qujing_supervisor):
    from cases.models import Report, Reporter

    client.force_login(qujing_supervisor)
    response = client.get(_url("stats:list-export", "reports", "csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[2], rows[3:]
    assert len(header) == 20 and all(len(row) == 20 for row in body)
    assert header[14:18] == ["被反映人", "反映问题数", "违纪类别", "核查结论"]  # Chinese by default
    column = {"Subjects": 14, "Allegations": 15, "Findings": 17}
    for row in body:
        report = Report.objects.get(reference=row[0])
        allegations = list(report.allegations.select_related("subject"))
        assert int(row[column["Allegations"]]) == len(allegations)
        assert set(row[column["Subjects"]].split("、")) == {a.subject.name for a in allegations}
        found = sum(int(part.rsplit(" ", 1)[1]) for part in row[column["Findings"]].split("、") if part)
        assert found == sum(1 for a in allegations if a.finding)
    cleared = next(row for row in body if row[0] == data["cleared"].reference)
    assert "不属实" in cleared[column["Findings"]]
    names = [r.name for r in Reporter.objects.exclude(name="")]
    assert names and not any(name in text for name in names)  # no reporter identity in an export
