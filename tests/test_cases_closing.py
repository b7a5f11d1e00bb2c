"""Closing a report with allegations found untrue asks why no clarification is needed; clarification stays possible
after closing (issue 15)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases import services
from cases.choices import Finding, Status
from clarification.models import Recommendation

from .clarification_helpers import concluded_report, draft
from .test_cases_api import assert_refused, nothing_written, post, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    """李某's allegation is substantiated, 王某's found untrue."""
    return concluded_report(
        tree,
        zhanyi_intake,
        zhanyi_supervisor,
        zhanyi_investigator,
        findings=(Finding.SUBSTANTIATED, Finding.UNSUBSTANTIATED),
    )


def close_page(client, report, reason=""):
    return client.post(reverse("cases:report-action", args=[report.pk, "close"]), {"reason": reason}, follow=True)


def test_page_asks_why_no_clarification_and_refuses_closing_without(client, report, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    page = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()
    assert 'id="clarification-undecided"' in page and "王某" in page
    assert "无需澄清的理由" in page
    with nothing_written(report):
        response = close_page(client, report)
    assert "尚未决定是否澄清正名" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.CONCLUDED


def test_page_closes_with_the_reason_and_the_trail_keeps_it(client, report, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    close_page(client, report, "当事人已调离，本人明确表示无需澄清")
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    event = AuditEvent.objects.get(action="report.close")
    assert event.data["reason"] == "当事人已调离，本人明确表示无需澄清"
    assert event.data["without_clarification"] == ["王某"]


def test_api_refuses_closing_without_a_reason(report, zhanyi_supervisor):
    with nothing_written(report):
        response = post(zhanyi_supervisor, url(report, "close"), {"reason": "  "})
    assert_refused(response, "clarification_undecided")
    response = post(zhanyi_supervisor, url(report, "close"), {"reason": "本人表示无需澄清"})
    assert response.status_code == 200 and response.json()["status"] == Status.CLOSED


def test_closing_needs_no_reason_once_a_clarification_is_recommended(report, zhanyi_supervisor, zhanyi_investigator):
    draft(report, zhanyi_investigator)
    response = post(zhanyi_supervisor, url(report, "close"), {})
    assert response.status_code == 200, response.content
    assert not AuditEvent.objects.get(action="report.close").data.get("without_clarification")


def test_closing_needs_no_reason_when_nothing_was_found_untrue(
    tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    report = concluded_report(
        tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.SUBSTANTIATED,) * 2
    )
    services.report_close(actor=zhanyi_supervisor, report=report)
    assert report.status == Status.CLOSED


def test_clarification_is_still_recommended_after_closing(client, report, zhanyi_supervisor, zhanyi_investigator):
    services.report_close(actor=zhanyi_supervisor, report=report, reason="暂不澄清")
    client.force_login(zhanyi_investigator)
    picker = client.get(reverse("clarification:create")).content.decode()
    assert "选择已出核查结论或已办结的举报" in picker and report.reference in picker
    listing = client.get(reverse("clarification:list")).content.decode()
    assert "已出核查结论或已办结、有问题不属实的举报" in listing and report.reference in listing
    recommendation = draft(report, zhanyi_investigator)
    assert Recommendation.objects.filter(pk=recommendation.pk, report=report).exists()
