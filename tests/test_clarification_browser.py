"""The Zhanyi example of DESIGN.md §2 end to end in a real browser: draft, review, approval, the Qujing
joint batch, execution and the feedback to the reporter."""

import pytest

from cases.choices import Category, Finding, Rank
from cases.services import AllegationInput
from clarification.choices import Status
from clarification.models import JointBatch, Recommendation

from .cases_helpers import register, to_concluded, zhanyi_official
from .clarification_helpers import reviewers
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page, action: str) -> None:
    page.click(f"form[action$='/do/{action}/'] button[type=submit]")
    page.wait_for_load_state()


def test_zhanyi_example_from_draft_to_feedback(
    page, live_server, tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    offices = reviewers(tree["zhanyi"], "zhanyi")
    official = zhanyi_official("杨某", Rank.TOWNSHIP_SECTION)
    from cases.services import subject_create

    subject = subject_create(commission=tree["zhanyi"], data=official)
    report = register(
        offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(text="在救灾物资采购中与投标企业串通投标", category=Category.INTEGRITY, subject=subject),
            AllegationInput(text="随意取消中标结果", category=Category.WORK, subject=subject),
        ],
        summary="某公司员工反映区应急管理局救灾物资采购中串通投标、随意取消中标",
    ).report
    to_concluded(
        report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.UNSUBSTANTIATED)
    )
    base = live_server.url

    # The investigator drafts the recommendation from the concluded report.
    browser_login(page, live_server, "zhanyi-investigator")
    page.goto(f"{base}/clarifications/")
    page.click(f"a[href$='?report={report.pk}']")
    page.check(f"input[name=subject][value='{subject.pk}']")
    for allegation in report.allegations.all():
        page.check(f"input[name=allegations][value='{allegation.pk}']")
    page.select_option("select[name=method]", "meeting")
    page.select_option("select[name=audience]", "unit")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=CQ-")
    recommendation = Recommendation.objects.get(report=report)
    assert "随意取消中标结果" in page.content()
    _submit(page, "submit_review")

    # The letters and visits, case trial and case management offices agree.
    for username in ("zhanyi-intake", "zhanyi-trial", "zhanyi-reviewer"):
        browser_login(page, live_server, username)
        page.goto(f"{base}/clarifications/{recommendation.pk}/")
        page.check("input[name=opinion][value=agree]")
        _submit(page, "review")
        assert "msg-error" not in page.content()

    browser_login(page, live_server, "zhanyi-investigator")
    page.goto(f"{base}/clarifications/{recommendation.pk}/")
    _submit(page, "submit")

    # The district supervisor approves (a township-section official is managed by the district).
    browser_login(page, live_server, "zhanyi-supervisor")
    page.goto(f"{base}/clarifications/approvals/")
    page.click(f"a[href='/clarifications/{recommendation.pk}/']")
    _submit(page, "approve")
    recommendation.refresh_from_db()
    assert recommendation.status == Status.APPROVED

    # The Qujing supervisor builds the month's joint batch; it holds the clarification, which the city does not
    # record for the county.
    browser_login(page, live_server, "qujing-supervisor")
    page.goto(f"{base}/clarifications/batches/")
    page.select_option("select[name=city]", str(tree["qujing"].pk))
    page.click("form.toolbar button[type=submit]")
    page.wait_for_selector(f"text={recommendation.reference}")
    batch = JointBatch.objects.get(city=tree["qujing"])
    assert list(batch.items.values_list("recommendation_id", flat=True)) == [recommendation.pk]
    assert page.locator("[data-execute-item]").count() == 0

    # Zhanyi carries it out and records its own execution on the batch page.
    browser_login(page, live_server, "zhanyi-investigator")
    page.goto(f"{base}/clarifications/batches/{batch.pk}/")
    form = page.locator(f"[data-execute-item='{recommendation.pk}']")
    form.locator("summary").click()
    form.locator("input[name=place]").fill("沾益区应急管理局会议室")
    form.locator("textarea[name=participants]").fill("区纪委监委分管领导、局班子成员")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "msg-error" not in page.content() and "沾益区应急管理局会议室" in page.content()
    recommendation.refresh_from_db()
    batch.refresh_from_db()
    assert recommendation.status == Status.EXECUTED and batch.status == "executed"
    assert recommendation.executed_by.username == "zhanyi-investigator"

    # The letters and visits office tells the reporter.
    browser_login(page, live_server, "zhanyi-intake")
    page.goto(f"{base}/clarifications/{recommendation.pk}/")
    page.fill("form[action$='/do/feedback/'] textarea[name=text]", "经核查，您反映的问题不属实，已召开会议予以澄清。")
    page.select_option("form[action$='/do/feedback/'] select[name=method]", "phone")
    _submit(page, "feedback")
    recommendation.refresh_from_db()
    assert recommendation.reporter_feedback is not None
    assert "已召开会议予以澄清" in page.content()
