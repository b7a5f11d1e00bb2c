import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clarification.choices import REVIEW_OFFICES, Status
from clarification.models import Recommendation

from .clarification_helpers import allegation_of, concluded_report, draft, reviewers, to_approved

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def offices(tree):
    return reviewers(tree["zhanyi"], "zhanyi")


@pytest.fixture
def report(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    return concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)


def test_api_runs_the_whole_flow(report, offices, zhanyi_investigator, zhanyi_supervisor):
    allegation = allegation_of(report, "王某")
    created = api(zhanyi_investigator).post(
        "/api/clarifications/",
        {
            "report": report.pk,
            "subject": allegation.subject_id,
            "allegations": [allegation.pk],
            "method": "meeting",
            "audience": "unit",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api(zhanyi_investigator).post(f"/api/clarifications/{pk}/submit-review/").status_code == 200
    for office in REVIEW_OFFICES:
        response = api(offices[office]).post(
            f"/api/clarifications/{pk}/review/", {"office": office, "opinion": "agree"}, format="json"
        )
        assert response.status_code == 200, response.content
    assert api(zhanyi_investigator).post(f"/api/clarifications/{pk}/submit/").status_code == 200
    approved = api(zhanyi_supervisor).post(f"/api/clarifications/{pk}/approve/", {}, format="json")
    assert approved.json()["status"] == Status.APPROVED
    executed = api(zhanyi_investigator).post(
        f"/api/clarifications/{pk}/execute/",
        {
            "executed_on": timezone.localdate().isoformat(),
            "place": "会议室",
            "method_used": "meeting",
            "audience_reached": "unit",
        },
        format="json",
    )
    assert executed.json()["status"] == Status.EXECUTED and executed.json()["return_visit_due_on"]


def test_api_refuses_substantiated_allegation_with_400(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    from cases.choices import Finding

    report = concluded_report(
        tree,
        offices["letters_visits"],
        zhanyi_supervisor,
        zhanyi_investigator,
        findings=(Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED),
    )
    allegation = allegation_of(report, "王某")
    response = api(zhanyi_investigator).post(
        "/api/clarifications/",
        {
            "report": report.pk,
            "subject": allegation.subject_id,
            "allegations": [allegation.pk],
            "method": "meeting",
            "audience": "unit",
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "not_unsubstantiated"
    assert Recommendation.objects.count() == 0


def test_api_hides_recommendations_out_of_reach(report, zhanyi_investigator, qilin_investigator):
    recommendation = draft(report, zhanyi_investigator)
    assert api(zhanyi_investigator).get(f"/api/clarifications/{recommendation.pk}/").status_code == 200
    assert api(qilin_investigator).get(f"/api/clarifications/{recommendation.pk}/").status_code == 404
    assert api(qilin_investigator).post(f"/api/clarifications/{recommendation.pk}/submit-review/").status_code == 404


def test_api_refuses_editing_frozen_recommendation(report, offices, zhanyi_investigator, zhanyi_supervisor):
    recommendation = to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    response = api(zhanyi_investigator).patch(
        f"/api/clarifications/{recommendation.pk}/", {"audience": "public"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "frozen"


def test_api_builds_and_executes_batch(
    tree, report, offices, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor
):
    to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    built = api(qujing_supervisor).post(
        "/api/clarification-batches/build/",
        {"city": tree["qujing"].pk, "month": timezone.localdate().isoformat()},
        format="json",
    )
    assert built.status_code == 200
    pk = built.json()["id"]
    detail = api(qujing_supervisor).get(f"/api/clarification-batches/{pk}/").json()
    assert detail["people"] == 1 and len(detail["items"]) == 1
    item = detail["items"][0]["recommendation"]
    body = {"recommendation": item, "executed_on": timezone.localdate().isoformat(), "place": "沾益区纪委"}
    # The city sees the item but records nothing for the county; the county records its own execution.
    refused = api(qujing_supervisor).post(f"/api/clarification-batches/{pk}/execute-item/", body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    executed = api(zhanyi_investigator).post(f"/api/clarification-batches/{pk}/execute-item/", body, format="json")
    assert executed.json()["status"] == "executed"
    assert executed.json()["items"][0]["execution_place"] == "沾益区纪委"


def test_api_batch_build_refused_for_county_supervisor(tree, zhanyi_supervisor):
    response = api(zhanyi_supervisor).post(
        "/api/clarification-batches/build/",
        {"city": tree["qujing"].pk, "month": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
