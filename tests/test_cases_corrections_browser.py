"""In a real browser (issue 15): an allegation to be classified, a likely repeat at registration, a correction
waiting for a supervisor with its before and after on the timeline, and closing without a clarification;
screenshots in Chinese and English at 1366 and 390 pixels go to test-artifacts/."""

from pathlib import Path

import pytest
from django.conf import settings

from accounts.roles import Role
from cases import services
from cases.choices import Category, DispositionKind, Finding
from cases.services import ReporterInput, SubjectInput

from .cases_helpers import register, to_concluded
from .conftest import browser_login
from .factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def _shoot(browser, live_server, username: str, path: str, name: str, check) -> None:
    """The page in Chinese and English, wide and narrow; `check(page, language)` acts and asserts what is seen."""
    ARTIFACTS.mkdir(exist_ok=True)
    for language in ("zh-hans", "en"):
        for width in (1366, 390):
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15000)
            try:
                browser_login(page, live_server, username)
                if language == "en":
                    context.add_cookies(
                        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
                    )
                page.goto(f"{live_server.url}{path}")
                check(page, language)
                page.screenshot(path=str(ARTIFACTS / f"i15-{name}-{language[:2]}-{width}.png"), full_page=True)
            finally:
                context.close()


def test_unclassified_allegation_is_shown_and_classified_in_place(browser, live_server, tree):
    member("zhanyi-reviewer", tree["zhanyi"], Role.REVIEWER, "case_management")
    report = services.public_report_submit(
        commission=tree["zhanyi"],
        summary="区应急管理局救灾物资采购中串通投标",
        subjects=[SubjectInput(name="李某", unit="沾益区应急管理局", position="局长")],
        reporter=ReporterInput(is_anonymous=True),
        area="procurement",
    ).report

    def unclassified(page, language):
        text = page.inner_text("#unclassified-warning")
        assert ("待分类" if language == "zh-hans" else "still to be classified") in text
        page.click("details.correct-allegation summary")

    _shoot(browser, live_server, "zhanyi-reviewer", f"/reports/{report.pk}/", "unclassified", unclassified)


def test_registration_warns_of_a_likely_repeat(browser, live_server, tree, zhanyi_intake):
    earlier = register(zhanyi_intake, tree["zhanyi"], anonymous=True).report

    def repeated(page, language):
        page.fill("#id_summary", earlier.summary)
        page.check("#id_is_anonymous")
        page.fill("#id_allegations-0-name", "李某")
        page.select_option("#id_allegations-0-category", "integrity")
        page.fill("#id_allegations-0-text", "应急物资采购中串通投标")
        page.click("#submit-report")
        text = page.inner_text("#possible-repeat")
        assert earlier.reference in text
        assert ("可能已经登记" if language == "zh-hans" else "registered already") in text

    _shoot(browser, live_server, "zhanyi-intake", "/reports/new/", "repeat", repeated)


def test_a_proposed_correction_waits_for_the_supervisor(browser, live_server, tree, zhanyi_intake, zhanyi_supervisor):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    services.report_correct(
        actor=zhanyi_intake, report=report, op="report", payload={"summary": "反映区应急管理局采购中串通投标"}
    )
    services.disposition_propose(
        actor=zhanyi_supervisor, report=report, kind=DispositionKind.PRELIMINARY, reasons="需初步核实"
    )
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    allegation = report.allegations.order_by("id").last()
    services.report_correct(
        actor=zhanyi_intake,
        report=report,
        op="edit",
        payload={"allegation": allegation.pk, "category": Category.INTEGRITY},
        reason="类别登记错误",
    )

    def pending(page, language):
        text = page.inner_text("#pending-corrections")
        assert ("待领导审批" if language == "zh-hans" else "waiting for a supervisor") in text
        assert "反映区应急管理局采购中串通投标" in page.inner_text(".timeline")

    _shoot(browser, live_server, "zhanyi-supervisor", f"/reports/{report.pk}/", "correction", pending)


def test_closing_asks_why_no_clarification(browser, live_server, tree, zhanyi_intake, zhanyi_supervisor):
    investigator = member("zhanyi-investigator", tree["zhanyi"], Role.INVESTIGATOR, "investigation")
    report = register(zhanyi_intake, tree["zhanyi"]).report
    to_concluded(report, zhanyi_supervisor, investigator, findings=(Finding.SUBSTANTIATED, Finding.UNSUBSTANTIATED))

    def close(page, language):
        text = page.inner_text("#clarification-undecided")
        assert "王某" in text

    _shoot(browser, live_server, "zhanyi-supervisor", f"/reports/{report.pk}/", "close", close)
    services.report_close(actor=zhanyi_supervisor, report=report, reason="本人表示无需澄清")

    def picker(page, language):
        assert report.reference in page.inner_text("main")
        assert ("已办结" if language == "zh-hans" else "closed report") in page.inner_text("main")

    _shoot(browser, live_server, "zhanyi-investigator", "/clarifications/new/", "picker", picker)
