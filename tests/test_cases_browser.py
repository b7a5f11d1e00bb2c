"""An intake officer registers a report; a supervisor and an investigator take it to a conclusion."""

import pytest

from cases.choices import Finding, Outcome, Status
from cases.models import Report

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_from_intake_to_conclusion(page, live_server, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    browser_login(page, live_server, "zhanyi-intake")
    page.goto(f"{live_server.url}/reports/new/")
    page.fill("#id_summary", "反映区应急管理局救灾物资采购中存在串通投标、随意取消中标等问题")
    page.select_option("#id_channel", "letter")
    page.select_option("#id_area", "procurement")
    page.fill("#id_reporter_name", "张举报")
    page.fill("#id_reporter_phone", "13800000000")
    page.fill("#id_reporter_relation", "投标公司员工")
    page.fill("#id_allegations-0-name", "李某")
    page.fill("#id_allegations-0-unit", "沾益区应急管理局")
    page.fill("#id_allegations-0-position", "局长")
    page.select_option("#id_allegations-0-rank", "township")
    page.select_option("#id_allegations-0-category", "integrity")
    page.fill("#id_allegations-0-text", "应急物资采购中串通投标")
    page.click("#add-allegation")
    page.fill("#id_allegations-1-name", "王某")
    page.fill("#id_allegations-1-unit", "沾益区应急管理局")
    page.select_option("#id_allegations-1-category", "work")
    page.fill("#id_allegations-1-text", "随意取消中标结果")
    page.click("#submit-report")
    try:
        page.wait_for_selector("h1 .badge")
    except Exception:
        page.screenshot(path="/tmp/shots/fail.png", full_page=True)
        raise
    report = Report.objects.get()
    assert report.allegations.count() == 2
    assert "张举报" not in page.content()
    page.click("text=退出")

    browser_login(page, live_server, "zhanyi-supervisor")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    propose = page.locator("form[action$='/propose-disposition/']")
    propose.locator("select[name=kind]").select_option("preliminary")
    propose.locator("textarea[name=reasons]").fill("问题线索具体，予以初步核实")
    page.click("button:has-text('提交处置意见')")
    page.wait_for_selector("text=批准处置意见")
    page.click("button:has-text('批准处置意见')")
    page.wait_for_selector("text=开始核查")
    page.check(f"input[name=investigators][value='{zhanyi_investigator.pk}']")
    page.click("button:has-text('开始核查')")
    page.wait_for_selector(".msg-success")
    page.click("text=退出")

    browser_login(page, live_server, "zhanyi-investigator")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    allegations = list(report.allegations.order_by("id"))
    for allegation, finding in zip(allegations, [Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED], strict=True):
        # The allegation's row points to its finding form, which has room of its own below the table.
        page.locator(f".allegations a[href='#finding-form-{allegation.pk}']").click()
        form = page.locator(f"#finding-form-{allegation.pk}")
        form.locator("select[name=finding]").select_option(finding)
        form.locator("textarea[name=notes]").fill("经调取招标档案核实")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".msg-success")
    assert "现等待分管领导批准核查结论" in page.locator("#awaiting-conclusion").inner_text()
    page.click("text=退出")

    browser_login(page, live_server, "zhanyi-supervisor")
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.click("button:has-text('批准核查结论')")
    page.wait_for_selector(".msg-success")
    report.refresh_from_db()
    assert report.status == Status.CONCLUDED
    assert report.outcome == Outcome.ACCOUNTABILITY
    assert sorted(report.allegations.values_list("finding", flat=True)) == ["substantiated", "unsubstantiated"]
