"""Public reports arrive "to be classified"; no disposition while an allegation is unclassified (issue 15)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from cases import services
from cases.choices import Category, CorrectionStatus, Status
from cases.models import Allegation, Correction, Disposition
from cases.services import ReporterInput, SubjectInput

from .factories import member
from .test_cases_api import assert_refused, nothing_written, post, url
from .test_public_intake import client, fresh_cache, submit  # noqa: F401  (the public form's fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhanyi_reviewer(tree):
    return member("zhanyi-reviewer", tree["zhanyi"], Role.REVIEWER, "case_management")


@pytest.fixture
def public_report(tree):
    return services.public_report_submit(
        commission=tree["zhanyi"],
        summary="区应急管理局救灾物资采购中串通投标",
        subjects=[SubjectInput(name="李某", unit="沾益区应急管理局", position="局长")],
        reporter=ReporterInput(is_anonymous=True),
        area="procurement",
    ).report


def test_public_form_files_its_allegations_as_to_be_classified(client, tree):  # noqa: F811
    response = submit(client)
    assert response.status_code == 200
    allegation = Allegation.objects.get()
    assert allegation.category == Category.UNCLASSIFIED
    assert allegation.get_category_display() == "待分类"


def test_page_refuses_a_disposition_while_an_allegation_is_unclassified(client, public_report, zhanyi_reviewer):  # noqa: F811
    client.force_login(zhanyi_reviewer)
    page = client.get(reverse("cases:report-detail", args=[public_report.pk])).content.decode()
    assert 'id="unclassified-warning"' in page
    assert "propose-disposition" not in page, "the proposal form waits until every allegation is classified"
    with nothing_written(public_report):
        response = client.post(
            reverse("cases:report-action", args=[public_report.pk, "propose-disposition"]),
            {"kind": "preliminary", "reasons": "需初步核实"},
            follow=True,
        )
    assert "提出处置意见前须为每个问题分类：仍有1个问题待分类" in response.content.decode()


def test_page_classifies_the_allegation_then_the_disposition_is_proposed(client, public_report, zhanyi_reviewer):  # noqa: F811
    client.force_login(zhanyi_reviewer)
    allegation = public_report.allegations.get()
    client.post(
        reverse("cases:report-action", args=[public_report.pk, "correct-allegation"]),
        {"allegation": allegation.pk, "text": allegation.text, "category": Category.INTEGRITY},
    )
    allegation.refresh_from_db()
    assert allegation.category == Category.INTEGRITY
    client.post(
        reverse("cases:report-action", args=[public_report.pk, "propose-disposition"]),
        {"kind": "preliminary", "reasons": "需初步核实"},
    )
    public_report.refresh_from_db()
    assert public_report.status == Status.DISPOSITION_PROPOSED


def test_api_refuses_a_disposition_while_an_allegation_is_unclassified(public_report, zhanyi_reviewer):
    with nothing_written(public_report):
        response = post(zhanyi_reviewer, url(public_report, "propose-disposition"), {"kind": "hold", "reasons": "r"})
    assert_refused(response, "unclassified")
    allegation = public_report.allegations.get()
    response = post(
        zhanyi_reviewer,
        url(public_report, "corrections"),
        {"op": "edit", "allegation": allegation.pk, "category": "mass"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == CorrectionStatus.APPLIED
    response = post(zhanyi_reviewer, url(public_report, "propose-disposition"), {"kind": "hold", "reasons": "r"})
    assert response.status_code == 200, response.content
    assert Disposition.objects.filter(report=public_report).count() == 1


def test_a_correction_does_not_leave_an_allegation_to_be_classified(public_report, zhanyi_reviewer):
    allegation = public_report.allegations.get()
    with nothing_written(public_report):
        response = post(
            zhanyi_reviewer,
            url(public_report, "corrections"),
            {"op": "edit", "allegation": allegation.pk, "text": "另述", "category": "unclassified"},
        )
    assert_refused(response, "category")
    assert not Correction.objects.exists()
