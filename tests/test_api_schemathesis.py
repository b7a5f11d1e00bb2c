"""Schemathesis against /api/schema/: bounded examples per operation, as several roles.

No operation may answer 500, and every documented response body must match the schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

from .cases_helpers import register, to_verification

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
ROLES = ["zhanyi-intake", "zhanyi-investigator", "qujing-supervisor"]


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection open across WSGI calls, as Django's test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(in_process_requests, db, tree, zhanyi_intake, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    register(zhanyi_intake, tree["zhanyi"], anonymous=True)
    users = {
        "zhanyi-intake": zhanyi_intake,
        "zhanyi-investigator": zhanyi_investigator,
        "qujing-supervisor": qujing_supervisor,
    }
    return {name: Token.objects.get_or_create(user=user)[0].key for name, user in users.items()}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_errors_and_matches_its_schema(case, tokens):
    for role in ROLES:
        case.call_and_validate(
            headers={"Authorization": f"Token {tokens[role]}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
