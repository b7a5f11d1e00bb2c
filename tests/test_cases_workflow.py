import datetime

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import services
from cases.choices import DispositionKind, FalseGround, Finding, Outcome, Status
from cases.models import Allegation, Disposition, Report, Reporter
from cases.selectors import reports_visible_to
from core.errors import DomainError

from .cases_helpers import register, to_concluded, to_verification
from .factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


def test_registration_numbers_per_commission_and_year(tree, zhanyi_intake, report):
    year = report.received_on.year
    assert report.reference == f"QJ-ZY-{year}-000001"
    second = register(zhanyi_intake, tree["zhanyi"]).report
    assert second.reference == f"QJ-ZY-{year}-000002"
    assert report.status == Status.REGISTERED
    assert report.allegations.count() == 2
    assert AuditEvent.objects.filter(action="report.register", target_id=str(report.pk)).exists()


def test_double_submission_creates_one_report(tree, zhanyi_intake):
    import uuid

    token = uuid.uuid4()
    first = register(zhanyi_intake, tree["zhanyi"], token=token)
    again = register(zhanyi_intake, tree["zhanyi"], token=token)
    assert first.report.pk == again.report.pk
    assert again.created is False
    assert Report.objects.count() == 1


def test_only_intake_registers(tree, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        register(zhanyi_investigator, tree["zhanyi"])
    assert refusal.value.code == "forbidden"
    assert Report.objects.count() == 0


def test_receipt_date_in_the_future_is_refused(tree, zhanyi_intake):
    from cases.services import AllegationInput, ReporterInput

    from .cases_helpers import zhanyi_official

    with pytest.raises(DomainError) as refusal:
        services.report_register(
            actor=zhanyi_intake,
            commission=tree["zhanyi"],
            received_on=timezone.localdate() + datetime.timedelta(days=1),
            channel="letter",
            area="procurement",
            summary="x",
            allegations=[AllegationInput(text="y", category="integrity", new_subject=zhanyi_official())],
            reporter=ReporterInput(),
        )
    assert refusal.value.code == "future_date"
    assert Report.objects.count() == 0


def test_anonymous_reporter_gets_a_20_digit_receipt_stored_hashed(tree, zhanyi_intake):
    registered = register(zhanyi_intake, tree["zhanyi"], anonymous=True)
    code = registered.receipt_code
    assert code is not None and len(code) == 20 and code.isdigit()
    reporter = Reporter.objects.get(report=registered.report)
    assert reporter.receipt_hash and code not in reporter.receipt_hash
    assert services.receipt_lookup(code) == registered.report
    assert services.receipt_lookup("0" * 20) is None


def test_identity_is_encrypted_at_rest(report):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, id_number FROM cases_reporter WHERE report_id = %s", [report.pk])
        row = cursor.fetchone()
    assert "张举报" not in " ".join(row)
    assert "530303199001011239" not in " ".join(row)
    assert Reporter.objects.get(report=report).name == "张举报"


def test_full_workflow_to_conclusion_and_close(tree, report, zhanyi_supervisor, zhanyi_investigator):
    to_concluded(report, zhanyi_supervisor, zhanyi_investigator)
    assert report.status == Status.CONCLUDED
    assert report.outcome == Outcome.ACCOUNTABILITY
    services.report_close(actor=zhanyi_supervisor, report=report, reason="李某本人表示无需澄清")
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    actions = list(AuditEvent.objects.filter(scope_ref=f"cases.report:{report.pk}").values_list("action", flat=True))
    for expected in [
        "report.register",
        "report.propose_disposition",
        "report.approve_disposition",
        "report.assign",
        "report.start_verification",
        "allegation.finding",
        "report.conclude",
        "report.close",
    ]:
        assert expected in actions


def test_all_unsubstantiated_goes_to_clarification(tree, report, zhanyi_supervisor, zhanyi_investigator):
    to_concluded(
        report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.CANNOT_VERIFY)
    )
    assert report.outcome == Outcome.CLARIFICATION


def test_transition_from_the_wrong_state_is_refused_and_writes_nothing(report, zhanyi_supervisor):
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refusal:
        services.verification_conclude(actor=zhanyi_supervisor, report=report)
    assert refusal.value.code == "wrong_state"
    with pytest.raises(DomainError) as refusal:
        services.disposition_approve(actor=zhanyi_supervisor, report=report)
    assert refusal.value.code == "wrong_state"
    report.refresh_from_db()
    assert report.status == Status.REGISTERED
    assert AuditEvent.objects.count() == events


