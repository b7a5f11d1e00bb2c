"""The cases API: the same services and scoping as the pages, reached over /api/ (issue 3, "API")."""

import contextlib
import datetime
import json
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from audit.models import AuditEvent
from cases import services
from cases.choices import AccessStatus, DispositionKind, Finding, Outcome, Status
from cases.models import (
    Allegation,
    Assignment,
    Attachment,
    Disposition,
    Feedback,
    IdentityAccess,
    Recusal,
    Report,
    ReportLink,
    Subject,
)
from core.api_errors import FORBIDDEN_CODES

from .cases_helpers import register, to_concluded, to_verification, zhanyi_official
from .factories import member

pytestmark = pytest.mark.django_db

IDENTITY = ["张举报", "13800000000", "530303199001011239", "沾益区某街道"]


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def post(user, url, data=None, **kwargs):
    return api(user).post(url, data or {}, format=kwargs.pop("format", "json"), **kwargs)


def url(report, name=""):
    return f"/api/reports/{report.pk}/{name + '/' if name else ''}"


@contextlib.contextmanager
def nothing_written(report=None):
    """The block is refused and leaves the database as it found it."""
    models = [AuditEvent, Report, Subject, Allegation, Disposition, Assignment, Feedback, Recusal, ReportLink]
    models += [Attachment, IdentityAccess]
    before = {model: model.objects.count() for model in models}
    state = Report.objects.filter(pk=report.pk).values("status", "commission", "due_on").get() if report else None
    yield
    assert {model: model.objects.count() for model in models} == before
    if report is not None:
        assert Report.objects.filter(pk=report.pk).values("status", "commission", "due_on").get() == state


def start(supervisor, report, *investigators):
    return post(supervisor, url(report, "start-verification"), {"investigators": [u.pk for u in investigators]})


def assert_refused(response, code=None):
    """A refusal writes nothing: 403 when the caller's role may not act, 400 for anything else."""
    body = response.json()
    expected = 403 if body.get("code") in FORBIDDEN_CODES else 400
    assert response.status_code == expected, response.content
    if code is not None:
        assert body["code"] == code


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


@pytest.fixture
def verifying(report, zhanyi_supervisor, zhanyi_investigator):
    return to_verification(report, zhanyi_supervisor, [zhanyi_investigator])


# ---------------------------------------------------------------------------------------------------------------
# Scoping


def test_county_investigator_cannot_see_a_sibling_county_report(report, qilin_investigator):
    client = api(qilin_investigator)
    assert client.get(url(report)).status_code == 404
    assert client.get("/api/reports/").json()["results"] == []
    assert client.get(f"/api/allegations/{report.allegations.first().pk}/").status_code == 404


def test_county_investigator_cannot_act_on_a_sibling_county_report(report, qilin_investigator):
    with nothing_written(report):
        response = post(qilin_investigator, url(report, "propose-disposition"), {"kind": "close", "reasons": "x"})
    assert response.status_code == 404


def test_city_supervisor_reads_a_county_report(report, qujing_supervisor):
    client = api(qujing_supervisor)
    assert client.get(url(report)).json()["reference"] == report.reference
    assert [r["id"] for r in client.get("/api/reports/").json()["results"]] == [report.pk]


def test_city_supervisor_cannot_decide_for_the_county(report, zhanyi_supervisor, qujing_supervisor):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=DispositionKind.CLOSE, reasons="x")
    with nothing_written(report):
        assert_refused(post(qujing_supervisor, url(report, "approve-disposition")), "forbidden")


def test_recused_user_loses_the_report(report, zhanyi_investigator):
    response = post(zhanyi_investigator, url(report, "recusal"), {"reason": "与被反映人系亲属"})
    assert response.status_code == 201
    assert api(zhanyi_investigator).get(url(report)).status_code == 404
    assert AuditEvent.objects.filter(action="report.recusal").count() == 1


def test_recording_a_recusal_for_another_user_needs_a_supervisor(report, zhanyi_investigator, zhanyi_intake):
    with nothing_written(report):
        response = post(zhanyi_intake, url(report, "recusal"), {"reason": "亲属", "user": zhanyi_investigator.pk})
    assert_refused(response, "forbidden")


def test_api_requires_authentication(report):
    assert api().get("/api/reports/").status_code in (401, 403)
    assert api().get(url(report)).status_code in (401, 403)


