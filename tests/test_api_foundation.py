import pytest
from django.conf import settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_token_endpoint_returns_a_token_that_authenticates(zhanyi_investigator):
    client = APIClient()
    response = client.post(
        "/api/auth/token/",
        {"username": "zhanyi-investigator", "password": settings.DEMO_PASSWORD},
        format="json",
    )
    assert response.status_code == 201
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "zhanyi-investigator"


def test_token_endpoint_refuses_a_wrong_password(zhanyi_investigator):
    response = APIClient().post(
        "/api/auth/token/", {"username": "zhanyi-investigator", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_api_requires_authentication(db):
    assert APIClient().get("/api/commissions/").status_code == 401


def test_commissions_api_is_scoped(tree, qujing_supervisor, zhanyi_investigator):
    client = APIClient()
    client.force_authenticate(qujing_supervisor)
    codes = {c["division_code"] for c in client.get("/api/commissions/").json()}
    assert codes == {"530300", "530302", "530303"}
    client.force_authenticate(zhanyi_investigator)
    assert {c["division_code"] for c in client.get("/api/commissions/").json()} == {"530303"}
    assert client.get(f"/api/commissions/{tree['qilin'].pk}/").status_code == 404


def test_openapi_schema_is_served(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/commissions/" in schema["paths"]


def test_api_docs_use_local_assets_only(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    html = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html
