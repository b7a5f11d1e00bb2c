import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_reaches_the_work_list_and_the_account_page_shows_commissions_and_roles(client, zhanyi_investigator):
    response = client.post(
        reverse("login"), {"username": "zhanyi-investigator", "password": settings.DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200 and response.request["PATH_INFO"] == reverse("home")
    assert "我的工作" in response.content.decode()
    html = client.get(reverse("profile")).content.decode()
    assert "沾益区纪委监委" in html
    assert "调查人员" in html


def test_wrong_password_is_refused(client, zhanyi_investigator):
    response = client.post(reverse("login"), {"username": "zhanyi-investigator", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_language_switch_turns_the_pages_english(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("profile")).content.decode()
    assert "Your commissions and roles" in html
    assert "Zhanyi District Commission" in html
    assert "My work" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "您的委员会与角色" in client.get(reverse("profile")).content.decode()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_names_a_broker_that_does_not_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "fail"}


@override_settings(CELERY_BROKER_URL=settings.REDIS_URL, CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_checks_a_live_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_chinese_is_the_default_whatever_the_browser_asks(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in html