def test_token_authentication_works_for_the_list(report, zhanyi_investigator):
    client = APIClient()
    token = client.post(
        "/api/auth/token/",
        {"username": "zhanyi-investigator", "password": settings.DEMO_PASSWORD, "name": "cases"},
        format="json",
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/reports/")
    assert response.status_code == 200
    assert [r["reference"] for r in response.json()["results"]] == [report.reference]


# ---------------------------------------------------------------------------------------------------------------
# Identity


@pytest.mark.parametrize("persona", ["zhanyi_intake", "zhanyi_supervisor", "zhanyi_investigator", "qujing_supervisor"])
def test_identity_is_masked_in_list_and_detail_for_everybody(request, report, persona):
    client = api(request.getfixturevalue(persona))
    listed = client.get("/api/reports/")
    detail = client.get(url(report))
    for response in (listed, detail):
        assert response.status_code == 200
        text = response.content.decode()
        assert not [value for value in IDENTITY if value in text]
        for key in ("phone", "id_number", "address"):
            assert f'"{key}"' not in text
    reporter = detail.json()["reporter"]
    assert set(reporter) == {"pseudonym", "is_anonymous"}
    assert reporter["is_anonymous"] is False
    assert listed.json()["results"][0]["reporter"] == reporter


def test_intake_reveals_the_identity_and_the_reveal_is_audited(report, zhanyi_intake):
    assert api(zhanyi_intake).get(url(report)).json()["identity_visible_to_you"] is True
    response = post(zhanyi_intake, url(report, "reveal-identity"))
    assert response.status_code == 200
    assert response.json()["name"] == "张举报"
    assert response.json()["id_number"] == "530303199001011239"
    assert AuditEvent.objects.filter(action="identity.reveal", actor=zhanyi_intake).count() == 1


def test_reveal_is_refused_to_an_investigator_without_a_grant(report, zhanyi_investigator, qujing_supervisor):
    for user in (zhanyi_investigator, qujing_supervisor):
        with nothing_written(report):
            response = post(user, url(report, "reveal-identity"))
        assert_refused(response, "forbidden")
        assert "张举报" not in response.content.decode()


def test_identity_request_grant_reveal_and_revoke(report, zhanyi_investigator, zhanyi_supervisor):
    asked = post(zhanyi_investigator, url(report, "request-identity"), {"reason": "需核实举报人身份以便补充取证"})
    assert asked.status_code == 201
    access_id = asked.json()["id"]
    assert [
        r["id"] for r in api(zhanyi_supervisor).get("/api/identity-requests/?status=pending").json()["results"]
    ] == [access_id]

    granted = post(zhanyi_supervisor, f"/api/identity-requests/{access_id}/grant/", {"reason": "同意"})
    assert granted.json()["status"] == AccessStatus.GRANTED
    assert post(zhanyi_investigator, url(report, "reveal-identity")).json()["name"] == "张举报"

    revoked = post(zhanyi_supervisor, f"/api/identity-requests/{access_id}/revoke/", {"reason": "核查完毕"})
    assert revoked.json()["status"] == AccessStatus.REVOKED
    assert_refused(post(zhanyi_investigator, url(report, "reveal-identity")), "forbidden")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"identity.request", "identity.grant", "identity.reveal", "identity.revoke"} <= actions


def test_identity_request_refused_keeps_it_hidden(report, zhanyi_investigator, zhanyi_supervisor):
    access = services.identity_request(actor=zhanyi_investigator, report=report, reason="需要")
    response = post(zhanyi_supervisor, f"/api/identity-requests/{access.pk}/refuse/", {"reason": "无必要"})
    assert response.json()["status"] == AccessStatus.REFUSED
    assert_refused(post(zhanyi_investigator, url(report, "reveal-identity")), "forbidden")


def test_identity_requests_are_decided_only_by_the_custodian(
    report, zhanyi_investigator, zhanyi_intake, qujing_supervisor
):
    access = services.identity_request(actor=zhanyi_investigator, report=report, reason="需要")
    # The city supervisor is not the custodian: the request is out of their reach.
    with nothing_written(report):
        assert post(qujing_supervisor, f"/api/identity-requests/{access.pk}/grant/", {"reason": "x"}).status_code == 404
    # The requester sees their own request but cannot decide it.
    with nothing_written(report):
        assert_refused(post(zhanyi_investigator, f"/api/identity-requests/{access.pk}/grant/", {"reason": "x"}))
    assert api(zhanyi_intake).get(f"/api/identity-requests/{access.pk}/").status_code == 404


