import pytest
from django.urls import reverse
from django.utils import timezone

from accountability.choices import DecisionStatus, Status
from accountability.models import AccountabilityCase, Decision, ExemptionEntry
from accountability.services import DecisionInput

from .test_accountability_workflow import initiate, person, to_proposed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def yunnan_catalogue(db):
    """Transactional (browser) tests flush the tables, data migrations included: load the catalogue again."""
    from importlib import import_module

    from django.apps import apps

    import_module("accountability.migrations.0002_yunnan_catalogue").load(apps, None)


@pytest.fixture
def deputy(tree):
    return person(tree["zhanyi"])


@pytest.fixture
def case(tree, zhanyi_supervisor, deputy):
    return initiate(zhanyi_supervisor, tree["zhanyi"], [deputy])


def test_case_list_shows_cases_in_reach_with_filters(client, case, qujing_supervisor):
    client.force_login(qujing_supervisor)
    html = client.get(reverse("accountability:case-list")).content.decode()
    assert case.reference in html
    html = client.get(reverse("accountability:case-list"), {"status": "closed"}).content.decode()
    assert case.reference not in html
    html = client.get(reverse("accountability:case-list"), {"target_kind": "person", "trigger": case.trigger}).content
    assert case.reference in html.decode()


def test_case_list_hides_cases_out_of_reach(client, case, qilin_investigator):
    client.force_login(qilin_investigator)
    assert case.reference not in client.get(reverse("accountability:case-list")).content.decode()


def test_case_list_query_count_does_not_grow_with_cases(
    client, tree, zhanyi_supervisor, deputy, django_assert_max_num_queries
):
    for _ in range(6):
        initiate(zhanyi_supervisor, tree["zhanyi"], [deputy])
    client.force_login(zhanyi_supervisor)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("accountability:case-list"))
    assert response.status_code == 200


