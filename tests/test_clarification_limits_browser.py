"""In a real browser: the statement limits and their override on the recommendation page, a batch item carried
over from last month, and a stalled monthly run on the batch pages; screenshots in Chinese and English at
1366 and 390 pixels go to test-artifacts/."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases.choices import Category, Finding, Rank
from cases.services import AllegationInput, subject_create
from clarification import services
from clarification.services.batches import JOB_NAME
from core.models import JobRun

from .cases_helpers import register, to_concluded, zhanyi_official
from .clarification_helpers import last_month, reviewers
from .conftest import browser_login
from .test_clarification_batches import approved_recommendations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
BEYOND = "…'问题1…''问题0…'的问题均不属实。该同志一贯表现优秀、清正廉洁"


def _shoot(browser, live_server, username: str, path: str, name: str, check) -> None:
    """The page in Chinese and English, wide and narrow; `check(page, language)` asserts what must be seen."""
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
                page.screenshot(path=str(ARTIFACTS / f"i14-{name}-{language[:2]}-{width}.png"), full_page=True)
            finally:
                context.close()


def test_statement_limits_and_override_on_the_recommendation_page(
    browser, live_server, tree, zhanyi_supervisor, zhanyi_investigator
):
    offices = reviewers(tree["zhanyi"], "zhanyi")
    official = subject_create(commission=tree["zhanyi"], data=zhanyi_official("王某", Rank.TOWNSHIP_SECTION))
    report = register(
        offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(text="问题0", category=Category.WORK, subject=official),
            AllegationInput(text="问题1", category=Category.INTEGRITY, subject=official),
        ],
    ).report
    to_concluded(
        report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED)
    )
    untrue = report.allegations.get(text="问题0")
    recommendation = services.recommendation_draft(
        actor=zhanyi_investigator,
        report=report,
        subject=official,
        allegations=[untrue],
        method="meeting",
        audience="unit",
        statement_text=BEYOND,
    )
    path = f"/clarifications/{recommendation.pk}/"

    def blocked(page, language):
        text = page.inner_text("#statement-check")
        assert "问题1" in text and "一贯表现" in text and "清正廉洁" in text
        assert ("超出澄清正名的限度" if language == "zh-hans" else "goes beyond") in text
        page.click("#statement-check details summary")

    _shoot(browser, live_server, "zhanyi-supervisor", path, "recommendation-blocked", blocked)

    # The approving supervisor lets it go on, with a reason, through the page.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    browser_login(page, live_server, "zhanyi-supervisor")
    page.goto(f"{live_server.url}{path}")
    page.click("#statement-check details summary")
    page.fill("#id_reason_override", "原文系举报人原话，经集体研究同意保留")
    page.click("form[action$='/do/override_statement/'] button[type=submit]")
    page.wait_for_selector("#statement-override")
    context.close()

    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)

    def overridden(page, language):
        text = page.inner_text("#statement-override")
        assert "原文系举报人原话，经集体研究同意保留" in text and "问题1" in text

    _shoot(browser, live_server, "zhanyi-trial", path, "recommendation-overridden", overridden)


def test_carried_over_item_and_stalled_run_on_the_batch_pages(
    browser, live_server, tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    approved_recommendations(tree, None, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor)
    earlier = services.batch_build(city=tree["qujing"], month=last_month(), actor=qujing_supervisor)
    current = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    source = f"{earlier.month:%Y-%m}"
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    JobRun.objects.create(
        job=JOB_NAME,
        period=current.month,
        status="running",
        started_at=an_hour_ago,
        heartbeat_at=an_hour_ago,
        attempts=1,
        runner="worker-1:4242",
    )

    def carried(page, language):
        expected = f"由{source}结转" if language == "zh-hans" else f"carried over from {source}"
        assert page.locator(".carried-over", has_text=expected).count() == 2
        assert page.locator("#job-status .job-stale").count() == 1

    _shoot(
        browser, live_server, "qujing-supervisor", f"/clarifications/batches/{current.pk}/", "batch-carried", carried
    )

    def printed(page, language):
        expected = f"由{source}结转" if language == "zh-hans" else f"carried over from {source}"
        assert page.locator(".carried-over", has_text=expected).count() == 2

    _shoot(
        browser,
        live_server,
        "qujing-supervisor",
        f"/clarifications/batches/{current.pk}/print/",
        "batch-print",
        printed,
    )

    def listed(page, language):
        assert page.locator("#job-status .job-stale").count() == 1
        assert ("每日补运行" if language == "zh-hans" else "daily catch-up") in page.inner_text("#job-status")

    _shoot(browser, live_server, "qujing-supervisor", "/clarifications/batches/", "batch-list-job", listed)
