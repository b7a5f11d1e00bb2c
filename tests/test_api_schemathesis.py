"""Schemathesis against /api/schema/: bounded examples per operation, as several roles.

No operation may answer 500, and every documented response body must match the schema.
"""

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.tokens import api_token_issue
from config.wsgi import application

from .cases_helpers import register, to_verification


def _schema():
    """The schema /api/schema/ serves (it needs a login, so it is generated here rather than fetched)."""
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    return loaded


schema = _schema()
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
    return {
        name: api_token_issue(user=user, name="schemathesis", two_factor=True, actor=user, via="test")[1]
        for name, user in users.items()
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_errors_and_matches_its_schema(case, tokens):
    for role in ROLES:
        case.call_and_validate(
            headers={"Authorization": f"Token {tokens[role]}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
