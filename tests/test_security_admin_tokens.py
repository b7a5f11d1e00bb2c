"""What an administrator does to an account reaches its API tokens too (issue 12, items 1, 3 and 14): a password
set by an admin, a second-factor reset and a deactivation revoke every token for good, and a temporary password
opens no new one."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken
from audit.models import AuditEvent

TOKEN_URL = "/api/auth/token/"
TEMPORARY = "Temp0rary-Passw0rd!"


def token_of(username: str, password: str | None = None, name: str = "script") -> str:
    data = {"username": username, "password": password or settings.DEMO_PASSWORD, "name": name}
    response = APIClient().post(TOKEN_URL, data, format="json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/").status_code


def revoked_by(admin, reason: str) -> int:
    return AuditEvent.objects.filter(action="api_token.revoke", actor=admin, data__reason=reason).count()


def test_a_password_set_by_an_admin_revokes_every_token_and_opens_no_new_one(zhanyi_investigator, qujing_admin):
    keys = [token_of("zhanyi-investigator", name=name) for name in ("a", "b")]
    services.user_password_set(user=zhanyi_investigator, actor=qujing_admin, password=TEMPORARY)
    assert [me(key) for key in keys] == [401, 401]
    assert revoked_by(qujing_admin, "password_changed") == 2
    refused = APIClient().post(
        TOKEN_URL, {"username": "zhanyi-investigator", "password": TEMPORARY, "name": "c"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    assert not ApiToken.objects.filter(name="c").exists()


def test_a_second_factor_reset_revokes_every_token(zhanyi_investigator, qujing_admin):
    key = token_of("zhanyi-investigator")
    TOTPDevice.objects.create(user=zhanyi_investigator, name="authenticator", confirmed=True)
    services.user_two_factor_reset(user=zhanyi_investigator, actor=qujing_admin)
    assert me(key) == 401
    assert revoked_by(qujing_admin, "two_factor_reset") == 1
    assert ApiToken.objects.get().revoke_reason == "two_factor_reset"


def test_a_deactivation_by_an_admin_revokes_tokens_for_good(zhanyi_investigator, qujing_admin):
    key = token_of("zhanyi-investigator")
    services.user_deactivate(user=zhanyi_investigator, actor=qujing_admin)
    assert revoked_by(qujing_admin, "account_disabled") == 1
    services.user_update(user=zhanyi_investigator, actor=qujing_admin, is_active=True)
    assert me(key) == 401, "enabling the account again brings back no token"
    assert me(token_of("zhanyi-investigator", name="fresh")) == 200