def test_case_page_shows_steps_and_what_may_be_done(client, case, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    html = client.get(reverse("accountability:case-detail", args=[case.pk])).content.decode()
    assert "开始调查" in html  # Start investigation
    assert case.reference in html


def test_case_page_out_of_reach_is_404(client, case, kunming_supervisor):
    client.force_login(kunming_supervisor)
    assert client.get(reverse("accountability:case-detail", args=[case.pk])).status_code == 404
    url = reverse("accountability:case-step", args=[case.pk, "start"])
    assert client.post(url).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.INITIATED


def test_initiate_through_the_page(client, tree, zhanyi_supervisor, deputy):
    client.force_login(zhanyi_supervisor)
    response = client.post(
        reverse("accountability:case-create"),
        {
            "commission": tree["zhanyi"].pk,
            "trigger": "ecology",
            "facts": "违规审批导致生态破坏",
            "subjects": [deputy.pk],
            "initiated_on": timezone.localdate().isoformat(),
        },
    )
    case = AccountabilityCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accountability:case-detail", args=[case.pk])


def test_initiate_page_is_404_for_an_investigator(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    assert client.get(reverse("accountability:case-create")).status_code == 404


def test_proposal_without_four_musts_is_refused_on_the_page(client, case, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    client.post(reverse("accountability:case-step", args=[case.pk, "start"]))
    target = case.targets.get()
    response = client.post(
        reverse("accountability:case-step-on", args=[case.pk, "propose", target.pk]),
        {"form": "1", "measures": ["talk_reminder"], "deciding_organ": "沾益区纪委监委"},
    )
    assert response.status_code == 200
    assert "四个必须" in response.content.decode() or "msg-error" in response.content.decode()
    assert Decision.objects.count() == 0


def test_step_on_an_object_of_another_case_is_404(client, tree, case, zhanyi_supervisor, deputy):
    other = initiate(zhanyi_supervisor, tree["zhanyi"], [deputy])
    client.force_login(zhanyi_supervisor)
    url = reverse("accountability:case-step-on", args=[case.pk, "musts", other.targets.get().pk])
    assert client.get(url).status_code == 404


def test_catalogue_page_lists_the_yunnan_entries(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    html = client.get(reverse("accountability:catalogue")).content.decode()
    assert "YN-01" in html


def test_catalogue_page_hides_other_provinces(client, zhanyi_investigator):
    ExemptionEntry.objects.create(province_code="620000", code="GS-01", title="甘肃", in_force_from="2020-01-01")
    client.force_login(zhanyi_investigator)
    assert "GS-01" not in client.get(reverse("accountability:catalogue")).content.decode()


def test_subject_history_and_hooks(client, case, zhanyi_supervisor, deputy, kunming_supervisor):
    from accountability import hooks

    (decision,) = to_proposed(zhanyi_supervisor, case)
    from accountability import services

    services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    client.force_login(zhanyi_supervisor)
    html = client.get(reverse("accountability:subject-history", args=[deputy.pk])).content.decode()
    assert case.reference in html
    assert hooks.subject_sections(zhanyi_supervisor, deputy)[0]["rows"]
    assert not hooks.subject_sections(kunming_supervisor, deputy)[0]["rows"]
    client.force_login(kunming_supervisor)
    assert client.get(reverse("accountability:subject-history", args=[deputy.pk])).status_code == 404


def test_my_work_lists_a_decision_for_the_commission_with_authority_only(tree, zhanyi_supervisor, qujing_supervisor):
    from cases.choices import Rank
    from core.work import tasks_for

    director = person(tree["zhanyi"], name="李某", rank=Rank.COUNTY_DIVISION)
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [director])
    to_proposed(zhanyi_supervisor, case)
    tasks = {t.key: t for t in tasks_for(qujing_supervisor)}
    rows = tasks["accountability.approve_decision"].rows
    assert [row["url"] for row in rows] == [reverse("accountability:case-detail", args=[case.pk])]
    assert "accountability.approve_decision" not in {t.key for t in tasks_for(zhanyi_supervisor)}


# --- the API ----------------------------------------------------------------------------------------


def test_api_runs_the_procedure_with_the_same_rules(client, tree, zhanyi_supervisor, deputy):
    client.force_login(zhanyi_supervisor)
    created = client.post(
        "/api/accountability/cases/",
        {"commission": tree["zhanyi"].pk, "trigger": "epidemic", "facts": "防控不力", "subjects": [deputy.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    target = created.json()["targets"][0]["id"]
    assert client.post(f"/api/accountability/cases/{case_id}/start-investigation/").status_code == 200
    refused = client.post(
        f"/api/accountability/cases/{case_id}/propose-decision/",
        {"target": target, "form": 1, "measures": ["talk_reminder"], "deciding_organ": "沾益区纪委监委"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "four_musts_missing"
    client.post(
        f"/api/accountability/cases/{case_id}/four-musts/",
        {
            "target": target,
            "statement": "陈述",
            "unit_opinion": "意见",
            "department_opinion": "意见",
            "effect_assessment": "好",
        },
        content_type="application/json",
    )
    retired = ExemptionEntry.objects.get(code="YN-2016-03")
    refused = client.post(
        f"/api/accountability/cases/{case_id}/assessment/",
        {
            "target": target,
            "motive": "公",
            "attitude": "好",
            "performance": "好",
            "loss_recovery": "已挽回",
            "circumstance": "exemption",
            "exemption_entries": [retired.pk],
            "exemption_reasons": "理由",
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "exemption_not_in_force"
    client.post(
        f"/api/accountability/cases/{case_id}/assessment/",
        {
            "target": target,
            "motive": "公",
            "attitude": "好",
            "performance": "好",
            "loss_recovery": "已挽回",
            "circumstance": "lighter",
        },
        content_type="application/json",
    )
    proposed = client.post(
        f"/api/accountability/cases/{case_id}/propose-decision/",
        {"target": target, "form": 1, "measures": ["talk_reminder"], "deciding_organ": "沾益区纪委监委"},
        content_type="application/json",
    )
    assert proposed.status_code == 200, proposed.content
    decision_id = proposed.json()["decisions"][0]["id"]
    approved = client.post(f"/api/accountability/decisions/{decision_id}/approve/", {}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == DecisionStatus.IN_FORCE
    complaint = client.post(
        f"/api/accountability/cases/{case_id}/complaint/",
        {"decision": decision_id, "received_on": timezone.localdate().isoformat(), "grounds": "不服"},
        content_type="application/json",
    )
    assert complaint.status_code == 200
    assert client.get(f"/api/accountability/cases/{case_id}/").json()["status"] == Status.COMPLAINT


def test_api_hides_cases_out_of_reach(client, case, kunming_supervisor):
    client.force_login(kunming_supervisor)
    assert client.get(f"/api/accountability/cases/{case.pk}/").status_code == 404
    assert client.post(f"/api/accountability/cases/{case.pk}/start-investigation/").status_code == 404
    assert client.get("/api/accountability/cases/").json()["results"] == []


def test_api_refuses_approval_without_authority(client, tree, zhanyi_supervisor):
    from cases.choices import Rank

    director = person(tree["zhanyi"], name="李某", rank=Rank.COUNTY_DIVISION)
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [director])
    (decision,) = to_proposed(
        zhanyi_supervisor, case, DecisionInput(form=1, measures=["talk_reminder"], deciding_organ="区")
    )
    client.force_login(zhanyi_supervisor)
    response = client.post(f"/api/accountability/decisions/{decision.pk}/approve/", {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "no_authority"


def test_api_catalogue_lists_the_province_entries(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    codes = [e["code"] for e in client.get("/api/accountability/catalogue/").json()]
    assert "YN-01" in codes