def test_identity_decision_needs_a_reason(report, zhanyi_investigator, zhanyi_supervisor):
    access = services.identity_request(actor=zhanyi_investigator, report=report, reason="需要")
    with nothing_written(report):
        assert_refused(post(zhanyi_supervisor, f"/api/identity-requests/{access.pk}/grant/", {"reason": " "}))
    assert IdentityAccess.objects.get(pk=access.pk).status == AccessStatus.PENDING


# ---------------------------------------------------------------------------------------------------------------
# Registration


def new_report_body(tree, **overrides):
    body = {
        "commission": tree["zhanyi"].pk,
        "received_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "channel": "online",
        "area": "procurement",
        "summary": "反映应急物资采购中串通投标",
        "allegations": [
            {"text": "串通投标", "category": "integrity", "new_subject": {"name": "李某", "position": "局长"}},
            {"text": "随意取消中标", "category": "work", "new_subject": {"kind": "organisation", "name": "某局"}},
        ],
        "reporter": {"is_anonymous": True},
        "submission_token": str(uuid.uuid4()),
    }
    body.update(overrides)
    return body


def test_intake_registers_an_anonymous_report_and_sees_the_receipt_once(tree, zhanyi_intake):
    body = new_report_body(tree)
    first = post(zhanyi_intake, "/api/reports/", body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True
    digits = data["receipt_code"].replace(" ", "")
    assert len(digits) == 20 and digits.isdigit()
    assert services.receipt_lookup(digits).pk == data["id"]
    assert [a["subject"]["name"] for a in data["allegations"]] == ["李某", "某局"]
    assert data["reporter"]["is_anonymous"] is True
    # The receipt code is not shown again: not on a repeat, not on the report.
    again = post(zhanyi_intake, "/api/reports/", body)
    assert again.status_code == 200
    assert again.json()["id"] == data["id"] and again.json()["created"] is False
    assert again.json()["receipt_code"] is None
    assert "receipt_code" not in api(zhanyi_intake).get(f"/api/reports/{data['id']}/").json()
    assert digits not in api(zhanyi_intake).get(f"/api/reports/{data['id']}/").content.decode()


def test_the_same_submission_token_twice_creates_one_report(tree, zhanyi_intake):
    body = new_report_body(tree)
    ids = {post(zhanyi_intake, "/api/reports/", body).json()["id"] for _ in range(2)}
    assert len(ids) == 1
    assert Report.objects.count() == 1
    assert Subject.objects.count() == 2


def test_named_reporter_identity_is_stored_but_not_returned(tree, zhanyi_intake):
    reporter = {"is_anonymous": False, "name": "张举报", "phone": "13800000000", "id_number": "530303199001011239"}
    response = post(zhanyi_intake, "/api/reports/", new_report_body(tree, reporter=reporter))
    assert response.status_code == 201
    assert not [value for value in IDENTITY if value in response.content.decode()]
    assert response.json()["receipt_code"] is None
    assert Report.objects.get().reporter.name == "张举报"


def test_registration_with_an_existing_subject_links_the_registry(tree, zhanyi_intake, report):
    subject = report.allegations.first().subject
    allegations = [{"text": "再次反映串通投标", "category": "integrity", "subject": subject.pk}]
    response = post(zhanyi_intake, "/api/reports/", new_report_body(tree, allegations=allegations))
    assert response.status_code == 201
    assert Allegation.objects.filter(subject=subject).count() == 2


def test_registration_refuses_a_subject_out_of_reach(tree, zhanyi_intake):
    qilin_intake = member("qilin-intake", tree["qilin"], Role.INTAKE, "letters_visits")
    qilin_report = register(qilin_intake, tree["qilin"]).report
    foreign = qilin_report.allegations.first().subject
    allegations = [{"text": "x", "category": "integrity", "subject": foreign.pk}]
    with nothing_written():
        response = post(zhanyi_intake, "/api/reports/", new_report_body(tree, allegations=allegations))
    assert response.status_code == 400
    assert "subject" in json.dumps(response.json())


def test_a_future_received_date_is_refused_and_nothing_written(tree, zhanyi_intake):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with nothing_written():
        response = post(zhanyi_intake, "/api/reports/", new_report_body(tree, received_on=tomorrow))
    assert_refused(response, "future_date")


def test_only_intake_registers(tree, zhanyi_investigator):
    with nothing_written():
        assert_refused(post(zhanyi_investigator, "/api/reports/", new_report_body(tree)), "forbidden")


def test_a_report_needs_an_allegation(tree, zhanyi_intake):
    with nothing_written():
        assert post(zhanyi_intake, "/api/reports/", new_report_body(tree, allegations=[])).status_code == 400


# ---------------------------------------------------------------------------------------------------------------
# Transitions


def test_propose_and_approve_disposition(report, zhanyi_supervisor):
    proposed = post(zhanyi_supervisor, url(report, "propose-disposition"), {"kind": "preliminary", "reasons": "需核实"})
    assert proposed.status_code == 200 and proposed.json()["status"] == Status.DISPOSITION_PROPOSED
    approved = post(zhanyi_supervisor, url(report, "approve-disposition"), {"reason": "同意"})
    assert approved.json()["status"] == Status.DISPOSITION_APPROVED
    detail = api(zhanyi_supervisor).get(url(report)).json()
    assert detail["dispositions"][0]["decision"] == "approved"
    assert "start-verification" in detail["actions"]
    assert [e["action"] for e in detail["timeline"]] == [
        "report.register",
        "report.propose_disposition",
        "report.approve_disposition",
    ]


def test_investigator_cannot_propose_a_disposition(report, zhanyi_investigator):
    with nothing_written(report):
        response = post(zhanyi_investigator, url(report, "propose-disposition"), {"kind": "close", "reasons": "x"})
    assert_refused(response, "forbidden")


def test_approval_from_the_wrong_state_is_refused(report, zhanyi_supervisor):
    with nothing_written(report):
        assert_refused(post(zhanyi_supervisor, url(report, "approve-disposition")), "wrong_state")


def test_reject_disposition_returns_the_report_and_needs_a_reason(report, zhanyi_supervisor):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=DispositionKind.CLOSE, reasons="x")
    with nothing_written(report):
        assert_refused(post(zhanyi_supervisor, url(report, "reject-disposition"), {"reason": ""}), "required")
    response = post(zhanyi_supervisor, url(report, "reject-disposition"), {"reason": "理由不充分"})
    assert response.json()["status"] == Status.REGISTERED


