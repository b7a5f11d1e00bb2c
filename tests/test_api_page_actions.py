"""The API operations the pages had and the API lacked (issue 13, "whatever a page can do, the API can do")."""

from django.urls import reverse

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import api_token_issue
from audit.models import AuditEvent
from core.models import OutboxMessage

from .cases_helpers import register, to_verification
from .factories import member


def test_an_assigned_investigator_keeps_the_verification_notes_through_the_api(
    client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qilin_investigator
):
    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    url = f"/api/reports/{report.pk}/notes/"
    client.force_login(zhanyi_investigator)
    answer = client.post(url, {"notes": "已调取招标档案"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"notes": "已调取招标档案"}
    report.verification.refresh_from_db()
    assert report.verification.notes == "已调取招标档案"

    client.force_login(zhanyi_intake)  # reads the report, is not assigned to it
    refused = client.post(url, {"notes": "改写"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.force_login(qilin_investigator)  # another county: the report is out of reach
    assert client.post(url, {"notes": "改写"}, content_type="application/json").status_code == 404
    report.verification.refresh_from_db()
    assert report.verification.notes == "已调取招标档案"


def test_a_city_supervisor_queues_the_monthly_build_job_through_the_api(client, tree, zhanyi_supervisor):
    city = member("qujing-sup", tree["qujing"], Role.SUPERVISOR)
    client.force_login(zhanyi_supervisor)  # a county's supervisor may not
    refused = client.post("/api/clarification-batches/run-build-job/")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert not OutboxMessage.objects.filter(task__contains="build_monthly_batches").exists()
    client.force_login(city)
    assert client.post("/api/clarification-batches/run-build-job/").status_code == 202
    assert OutboxMessage.objects.filter(task__contains="build_monthly_batches").count() == 1
    assert AuditEvent.objects.filter(action="clarification.batch_job_request", actor=city).exists()


def test_a_user_changes_their_password_through_the_api_and_their_tokens_go_with_the_old_one(
    client, zhanyi_investigator, settings
):
    _token, key = api_token_issue(user=zhanyi_investigator, name="script", two_factor=False, actor=None, via="test")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    url = reverse("api-password-change")
    wrong = client.post(
        url, {"old_password": "nope", "new_password": "Another-long-2026"}, content_type="application/json", **auth
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["attr"] == "old_password"
    same = {"old_password": settings.DEMO_PASSWORD, "new_password": settings.DEMO_PASSWORD}
    refused = client.post(url, same, content_type="application/json", **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "same_password"
    weak = client.post(
        url, {"old_password": settings.DEMO_PASSWORD, "new_password": "123"}, content_type="application/json", **auth
    )
    assert weak.status_code == 400 and weak.json()["errors"][0]["attr"] == "new_password"
    zhanyi_investigator.refresh_from_db()
    assert zhanyi_investigator.check_password(settings.DEMO_PASSWORD)

    done = client.post(
        url,
        {"old_password": settings.DEMO_PASSWORD, "new_password": "Another-long-2026"},
        content_type="application/json",
        **auth,
    )
    assert done.status_code == 204
    zhanyi_investigator.refresh_from_db()
    assert zhanyi_investigator.check_password("Another-long-2026")
    assert client.get("/api/me/", **auth).status_code == 401  # the token was bound to the old password
    assert ApiToken.objects.get(user=zhanyi_investigator).revoked_at is not None
