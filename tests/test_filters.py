"""One FilterSet per list (issue 17): the report list's and the clarification list's page, API and export read the
same filters (cases/filters.py, clarification/filters.py), as the decisions API reads its own
(accountability/filters.py); the API refuses a bad value with 400 naming it, and the schema documents the
parameters."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient

from accountability import services as accountability
from accountability.choices import DecisionStatus
from accountability.models import Decision
from audit.models import AuditEvent
from cases.choices import Area, Channel, Status
from cases.models import Report
from clarification import services as clarification
from clarification.choices import Status as RecommendationStatus
from clarification.models import Recommendation

from .cases_helpers import register
from .clarification_helpers import concluded_report, draft
from .test_accountability_workflow import initiate, person, to_proposed

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _schema_parameters(path: str) -> dict:
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}


def _assert_refused(response, attr: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"} and body["code"] == "invalid"
    assert [error["attr"] for error in body["errors"]] == [attr]


def _exported_first_column(client, kind: str, params: dict) -> list[str]:
    response = client.get(reverse("stats:list-export", args=[kind, "csv"]), params)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return [row[0] for row in rows[3:]]


@pytest.mark.parametrize(
    "params, attr",
    [
        ({"status": "nonsense"}, "status"),
        ({"channel": "nonsense"}, "channel"),
        ({"area": "nonsense"}, "area"),
        ({"overdue": "maybe"}, "overdue"),
        ({"received_to": ""}, "received_to"),
        ({"subject": "x"}, "subject"),
    ],
)
def test_an_unknown_or_invalid_filter_value_on_the_report_list_is_a_400_naming_it_that_changes_nothing(
    tree, zhanyi_intake, zhanyi_supervisor, params, attr
):
    register(zhanyi_intake, tree["zhanyi"])
    events, reports = AuditEvent.objects.count(), list(Report.objects.values_list("pk", "status", "updated_at"))
    _assert_refused(_api(zhanyi_supervisor).get("/api/reports/", params), attr)
    assert AuditEvent.objects.count() == events
    assert list(Report.objects.values_list("pk", "status", "updated_at")) == reports


def test_the_schema_documents_the_report_list_filters_with_their_values():
    parameters = _schema_parameters("/api/reports/")
    for name, choices in (("status", Status), ("channel", Channel), ("area", Area)):
        assert sorted(parameters[name]["schema"]["enum"]) == sorted(choices.values), name
    assert parameters["overdue"]["schema"]["type"] == "boolean"
    assert parameters["commission"]["schema"]["type"] == "integer"
    assert parameters["subject"]["schema"]["type"] == "integer"
    assert parameters["received_from"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["q"]["schema"]["type"] == "string"
    # The API's overdue, described as it filters: strictly past due.
    assert parameters["overdue"]["description"] == gettext("Only open reports whose stage is past its due date.")


def test_the_page_the_api_and_the_export_of_one_filter_list_the_same_reports(
    tree, client, zhanyi_intake, zhanyi_supervisor
):
    meals = register(zhanyi_intake, tree["zhanyi"], summary="反映某小学营养餐经费被挪用").report
    by_phone = register(zhanyi_intake, tree["zhanyi"], summary="反映某中学营养餐经费被截留").report
    register(zhanyi_intake, tree["zhanyi"])  # another subject altogether
    Report.objects.filter(pk=by_phone.pk).update(channel=Channel.PHONE)
    since = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    params = {"q": "营养", "channel": Channel.LETTER, "status": Status.REGISTERED, "received_from": since}

    api = [r["reference"] for r in _api(zhanyi_supervisor).get("/api/reports/", params).json()["results"]]
    client.force_login(zhanyi_supervisor)
    html = client.get(reverse("cases:report-list"), params).content.decode()
    page = re.findall(r'<a href="/reports/\d+/">([^<]+)</a>', html)
    export = _exported_first_column(client, "reports", params)

    assert api == page == export == [meals.reference]


def test_the_page_counts_as_overdue_what_is_due_within_a_week_the_api_only_what_is_past_due(
    tree, client, zhanyi_intake, zhanyi_supervisor
):
    soon = register(zhanyi_intake, tree["zhanyi"]).report
    Report.objects.filter(pk=soon.pk).update(due_on=timezone.localdate() + datetime.timedelta(days=2))
    assert _api(zhanyi_supervisor).get("/api/reports/", {"overdue": "true"}).json()["results"] == []
    client.force_login(zhanyi_supervisor)
    html = client.get(reverse("cases:report-list"), {"overdue": "on"}).content.decode()
    assert soon.reference in html


def test_a_search_page_is_chosen_on_full_rows_and_every_other_filter_on_the_narrow_rows_first():
    """No index answers a full-text search alone: choosing its page on the narrow rows first let PostgreSQL's
    parallel workers walk far ahead (1 s at 1,000,000 reports, bench/sweep.py); the other filters are indexed."""
    from cases.filters import ReportFilterSet, ReportPageFilterSet

    for filterset in (ReportFilterSet, ReportPageFilterSet):
        assert filterset.narrow_rows_first({"q": "采购"}) is False
        assert filterset.narrow_rows_first({"status": "registered", "channel": "letter", "q": ""}) is True


# --- the clarification list ------------------------------------------------------------------------


@pytest.fixture
def two_recommendations(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    """Two drafts on one concluded report; the second sent to the centralised review."""
    report = concluded_report(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    drafted = draft(report, zhanyi_investigator, "王某")
    in_review = draft(report, zhanyi_investigator, "李某")
    clarification.recommendation_submit_review(actor=zhanyi_investigator, recommendation=in_review)
    return drafted, in_review


def test_an_unknown_status_on_the_clarification_list_is_a_400_naming_it_that_changes_nothing(
    client, two_recommendations, zhanyi_supervisor
):
    events = AuditEvent.objects.count()
    recommendations = list(Recommendation.objects.values_list("pk", "status", "updated_at"))
    _assert_refused(_api(zhanyi_supervisor).get("/api/clarifications/", {"status": "nonsense"}), "status")
    client.force_login(zhanyi_supervisor)
    export = client.get(reverse("stats:list-export", args=["clarifications", "csv"]), {"status": "nonsense"})
    assert export.status_code == 400
    assert AuditEvent.objects.count() == events
    assert list(Recommendation.objects.values_list("pk", "status", "updated_at")) == recommendations


def test_the_page_the_api_and_the_export_of_one_status_list_the_same_clarifications(
    client, two_recommendations, zhanyi_supervisor
):
    drafted, in_review = two_recommendations
    params = {"status": RecommendationStatus.IN_REVIEW}

    api = [r["reference"] for r in _api(zhanyi_supervisor).get("/api/clarifications/", params).json()["results"]]
    client.force_login(zhanyi_supervisor)
    html = client.get(reverse("clarification:list"), params).content.decode()
    page = re.findall(r'<a href="/clarifications/\d+/">([^<]+)</a>', html)
    export = _exported_first_column(client, "clarifications", params)

    assert api == page == export == [in_review.reference]
    everything = _api(zhanyi_supervisor).get("/api/clarifications/").json()["results"]
    assert {r["reference"] for r in everything} == {drafted.reference, in_review.reference}


def test_the_schema_documents_the_clarification_list_status_with_its_values():
    parameters = _schema_parameters("/api/clarifications/")
    assert sorted(parameters["status"]["schema"]["enum"]) == sorted(RecommendationStatus.values)


# --- the decisions API -----------------------------------------------------------------------------


@pytest.fixture
def decisions(tree, zhanyi_supervisor):
    """A deputy's decision in force and another person's decision proposed."""
    deputy = person(tree["zhanyi"])
    (in_force,) = to_proposed(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [deputy]))
    accountability.decision_approve(actor=zhanyi_supervisor, decision=in_force)
    other = person(tree["zhanyi"], name="孙某")
    (proposed,) = to_proposed(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [other]))
    return deputy, in_force, proposed


@pytest.mark.parametrize(
    "params, attr",
    [({"status": "nonsense"}, "status"), ({"subject": "x"}, "subject"), ({"subject": ""}, "subject")],
)
def test_an_unknown_or_invalid_filter_value_on_the_decisions_api_is_a_400_naming_it_that_changes_nothing(
    decisions, zhanyi_supervisor, params, attr
):
    events, rows = AuditEvent.objects.count(), list(Decision.objects.values_list("pk", "status", "decided_on"))
    _assert_refused(_api(zhanyi_supervisor).get("/api/accountability/decisions/", params), attr)
    assert AuditEvent.objects.count() == events
    assert list(Decision.objects.values_list("pk", "status", "decided_on")) == rows


def test_the_decisions_api_of_a_subject_lists_what_the_subjects_history_page_lists(
    client, decisions, zhanyi_supervisor
):
    deputy, in_force, proposed = decisions
    api = _api(zhanyi_supervisor).get("/api/accountability/decisions/", {"subject": deputy.pk}).json()["results"]
    client.force_login(zhanyi_supervisor)
    html = client.get(reverse("accountability:subject-history", args=[deputy.pk])).content.decode()
    page = re.findall(r'<a href="/accountability/\d+/">([^<]+)</a>', html)

    assert [d["case_reference"] for d in api] == page == [in_force.case.reference]
    by_status = _api(zhanyi_supervisor).get("/api/accountability/decisions/", {"status": DecisionStatus.PROPOSED})
    assert [d["id"] for d in by_status.json()["results"]] == [proposed.pk]


def test_the_schema_documents_the_decisions_api_filters():
    parameters = _schema_parameters("/api/accountability/decisions/")
    assert sorted(parameters["status"]["schema"]["enum"]) == sorted(DecisionStatus.values)
    assert parameters["subject"]["schema"]["type"] == "integer"
