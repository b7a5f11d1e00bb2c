"""The pages of issue 14 part b in a real browser, in Chinese and English, wide and narrow: the dashboard with people
counted once beside each clarification and decision, a published figure's items and today's, a subject's
accountability record with each decision's status, and the decision form of a party organisation (no form).
Screenshots go to test-artifacts/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils.http import urlencode

from stats.periods import previous_month
from stats.services import snapshot_take

from .conftest import browser_login
from .test_accountability_rules import _ready
from .test_accountability_workflow import initiate, organisation, person
from .test_stats_people import _late_edits, month  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
WIDTHS = {"wide": (1366, 900), "narrow": (390, 844)}
LANGUAGES = {"zh": "zh-hans", "en": "en"}


def _context(browser, live_server, width, language):
    w, h = WIDTHS[width]
    context = browser.new_context(locale="zh-CN", viewport={"width": w, "height": h})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": LANGUAGES[language], "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_people_counted_published_items_and_decision_statuses_in_the_browser(
    browser,
    live_server,
    tree,
    month,  # noqa: F811
    zhanyi_intake,
    zhanyi_supervisor,
    zhanyi_investigator,
    qujing_supervisor,
):
    start = previous_month()
    for commission in (tree["zhanyi"], tree["qujing"]):
        snapshot_take(commission=commission, month=start)
    _late_edits(tree, month, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    party = _ready(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [organisation(tree["zhanyi"])]))
    official = _ready(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [person(tree["zhanyi"], "周某")]))
    qujing = tree["qujing"]
    period = {"period": "month", "month": start.strftime("%Y-%m")}
    qian_subject = month["qian"].target.subject_id

    for language in LANGUAGES:
        for width in WIDTHS:
            context, page = _context(browser, live_server, width, language)
            browser_login(page, live_server, "qujing-supervisor")
            page.goto(f"{live_server.url}/stats/{qujing.pk}/?{urlencode({**period, 'compare': '1'})}")
            people = page.locator(".kpi").nth(2)
            assert people.locator("a.value").inner_text() == "3"  # live: 王某, 张某, 孙某 (late)
            assert people.locator(".detail a").inner_text() == "4"  # clarifications of people
            assert "3" in people.locator(".detail .published").inner_text()  # published: 王某 twice, 张某
            assert "2" in people.locator("div.published").inner_text()  # as published
            _shot(page, f"stats-dashboard-compare-{language}-{width}")
            page.locator("main p:has(> strong)").first.screenshot(
                path=str(ARTIFACTS / f"stats-period-compare-{language}-{width}.png")
            )
            page.locator(".stats-kpis").screenshot(path=str(ARTIFACTS / f"stats-kpis-compare-{language}-{width}.png"))
            page.locator("section.card", has=page.locator("tr.headline")).last.screenshot(
                path=str(ARTIFACTS / f"stats-accountability-compare-{language}-{width}.png")
            )
            page.goto(f"{live_server.url}/stats/{qujing.pk}/?{urlencode(period)}")
            _shot(page, f"stats-dashboard-published-{language}-{width}")
            page.locator(".stats-kpis").screenshot(path=str(ARTIFACTS / f"stats-kpis-published-{language}-{width}.png"))

            key = {"key": "clarified|subject__kind=person"}
            page.goto(f"{live_server.url}/stats/{qujing.pk}/items/?{urlencode({**period, **key})}")
            assert page.locator("table.table tbody tr").count() == 2
            assert page.locator(".drill-basis .badge.ok").count() == 1
            _shot(page, f"stats-items-published-{language}-{width}")
            page.locator(".drill-basis a").click()
            page.wait_for_load_state()
            assert page.locator("table.table tbody tr").count() == 3
            assert page.locator(".drill-basis .badge.info").count() == 1
            _shot(page, f"stats-items-current-{language}-{width}")

            page.goto(f"{live_server.url}/subjects/{qian_subject}/")
            assert page.locator(".badge.ok").count() >= 1
            _shot(page, f"subject-accountability-statuses-{language}-{width}")
            context.close()

            context, page = _context(browser, live_server, width, language)
            browser_login(page, live_server, "zhanyi-supervisor")
            page.goto(f"{live_server.url}/accountability/{party.pk}/do/propose/{party.targets.get().pk}/")
            assert page.locator("select[name=form]").count() == 0  # an organisation is given no form
            _shot(page, f"accountability-organisation-decision-{language}-{width}")
            page.goto(f"{live_server.url}/accountability/{official.pk}/do/propose/{official.targets.get().pk}/")
            page.select_option("select[name=form]", "1")
            page.check("input[name=measures][value=sanction]")
            page.fill("input[name=deciding_organ]", "沾益区纪委监委")
            page.click("form.form button[type=submit]")
            page.wait_for_load_state()
            assert page.locator(".msg-error, .messages .error, [class*=error]").count() >= 1
            _shot(page, f"accountability-first-form-sanction-refused-{language}-{width}")
            context.close()