def test_transfer_moves_the_report_to_the_receiving_commission(tree, report, zhanyi_supervisor, qilin_investigator):
    body = {"kind": "transfer", "reasons": "属地管辖", "transfer_to": tree["qilin"].pk}
    assert post(zhanyi_supervisor, url(report, "propose-disposition"), body).status_code == 200
    assert post(zhanyi_supervisor, url(report, "approve-disposition")).json()["status"] == Status.REGISTERED
    assert api(zhanyi_supervisor).get(url(report)).status_code == 404
    assert api(qilin_investigator).get(url(report)).json()["transfers"][0]["from_commission"]["abbr"] == "ZY"


def test_start_verification_assigns_investigators(report, zhanyi_supervisor, zhanyi_investigator, qilin_investigator):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind="preliminary", reasons="x")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    body = {"investigators": [zhanyi_investigator.pk, qilin_investigator.pk], "due_on": due}
    response = post(zhanyi_supervisor, url(report, "start-verification"), body)
    assert response.json()["status"] == Status.UNDER_VERIFICATION
    assert response.json()["due_on"] == due
    # Assignment across jurisdictions grants the report to the Qilin investigator.
    detail = api(qilin_investigator).get(url(report)).json()
    assert {a["user"]["username"] for a in detail["assignments"]} == {"zhanyi-investigator", "qilin-investigator"}


def test_start_verification_refuses_a_user_without_the_investigator_role(report, zhanyi_supervisor, zhanyi_intake):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind="preliminary", reasons="x")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    with nothing_written(report):
        response = start(zhanyi_supervisor, report, zhanyi_intake)
    assert_refused(response, "not_investigator")


def test_start_verification_refuses_an_inactive_user(report, zhanyi_supervisor, zhanyi_investigator):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind="preliminary", reasons="x")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    zhanyi_investigator.is_active = False
    zhanyi_investigator.save(update_fields=["is_active"])
    with nothing_written(report):
        response = start(zhanyi_supervisor, report, zhanyi_investigator)
    assert response.status_code == 400


