"""The bell and the inbox in a real browser, in Chinese and English, wide and narrow: the unread count in the top
bar, opening a notification goes to its object and lowers the count, and mark all read empties it. Screenshots go
to test-artifacts/."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from inbox.models import Kind, Notification
from inbox.services import notify

from .cases_helpers import register
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
WIDTHS = {"wide": (1366, 900), "narrow": (390, 844)}
LANGUAGES = {"zh": "zh-hans", "en": "en"}


def _notifications(user, report):
    url = reverse("cases:report-detail", args=[report.pk])
    notify([user], kind=Kind.TASK_CREATED, target=report, url=url, task="Propose disposition")
    notify([user], kind=Kind.DUE_SOON, target=None, url=url, due_on=report.due_on, label=report.reference, key="s")
    overdue = report.due_on - datetime.timedelta(days=20)
    notify([user], kind=Kind.OVERDUE, target=None, url=url, due_on=overdue, label=report.reference, key="o")
    notify([user], kind=Kind.TASK_ASSIGNED, target=report, url=url, task="Investigators to assign", key="read")
    Notification.objects.filter(key="read").update(read_at=datetime.datetime.now(tz=datetime.UTC))


def test_bell_and_inbox_in_both_languages_wide_and_narrow(browser, live_server, tree, zhanyi_intake):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    _notifications(zhanyi_intake, report)
    ARTIFACTS.mkdir(exist_ok=True)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    for language, code in LANGUAGES.items():
        for width, (w, h) in WIDTHS.items():
            context = browser.new_context(locale="zh-CN", viewport={"width": w, "height": h})
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "domain": host, "path": "/"}])
            page = context.new_page()
            page.set_default_timeout(15000)
            browser_login(page, live_server, zhanyi_intake.username)
            assert page.locator(".bell .bell-count").inner_text() == "3"
            page.screenshot(path=str(ARTIFACTS / f"i15-bell-{language}-{width}.png"))
            page.click(".bell")
            page.wait_for_url(f"{live_server.url}/inbox/")
            assert page.locator(".inbox-item.unread").count() == 3
            assert page.locator(".inbox-item").count() == 4
            page.screenshot(path=str(ARTIFACTS / f"i15-inbox-{language}-{width}.png"), full_page=True)
            context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    browser_login(page, live_server, zhanyi_intake.username)
    page.goto(f"{live_server.url}/inbox/")
    page.locator(".inbox-item.unread a").first.click()
    page.wait_for_url(f"{live_server.url}{reverse('cases:report-detail', args=[report.pk])}")
    assert page.locator(".bell .bell-count").inner_text() == "2"
    page.goto(f"{live_server.url}/inbox/")
    page.click("text=全部标为已读")
    page.wait_for_url(f"{live_server.url}/inbox/")
    assert page.locator(".bell .bell-count").count() == 0
    assert page.locator(".inbox-item.unread").count() == 0
    context.close()
