"""Registering a likely repeat of a report from the last 30 days warns first; it may be saved as a linked repeat
(issue 15)."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Report, ReportLink

from .test_cases_api import new_report_body, nothing_written, post
from .test_cases_pages import _entry_post

pytestmark = pytest.mark.django_db


def register_page(client, commission, token=None, **overrides):
    return client.post(reverse("cases:report-create"), _entry_post(commission, token or uuid.uuid4(), **overrides))


@pytest.fixture
def first(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)
    register_page(client, tree["zhanyi"])
    return Report.objects.get()


def test_page_warns_of_a_repeat_and_saves_nothing(client, tree, first):
    with nothing_written():
        response = register_page(client, tree["zhanyi"], summary="反映应急物资采购问题。")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="possible-repeat"' in html
    assert reverse("cases:report-detail", args=[first.pk]) in html and first.reference in html
    assert f'name="repeat_of" value="{first.pk}"' in html


def test_page_saves_a_confirmed_repeat_linked_to_the_earlier_report(client, tree, first):
    response = register_page(client, tree["zhanyi"], repeat_of=first.pk)
    assert response.status_code == 200  # the receipt of the anonymous reporter
    later = Report.objects.exclude(pk=first.pk).get()
    assert ReportLink.objects.filter(report=later, earlier=first).exists()
    assert AuditEvent.objects.filter(action="report.link", target_id=str(later.pk)).exists()


def test_page_resending_the_same_form_is_not_a_repeat(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)
    token = uuid.uuid4()
    register_page(client, tree["zhanyi"], token)
    again = register_page(client, tree["zhanyi"], token)
    assert 'id="possible-repeat"' not in again.content.decode()
    assert Report.objects.count() == 1


def test_no_warning_for_another_subject_or_summary_or_after_30_days(client, tree, first):
    response = register_page(client, tree["zhanyi"], **{"allegations-0-name": "赵某", "allegations-1-name": "某乡党委"})
    assert 'id="possible-repeat"' not in response.content.decode()
    response = register_page(client, tree["zhanyi"], summary="反映某局长期违规公款吃喝，节假日收受礼品礼金")
    assert 'id="possible-repeat"' not in response.content.decode()
    Report.objects.update(created_at=timezone.now() - datetime.timedelta(days=31))
    response = register_page(client, tree["zhanyi"])
    assert 'id="possible-repeat"' not in response.content.decode()
    assert Report.objects.count() == 4


def test_api_answers_409_with_the_earlier_report_and_writes_nothing(tree, zhanyi_intake):
    earlier = post(zhanyi_intake, "/api/reports/", new_report_body(tree)).json()
    with nothing_written():
        response = post(zhanyi_intake, "/api/reports/", new_report_body(tree))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_repeat"
    assert [r["id"] for r in body["repeats"]] == [earlier["id"]]
    assert earlier["reference"] in body["detail"]


def test_api_saves_a_repeat_the_client_confirms(tree, zhanyi_intake):
    earlier = post(zhanyi_intake, "/api/reports/", new_report_body(tree)).json()
    response = post(zhanyi_intake, "/api/reports/", new_report_body(tree, repeat_of=earlier["id"]))
    assert response.status_code == 201, response.content
    assert [r["id"] for r in response.json()["linked_reports"]] == [earlier["id"]]


def test_api_refuses_a_repeat_of_a_report_out_of_reach(tree, zhanyi_intake, qilin_investigator):
    from .factories import member

    qilin_intake = member("qilin-intake", tree["qilin"], "intake", "letters_visits")
    earlier = post(zhanyi_intake, "/api/reports/", new_report_body(tree)).json()
    body = new_report_body(tree, commission=tree["qilin"].pk, repeat_of=earlier["id"])
    with nothing_written():
        response = post(qilin_intake, "/api/reports/", body)
    assert response.status_code == 400 and {e["attr"] for e in response.json()["errors"]} == {"repeat_of"}
