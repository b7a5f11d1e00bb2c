import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from cases.models import Reporter
from core import crypto

from .cases_helpers import register

pytestmark = pytest.mark.django_db


def _raw_name(report_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM cases_reporter WHERE report_id = %s", [report_id])
        return cursor.fetchone()[0]


def test_keys_rotate_without_losing_identities(tree, zhanyi_intake, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_KEYS = [old]
    crypto.reset_keys()
    report = register(zhanyi_intake, tree["zhanyi"]).report
    before = _raw_name(report.pk)
    assert Fernet(old.encode()).decrypt(before.encode()).decode() == "张举报"

    settings.IDENTITY_KEYS = [new, old]
    crypto.reset_keys()
    assert Reporter.objects.get(report=report).name == "张举报", "old ciphertext still reads"
    call_command("rotate_identity_keys")
    after = _raw_name(report.pk)
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == "张举报"

    settings.IDENTITY_KEYS = [new]
    crypto.reset_keys()
    assert Reporter.objects.get(report=report).phone == "13800000000", "readable with the new key alone"
    crypto.reset_keys()
