"""The API can do what the pages do (issue 14): a case's whole record with each decision's status, follow-up
visits, a subject's accountability history (and ?subject= on decisions), statistics downloads and drill-downs,
and background exports started and downloaded. Each operation is refused to a sibling county with a 404."""

import csv
import io

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from accountability import services as acc
from accountability.choices import DecisionStatus, Form, Measure
from accountability.models import FollowUpVisit
from accounts.roles import Role
from audit.models import AuditEvent
from stats.models import ExportJob
from stats.periods import previous_month

from .factories import member
from .test_accountability_workflow import initiate, person, to_proposed

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def qilin_supervisor(tree):
    return member("qilin-supervisor", tree["qilin"], Role.SUPERVISOR)


@pytest.fixture
def deputy(tree):
    return person(tree["zhanyi"])


@pytest.fixture
def changed(tree, zhanyi_supervisor, deputy):
    """A decision changed on complaint: the old one kept as changed, the corrected one in force."""
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [deputy])
    (decision,) = to_proposed(zhanyi_supervisor, case)
    acc.decision_approve(actor=zhanyi_supervisor, decision=decision)
    reviewer = member("zhanyi-reviewer", tree["zhanyi"], Role.REVIEWER, "case_management")
    complaint = acc.complaint_lodge(actor=zhanyi_supervisor, decision=decision, grounds="不服", received_on=TODAY())
    acc.complaint_review(actor=reviewer, complaint=complaint, opinion="建议变更", recommendation="changed")
    correction = acc.DecisionInput(form=Form.FIRST, measures=[Measure.ADMONITION], deciding_organ="沾益区纪委监委")
    acc.complaint_resolve(
        actor=zhanyi_supervisor, complaint=complaint, outcome="changed", reasons="变更", correction=correction
    )
    decision.refresh_from_db()
    return decision