def test_disposition_needs_a_supervisor_of_the_handling_commission(report, zhanyi_supervisor, qujing_supervisor):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=DispositionKind.PRELIMINARY, reasons="r")
    with pytest.raises(DomainError) as refusal:
        services.disposition_approve(actor=qujing_supervisor, report=report)
    assert refusal.value.code == "forbidden"
    report.refresh_from_db()
    assert report.status == Status.DISPOSITION_PROPOSED


def test_investigator_cannot_propose_or_approve(report, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        services.disposition_propose(actor=zhanyi_investigator, report=report, kind="preliminary", reasons="r")
    assert refusal.value.code == "forbidden"
    assert Disposition.objects.count() == 0


def test_rejected_disposition_returns_to_registered(report, zhanyi_supervisor):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=DispositionKind.HOLD, reasons="r")
    with pytest.raises(DomainError) as refusal:
        services.disposition_reject(actor=zhanyi_supervisor, report=report, reason="")
    assert refusal.value.code == "required"
    services.disposition_reject(actor=zhanyi_supervisor, report=report, reason="证据不足以暂存")
    report.refresh_from_db()
    assert report.status == Status.REGISTERED


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (DispositionKind.HOLD, Status.HELD),
        (DispositionKind.CLOSE, Status.CLOSED_EARLY),
        (DispositionKind.TALK_LETTER, Status.DISPOSITION_APPROVED),
    ],
)
def test_approved_disposition_kinds_lead_to_their_states(report, zhanyi_supervisor, kind, status):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=kind, reasons="r")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    report.refresh_from_db()
    assert report.status == status
    assert report.due_on is not None or status == Status.CLOSED_EARLY


def test_held_report_resumes(report, zhanyi_supervisor):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind=DispositionKind.HOLD, reasons="r")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    services.report_resume(actor=zhanyi_supervisor, report=report)
    report.refresh_from_db()
    assert report.status == Status.REGISTERED


def test_transfer_moves_the_report_with_history(tree, report, zhanyi_supervisor, zhanyi_intake):
    qilin_staff = member("qilin-intake", tree["qilin"], Role.INTAKE)
    old_reference = report.reference
    services.disposition_propose(
        actor=zhanyi_supervisor,
        report=report,
        kind=DispositionKind.TRANSFER,
        reasons="属麒麟区管辖",
        transfer_to=tree["qilin"],
    )
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    report.refresh_from_db()
    assert report.commission == tree["qilin"]
    assert report.status == Status.REGISTERED
    assert report.reference.startswith("QJ-QL-")
    assert report.transfers.get().from_reference == old_reference
    assert reports_visible_to(qilin_staff).filter(pk=report.pk).exists()
    assert not reports_visible_to(zhanyi_intake).filter(pk=report.pk).exists()


def test_transfer_to_an_outside_organ_ends_the_report_here(report, zhanyi_supervisor):
    services.disposition_propose(
        actor=zhanyi_supervisor,
        report=report,
        kind=DispositionKind.TRANSFER,
        reasons="涉嫌犯罪",
        transfer_organ="沾益区公安分局",
    )
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    report.refresh_from_db()
    assert report.status == Status.TRANSFERRED


def test_transfer_needs_exactly_one_destination(report, zhanyi_supervisor, tree):
    with pytest.raises(DomainError) as refusal:
        services.disposition_propose(actor=zhanyi_supervisor, report=report, kind="transfer", reasons="r")
    assert refusal.value.code == "transfer"
    report.refresh_from_db()
    assert report.status == Status.REGISTERED


def test_assignment_refuses_a_user_without_the_investigator_role(report, zhanyi_supervisor, zhanyi_intake):
    services.disposition_propose(actor=zhanyi_supervisor, report=report, kind="preliminary", reasons="r")
    services.disposition_approve(actor=zhanyi_supervisor, report=report)
    with pytest.raises(DomainError) as refusal:
        services.verification_start(actor=zhanyi_supervisor, report=report, investigators=[zhanyi_intake])
    assert refusal.value.code == "not_investigator"
    report.refresh_from_db()
    assert report.status == Status.DISPOSITION_APPROVED
    assert not report.assignments.exists()


def test_assignment_across_jurisdictions_grants_the_report(report, zhanyi_supervisor, qilin_investigator):
    assert not reports_visible_to(qilin_investigator).filter(pk=report.pk).exists()
    to_verification(report, zhanyi_supervisor, [qilin_investigator])
    assert reports_visible_to(qilin_investigator).filter(pk=report.pk).exists()
    allegation = report.allegations.first()
    services.finding_record(actor=qilin_investigator, report=report, allegation=allegation, finding=Finding.PARTLY)
    services.assignment_end(actor=zhanyi_supervisor, report=report, investigator=qilin_investigator)
    assert not reports_visible_to(qilin_investigator).filter(pk=report.pk).exists()


