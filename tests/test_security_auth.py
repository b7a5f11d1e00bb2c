"""Issue 12, items 2, 3, 8 and 12: the second factor through the API, API tokens, login throttling, the schema.

Each test performs the attack the outside review made, as the attacker did it (through the login page, the
token endpoint or the API), and checks WHICH refusal happened and that the refusal changed nothing.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.signin import backoff_seconds
from accounts.tokens import api_tokens_revoke_all
from audit.models import AuditEvent
from cases import services as case_services
from cases.choices import AccessStatus
from core.ratelimit import client_address

from .api_helpers import PARAM, api_operations
from .cases_helpers import register
from .factories import member

pytestmark = pytest.mark.django_db

TWO_FACTOR = override_settings(TWO_FACTOR_ROLES=["supervisor", "admin"])
TOKEN_URL = "/api/auth/token/"


@pytest.fixture
def zhanyi_trial(tree):
    return member("zhanyi-trial", tree["zhanyi"], Role.REVIEWER, "case_trial")


@pytest.fixture
def zhanyi_admin(tree):
    return member("zhanyi-admin", tree["zhanyi"], Role.ADMIN)


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """A confirmed authenticator and three recovery codes, as the enrolment page leaves them."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="recovery")
    codes = [f"rc{n}abcd" for n in range(3)]
    for code in codes:
        static.token_set.create(token=code)
    return device, codes


def code_of(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key).token():06d}"


def login(client, username, password=None, address="127.0.0.1", **extra):
    data = {"username": username, "password": password or settings.DEMO_PASSWORD, **extra}
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def issue(username, *, password=None, name="script", address="127.0.0.1", **extra):
    data = {"username": username, "password": password or settings.DEMO_PASSWORD, "name": name, **extra}
    return APIClient().post(TOKEN_URL, data, format="json", REMOTE_ADDR=address)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_of(username, name="script", **extra) -> str:
    response = issue(username, name=name, **extra)
    assert response.status_code == 201, response.content
    return response.json()["token"]


# --- Item 2: the second factor cannot be skipped through the API -------------------------------------------


@pytest.fixture
def pending_request(tree, zhanyi_intake, zhanyi_investigator):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    return case_services.identity_request(actor=zhanyi_investigator, report=report, reason="需核实举报人陈述")