def _login(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- accountability ---------------------------------------------------------------------------------------


def test_api_case_shows_every_decision_with_its_status(client, changed, zhanyi_supervisor, qilin_supervisor):
    _login(client, zhanyi_supervisor)
    body = client.get(f"/api/accountability/cases/{changed.case_id}/").json()
    statuses = {d["id"]: d["status"] for d in body["decisions"]}
    new = changed.corrected_by
    assert statuses == {changed.pk: DecisionStatus.CHANGED, new.pk: DecisionStatus.IN_FORCE}
    old = next(d for d in body["decisions"] if d["id"] == changed.pk)
    assert old["corrected_by"] == new.pk and old["form"] == Form.FIRST and old["measures"] == ["talk_reminder"]
    _login(client, qilin_supervisor)
    assert client.get(f"/api/accountability/cases/{changed.case_id}/").status_code == 404


def test_api_records_a_follow_up_visit(client, changed, zhanyi_supervisor, qilin_supervisor, zhanyi_intake):
    visit = FollowUpVisit.objects.get(decision=changed.corrected_by)
    url = f"/api/accountability/cases/{changed.case_id}/visit/"
    body = {"visit": visit.pk, "done_on": TODAY().isoformat(), "notes": "思想稳定，工作积极"}

    _login(client, qilin_supervisor)  # a sibling county: the case does not exist for them
    assert client.post(url, body, content_type="application/json").status_code == 404
    _login(client, zhanyi_intake)  # in reach, not on the case team
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    _login(client, zhanyi_supervisor)
    future = client.post(url, {**body, "done_on": "2999-01-01"}, content_type="application/json")
    assert future.status_code == 400 and future.json()["code"] == "future_date"
    visit.refresh_from_db()
    assert visit.done_on is None and not AuditEvent.objects.filter(action="accountability.visit").exists()

    done = client.post(url, body, content_type="application/json")
    assert done.status_code == 200, done.content
    recorded = next(d for d in done.json()["decisions"] if d["id"] == changed.corrected_by.pk)["visits"]
    assert recorded == [
        {"id": visit.pk, "due_on": visit.due_on.isoformat(), "done_on": TODAY().isoformat(), "notes": body["notes"]}
    ]
    assert AuditEvent.objects.filter(action="accountability.visit", actor=zhanyi_supervisor).count() == 1
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "wrong_state"


def test_api_visit_of_another_case_is_404(client, tree, changed, zhanyi_supervisor, deputy):
    other = initiate(zhanyi_supervisor, tree["zhanyi"], [deputy])
    visit = FollowUpVisit.objects.get(decision=changed.corrected_by)
    _login(client, zhanyi_supervisor)
    response = client.post(
        f"/api/accountability/cases/{other.pk}/visit/",
        {"visit": visit.pk, "done_on": TODAY().isoformat(), "notes": "回访"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_api_subject_history_lists_every_decision_with_its_status(
    client, changed, deputy, zhanyi_supervisor, qilin_supervisor
):
    _login(client, zhanyi_supervisor)
    body = client.get(f"/api/accountability/subjects/{deputy.pk}/history/").json()
    assert body["subject"] == deputy.pk and body["subject_name"] == deputy.name
    assert [(d["id"], d["status"]) for d in body["decisions"]] == [
        (changed.corrected_by.pk, DecisionStatus.IN_FORCE),
        (changed.pk, DecisionStatus.CHANGED),
    ]
    _login(client, qilin_supervisor)
    assert client.get(f"/api/accountability/subjects/{deputy.pk}/history/").status_code == 404


def test_api_decisions_filter_by_subject(client, tree, changed, deputy, zhanyi_supervisor, qilin_supervisor):
    other = person(tree["zhanyi"], name="孙某")
    (unrelated,) = to_proposed(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [other]))
    _login(client, zhanyi_supervisor)
    ids = {d["id"] for d in client.get("/api/accountability/decisions/", {"subject": deputy.pk}).json()["results"]}
    assert ids == {changed.pk, changed.corrected_by.pk}
    both = {d["id"] for d in client.get("/api/accountability/decisions/").json()["results"]}
    assert unrelated.pk in both
    in_force = client.get("/api/accountability/decisions/", {"subject": deputy.pk, "status": "in_force"}).json()
    assert [d["id"] for d in in_force["results"]] == [changed.corrected_by.pk]
    assert client.get("/api/accountability/decisions/", {"subject": "x"}).status_code == 400
    _login(client, qilin_supervisor)
    assert client.get("/api/accountability/decisions/", {"subject": deputy.pk}).json()["results"] == []


# --- statistics ---------------------------------------------------------------------------------------------


def _period():
    today = TODAY()
    return {"period": "range", "start": today.replace(day=1).isoformat(), "end": today.isoformat()}


def test_api_downloads_the_statistics_as_xlsx_and_csv(client, tree, changed, zhanyi_supervisor, qilin_supervisor):
    url = f"/api/stats/commissions/{tree['zhanyi'].pk}/download/"
    _login(client, zhanyi_supervisor)
    xlsx = client.get(url, {**_period(), "fmt": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    accountability = {r[1]: r[2] for r in book[book.sheetnames[4]].iter_rows(values_only=True) if len(r) > 2}
    assert accountability["People held accountable"] == 1
    response = client.get(url, {**_period(), "fmt": "csv"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert ["Accountability", "", "People held accountable", "1"] in rows
    assert AuditEvent.objects.filter(action="stats.export", data__kind="statistics").count() == 2

    bad = client.get(url, {**_period(), "fmt": "pdf"})
    assert bad.status_code == 400 and bad.json()["code"] == "format"
    _login(client, qilin_supervisor)
    assert client.get(url, {**_period(), "fmt": "csv"}).status_code == 404
    assert AuditEvent.objects.filter(action="stats.export").count() == 2


def test_api_drills_down_to_the_items_of_a_figure(client, tree, changed, zhanyi_supervisor, qilin_supervisor):
    url = f"/api/stats/commissions/{tree['zhanyi'].pk}/items/"
    _login(client, zhanyi_supervisor)
    body = client.get(url, {**_period(), "key": "accountable|target_kind=person"}).json()
    assert body["basis"] == "current" and body["published"] is None
    assert [item["title"] for item in body["items"]] == [changed.target.subject.name]
    decisions = client.get(url, {**_period(), "key": "held|target_kind=person"}).json()
    assert [item["url"] for item in decisions["items"]] == [f"/accountability/{changed.case_id}/"]
    unknown = client.get(url, {**_period(), "key": "reports|summary=x"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "key"
    _login(client, qilin_supervisor)
    assert client.get(url, {**_period(), "key": "held"}).status_code == 404


def test_api_drills_down_to_the_items_counted_when_published(
    client, tree, zhanyi_intake, zhanyi_supervisor, qujing_supervisor
):
    from stats.services import snapshot_take

    from .test_stats_dashboard_scale import _last_month_reports

    _last_month_reports(tree, zhanyi_intake, 1)
    snapshot_take(commission=tree["qujing"], month=previous_month())
    _last_month_reports(tree, zhanyi_intake, 1)  # a late entry after publication
    _login(client, qujing_supervisor)
    url = f"/api/stats/commissions/{tree['qujing'].pk}/items/"
    month = {"period": "month", "month": previous_month().strftime("%Y-%m"), "key": "reports"}
    published = client.get(url, month).json()
    assert (published["basis"], published["published"], len(published["items"])) == ("published", 1, 1)
    current = client.get(url, {**month, "view": "current"}).json()
    assert (current["basis"], current["published"], len(current["items"])) == ("current", 1, 2)


def test_api_starts_and_downloads_a_background_export(
    client, tree, changed, zhanyi_supervisor, qilin_supervisor, django_capture_on_commit_callbacks
):
    _login(client, zhanyi_supervisor)
    refused = client.post(
        "/api/stats/exports/",
        {"kind": "decisions", "fmt": "csv", "filters": {"initiated_from": "not a date"}},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "bad_filters"
    assert not ExportJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):  # the worker, run in-process
        started = client.post(
            "/api/stats/exports/", {"kind": "decisions", "fmt": "csv", "filters": {}}, content_type="application/json"
        )
    assert started.status_code == 201, started.content
    job = ExportJob.objects.get()
    assert started.json()["id"] == job.pk and job.owner == zhanyi_supervisor
    assert client.get(f"/api/stats/exports/{job.pk}/").json()["status"] == "done"
    download = client.get(f"/api/stats/exports/{job.pk}/download/")
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert changed.case.reference in text
    actions = set(AuditEvent.objects.filter(target_id=str(job.pk)).values_list("action", flat=True))
    assert actions == {"stats.export_start", "export.run", "stats.export_done", "stats.export_download"}

    _login(client, qilin_supervisor)  # someone else's export does not exist for them
    assert client.get(f"/api/stats/exports/{job.pk}/").status_code == 404
    assert client.get(f"/api/stats/exports/{job.pk}/download/").status_code == 404


def test_api_export_not_ready_is_refused(client, zhanyi_supervisor):
    job = ExportJob.objects.create(owner=zhanyi_supervisor, kind="reports", fmt="csv")
    _login(client, zhanyi_supervisor)
    response = client.get(f"/api/stats/exports/{job.pk}/download/")
    assert response.status_code == 400 and response.json()["code"] == "not_ready"
    assert not AuditEvent.objects.filter(action="stats.export_download").exists()


def test_api_statistics_operations_are_refused_to_an_investigator(client, tree, zhanyi_investigator):
    _login(client, zhanyi_investigator)
    assert client.get(f"/api/stats/commissions/{tree['zhanyi'].pk}/download/").status_code == 404
    assert client.get(f"/api/stats/commissions/{tree['zhanyi'].pk}/items/").status_code == 404
    refused = client.post("/api/stats/exports/", {"kind": "reports", "fmt": "csv"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
