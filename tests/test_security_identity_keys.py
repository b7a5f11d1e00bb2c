"""Issue 12, item 7: identity keys are explicit in production, and a lost key is never shown as an empty name.

Before, IDENTITY_KEYS and IDENTITY_HASH_KEY fell back to keys derived from SECRET_KEY even with DEBUG=0, so
changing SECRET_KEY silently turned every reporter identity into "" (and made every receipt code unknown).
"""

import logging
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases import services
from cases.models import Report, Reporter
from core import crypto
from core.errors import DomainError

from .cases_helpers import register

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "SECRET_KEY": "k7#Qm2$vX9!pL4&zR8*wT1^yN6@bC3%hJ5-dF0+gS2=aE7~uI9",
    "ALLOWED_HOSTS": "cases.example.gov.cn",
    "DATABASE_URL": "sqlite:///:memory:",
    # The audit chain's key has its own check (tests/test_security_audit.py); here it is always given.
    "AUDIT_CHAIN_KEY": "Zr3w9yVb1QmT7kLp2Xs8Nd4Hf6Jc0Ga5Ue1Io9Py3Rt7Wq2Lm",
}
GOOD_KEYS = {
    "IDENTITY_KEYS": Fernet.generate_key().decode(),
    "IDENTITY_HASH_KEY": "hash-key-of-the-receipt-codes-0123456789abcdef",
}


def run(args, env, timeout=120):
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def check(env):
    result = run(["manage.py", "check", "--deploy"], env)
    return result.returncode, result.stdout + result.stderr


# --- refusing to start ------------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_identity_keys():
    code, output = check(PRODUCTION_ENV)
    assert code != 0
    assert "(core.E001) IDENTITY_KEYS is not set" in output
    assert "(core.E003) IDENTITY_HASH_KEY is not set" in output
    assert "SystemCheckError" in output


def test_production_refuses_identity_keys_that_are_not_fernet_keys():
    bad = {
        **PRODUCTION_ENV,
        "IDENTITY_KEYS": f"{GOOD_KEYS['IDENTITY_KEYS']},not-a-fernet-key",
        "IDENTITY_HASH_KEY": "short",
    }
    code, output = check(bad)
    assert code != 0
    assert "(core.E002) IDENTITY_KEYS: key 2 of 2 is not a valid Fernet key" in output
    assert "(core.E004) IDENTITY_HASH_KEY is too short" in output
    assert "not-a-fernet-key" not in output, "a key, even a bad one, is never printed"
    assert "E001" not in output and "E003" not in output


def test_production_starts_with_explicit_identity_keys():
    code, output = check({**PRODUCTION_ENV, **GOOD_KEYS})
    assert "core.E00" not in output
    assert code == 0, output


