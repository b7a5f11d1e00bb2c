"""Records that can be corrected (issue 15): before the disposition is approved, intake and the case management
office correct a report and restructure its allegations; afterwards a supervisor approves each correction. Every
change is an audit event with the before and after values, on the report's timeline."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases import services
from cases.choices import Category, CorrectionStatus, DispositionKind, Finding, Status
from cases.models import Allegation, Correction
from core.errors import DomainError

from .cases_helpers import register, to_verification, zhanyi_official
from .factories import member
from .test_cases_api import api, assert_refused, nothing_written, post, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhanyi_reviewer(tree):
    return member("zhanyi-reviewer", tree["zhanyi"], Role.REVIEWER, "case_management")


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


@pytest.fixture
def approved(report, zhanyi_supervisor):
    services.disposition_propose(
        actor=zhanyi_supervisor, report=report, kind=DispositionKind.PRELIMINARY, reasons="需初步核实"
    )
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    report.refresh_from_db()
    assert report.status == Status.DISPOSITION_APPROVED
    return report


@pytest.fixture
def second_supervisor(tree):
    return member("zhanyi-supervisor-2", tree["zhanyi"], Role.SUPERVISOR)


def correct(user, report, **body):
    return post(user, url(report, "corrections"), body)


def first(report):
    return report.allegations.order_by("id").first()


def last_change():
    return AuditEvent.objects.filter(action="report.correct").latest("id")


# --- before the disposition is approved: applied at once -----------------------------------------------------------


def test_intake_corrects_the_report_details_with_before_and_after(report, zhanyi_intake):
    response = correct(zhanyi_intake, report, op="report", summary="更正后的摘要", channel="visit", place="")
    assert response.status_code == 201, response.content
    report.refresh_from_db()
    assert (report.summary, report.channel) == ("更正后的摘要", "visit")
    changes = {c["field"]: (c["before"], c["after"]) for c in last_change().data["changes"]}
    assert changes == {"summary": ("反映区应急管理局救灾物资采购中存在串通投标、随意取消中标等问题", "更正后的摘要"),
                       "channel": ("letter", "visit")}  # fmt: skip
    timeline = api(zhanyi_intake).get(url(report)).json()["timeline"]
    assert timeline[-1]["action"] == "report.correct" and timeline[-1]["data"]["changes"]


def test_reviewer_splits_an_allegation_into_two(report, zhanyi_reviewer):
    original = first(report)
    parts = [{"text": "串通投标", "category": "integrity"}, {"text": "收受供应商礼金", "category": "integrity"}]
    response = correct(zhanyi_reviewer, report, op="split", allegation=original.pk, parts=parts)
    assert response.status_code == 201, response.content
    assert not Allegation.objects.filter(pk=original.pk).exists()
    new = report.allegations.filter(subject=original.subject).order_by("id")
    assert [a.text for a in new] == ["串通投标", "收受供应商礼金"]
    change = last_change().data["changes"][0]
    assert change["before"][0]["text"] == original.text and len(change["after"]) == 2


def test_allegations_about_one_subject_are_merged_and_others_refused(report, zhanyi_reviewer):
    subject = first(report).subject
    extra = services.report_correct(
        actor=zhanyi_reviewer,
        report=report,
        op="add",
        payload={"subject": subject.pk, "text": "另有问题", "category": Category.WORK},
    )
    assert extra.status == CorrectionStatus.APPLIED
    ids = list(report.allegations.filter(subject=subject).values_list("pk", flat=True))
    other = report.allegations.exclude(subject=subject).first()
    with nothing_written(report):
        refused = correct(
            zhanyi_reviewer, report, op="merge", allegations=[ids[0], other.pk], text="x", category="work"
        )
    assert_refused(refused, "subjects_differ")
    response = correct(zhanyi_reviewer, report, op="merge", allegations=ids, text="合并后的问题", category="integrity")
    assert response.status_code == 201, response.content
    assert list(report.allegations.filter(subject=subject).values_list("text", flat=True)) == ["合并后的问题"]


def test_removing_needs_a_reason_and_keeps_one_allegation(report, zhanyi_intake):
    a, b = report.allegations.order_by("id")
    with nothing_written(report):
        assert_refused(correct(zhanyi_intake, report, op="remove", allegation=a.pk), "required")
    assert correct(zhanyi_intake, report, op="remove", allegation=a.pk, reason="重复登记").status_code == 201
    assert last_change().data["reason"] == "重复登记"
    with nothing_written(report):
        assert_refused(correct(zhanyi_intake, report, op="remove", allegation=b.pk, reason="r"), "last_allegation")


def test_corrections_are_refused_to_others(report, zhanyi_investigator, qilin_investigator):
    with nothing_written(report):
        assert_refused(correct(zhanyi_investigator, report, op="report", summary="x"), "forbidden")
        assert correct(qilin_investigator, report, op="report", summary="x").status_code == 404
    assert not Correction.objects.exists()


def test_a_correction_that_changes_nothing_or_an_allegation_of_another_report_is_refused(tree, report, zhanyi_intake):
    other = register(
        zhanyi_intake, tree["zhanyi"], summary="另一件", allegations=[
            services.AllegationInput(text="另案", category=Category.LIFE, new_subject=zhanyi_official("赵某"))
        ],
    ).report  # fmt: skip
    with nothing_written(report):
        assert_refused(correct(zhanyi_intake, report, op="report", summary=report.summary), "no_change")
        assert_refused(correct(zhanyi_intake, report, op="edit", allegation=first(other).pk, text="x"), "allegation")


# --- after the disposition is approved: a supervisor approves -------------------------------------------------------


def test_after_approval_a_correction_waits_for_a_supervisor(approved, zhanyi_intake, zhanyi_supervisor):
    allegation = first(approved)
    with nothing_written(approved):
        assert_refused(correct(zhanyi_intake, approved, op="edit", allegation=allegation.pk, text="新表述"), "required")
    response = correct(zhanyi_intake, approved, op="edit", allegation=allegation.pk, text="新表述", reason="笔误")
    assert response.status_code == 202, response.content
    allegation.refresh_from_db()
    assert allegation.text != "新表述"
    proposal = AuditEvent.objects.get(action="report.correction_propose")
    assert proposal.data["changes"][0]["after"] == "新表述"
    correction = Correction.objects.get()
    decided = post(
        zhanyi_supervisor, url(approved, "decide-correction"), {"correction": correction.pk, "approve": True}
    )
    assert decided.status_code == 200, decided.content
    allegation.refresh_from_db()
    assert allegation.text == "新表述"
    event = last_change()
    assert event.actor == zhanyi_supervisor and event.data["proposed_by"] == zhanyi_intake.pk


def test_a_supervisor_does_not_approve_their_own_correction(approved, zhanyi_supervisor, second_supervisor):
    correction = services.report_correct(
        actor=zhanyi_supervisor, report=approved, op="report", payload={"area": "medical"}, reason="领域登记错误"
    )
    assert correction.status == CorrectionStatus.PENDING
    with nothing_written(approved):
        response = post(
            zhanyi_supervisor, url(approved, "decide-correction"), {"correction": correction.pk, "approve": True}
        )
    assert_refused(response, "own_proposal")
    with nothing_written(approved):
        response = post(
            second_supervisor, url(approved, "decide-correction"), {"correction": correction.pk, "approve": False}
        )
    assert_refused(response, "required")
    response = post(
        second_supervisor,
        url(approved, "decide-correction"),
        {"correction": correction.pk, "approve": False, "reason": "原登记无误"},
    )
    assert response.json()["status"] == CorrectionStatus.REJECTED
    approved.refresh_from_db()
    assert approved.area == "procurement"


def test_an_allegation_with_a_finding_is_not_split(report, zhanyi_supervisor, zhanyi_investigator):
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    allegation = first(report)
    services.finding_record(
        actor=zhanyi_investigator, report=report, allegation=allegation, finding=Finding.SUBSTANTIATED, notes="n"
    )
    parts = [{"text": "a", "category": "work"}, {"text": "b", "category": "work"}]
    with nothing_written(report):
        response = correct(zhanyi_investigator, report, op="split", allegation=allegation.pk, parts=parts, reason="r")
    assert_refused(response, "has_finding")


# --- the page ------------------------------------------------------------------------------------------------------


def action(report, name):
    return reverse("cases:report-action", args=[report.pk, name])


def test_page_corrects_the_summary_and_the_timeline_shows_before_and_after(client, report, zhanyi_intake):
    client.force_login(zhanyi_intake)
    data = {
        "summary": "更正后的摘要",
        "channel": report.channel,
        "area": report.area,
        "received_on": report.received_on.isoformat(),
        "place": "",
    }
    response = client.post(action(report, "correct-report"), data, follow=True)
    html = response.content.decode()
    assert "更正已生效" in html
    assert "<del>反映区应急管理局救灾物资采购中存在串通投标、随意取消中标等问题</del> → <ins>更正后的摘要</ins>" in html


def test_page_refuses_removing_without_a_reason(client, report, zhanyi_intake):
    client.force_login(zhanyi_intake)
    with nothing_written(report):
        response = client.post(action(report, "remove-allegation"), {"allegation": first(report).pk}, follow=True)
    assert report.allegations.count() == 2
    assert "msg-error" in response.content.decode()


def test_page_proposal_is_approved_by_a_supervisor(client, approved, zhanyi_intake, zhanyi_supervisor):
    client.force_login(zhanyi_intake)
    allegation = first(approved)
    client.post(
        action(approved, "correct-allegation"),
        {"allegation": allegation.pk, "text": allegation.text, "category": Category.MASS, "reason": "类别登记错误"},
    )
    correction = Correction.objects.get(status=CorrectionStatus.PENDING)
    client.force_login(zhanyi_supervisor)
    page = client.get(reverse("cases:report-detail", args=[approved.pk])).content.decode()
    assert f'id="correction-{correction.pk}"' in page and "批准更正" in page
    client.post(action(approved, "decide-correction"), {"correction": correction.pk, "decision": "approve"})
    allegation.refresh_from_db()
    assert allegation.category == Category.MASS
    html = client.get(reverse("cases:report-detail", args=[approved.pk])).content.decode()
    assert "<del>廉洁纪律</del> → <ins>群众纪律</ins>" in html


def test_page_records_only_the_fields_that_changed(client, tree, zhanyi_intake):
    report = register(zhanyi_intake, tree["zhanyi"], summary="第一行\n第二行").report
    client.force_login(zhanyi_intake)
    data = {
        "summary": "第一行\r\n第二行",  # as a browser sends a textarea
        "channel": report.channel,
        "area": report.area,
        "received_on": report.received_on.isoformat(),
        "place": "沾益区政务服务中心",
    }
    client.post(action(report, "correct-report"), data)
    assert [c["field"] for c in last_change().data["changes"]] == ["place"]
    with nothing_written(report):
        response = client.post(action(report, "correct-report"), data, follow=True)
    assert "没有任何改动" in response.content.decode()


def test_a_recused_supervisor_does_not_decide(approved, zhanyi_intake, second_supervisor):
    correction = services.report_correct(
        actor=zhanyi_intake, report=approved, op="report", payload={"area": "medical"}, reason="领域登记错误"
    )
    services.recusal_declare(actor=second_supervisor, report=approved, reason="与被反映人系亲属")
    with nothing_written(approved), pytest.raises(DomainError) as refused:
        services.correction_decide(actor=second_supervisor, correction=correction, approve=True)
    assert refused.value.code == "forbidden"
    assert Correction.objects.get(pk=correction.pk).status == CorrectionStatus.PENDING