def test_finding_for_an_allegation_of_another_report_is_refused(
    tree, report, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    other = register(zhanyi_intake, tree["zhanyi"]).report
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    foreign = other.allegations.first()
    with pytest.raises(DomainError) as refusal:
        services.finding_record(actor=zhanyi_investigator, report=report, allegation=foreign, finding="substantiated")
    assert refusal.value.code == "other_report"
    assert Allegation.objects.get(pk=foreign.pk).finding == ""


def test_unassigned_investigator_cannot_record_findings(tree, report, zhanyi_supervisor, zhanyi_investigator):
    other_investigator = member("zhanyi-investigator2", tree["zhanyi"], Role.INVESTIGATOR)
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    with pytest.raises(DomainError) as refusal:
        services.finding_record(
            actor=other_investigator, report=report, allegation=report.allegations.first(), finding="substantiated"
        )
    assert refusal.value.code == "forbidden"


def test_suspected_false_accusation_only_on_unsubstantiated(report, zhanyi_supervisor, zhanyi_investigator):
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    allegation = report.allegations.first()
    with pytest.raises(DomainError) as refusal:
        services.finding_record(
            actor=zhanyi_investigator,
            report=report,
            allegation=allegation,
            finding=Finding.SUBSTANTIATED,
            suspected_false=True,
            false_grounds=FalseGround.FABRICATED_FACTS,
        )
    assert refusal.value.code == "false_flag"
    flagged = services.finding_record(
        actor=zhanyi_investigator,
        report=report,
        allegation=allegation,
        finding=Finding.UNSUBSTANTIATED,
        suspected_false=True,
        false_grounds=FalseGround.FORGED_MATERIALS,
        false_grounds_notes="伪造中标通知书",
    )
    assert flagged.suspected_false and flagged.false_grounds == FalseGround.FORGED_MATERIALS


def test_conclusion_needs_every_finding(report, zhanyi_supervisor, zhanyi_investigator):
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    services.finding_record(
        actor=zhanyi_investigator, report=report, allegation=report.allegations.first(), finding="unsubstantiated"
    )
    with pytest.raises(DomainError) as refusal:
        services.verification_conclude(actor=zhanyi_supervisor, report=report)
    assert refusal.value.code == "open"
    report.refresh_from_db()
    assert report.status == Status.UNDER_VERIFICATION


def test_recusal_removes_the_report_from_the_user(report, zhanyi_investigator):
    assert reports_visible_to(zhanyi_investigator).filter(pk=report.pk).exists()
    services.recusal_declare(actor=zhanyi_investigator, report=report, reason="被反映人系本人亲属")
    assert not reports_visible_to(zhanyi_investigator).filter(pk=report.pk).exists()
    assert AuditEvent.objects.filter(action="report.recusal").exists()


def test_feedback_is_recorded_by_intake(report, zhanyi_intake, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        services.feedback_record(
            actor=zhanyi_investigator, report=report, text="t", method="phone", given_on=timezone.localdate()
        )
    assert refusal.value.code == "forbidden"
    services.feedback_record(
        actor=zhanyi_intake, report=report, text="经核查，反映问题不属实", method="phone", given_on=timezone.localdate()
    )
    assert report.feedback.count() == 1


def test_link_to_an_earlier_report(tree, report, zhanyi_intake):
    later = register(zhanyi_intake, tree["zhanyi"]).report
    services.report_link(actor=zhanyi_intake, report=later, earlier=report, note="重复举报")
    with pytest.raises(DomainError) as refusal:
        services.report_link(actor=zhanyi_intake, report=report, earlier=later)
    assert refusal.value.code == "duplicate"
    with pytest.raises(DomainError) as refusal:
        services.report_link(actor=zhanyi_intake, report=later, earlier=later)
    assert refusal.value.code == "self_link"
    assert later.links.count() == 1


def test_link_refuses_a_report_outside_the_reach(tree, report, zhanyi_intake):
    qilin_intake = member("qilin-intake", tree["qilin"], Role.INTAKE)
    qilin_report = register(qilin_intake, tree["qilin"]).report
    with pytest.raises(DomainError) as refusal:
        services.report_link(actor=zhanyi_intake, report=report, earlier=qilin_report)
    assert refusal.value.code == "not_found"


def test_stage_deadlines_are_configurable(settings, tree, zhanyi_intake):
    settings.CASE_DEADLINE_DAYS = {"registered": 3}
    report = register(zhanyi_intake, tree["zhanyi"]).report
    assert report.due_on == timezone.localdate() + datetime.timedelta(days=3)
