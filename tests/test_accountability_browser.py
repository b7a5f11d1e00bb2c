"""A city supervisor takes a case from initiation to a first-form decision; the person complains; it changes."""

import pytest

from accountability.choices import DecisionStatus, Status
from accountability.models import AccountabilityCase, Decision

from .conftest import browser_login
from .factories import member
from .test_accountability_workflow import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_and_save(page, fields: dict):
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click("form.form button[type=submit]")


def test_city_supervisor_decides_then_a_complaint_changes_the_decision(page, live_server, tree, qujing_supervisor):
    from accounts.roles import Role

    member("qujing-reviewer", tree["qujing"], Role.REVIEWER, "case_management")
    official = person(tree["qujing"], name="钱某", position="科长")
    browser_login(page, live_server, "qujing-supervisor")

    page.goto(f"{live_server.url}/accountability/")
    page.click("text=启动问责")
    page.select_option("#id_commission", str(tree["qujing"].pk))
    page.select_option("#id_trigger", "formalism")
    page.fill("#id_facts", "督查检查中弄虚作假，应付上级")
    page.select_option("#id_subjects", [str(official.pk)])
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=开始调查")
    case = AccountabilityCase.objects.get()

    page.click("button:has-text('开始调查')")
    page.click("a:has-text('四个必须')")
    _fill_and_save(
        page,
        {
            "#id_statement": "本人承认督查台账不实",
            "#id_unit_opinion": "单位党组织建议问责",
            "#id_department_opinion": "上级主管部门同意",
            "#id_effect_assessment": "有利于纠治形式主义",
        },
    )
    page.click("a:has-text('情节认定')")
    page.fill("#id_motive", "为应付检查，无私利")
    page.fill("#id_attitude", "认错态度好")
    page.fill("#id_performance", "一贯表现较好")
    page.fill("#id_loss_recovery", "未造成损失")
    page.select_option("#id_circumstance", "lighter")
    page.click("form.form button[type=submit]")

    page.click("a:has-text('提出处理意见')")
    page.select_option("#id_form", "1")
    page.check("input[name=measures][value=talk_reminder]")
    page.click("form.form button[type=submit]")
    page.click("a:has-text('审批决定')")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".badge:has-text('生效')")
    case.refresh_from_db()
    assert case.status == Status.DECIDED
    first = Decision.objects.get()
    assert first.form == 1 and first.status == DecisionStatus.IN_FORCE

    # The person complains; the supervisor records it, the reviewer reviews, the supervisor changes it.
    page.click("a:has-text('登记申诉')")
    page.fill("#id_grounds", "认为已及时整改，不应问责")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=申诉")
    page.click("a:has-text('复查申诉')")
    page.fill("#id_opinion", "整改及时，建议变更为批评教育")
    page.select_option("#id_recommendation", "changed")
    page.click("form.form button[type=submit]")
    page.click("a:has-text('处理申诉')")
    page.select_option("#id_outcome", "changed")
    page.fill("#id_outcome_reasons", "经复查变更为批评教育")
    page.select_option("#id_form", "1")
    page.check("input[name=measures][value=criticism_education]")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=纠正原决定")

    case.refresh_from_db()
    first.refresh_from_db()
    assert case.status == Status.CHANGED
    assert first.status == DecisionStatus.CHANGED
    assert first.corrected_by.measures == ["criticism_education"]
