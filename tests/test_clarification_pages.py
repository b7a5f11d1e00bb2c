import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clarification import services
from clarification.choices import Status

from .clarification_helpers import allegation_of, concluded_report, draft, execute, reviewers, to_approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(tree):
    return reviewers(tree["zhanyi"], "zhanyi")


@pytest.fixture
def report(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    return concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)


def test_investigator_drafts_through_the_page(client, report, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    page = client.get(reverse("clarification:create") + f"?report={report.pk}")
    assert page.status_code == 200 and "随意取消中标结果" in page.content.decode()
    allegation = allegation_of(report, "王某")
    response = client.post(
        reverse("clarification:create"),
        {
            "report": report.pk,
            "subject": allegation.subject_id,
            "allegations": [allegation.pk],
            "method": "meeting",
            "audience": "unit",
            "statement": "",
            "subject_wishes": "on",
        },
    )
    assert response.status_code == 302
    assert report.clarifications.get().status == Status.DRAFT


def test_outsider_gets_404_on_detail(client, report, zhanyi_investigator, qilin_investigator):
    recommendation = draft(report, zhanyi_investigator)
    client.force_login(zhanyi_investigator)
    assert client.get(reverse("clarification:detail", args=[recommendation.pk])).status_code == 200
    client.force_login(qilin_investigator)
    assert client.get(reverse("clarification:detail", args=[recommendation.pk])).status_code == 404


def test_detail_shows_the_unlisted_allegation_as_a_blocking_problem(client, report, zhanyi_investigator):
    recommendation = draft(
        report,
        zhanyi_investigator,
        statement_text="经核查，反映王某随意取消中标结果和应急物资采购中串通投标的问题不属实。",
    )
    client.force_login(zhanyi_investigator)
    html = client.get(reverse("clarification:detail", args=[recommendation.pk])).content.decode()
    check = html.split('id="statement-check"')[1]
    assert "应急物资采购中串通投标" in check and "msg-error" in check


def test_refusal_is_shown_and_nothing_changes(client, report, zhanyi_investigator, zhanyi_supervisor):
    recommendation = draft(report, zhanyi_investigator)
    client.force_login(zhanyi_supervisor)
    response = client.post(reverse("clarification:action", args=[recommendation.pk, "approve"]), follow=True)
    assert "msg-error" in response.content.decode()
    recommendation.refresh_from_db()
    assert recommendation.status == Status.DRAFT


def test_pages_render_for_the_personas(
    client, tree, report, offices, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor
):
    recommendation = to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    client.force_login(qujing_supervisor)
    for name, args in [
        ("clarification:list", []),
        ("clarification:approvals", []),
        ("clarification:return-visits", []),
        ("clarification:batch-list", []),
        ("clarification:batch-detail", [batch.pk]),
        ("clarification:batch-print", [batch.pk]),
        ("clarification:detail", [recommendation.pk]),
        ("clarification:false-case-list", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_xlsx_export_is_audited(
    client, tree, report, offices, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor
):
    from io import BytesIO

    from openpyxl import load_workbook

    to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    client.force_login(qujing_supervisor)
    response = client.get(reverse("clarification:batch-xlsx", args=[batch.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert any("王某" == cell.value for row in sheet.iter_rows() for cell in row)
    assert AuditEvent.objects.filter(action="clarification.batch_export", target_id=str(batch.pk)).exists()


def test_batch_out_of_reach_is_404(
    client, tree, report, offices, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor, kunming_supervisor
):
    to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    client.force_login(kunming_supervisor)
    assert client.get(reverse("clarification:batch-detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("clarification:batch-xlsx", args=[batch.pk])).status_code == 404


def test_overdue_return_visit_shows_in_my_work(client, report, offices, zhanyi_investigator, zhanyi_supervisor):
    import datetime

    from clarification.models import ReturnVisit

    recommendation = to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    # The visit was due long ago: push the schedule back as if months had passed.
    ReturnVisit.objects.filter(recommendation=recommendation).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    from core.work import tasks_for

    tasks = {t.key: t for t in tasks_for(zhanyi_investigator)}
    assert [row["object"] for row in tasks["clarification.return_visit"].rows] == [recommendation]
    client.force_login(zhanyi_investigator)
    assert recommendation.reference in client.get(reverse("home")).content.decode()


def test_overdue_return_visit_not_shown_to_another_commission(
    report, offices, zhanyi_investigator, zhanyi_supervisor, qilin_investigator
):
    import datetime

    from clarification.models import ReturnVisit
    from core.work import tasks_for

    recommendation = to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    ReturnVisit.objects.update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    assert "clarification.return_visit" in {t.key for t in tasks_for(zhanyi_investigator)}
    assert tasks_for(qilin_investigator) == []


def test_false_case_page_shows_pseudonym_to_reviewer(client, tree, offices, zhanyi_supervisor, zhanyi_investigator):
    from cases import services as case_services
    from cases.choices import FalseGround, Finding

    from .cases_helpers import register, to_verification

    report = register(offices["letters_visits"], tree["zhanyi"]).report
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    first, second = report.allegations.order_by("id")
    case_services.finding_record(
        actor=zhanyi_investigator,
        report=report,
        allegation=first,
        finding=Finding.UNSUBSTANTIATED,
        suspected_false=True,
        false_grounds=FalseGround.FORGED_MATERIALS,
    )
    case_services.finding_record(
        actor=zhanyi_investigator, report=report, allegation=second, finding=Finding.UNSUBSTANTIATED
    )
    client.force_login(offices["case_management"])
    assert "?allegation=" in client.get(reverse("clarification:false-case-list")).content.decode()
    response = client.post(
        reverse("clarification:false-case-create"),
        {
            "allegation": first.pk,
            "accuser_known": "on",
            "accuser_class": "other",
            "means": "forged",
            "aggravations": ["bad_means"],
        },
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert report.reporter.pseudonym in html and "张举报" not in html
    client.force_login(offices["letters_visits"])
    assert "张举报" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="identity.reveal", actor=offices["letters_visits"]).exists()


def test_recommendation_list_query_count_does_not_grow(
    client, tree, offices, zhanyi_supervisor, zhanyi_investigator, django_assert_max_num_queries
):
    from cases.choices import Finding

    for _ in range(3):
        report = concluded_report(
            tree,
            offices["letters_visits"],
            zhanyi_supervisor,
            zhanyi_investigator,
            findings=(Finding.UNSUBSTANTIATED, Finding.UNSUBSTANTIATED),
        )
        draft(report, zhanyi_investigator, name="王某")
        draft(report, zhanyi_investigator, name="李某")
    client.force_login(zhanyi_investigator)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("clarification:list"))
    assert response.status_code == 200
    assert response.content.decode().count("CQ-0") == 6