def test_start_verification_from_the_wrong_state_is_refused(report, zhanyi_supervisor, zhanyi_investigator):
    with nothing_written(report):
        response = start(zhanyi_supervisor, report, zhanyi_investigator)
    assert_refused(response, "wrong_state")


def test_assign_and_unassign(verifying, zhanyi_supervisor, zhanyi_investigator, tree):
    second = member("zhanyi-investigator-2", tree["zhanyi"], Role.INVESTIGATOR, "investigation")
    assert post(zhanyi_supervisor, url(verifying, "assign"), {"investigator": second.pk}).status_code == 201
    assert post(zhanyi_supervisor, url(verifying, "unassign"), {"investigator": second.pk}).status_code == 204
    assert not Assignment.objects.filter(user=second, active=True).exists()
    with nothing_written(verifying):
        assert_refused(post(zhanyi_supervisor, url(verifying, "unassign"), {"investigator": second.pk}), "not_assigned")


def test_assignment_needs_a_supervisor(verifying, zhanyi_investigator, tree):
    second = member("zhanyi-investigator-2", tree["zhanyi"], Role.INVESTIGATOR, "investigation")
    with nothing_written(verifying):
        assert_refused(post(zhanyi_investigator, url(verifying, "assign"), {"investigator": second.pk}), "forbidden")


def test_assigned_investigator_records_findings_by_both_paths(verifying, zhanyi_investigator):
    first, second = verifying.allegations.order_by("id")
    by_report = post(
        zhanyi_investigator,
        url(verifying, "record-finding"),
        {
            "allegation": first.pk,
            "finding": "unsubstantiated",
            "suspected_false": True,
            "false_grounds": "fabricated",
            "notes": "经核查不属实",
        },
    )
    assert by_report.status_code == 200, by_report.content
    assert by_report.json()["finding"] == Finding.UNSUBSTANTIATED and by_report.json()["suspected_false"] is True
    by_allegation = post(zhanyi_investigator, f"/api/allegations/{second.pk}/record-finding/", {"finding": "partly"})
    assert by_allegation.json()["finding"] == Finding.PARTLY
    assert AuditEvent.objects.filter(action="allegation.finding").count() == 2


def test_finding_for_an_allegation_of_another_report_is_refused(tree, verifying, zhanyi_intake, zhanyi_investigator):
    other = register(zhanyi_intake, tree["zhanyi"]).report.allegations.first()
    with nothing_written(verifying):
        response = post(
            zhanyi_investigator, url(verifying, "record-finding"), {"allegation": other.pk, "finding": "partly"}
        )
    assert_refused(response, "other_report")


def test_unassigned_investigator_cannot_record_findings(tree, verifying):
    outsider = member("zhanyi-investigator-2", tree["zhanyi"], Role.INVESTIGATOR, "investigation")
    allegation = verifying.allegations.first()
    with nothing_written(verifying):
        response = post(outsider, f"/api/allegations/{allegation.pk}/record-finding/", {"finding": "partly"})
    assert_refused(response, "forbidden")


def test_suspected_false_only_on_unsubstantiated(verifying, zhanyi_investigator):
    allegation = verifying.allegations.first()
    body = {"allegation": allegation.pk, "finding": "substantiated", "suspected_false": True, "false_grounds": "forged"}
    with nothing_written(verifying):
        assert_refused(post(zhanyi_investigator, url(verifying, "record-finding"), body), "false_flag")


def test_conclusion_needs_every_finding_then_goes_to_clarification(verifying, zhanyi_supervisor, zhanyi_investigator):
    with nothing_written(verifying):
        assert_refused(post(zhanyi_supervisor, url(verifying, "conclude")), "open")
    for allegation in verifying.allegations.all():
        services.finding_record(
            actor=zhanyi_investigator, report=verifying, allegation=allegation, finding=Finding.UNSUBSTANTIATED
        )
    with nothing_written(verifying):
        assert_refused(post(zhanyi_investigator, url(verifying, "conclude")), "forbidden")
    response = post(zhanyi_supervisor, url(verifying, "conclude"))
    assert response.json()["status"] == Status.CONCLUDED
    assert response.json()["outcome"] == Outcome.CLARIFICATION


