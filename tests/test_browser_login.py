import pytest

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_language_switch_in_a_real_browser(page, live_server, zhanyi_supervisor):
    browser_login(page, live_server, "zhanyi-supervisor")
    assert "我的工作" in page.content()
    page.click("a.whoami")  # the account page: commissions and roles
    assert "沾益区纪委监委" in page.content()
    page.click("button[name=language][value=en]")
    page.wait_for_selector("text=Your commissions and roles")
    assert "Zhanyi District Commission" in page.content()
    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/login/")
