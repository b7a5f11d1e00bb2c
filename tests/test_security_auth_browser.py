"""The owner's API token page in a real browser, in both languages, on a desktop and a phone (issue 12, item 3).

Screenshots go to test-artifacts/ for a person to look at.
"""

from pathlib import Path

import pytest
from django.conf import settings

from accounts.tokens import api_token_issue, api_tokens_revoke_all

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.mark.parametrize("width", [1366, 390])
def test_owner_creates_sees_and_revokes_tokens_on_the_account_page(browser, live_server, zhanyi_investigator, width):
    api_token_issue(user=zhanyi_investigator, name="夜间导出", two_factor=False, actor=zhanyi_investigator, via="test")
    api_token_issue(user=zhanyi_investigator, name="旧笔记本", two_factor=False, actor=zhanyi_investigator, via="test")
    api_tokens_revoke_all(user=zhanyi_investigator, actor=zhanyi_investigator, reason="test")
    api_token_issue(user=zhanyi_investigator, name="夜间导出", two_factor=False, actor=zhanyi_investigator, via="test")
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        browser_login(page, live_server, "zhanyi-investigator")
        page.goto(f"{live_server.url}/account/tokens/")
        page.fill("#id_name", "统计报表脚本")
        page.click("form.token-create button[type=submit]")
        key = page.inner_text(".token-key")
        assert len(key) == 43
        assert "请立即复制令牌" in page.content()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"api-tokens-zh-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing overflows sideways"

        page.click("button[name=language][value=en]")
        page.wait_for_selector("text=Your tokens")
        assert key not in page.content(), "the key is shown once"
        page.screenshot(path=str(ARTIFACTS / f"api-tokens-en-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.locator("tr", has_text="统计报表脚本").locator("button", has_text="Revoke").click()
        page.wait_for_selector("text=is revoked")
        assert page.locator("tr", has_text="统计报表脚本").locator(".badge").inner_text() == "revoked"
    finally:
        context.close()