def test_close_a_concluded_report(report, zhanyi_supervisor, zhanyi_investigator):
    with nothing_written(report):
        assert_refused(post(zhanyi_supervisor, url(report, "close")), "wrong_state")
    to_concluded(report, zhanyi_supervisor, zhanyi_investigator)
    with nothing_written(report):
        assert_refused(post(zhanyi_investigator, url(report, "close")), "forbidden")
    assert post(zhanyi_supervisor, url(report, "close"), {"reason": "办结"}).json()["status"] == Status.CLOSED


def test_resume_a_held_report(report, zhanyi_supervisor):
    with nothing_written(report):
        assert_refused(post(zhanyi_supervisor, url(report, "resume")), "wrong_state")
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=DispositionKind.HOLD, reasons="暂存")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    assert post(zhanyi_supervisor, url(report, "resume")).json()["status"] == Status.REGISTERED


def test_feedback_is_recorded_by_intake(report, zhanyi_intake, zhanyi_investigator):
    body = {"text": "已受理，正在核查", "method": "phone", "given_on": timezone.localdate().isoformat()}
    response = post(zhanyi_intake, url(report, "feedback"), body)
    assert response.status_code == 201
    assert api(zhanyi_intake).get(url(report)).json()["feedback"][0]["text"] == "已受理，正在核查"
    with nothing_written(report):
        assert_refused(post(zhanyi_investigator, url(report, "feedback"), body), "forbidden")


