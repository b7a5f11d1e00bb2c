import base64
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import SESSION_STARTED
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(client, username, password=None):
    return client.post(reverse("login"), {"username": username, "password": password or settings.DEMO_PASSWORD})


@override_settings(TWO_FACTOR_ROLES=["supervisor", "admin"])
def test_supervisor_must_enrol_and_verify_a_second_factor(client, zhanyi_supervisor):
    login(client, "zhanyi-supervisor")
    response = client.get(reverse("cases:report-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor"))
    page = client.get(reverse("two-factor"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=zhanyi_supervisor)
    assert base64.b32encode(device.bin_key).decode() in page.content.decode(), "the key apps accept by hand"
    wrong = client.post(reverse("two-factor"), {"token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    # django-otp throttles after a failure (growing delays); the user would wait a second before retrying.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    codes_page = client.post(reverse("two-factor"), {"token": f"{TOTP(device.bin_key).token():06d}"})
    codes = codes_page.context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("cases:report-list")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.two_factor_enrol", target_id=str(zhanyi_supervisor.pk)).exists()

    client.post(reverse("logout"))
    login(client, "zhanyi-supervisor")
    assert client.get(reverse("cases:report-list")).status_code == 302
    client.post(reverse("two-factor"), {"token": codes[0]})
    assert client.get(reverse("cases:report-list")).status_code == 200
    client.post(reverse("logout"))
    login(client, "zhanyi-supervisor")
    client.post(reverse("two-factor"), {"token": codes[0]})
    assert client.get(reverse("cases:report-list")).status_code == 302, "a recovery code works once"


@override_settings(TWO_FACTOR_ROLES=["supervisor", "admin"])
def test_investigator_needs_no_second_factor_by_default(client, zhanyi_investigator):
    login(client, "zhanyi-investigator")
    assert client.get(reverse("cases:report-list")).status_code == 200


def test_repeated_failures_lock_the_user_name_and_are_audited(client, zhanyi_investigator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "zhanyi-investigator", "wrong-password")
    locked = login(client, "zhanyi-investigator")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.lockout", data__username="zhanyi-investigator").exists()


def test_disabling_an_account_ends_its_sessions(client, zhanyi_investigator):
    login(client, "zhanyi-investigator")
    assert client.get(reverse("home")).status_code == 200
    zhanyi_investigator.is_active = False
    zhanyi_investigator.save(update_fields=["is_active"])
    assert client.get(reverse("home")).status_code == 302


def test_session_rotates_at_login(client, zhanyi_investigator):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    login(client, "zhanyi-investigator")
    assert client.session.session_key != before


def test_absolute_session_limit(client, zhanyi_investigator):
    login(client, "zhanyi-investigator")
    client.get(reverse("home"))
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_idle_limit_is_thirty_minutes_renewed_at_most_once_a_minute(client, zhanyi_investigator, monkeypatch):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import accounts.security

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(zhanyi_investigator)
    assert client.get(reverse("home")).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    first = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]  # read from Redis, not renewed
    later = time.time() + 120
    monkeypatch.setattr(accounts.security.time, "time", lambda: later)
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date > first


def test_pages_carry_a_csp_without_inline_scripts_and_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()


def test_api_docs_page_has_no_inline_script(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html.replace(" ", "")


def test_deploy_check_is_clean_with_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k7#Qm2$vX9!pL4&zR8*wT1^yN6@bC3%hJ5-dF0+gS2=aE7~uI9",
        "ALLOWED_HOSTS": "cases.example.gov.cn",
        "DATABASE_URL": "sqlite:///:memory:",
        "AUDIT_CHAIN_KEY": "Zr3w9yVb1QmT7kLp2Xs8Nd4Hf6Jc0Ga5Ue1Io9Py3Rt7Wq2Lm",
        # Production refuses to start without explicit identity keys (tests/test_security_identity_keys.py).
        "IDENTITY_KEYS": "Pw1c5cHh1bS9wVhVOR5yXG0uX5nDq0dj8ZzP4Jp1H9s=",
        "IDENTITY_HASH_KEY": "deploy-check-hash-key-0123456789abcdefghijklmnop",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