def test_development_derives_the_keys_without_any_variable():
    """`make run` and the test settings need no variable: with DEBUG=1 the keys are derived."""
    env = {key: value for key, value in PRODUCTION_ENV.items() if key not in ("DEBUG", "SECRET_KEY")}
    result = run(["manage.py", "check"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_refuses_to_boot_without_identity_keys():
    """Django runs no system check under WSGI: config/wsgi.py runs them, so gunicorn's worker fails to boot."""
    gunicorn = [str(settings.BASE_DIR / ".venv/bin/gunicorn"), "config.wsgi", "-b", "127.0.0.1:0", "-w", "1"]
    result = subprocess.run(
        gunicorn, cwd=settings.BASE_DIR, env=PRODUCTION_ENV, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3, "gunicorn's exit code when a worker fails to boot"
    assert "(core.E001) IDENTITY_KEYS is not set" in result.stderr
    assert "Worker failed to boot" in result.stderr
    ok = run(["-c", "import config.wsgi; print('loaded')"], {**PRODUCTION_ENV, **GOOD_KEYS})
    assert ok.returncode == 0 and "loaded" in ok.stdout, ok.stderr


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_celery_refuses_to_start_without_identity_keys(program, tmp_path):
    env = {**PRODUCTION_ENV, "CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://"}
    # beat's database scheduler reads its tables before beat_init: the file scheduler starts without a database.
    extra = ["-P", "solo"] if program == "worker" else ["-S", "celery.beat:PersistentScheduler", "-s", f"{tmp_path}/s"]
    command = [str(settings.BASE_DIR / ".venv/bin/celery"), "-A", "config", program, "-l", "WARNING", *extra]
    result = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "core.E001" in result.stdout + result.stderr


# --- a key that is missing at read time ----------------------------------------------------------------------


@pytest.fixture
def key_lost(settings, tree, zhanyi_intake):
    """The attack of the issue: a named report written, then SECRET_KEY changed with no IDENTITY_KEYS set."""
    crypto.reset_keys()
    report = register(zhanyi_intake, tree["zhanyi"]).report
    settings.SECRET_KEY = "a-new-secret-key-after-a-leak-0123456789-abcdefghijklmnopqrstuvwxyz"
    crypto.reset_keys()
    yield Report.objects.get(pk=report.pk)
    crypto.reset_keys()


def test_explicit_keys_keep_identities_and_receipt_codes_across_a_new_secret_key(settings, tree, zhanyi_intake):
    settings.IDENTITY_KEYS = [GOOD_KEYS["IDENTITY_KEYS"]]
    settings.IDENTITY_HASH_KEY = GOOD_KEYS["IDENTITY_HASH_KEY"]
    named = register(zhanyi_intake, tree["zhanyi"]).report
    anonymous = register(zhanyi_intake, tree["zhanyi"], anonymous=True)
    settings.SECRET_KEY = "a-new-secret-key-after-a-leak-0123456789-abcdefghijklmnopqrstuvwxyz"
    assert Reporter.objects.get(report=named).name == "张举报"
    assert services.receipt_lookup(anonymous.receipt_code) == anonymous.report


def _raw_identity(report_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, id_number, address FROM cases_reporter WHERE report_id = %s", [report_id])
        return cursor.fetchone()


def test_decrypt_raises_a_specific_error_for_a_foreign_key(settings):
    settings.IDENTITY_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_keys()
    token = crypto.encrypt("张举报")
    settings.IDENTITY_KEYS = [Fernet.generate_key().decode()]
    crypto.reset_keys()
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
    crypto.reset_keys()


def test_reading_an_identity_under_another_key_never_gives_an_empty_name(key_lost):
    reporter = Reporter.objects.get(report=key_lost)
    assert isinstance(reporter.name, crypto.Undecryptable)
    assert reporter.name and str(reporter.name) != ""
    assert "key" in str(reporter.name) or "密钥" in str(reporter.name)


def test_reveal_of_an_undecryptable_identity_is_an_error_that_is_logged(key_lost, zhanyi_intake, caplog):
    reporter = Reporter.objects.get(report=key_lost)
    ciphertext = _raw_identity(key_lost.pk)[0]
    with caplog.at_level(logging.ERROR, logger="cases.services.identity"):
        with pytest.raises(DomainError) as refusal:
            services.identity_reveal(actor=zhanyi_intake, report=key_lost)
    assert refusal.value.code == "identity_undecryptable"
    assert "IDENTITY_KEYS" in str(refusal.value)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"reporter {reporter.pk}" in logged and f"report {key_lost.pk}" in logged
    assert ciphertext not in logged and "张举报" not in logged
    assert not AuditEvent.objects.filter(action="identity.reveal").exists(), "nothing was revealed"


def test_report_page_shows_a_key_missing_marker_not_an_empty_name(client, key_lost, zhanyi_intake):
    client.force_login(zhanyi_intake)
    response = client.post(reverse("cases:identity-reveal", args=[key_lost.pk]))
    html = response.content.decode()
    assert response.status_code == 503
    assert 'id="identity-undecryptable"' in html
    assert "密钥" in html and "不是匿名" in html  # key missing; the reporter is not anonymous
    assert "<dd></dd>" not in html
    assert response["Cache-Control"].count("no-store") >= 1


def test_api_reveal_of_an_undecryptable_identity_answers_an_error(key_lost, zhanyi_intake):
    client = APIClient()
    client.force_authenticate(zhanyi_intake)
    response = client.post(f"/api/reports/{key_lost.pk}/reveal-identity/", {}, format="json")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "identity_undecryptable"
    assert "name" not in body


def test_saving_a_reporter_whose_identity_cannot_be_read_keeps_the_ciphertext(key_lost):
    before = _raw_identity(key_lost.pk)
    reporter = Reporter.objects.get(report=key_lost)
    reporter.save()
    assert _raw_identity(key_lost.pk) == before


def test_key_rotation_refuses_when_a_key_is_missing_and_changes_nothing(key_lost):
    before = _raw_identity(key_lost.pk)
    reporter = Reporter.objects.get(report=key_lost)
    with pytest.raises(CommandError) as refusal:
        call_command("rotate_identity_keys")
    assert f"{reporter.pk}" in str(refusal.value) and "IDENTITY_KEYS" in str(refusal.value)
    assert _raw_identity(key_lost.pk) == before
