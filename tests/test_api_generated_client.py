"""A Python client generated from the served schema with openapi-python-client (issue 13): every generated module
imports, and a scenario through it touches every app against a live server.

The generator runs in a subprocess on the schema file the server served (no network); the client then talks to
pytest-django's live server. The supervisor has two-factor authentication, so the token login sends the code.
"""

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .cases_helpers import register
from .clarification_helpers import concluded_report, draft
from .test_accountability_workflow import initiate, person

PACKAGE = "dic_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def _generate(schema: bytes, tmp_path: Path):
    (tmp_path / "schema.json").write_bytes(schema)
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")  # no formatter: the test needs only the code
    subprocess.run(
        [GENERATOR, "generate", "--path", "schema.json", "--output-path", PACKAGE, "--meta", "none"]
        + ["--config", "config.yaml"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(tmp_path))
    package = importlib.import_module(PACKAGE)
    failures = {}
    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as error:  # noqa: BLE001 - every failure is reported, whatever it is
            failures[module.name] = repr(error)
    return package, failures


@pytest.fixture
def generated(tmp_path):
    yield lambda schema: _generate(schema, tmp_path)
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def _call(module_name: str, **kwargs):
    """Call one generated operation; an answer the schema does not document raises (raise_on_unexpected_status)."""
    response = importlib.import_module(f"{PACKAGE}.api.{module_name}").sync_detailed(**kwargs)
    assert response.status_code < 400, (module_name, response.status_code, response.content)
    return response.parsed


def _model(name: str, data: dict):
    module = importlib.import_module(f"{PACKAGE}.models")
    return getattr(module, name).from_dict(data)


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_imports_and_works_through_every_app(
    live_server, generated, settings, tree, zhanyi_intake, zhanyi_investigator, zhanyi_supervisor
):
    settings.TWO_FACTOR_ROLES = ["supervisor", "admin"]
    device = TOTPDevice.objects.create(user=zhanyi_supervisor, name="authenticator", confirmed=True)
    report = concluded_report(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    recommendation = draft(report, zhanyi_investigator)
    fresh = register(zhanyi_intake, tree["zhanyi"]).report
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [person(tree["zhanyi"])])

    # The served schema, fetched as a client would (it is for signed-in callers).
    code = f"{TOTP(device.bin_key).token():06d}"
    login = {"username": "zhanyi-supervisor", "password": settings.DEMO_PASSWORD, "otp": code, "name": "schema"}
    key = httpx.post(f"{live_server.url}/api/auth/token/", json=login).json()["token"]
    served = httpx.get(
        f"{live_server.url}/api/schema/", params={"format": "json"}, headers={"Authorization": f"Token {key}"}
    )
    assert served.status_code == 200
    package, failures = generated(served.content)
    assert failures == {}

    # Token login through the generated client, with the second factor.
    anonymous = package.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same 30-second code may be used again here
    issued = _call(
        "auth.auth_token_create",
        client=anonymous,
        body=_model("TokenRequestRequest", {**login, "name": "generated client"}),
    )
    client = package.AuthenticatedClient(
        base_url=live_server.url, token=issued.token, prefix="Token", raise_on_unexpected_status=True
    )

    # cases: list and open a report, propose and approve a disposition.
    listed = _call("reports.reports_list", client=client, page_size=10)
    assert fresh.pk in {item.id for item in listed.results}
    opened = _call("reports.reports_retrieve", id=fresh.pk, client=client)
    assert opened.reference == fresh.reference
    body = _model("ProposeDispositionRequest", {"kind": "preliminary", "reasons": "需核实"})
    _call("reports.reports_propose_disposition_create", id=fresh.pk, client=client, body=body)
    approved = _call(
        "reports.reports_approve_disposition_create",
        id=fresh.pk,
        client=client,
        body=_model("CasesReasonRequest", {"reason": "同意"}),
    )
    assert approved.status.value == "disposition_approved"

    # clarification: the recommendations and the batches.
    recommendations = _call("clarifications.clarifications_list", client=client)
    assert [item.id for item in recommendations.results] == [recommendation.pk]
    _call("clarification_batches.clarification_batches_list", client=client)

    # accountability: open a case, list complaints.
    opened_case = _call("accountability.accountability_cases_retrieve", id=case.pk, client=client)
    assert opened_case.id == case.pk
    _call("accountability.accountability_complaints_list", client=client)

    # stats: start a background export.
    export = _call(
        "stats.stats_exports_create",
        client=client,
        body=_model("ExportStartRequest", {"kind": "reports", "fmt": "csv", "filters": {}}),
    )
    assert export.id and export.status.value in {"queued", "running", "done"}