def test_feedback_in_the_future_is_refused(report, zhanyi_intake):
    body = {"text": "x", "method": "phone", "given_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}
    with nothing_written(report):
        assert_refused(post(zhanyi_intake, url(report, "feedback"), body), "future_date")


def test_link_to_an_earlier_report(tree, report, zhanyi_intake):
    later = register(zhanyi_intake, tree["zhanyi"]).report
    response = post(zhanyi_intake, url(later, "link"), {"earlier": report.pk, "note": "重复举报"})
    assert response.status_code == 201
    assert [r["id"] for r in api(zhanyi_intake).get(url(later)).json()["linked_reports"]] == [report.pk]
    assert [r["id"] for r in api(zhanyi_intake).get(url(report)).json()["linked_reports"]] == [later.pk]
    with nothing_written(report):
        assert_refused(post(zhanyi_intake, url(report, "link"), {"earlier": report.pk}), "self_link")


def test_link_to_a_report_out_of_reach_is_refused(tree, report, zhanyi_intake):
    qilin_intake = member("qilin-intake", tree["qilin"], Role.INTAKE, "letters_visits")
    foreign = register(qilin_intake, tree["qilin"]).report
    with nothing_written(report):
        assert post(zhanyi_intake, url(report, "link"), {"earlier": foreign.pk}).status_code == 400


def test_attachment_upload(report, zhanyi_intake):
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = api(zhanyi_intake).post(url(report, "attachments"), {"file": pdf, "kind": "report"}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "材料.pdf"
    assert api(zhanyi_intake).get(url(report)).json()["attachments"][0]["size"] == len(b"%PDF-1.4 test")


@pytest.mark.parametrize(
    "name, data",
    [("tool.exe", b"MZ\x90\x00"), ("fake.pdf", b"MZ\x90\x00 not a pdf")],
)
def test_attachment_of_a_disallowed_type_is_refused(report, zhanyi_intake, name, data):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    with nothing_written(report):
        response = api(zhanyi_intake).post(url(report, "attachments"), {"file": upload}, format="multipart")
    assert_refused(response, "bad_type")


def test_attachment_that_is_too_large_is_refused(report, zhanyi_intake, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2048, content_type="application/pdf")
    with nothing_written(report):
        response = api(zhanyi_intake).post(url(report, "attachments"), {"file": upload}, format="multipart")
    assert_refused(response, "too_large")


def test_attachment_out_of_reach_is_a_404(report, qilin_investigator):
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    with nothing_written(report):
        response = api(qilin_investigator).post(url(report, "attachments"), {"file": pdf}, format="multipart")
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Lists, filters, subjects, allegations


def test_report_list_filters(tree, report, zhanyi_intake, zhanyi_supervisor):
    other = register(
        zhanyi_intake,
        tree["zhanyi"],
        summary="反映某小学营养餐经费被挪用",
        allegations=[
            services.AllegationInput(text="挪用经费", category="integrity", new_subject=zhanyi_official("赵某"))
        ],
    ).report
    Report.objects.filter(pk=other.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    client = api(zhanyi_supervisor)

    def ids(query):
        response = client.get(f"/api/reports/?{query}")
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids("") == [other.pk, report.pk]
    assert ids("q=采购") == [report.pk]
    assert ids("q=营养") == [other.pk]
    assert ids("overdue=true") == [other.pk]
    assert client.get("/api/reports/?overdue=true").json()["results"][0]["overdue"] is True
    assert ids(f"subject={report.allegations.first().subject_id}") == [report.pk]
    assert ids("status=registered&channel=letter&area=procurement") == [other.pk, report.pk]
    assert ids("status=closed") == []
    assert ids(f"commission={tree['qilin'].pk}") == []
    today = timezone.localdate().isoformat()
    assert ids(f"received_to={today}&received_from=2000-01-01") == [other.pk, report.pk]
    assert ids(f"received_from={today}") == []
    assert client.get("/api/reports/?received_from=2020-02-01&received_to=2020-01-01").status_code == 400
    assert client.get("/api/reports/?status=nonsense").status_code == 400


def test_report_list_uses_cursor_pagination(tree, zhanyi_intake, zhanyi_supervisor):
    made = [register(zhanyi_intake, tree["zhanyi"]).report.pk for _ in range(3)]
    client = api(zhanyi_supervisor)
    first = client.get("/api/reports/?page_size=2").json()
    assert [r["id"] for r in first["results"]] == sorted(made, reverse=True)[:2]
    assert "count" not in first
    second = client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [min(made)]


@pytest.mark.parametrize("how_many", [3, 30])
def test_report_list_query_count_does_not_grow_with_the_page(
    tree, zhanyi_intake, qujing_supervisor, django_assert_max_num_queries, how_many
):
    for _ in range(how_many):
        report = register(zhanyi_intake, tree["zhanyi"], anonymous=True).report
    client = api(qujing_supervisor)
    with django_assert_max_num_queries(5):
        response = client.get("/api/reports/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == how_many
    assert response.json()["results"][0]["reporter"]["is_anonymous"] is True
    assert response.json()["results"][0]["id"] == report.pk


def test_subjects_search_and_page(tree, report, zhanyi_supervisor, zhanyi_investigator):
    to_concluded(report, zhanyi_supervisor, zhanyi_investigator)
    client = api(zhanyi_investigator)
    found = client.get("/api/subjects/?q=李").json()["results"]
    assert [s["name"] for s in found] == ["李某"]
    detail = client.get(f"/api/subjects/{found[0]['id']}/").json()
    assert [r["reference"] for r in detail["reports"]] == [report.reference]
    assert detail["reports"][0]["outcome"] == Outcome.ACCOUNTABILITY
    assert [a["finding"] for a in detail["reports"][0]["allegations"]] == [Finding.UNSUBSTANTIATED]


def test_subject_out_of_reach_is_a_404(report, qilin_investigator):
    subject = report.allegations.first().subject
    client = api(qilin_investigator)
    assert client.get(f"/api/subjects/{subject.pk}/").status_code == 404
    assert client.get("/api/subjects/").json()["results"] == []


def test_allegations_list_is_scoped(report, zhanyi_investigator, qilin_investigator):
    assert len(api(zhanyi_investigator).get(f"/api/allegations/?report={report.pk}").json()["results"]) == 2
    assert api(qilin_investigator).get("/api/allegations/").json()["results"] == []


def test_schema_lists_the_cases_paths(client, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/reports/",
        "/api/reports/{id}/",
        "/api/reports/{id}/propose-disposition/",
        "/api/reports/{id}/approve-disposition/",
        "/api/reports/{id}/start-verification/",
        "/api/reports/{id}/record-finding/",
        "/api/reports/{id}/reveal-identity/",
        "/api/reports/{id}/attachments/",
        "/api/subjects/",
        "/api/subjects/{id}/",
        "/api/allegations/{id}/record-finding/",
        "/api/identity-requests/{id}/grant/",
        "/api/identity-requests/{id}/revoke/",
    ]:
        assert path in paths, path
    assert "requestBody" in paths["/api/reports/{id}/propose-disposition/"]["post"]
    assert "400" in paths["/api/reports/{id}/approve-disposition/"]["post"]["responses"]
    reporter = response.json()["components"]["schemas"]["MaskedReporter"]["properties"]
    assert set(reporter) == {"pseudonym", "is_anonymous"}
