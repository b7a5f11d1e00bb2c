"""One FilterSet per list (issue 17): the report list's page, API and export read the same filters
(cases/filters.py), the API refuses a bad value with 400 naming it, and the schema documents the parameters."""

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

from audit.models import AuditEvent
from cases.choices import Area, Channel, Status
from cases.models import Report

from .cases_helpers import register

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


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
    response = _api(zhanyi_supervisor).get("/api/reports/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"} and body["code"] == "invalid"
    assert [error["attr"] for error in body["errors"]] == [attr]
    assert AuditEvent.objects.count() == events
    assert list(Report.objects.values_list("pk", "status", "updated_at")) == reports


def test_the_schema_documents_the_report_list_filters_with_their_values():
    schema = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    parameters = {p["name"]: p for p in schema["paths"]["/api/reports/"]["get"]["parameters"]}
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
    response = client.get(reverse("stats:list-export", args=["reports", "csv"]), params)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    export = [row[0] for row in rows[3:]]

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
        assert filterset.narrow_first({"q": "采购"}) is False
        assert filterset.narrow_first({"status": "registered", "channel": "letter", "q": ""}) is True
