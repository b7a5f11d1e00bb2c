"""The API as a contract (issue 13): one error body for every refusal, documented on every operation with the
statuses it can answer; 401 for missing or bad credentials; 400 for an invalid filter value; JSON request bodies;
blank choice values documented."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient

from .cases_helpers import register

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/ApiError"


@pytest.fixture(scope="module")
def schema():
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _assert_error_body(body, code, attr=None):
    assert set(body) == {"code", "detail", "errors"}, body
    assert body["code"] == code, body
    assert body["detail"] and body["errors"], body
    if attr is not None:
        assert attr in {error["attr"] for error in body["errors"]}, body


def test_every_operation_documents_its_refusals_with_the_one_error_body(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        public = operation.get("security") == [] or {} in operation.get("security", [])
        expected = {"400"} | (set() if public else {"401", "403"}) | ({"404"} if "{" in path else set())
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status >= "400":
                schema_ref = response["content"]["application/json"]["schema"]["$ref"]
                assert schema_ref == ERROR_REF, (method, path, status)


def test_the_token_endpoint_is_documented_as_open_with_its_real_answers(schema):
    operation = schema["paths"]["/api/auth/token/"]["post"]
    assert operation["security"] == [{}] or operation["security"] == []
    assert {"201", "400", "403", "429"} <= set(operation["responses"])
    assert "401" not in operation["responses"]


def test_request_bodies_are_json_and_only_the_upload_is_multipart(schema):
    for path, method, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        media = set(operation["requestBody"]["content"])
        expected = {"multipart/form-data"} if path == "/api/reports/{id}/attachments/" else {"application/json"}
        assert media == expected, (method, path, media)


def test_choice_columns_that_may_be_blank_document_the_blank_value(schema):
    components = schema["components"]["schemas"]

    def allows_blank(component, field):
        spec = components[component]["properties"][field]
        refs = [item["$ref"].rsplit("/", 1)[1] for item in spec.get("oneOf", []) + spec.get("allOf", [])]
        return any("" in components[ref].get("enum", []) for ref in refs)

    assert allows_blank("Complaint", "outcome")
    assert allows_blank("Complaint", "recommendation")
    assert allows_blank("Decision", "reuse_result")
    assert allows_blank("Recommendation", "execution_method")
    assert allows_blank("Target", "circumstance")
    assert not allows_blank("CaseList", "status")


def test_answers_naming_an_object_link_to_the_operations_on_it(schema):
    """OpenAPI links (core/api_links.py): a client can go from a created or listed object to what it can do next;
    tests/test_api_schemathesis.py follows them."""
    paths = schema["paths"]
    created = paths["/api/reports/"]["post"]["responses"]["201"]["links"]
    assert created["reports_propose_disposition_create"]["parameters"] == {"id": "$response.body#/id"}
    listed = paths["/api/clarifications/"]["get"]["responses"]["200"]["links"]
    assert listed["clarifications_approve_create"]["parameters"] == {"id": "$response.body#/results/0/id"}
    proposed = paths["/api/reports/{id}/propose-disposition/"]["post"]["responses"]["200"]["links"]
    assert proposed["reports_approve_disposition_create"]["parameters"] == {"id": "$request.path.id"}
    assert "reports_propose_disposition_create" not in proposed
    # An answer naming another collection's object links to the operations on that object.
    requested = paths["/api/reports/{id}/request-identity/"]["post"]["responses"]["201"]["links"]
    assert set(requested) >= {"identity_requests_grant_create", "identity_requests_refuse_create"}
    assert requested["identity_requests_grant_create"]["parameters"] == {"id": "$response.body#/id"}
    assert not any(name.startswith("reports_") for name in requested)


def test_missing_or_bad_credentials_answer_401_with_the_error_body(zhanyi_investigator):
    missing = APIClient().get("/api/reports/")
    assert missing.status_code == 401 and missing["WWW-Authenticate"] == "Token"
    _assert_error_body(missing.json(), "not_authenticated")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    bad = client.get("/api/reports/")
    assert bad.status_code == 401 and bad["WWW-Authenticate"] == "Token"
    _assert_error_body(bad.json(), "authentication_failed")


def test_validation_permission_and_not_found_share_one_body(tree, zhanyi_intake):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    client = APIClient()
    client.force_authenticate(zhanyi_intake)
    invalid = client.post("/api/reports/", {"summary": ""})
    assert invalid.status_code == 400
    _assert_error_body(invalid.json(), "invalid", attr="summary")
    missing = client.get("/api/reports/999999/")
    assert missing.status_code == 404
    _assert_error_body(missing.json(), "not_found")
    refused = client.post(f"/api/reports/{report.pk}/propose-disposition/", {"kind": "close", "reasons": "x"})
    assert refused.status_code == 403
    _assert_error_body(refused.json(), "forbidden")


@pytest.mark.parametrize(
    "url, params, attr",
    [
        ("/api/reports/", {"page_size": "0"}, "page_size"),
        ("/api/reports/", {"page_size": "many"}, "page_size"),
        ("/api/reports/", {"page_size": "201"}, "page_size"),
        ("/api/reports/", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/reports/", {"status": "nonsense"}, "status"),
        ("/api/accountability/cases/", {"status": "nonsense"}, "status"),
        ("/api/accountability/cases/", {"trigger": "nonsense"}, "trigger"),
        ("/api/accountability/cases/", {"commission": "x"}, "commission"),
        ("/api/accountability/decisions/", {"status": "nonsense"}, "status"),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_it(zhanyi_supervisor, url, params, attr):
    client = APIClient()
    client.force_authenticate(zhanyi_supervisor)
    response = client.get(url, params)
    assert response.status_code == 400, response.content
    _assert_error_body(response.json(), "invalid", attr=attr)


@pytest.mark.parametrize(
    "params",
    [{"year": "abc"}, {"year": "1800"}, {"quarter": "5", "year": "2025"}, {"scope": "everything"}],
)
def test_an_invalid_statistics_period_is_a_400_not_the_default_month(tree, zhanyi_supervisor, params):
    client = APIClient()
    client.force_authenticate(zhanyi_supervisor)
    response = client.get(f"/api/stats/commissions/{tree['zhanyi'].pk}/figures/", params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"bad_period", "invalid"}


def test_a_year_alone_asks_for_that_year(tree, zhanyi_supervisor):
    client = APIClient()
    client.force_authenticate(zhanyi_supervisor)
    response = client.get(f"/api/stats/commissions/{tree['zhanyi'].pk}/figures/", {"year": "2025"})
    assert response.status_code == 200
    assert response.json()["period"]["kind"] == "year"