@TWO_FACTOR
def test_supervisor_without_second_factor_cannot_grant_an_identity_request_through_the_api(
    client, zhanyi_supervisor, pending_request
):
    enrol(zhanyi_supervisor)
    login(client, "zhanyi-supervisor")
    assert signed_in(client), "the password alone opens a session that still owes the second factor"
    events = AuditEvent.objects.count()

    response = client.post(
        f"/api/identity-requests/{pending_request.pk}/grant/", {"reason": "同意"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"
    assert "双因素认证" in response.json()["detail"], "the message is translated (Chinese by default)"
    pending_request.refresh_from_db()
    assert pending_request.status == AccessStatus.PENDING
    assert not AuditEvent.objects.filter(action="identity.grant").exists()
    assert AuditEvent.objects.count() == events


@TWO_FACTOR
def test_unverified_session_gets_two_factor_required_from_every_api_operation(client, zhanyi_supervisor):
    enrol(zhanyi_supervisor)
    login(client, "zhanyi-supervisor")
    operations = api_operations()
    assert len(operations) > 50
    failures = []
    for path, method in operations:
        if path == TOKEN_URL:
            continue  # the token endpoint asks for the one-time code itself (tested below)
        response = getattr(client, method)(PARAM.sub("1", path), {}, content_type="application/json")
        if response.status_code != 403 or response.json().get("code") != "two_factor_required":
            failures.append((method, path, response.status_code))
    for path in ("/api/", "/api/schema/", "/api/docs/", "/api/me/"):
        response = client.get(path)
        if response.status_code != 403 or response.json().get("code") != "two_factor_required":
            failures.append(("get", path, response.status_code))
    assert failures == []


@TWO_FACTOR
def test_verified_session_reaches_the_api(client, zhanyi_supervisor):
    device, _codes = enrol(zhanyi_supervisor)
    login(client, "zhanyi-supervisor")
    client.post(reverse("two-factor"), {"token": code_of(device)})
    assert client.get("/api/reports/").status_code == 200
    assert client.get("/api/me/").json()["username"] == "zhanyi-supervisor"


@TWO_FACTOR
def test_token_endpoint_refuses_a_two_factor_role_without_the_one_time_code(zhanyi_supervisor):
    device, codes = enrol(zhanyi_supervisor)

    missing = issue("zhanyi-supervisor")
    assert missing.status_code == 400
    assert missing.json()["code"] == "two_factor_required"
    assert "token" not in missing.json()

    wrong = issue("zhanyi-supervisor", otp="000000")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "two_factor_invalid"
    assert not ApiToken.objects.exists()

    # django-otp throttles every device of the user after a failure (growing delays); the user would wait.
    for model in (TOTPDevice, StaticDevice):
        model.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = issue("zhanyi-supervisor", otp=code_of(device))
    assert response.status_code == 201, response.content
    key = response.json()["token"]
    assert token_client(key).get("/api/reports/").status_code == 200

    by_recovery = issue("zhanyi-supervisor", name="laptop", otp=codes[0])
    assert by_recovery.status_code == 201
    again = issue("zhanyi-supervisor", name="other", otp=codes[0])
    assert again.status_code == 400 and again.json()["code"] == "two_factor_invalid", "a recovery code works once"


@TWO_FACTOR
def test_token_issued_on_a_password_alone_stops_working_when_the_user_gains_a_two_factor_role(
    tree, zhanyi_investigator
):
    key = token_of("zhanyi-investigator")
    client = token_client(key)
    assert client.get("/api/reports/").status_code == 200
    member("zhanyi-investigator", tree["zhanyi"], Role.SUPERVISOR)
    response = client.get("/api/reports/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


# --- Item 3: API tokens expire, are one per named client, hashed, listed and revocable ----------------------


def test_token_expires_after_twelve_hours_by_default_and_then_answers_401(zhanyi_investigator):
    assert settings.API_TOKEN_TTL_HOURS == 12
    response = issue("zhanyi-investigator")
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at - token.created_at == datetime.timedelta(hours=12)
    client = token_client(response.json()["token"])
    assert client.get("/api/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = client.get("/api/me/")
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"


@override_settings(API_TOKEN_TTL_HOURS=1)
def test_token_lifetime_is_configurable(zhanyi_investigator):
    token = ApiToken.objects.get(pk=issue("zhanyi-investigator").json()["id"])
    assert token.expires_at - token.created_at == datetime.timedelta(hours=1)


def test_each_call_gives_a_new_token_one_per_named_client_stored_hashed(zhanyi_investigator):
    first = token_of("zhanyi-investigator", name="nightly-sync")
    laptop = token_of("zhanyi-investigator", name="laptop")
    assert first != laptop
    assert token_client(first).get("/api/me/").status_code == 200
    assert token_client(laptop).get("/api/me/").status_code == 200

    replacement = token_of("zhanyi-investigator", name="nightly-sync")
    assert replacement != first
    assert token_client(first).get("/api/me/").status_code == 401, "the client's earlier token is replaced"
    assert token_client(replacement).get("/api/me/").status_code == 200
    assert token_client(laptop).get("/api/me/").status_code == 200

    for row in ApiToken.objects.values():
        assert not [value for value in row.values() if isinstance(value, str) and first in value]
        assert not [value for value in row.values() if isinstance(value, str) and replacement in value]
    assert set(AuditEvent.objects.filter(action__startswith="api_token.").values_list("action", "data__reason")) == {
        ("api_token.create", None),
        ("api_token.revoke", "replaced"),
    }


def test_token_endpoint_refuses_a_wrong_password_and_a_disabled_account(zhanyi_investigator):
    wrong = issue("zhanyi-investigator", password="wrong")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_login"
    zhanyi_investigator.is_active = False
    zhanyi_investigator.save(update_fields=["is_active"])
    assert issue("zhanyi-investigator").status_code == 400
    assert not ApiToken.objects.exists()


def test_missing_or_bad_token_answers_401_with_www_authenticate(zhanyi_investigator):
    key = token_of("zhanyi-investigator")
    for client in (APIClient(), token_client("not-a-token"), token_client(key[:-1] + ("A" if key[-1] != "A" else "B"))):
        response = client.get("/api/reports/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_a_token_of_one_user_never_authenticates_another(zhanyi_investigator, zhanyi_intake):
    investigator = token_of("zhanyi-investigator")
    intake = token_of("zhanyi-intake")
    assert token_client(investigator).get("/api/me/").json()["username"] == "zhanyi-investigator"
    assert token_client(intake).get("/api/me/").json()["username"] == "zhanyi-intake"


def test_password_change_revokes_every_token(zhanyi_investigator):
    keys = [token_of("zhanyi-investigator", name=name) for name in ("a", "b")]
    zhanyi_investigator.set_password("An0ther-Passw0rd!")
    zhanyi_investigator.save(update_fields=["password"])
    for key in keys:
        assert token_client(key).get("/api/me/").status_code == 401
    assert set(ApiToken.objects.values_list("revoke_reason", flat=True)) == {"password_changed"}
    assert AuditEvent.objects.filter(action="api_token.revoke", data__reason="password_changed").count() == 2


def test_disabling_the_account_revokes_every_token(zhanyi_investigator):
    key = token_of("zhanyi-investigator")
    zhanyi_investigator.is_active = False
    zhanyi_investigator.save(update_fields=["is_active"])
    assert token_client(key).get("/api/me/").status_code == 401
    zhanyi_investigator.is_active = True
    zhanyi_investigator.save(update_fields=["is_active"])
    assert token_client(key).get("/api/me/").status_code == 401, "enabling the account again revives no token"


def test_revoke_all_service_revokes_every_live_token_and_audits(zhanyi_investigator, qujing_admin):
    keys = [token_of("zhanyi-investigator", name=name) for name in ("a", "b")]
    assert api_tokens_revoke_all(user=zhanyi_investigator, actor=qujing_admin, reason="two_factor_reset") == 2
    for key in keys:
        assert token_client(key).get("/api/me/").status_code == 401
    events = AuditEvent.objects.filter(action="api_token.revoke", actor=qujing_admin)
    assert events.count() == 2 and {e.data["reason"] for e in events} == {"two_factor_reset"}
    assert api_tokens_revoke_all(user=zhanyi_investigator, actor=qujing_admin, reason="again") == 0


def test_owner_lists_and_revokes_only_their_own_tokens(zhanyi_investigator, zhanyi_intake):
    mine = token_of("zhanyi-investigator", name="mine")
    theirs = token_of("zhanyi-intake", name="theirs")
    client = token_client(mine)
    listed = client.get("/api/tokens/").json()["results"]
    assert [(t["name"], t["state"]) for t in listed] == [("mine", "active")]
    assert "token" not in listed[0] and len(listed[0]["prefix"]) == 8
    other = ApiToken.objects.get(name="theirs")
    assert client.get(f"/api/tokens/{other.pk}/").status_code == 404
    assert client.post(f"/api/tokens/{other.pk}/revoke/", {}, format="json").status_code == 404
    assert token_client(theirs).get("/api/me/").status_code == 200

    own = ApiToken.objects.get(name="mine")
    revoked = client.post(f"/api/tokens/{own.pk}/revoke/", {}, format="json")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert token_client(mine).get("/api/me/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=zhanyi_investigator).count() == 1


def test_admin_of_the_owners_commission_lists_and_revokes_their_tokens(zhanyi_investigator, qujing_admin):
    key = token_of("zhanyi-investigator")
    admin = APIClient()
    admin.force_authenticate(qujing_admin)
    listed = admin.get("/api/tokens/", {"user": zhanyi_investigator.pk}).json()["results"]
    assert [t["user"]["username"] for t in listed] == ["zhanyi-investigator"]
    response = admin.post(f"/api/tokens/{listed[0]['id']}/revoke/", {"reason": "设备遗失"}, format="json")
    assert response.status_code == 200
    assert token_client(key).get("/api/me/").status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.actor == qujing_admin and event.data["reason"] == "设备遗失"


def test_county_admin_cannot_list_or_revoke_a_city_users_tokens(qujing_supervisor, zhanyi_admin):
    key = token_of("qujing-supervisor")
    token = ApiToken.objects.get()
    admin = APIClient()
    admin.force_authenticate(zhanyi_admin)
    assert admin.get("/api/tokens/").json()["results"] == []
    assert admin.get(f"/api/tokens/{token.pk}/").status_code == 404
    assert admin.post(f"/api/tokens/{token.pk}/revoke/", {}, format="json").status_code == 404
    assert token_client(key).get("/api/me/").status_code == 200
    assert not AuditEvent.objects.filter(action="api_token.revoke").exists()


def test_a_token_cannot_mint_tokens(zhanyi_investigator):
    """A stolen token must not outlive its expiry by creating successors: the account page needs a session."""
    client = token_client(token_of("zhanyi-investigator"))
    response = client.post(reverse("account-tokens"), {"name": "forever"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert ApiToken.objects.count() == 1


def test_account_page_lists_creates_and_revokes_own_tokens(client, zhanyi_investigator, zhanyi_intake):
    token_of("zhanyi-intake", name="theirs")
    client.force_login(zhanyi_investigator)
    created = client.post(reverse("account-tokens"), {"name": "报表脚本"})
    assert created.status_code == 200
    key = created.context["new_key"]
    assert key in created.content.decode(), "the new token is shown once"
    assert token_client(key).get("/api/me/").json()["username"] == "zhanyi-investigator"

    page = client.get(reverse("account-tokens")).content.decode()
    assert "报表脚本" in page and key not in page and "theirs" not in page

    other = ApiToken.objects.get(name="theirs")
    assert client.post(reverse("account-token-revoke", args=[other.pk])).status_code == 404
    own = ApiToken.objects.get(name="报表脚本")
    assert client.post(reverse("account-token-revoke", args=[own.pk])).status_code == 302
    assert token_client(key).get("/api/me/").status_code == 401
    assert ApiToken.objects.get(name="theirs").revoked_at is None


def test_account_page_refuses_a_blank_name(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    response = client.post(reverse("account-tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


# --- Item 8: lock on the combination of name and address, a capped per-name back-off, the proxy header ------


def test_five_failures_for_a_name_from_one_address_lock_out_neither_that_name_elsewhere_nor_the_address(
    client, zhanyi_trial, zhanyi_intake
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "zhanyi-trial", "wrong-password", address="10.0.0.1")
    locked = login(client, "zhanyi-trial", address="10.0.0.1")
    assert locked.status_code == 429 and not signed_in(client)
    login(client, "zhanyi-trial", address="10.0.0.1")
    lockouts = AuditEvent.objects.filter(action="auth.lockout", data__username="zhanyi-trial")
    assert [e.data["ip_address"] for e in lockouts] == ["10.0.0.1"], "one event per lockout, not one per attempt"

    elsewhere = login(client, "zhanyi-trial", address="10.0.0.2")
    assert elsewhere.status_code == 302 and signed_in(client)
    client.post(reverse("logout"))
    neighbour = login(client, "zhanyi-intake", address="10.0.0.1")
    assert neighbour.status_code == 302 and signed_in(client)


def failures_of(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


def patient_guesser(client, username: str, addresses: int) -> None:
    """A distributed guesser: a few failures from each of many addresses, under the per-address limit, waiting
    out the per-name back-off before each guess (time passes: the failure records age by the wait)."""
    for n in range(addresses):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            wait = backoff_seconds(username)
            if wait:
                AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(seconds=wait))
            assert login(client, username, "wrong-password", address=f"10.0.1.{n}").status_code == 200


def test_right_password_gets_in_after_at_most_the_capped_delay(client, zhanyi_trial):
    patient_guesser(client, "zhanyi-trial", addresses=6)
    assert failures_of("zhanyi-trial") == 24
    # An impatient guess is refused before the password is checked, and counts nothing.
    impatient = login(client, "zhanyi-trial", "wrong-password", address="10.0.1.9")
    assert impatient.status_code == 429 and failures_of("zhanyi-trial") == 24

    waiting = login(client, "zhanyi-trial", address="10.0.2.1")
    assert waiting.status_code == 429 and not signed_in(client)
    assert waiting["Retry-After"] == str(waiting.context["form"].backoff_seconds)
    seconds = waiting.context["form"].backoff_seconds
    assert settings.LOGIN_BACKOFF_MAX_SECONDS - 2 <= seconds <= settings.LOGIN_BACKOFF_MAX_SECONDS <= 60
    assert str(seconds) in waiting.content.decode()
    assert login(client, "zhanyi-trial", address="10.0.2.1").status_code == 429
    backoffs = AuditEvent.objects.filter(action="auth.backoff", data__username="zhanyi-trial")
    assert backoffs.filter(data__ip_address="10.0.2.1").count() == 1, "audited once per name, address and window"

    # The guesser stops; at most the capped delay later the right password gets in.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(seconds=settings.LOGIN_BACKOFF_MAX_SECONDS)
    )
    after = login(client, "zhanyi-trial", address="10.0.2.1")
    assert after.status_code == 302 and signed_in(client)


@TWO_FACTOR
def test_backoff_never_stops_the_right_password_with_the_second_factor(client, zhanyi_supervisor):
    device, _codes = enrol(zhanyi_supervisor)
    patient_guesser(client, "zhanyi-supervisor", addresses=6)
    assert login(client, "zhanyi-supervisor", address="10.0.4.1").status_code == 429
    # A guesser who adds a code learns nothing: a wrong password with any code is the same refusal.
    guess = login(client, "zhanyi-supervisor", "wrong-password", address="10.0.4.2", otp_token="123456")
    assert guess.status_code == 200 and not signed_in(client)

    response = login(client, "zhanyi-supervisor", address="10.0.4.1", otp_token=code_of(device))
    assert response.status_code == 302 and signed_in(client)
    assert client.get(reverse("cases:report-list")).status_code == 200, "the session is verified"


@override_settings(CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_two_clients_behind_the_proxy_are_counted_apart(client, rf, zhanyi_trial):
    proxy = "172.18.0.5"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "zhanyi-trial", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_REAL_IP="203.0.113.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = client.post(
        reverse("login"),
        {"username": "zhanyi-trial", "password": settings.DEMO_PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_REAL_IP="203.0.113.7",
    )
    assert locked.status_code == 429
    other = client.post(
        reverse("login"),
        {"username": "zhanyi-trial", "password": settings.DEMO_PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_REAL_IP="203.0.113.8",
    )
    assert other.status_code == 302 and signed_in(client)
    # The public rate limits read the same setting.
    assert client_address(rf.get("/", REMOTE_ADDR=proxy, HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"


@override_settings(RATELIMIT_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_the_old_proxy_header_setting_is_still_read(rf):
    del settings.CLIENT_IP_HEADER
    assert client_address(rf.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"


def test_token_endpoint_failures_lock_the_name_and_address_pair(zhanyi_investigator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert issue("zhanyi-investigator", password="wrong", address="10.0.5.1").json()["code"] == "invalid_login"
    last = issue("zhanyi-investigator", password="wrong", address="10.0.5.1")
    assert last.status_code == 429 and last.json()["code"] == "locked_out"
    locked = issue("zhanyi-investigator", address="10.0.5.1")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert not ApiToken.objects.exists()
    assert issue("zhanyi-investigator", address="10.0.5.2").status_code == 201


# --- Item 12: the schema and its page need a login --------------------------------------------------------


def test_api_schema_and_docs_need_a_login(client, zhanyi_investigator):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    client.force_login(zhanyi_investigator)
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 200
    assert client.get("/api/docs/").status_code == 200
