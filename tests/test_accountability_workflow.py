import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from accountability import services
from accountability.choices import Circumstance, ComplaintOutcome, DecisionStatus, Form, Measure, Status, Trigger
from accountability.models import AccountabilityCase, Complaint, Decision, ExemptionEntry
from accountability.selectors import (
    accountability_work_for,
    case_detail,
    cases_visible_to,
    catalogue_in_force,
    history_of_subject,
)
from accountability.services import DecisionInput
from accounts.roles import Role
from audit.models import AuditEvent
from cases import services as case_services
from cases.choices import OrganisationKind, Rank, SubjectKind
from cases.services import SubjectInput
from core import work
from core.errors import DomainError

from .factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def yunnan_catalogue(db):
    """Transactional (browser) tests flush the tables, data migrations included: load the catalogue again."""
    from importlib import import_module

    from django.apps import apps

    import_module("accountability.migrations.0002_yunnan_catalogue").load(apps, None)


TODAY = timezone.localdate


# --- building blocks, shared with the page, API and browser tests ---------------------------------


def organisation(commission, name="沾益区应急管理局党组"):
    return case_services.subject_create(
        commission=commission,
        data=SubjectInput(
            kind=SubjectKind.ORGANISATION, name=name, organisation_kind=OrganisationKind.PARTY_ORGANISATION
        ),
    )


def person(commission, name="王某", rank=Rank.TOWNSHIP_SECTION, position="副局长"):
    return case_services.subject_create(
        commission=commission,
        data=SubjectInput(
            kind=SubjectKind.PERSON,
            name=name,
            position=position,
            unit="沾益区应急管理局",
            rank=rank,
            is_party_member=True,
        ),
    )


def initiate(supervisor, commission, subjects, **kwargs):
    return services.case_initiate(
        actor=supervisor,
        commission=commission,
        trigger=kwargs.pop("trigger", Trigger.PRODUCTION_SAFETY),
        facts="辖区内发生一起较大生产安全事故，监管责任落实不到位",
        subjects=subjects,
        **kwargs,
    )


def musts(actor, target):
    return services.four_musts_record(
        actor=actor,
        target=target,
        statement="本人陈述：对监管不到位负有责任",
        unit_opinion="局党组意见：建议问责",
        department_opinion="市应急管理局意见：同意",
        effect_assessment="问责有利于压实责任，预计效果良好",
    )


def assess(actor, target, circumstance=Circumstance.ORDINARY, entries=(), reasons=""):
    return services.assessment_record(
        actor=actor,
        target=target,
        motive="无谋私动机",
        attitude="认错态度较好",
        performance="一贯表现良好",
        loss_recovery="已积极挽回损失",
        circumstance=circumstance,
        exemption_entries=entries,
        exemption_reasons=reasons,
    )


FIRST_FORM = DecisionInput(form=Form.FIRST, measures=[Measure.TALK_REMINDER], deciding_organ="沾益区纪委监委")
SECOND_FORM = DecisionInput(
    form=Form.SECOND, measures=[Measure.ORGANISATIONAL_ADJUSTMENT], deciding_organ="沾益区纪委监委"
)
ADMONITION = DecisionInput(form=Form.FIRST, measures=[Measure.ADMONITION], deciding_organ="沾益区纪委监委")
# Party organisations get the organisations' measures and no form.
ORGANISATION_DECISION = DecisionInput(measures=[Measure.ORG_INSPECTION], deciding_organ="沾益区纪委监委")


def to_proposed(supervisor, case, data=FIRST_FORM, organisation_data=ORGANISATION_DECISION):
    services.case_start_investigation(actor=supervisor, case=case)
    decisions = []
    for target in case.targets.all():
        musts(supervisor, target)
        assess(supervisor, target)
        chosen = organisation_data if target.kind == SubjectKind.ORGANISATION else data
        decisions.append(services.decision_propose(actor=supervisor, target=target, data=chosen))
    case.refresh_from_db()
    return decisions


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def deputy(tree):
    return person(tree["zhanyi"])


@pytest.fixture
def director(tree):
    return person(tree["zhanyi"], name="李某", rank=Rank.COUNTY_DIVISION, position="局长")


@pytest.fixture
def zhanyi_reviewer(tree):
    return member("zhanyi-reviewer", tree["zhanyi"], Role.REVIEWER, "case_management")


@pytest.fixture
def case(tree, zhanyi_supervisor, deputy):
    return initiate(zhanyi_supervisor, tree["zhanyi"], [deputy])


@pytest.fixture
def earlier_case(tree, zhanyi_supervisor, deputy):
    """A case opened long ago, for decisions dated in the past (never before the initiation)."""
    return initiate(zhanyi_supervisor, tree["zhanyi"], [deputy], initiated_on=datetime.date(TODAY().year - 2, 1, 1))


@pytest.fixture
def decided(case, zhanyi_supervisor):
    (decision,) = to_proposed(zhanyi_supervisor, case)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    case.refresh_from_db()
    decision.refresh_from_db()
    return decision


# --- initiation and reach --------------------------------------------------------------------------


def test_supervisor_initiates_a_case_with_reference_and_audit(case, tree):
    assert case.reference == f"QJ-ZY-WZ-{TODAY().year}-0001"
    assert case.status == Status.INITIATED
    assert AuditEvent.objects.filter(action="accountability.initiate", target_id=str(case.pk)).exists()


def test_investigator_may_not_initiate(tree, zhanyi_investigator, deputy):
    with pytest.raises(DomainError) as refusal:
        initiate(zhanyi_investigator, tree["zhanyi"], [deputy])
    assert refusal.value.code == "forbidden"
    assert AccountabilityCase.objects.count() == 0


def test_initiation_refuses_a_subject_outside_the_registry(tree, zhanyi_supervisor):
    kunming_official = person(tree["kunming"], name="赵某")
    with pytest.raises(DomainError) as refusal:
        initiate(zhanyi_supervisor, tree["zhanyi"], [kunming_official])
    assert refusal.value.code == "subject"
    assert AccountabilityCase.objects.count() == 0


def test_case_links_originating_reports_only_in_reach(tree, zhanyi_supervisor, zhanyi_intake, deputy):
    from .cases_helpers import register

    report = register(zhanyi_intake, tree["zhanyi"]).report
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [deputy], reports=[report])
    assert list(case.reports.all()) == [report]
    kunming_intake = member("kunming-intake", tree["kunming"], Role.INTAKE, "letters_visits")
    foreign = register(kunming_intake, tree["kunming"]).report
    with pytest.raises(DomainError) as refusal:
        initiate(zhanyi_supervisor, tree["zhanyi"], [deputy], reports=[foreign])
    assert refusal.value.code == "report"


def test_city_supervisor_reads_district_cases_but_other_district_does_not(
    case, qujing_supervisor, qilin_investigator, kunming_supervisor
):
    assert case_detail(qujing_supervisor, case.pk) == case
    from django.http import Http404

    for outsider in (qilin_investigator, kunming_supervisor):
        with pytest.raises(Http404):
            case_detail(outsider, case.pk)


def test_team_grant_gives_a_cross_jurisdiction_investigator_the_case(case, zhanyi_supervisor, qilin_investigator):
    assert not cases_visible_to(qilin_investigator).filter(pk=case.pk).exists()
    services.team_add(actor=zhanyi_supervisor, case=case, user=qilin_investigator)
    assert cases_visible_to(qilin_investigator).filter(pk=case.pk).exists()
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    musts(qilin_investigator, case.targets.get())
    services.team_remove(actor=zhanyi_supervisor, case=case, user=qilin_investigator)
    assert not cases_visible_to(qilin_investigator).filter(pk=case.pk).exists()


def test_investigator_off_the_team_may_not_record_the_four_musts(case, zhanyi_supervisor, zhanyi_investigator):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    with pytest.raises(DomainError) as refusal:
        musts(zhanyi_investigator, case.targets.get())
    assert refusal.value.code == "forbidden"


# --- every transition allowed and refused ------------------------------------------------------------


def test_start_investigation_only_by_handling_supervisor_and_once(case, zhanyi_supervisor, qujing_supervisor):
    with pytest.raises(DomainError) as refusal:
        services.case_start_investigation(actor=qujing_supervisor, case=case)
    assert refusal.value.code == "forbidden"
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    assert case.status == Status.INVESTIGATING
    with pytest.raises(DomainError) as again:
        services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    assert again.value.code == "wrong_state"


def test_decision_proposal_is_refused_without_the_four_musts(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    target = case.targets.get()
    services.four_musts_record(actor=zhanyi_supervisor, target=target, statement="本人陈述", unit_opinion="同意")
    assess(zhanyi_supervisor, target)
    with pytest.raises(DomainError) as refusal:
        services.decision_propose(actor=zhanyi_supervisor, target=target, data=FIRST_FORM)
    assert refusal.value.code == "four_musts_missing"
    assert Decision.objects.count() == 0
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING


def test_decision_proposal_is_refused_without_the_assessment(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    target = case.targets.get()
    musts(zhanyi_supervisor, target)
    with pytest.raises(DomainError) as refusal:
        services.decision_propose(actor=zhanyi_supervisor, target=target, data=FIRST_FORM)
    assert refusal.value.code == "assessment_missing"


def test_proposal_refused_before_investigation(case, zhanyi_supervisor):
    with pytest.raises(DomainError) as refusal:
        services.decision_propose(actor=zhanyi_supervisor, target=case.targets.get(), data=FIRST_FORM)
    assert refusal.value.code == "wrong_state"


def test_fourth_form_decision_without_transfer_record_is_refused(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    target = case.targets.get()
    musts(zhanyi_supervisor, target)
    assess(zhanyi_supervisor, target, Circumstance.HEAVIER)
    without = DecisionInput(form=Form.FOURTH, measures=[Measure.SANCTION], deciding_organ="沾益区纪委监委")
    with pytest.raises(DomainError) as refusal:
        services.decision_propose(actor=zhanyi_supervisor, target=target, data=without)
    assert refusal.value.code == "transfer_missing"
    assert Decision.objects.count() == 0
    with_transfer = DecisionInput(
        form=Form.FOURTH,
        measures=[Measure.SANCTION, Measure.JUDICIAL_TRANSFER],
        deciding_organ="沾益区纪委监委",
        transfer_organ="沾益区人民检察院",
        transfer_reference="沾纪移〔2026〕3号",
    )
    decision = services.decision_propose(actor=zhanyi_supervisor, target=target, data=with_transfer)
    assert decision.form == Form.FOURTH


def test_judicial_transfer_belongs_to_the_fourth_form(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    target = case.targets.get()
    musts(zhanyi_supervisor, target)
    assess(zhanyi_supervisor, target)
    data = DecisionInput(form=Form.SECOND, measures=[Measure.JUDICIAL_TRANSFER], deciding_organ="区纪委监委")
    with pytest.raises(DomainError) as refusal:
        services.decision_propose(actor=zhanyi_supervisor, target=target, data=data)
    assert refusal.value.code == "measure_not_in_form"


def test_supervisor_with_authority_approves_and_the_case_is_decided(case, zhanyi_supervisor):
    (decision,) = to_proposed(zhanyi_supervisor, case)
    assert case.status == Status.DECISION_PROPOSED
    services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    decision.refresh_from_db()
    case.refresh_from_db()
    assert decision.status == DecisionStatus.IN_FORCE
    assert decision.approving_commission == case.commission
    assert case.status == Status.DECIDED
    assert decision.visits.count() == 1


def test_decision_approved_at_a_commission_without_authority_is_refused(
    tree, zhanyi_supervisor, qujing_supervisor, director
):
    """A county-division director is managed by the city: the district may not approve his decision."""
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [director])
    (decision,) = to_proposed(zhanyi_supervisor, case)
    assert decision.approving_commission == tree["qujing"]
    with pytest.raises(DomainError) as refusal:
        services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    assert refusal.value.code == "no_authority"
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED
    services.decision_approve(actor=qujing_supervisor, decision=decision)
    case.refresh_from_db()
    assert case.status == Status.DECIDED


def test_organisation_and_its_leaders_decided_together(tree, zhanyi_supervisor, qujing_supervisor, director, deputy):
    org = organisation(tree["zhanyi"])
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [org, director, deputy])
    decisions = to_proposed(zhanyi_supervisor, case)
    by_subject = {d.target.subject_id: d for d in decisions}
    services.decision_approve(actor=zhanyi_supervisor, decision=by_subject[org.pk])
    services.decision_approve(actor=zhanyi_supervisor, decision=by_subject[deputy.pk])
    case.refresh_from_db()
    assert case.status == Status.DECISION_PROPOSED  # the director's decision waits for the city
    services.decision_approve(actor=qujing_supervisor, decision=by_subject[director.pk])
    case.refresh_from_db()
    assert case.status == Status.DECIDED
    kinds = sorted(Decision.objects.filter(case=case).values_list("target_kind", flat=True))
    assert kinds == ["organisation", "person", "person"]
    assert by_subject[org.pk].visits.count() == 0


def test_returned_decision_sends_the_case_back_to_investigation(case, zhanyi_supervisor, zhanyi_investigator):
    (decision,) = to_proposed(zhanyi_supervisor, case)
    with pytest.raises(DomainError) as refusal:
        services.decision_return(actor=zhanyi_investigator, decision=decision, reason="事实不清")
    assert refusal.value.code == "no_authority"
    with pytest.raises(DomainError) as refusal:
        services.decision_return(actor=zhanyi_supervisor, decision=decision, reason="")
    assert refusal.value.code == "required"
    services.decision_return(actor=zhanyi_supervisor, decision=decision, reason="事实不清")
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    again = services.decision_propose(actor=zhanyi_supervisor, target=case.targets.get(), data=SECOND_FORM)
    assert again.status == DecisionStatus.PROPOSED


def test_implement_and_close(decided, zhanyi_supervisor, zhanyi_investigator):
    case = decided.case
    with pytest.raises(DomainError) as refusal:
        services.case_close(actor=zhanyi_supervisor, case=case)
    assert refusal.value.code == "wrong_state"
    with pytest.raises(DomainError) as refusal:
        services.case_implement(actor=zhanyi_investigator, case=case)
    assert refusal.value.code == "forbidden"
    services.case_implement(actor=zhanyi_supervisor, case=case)
    decided.refresh_from_db()
    assert decided.implemented_on == TODAY()
    with pytest.raises(DomainError) as refusal:
        services.case_close(actor=zhanyi_investigator, case=case)
    assert refusal.value.code == "forbidden"
    services.case_close(actor=zhanyi_supervisor, case=case)
    assert case.status == Status.CLOSED


# --- exemption and the catalogue by province -------------------------------------------------------


def test_yunnan_catalogue_is_loaded_by_migration():
    entries = ExemptionEntry.objects.filter(province_code="530000")
    assert entries.filter(retired=False).count() >= 6
    assert entries.filter(retired=True).exists()


def test_catalogue_in_force_follows_the_province_of_the_handling_commission(tree):
    ExemptionEntry.objects.create(
        province_code="620000", code="GS-01", title="甘肃条目", in_force_from=datetime.date(2020, 1, 1)
    )
    codes = set(catalogue_in_force(tree["zhanyi"]).values_list("code", flat=True))
    assert "YN-01" in codes
    assert "GS-01" not in codes
    assert "YN-2016-03" not in codes


def test_exemption_cites_the_yunnan_catalogue(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    target = case.targets.get()
    entry = ExemptionEntry.objects.get(province_code="530000", code="YN-04")
    assess(zhanyi_supervisor, target, Circumstance.EXEMPTION, [entry], "疫情防控中临机决断，符合容错情形")
    assert list(target.exemption_entries.all()) == [entry]
    musts(zhanyi_supervisor, target)
    with pytest.raises(DomainError) as refusal:
        services.decision_propose(actor=zhanyi_supervisor, target=target, data=FIRST_FORM)
    assert refusal.value.code == "form"
    decision = services.decision_propose(
        actor=zhanyi_supervisor, target=target, data=DecisionInput(deciding_organ="沾益区纪委监委")
    )
    assert decision.form is None and decision.circumstance == Circumstance.EXEMPTION


def test_exemption_citing_another_province_is_refused(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    gansu = ExemptionEntry.objects.create(
        province_code="620000", code="GS-01", title="甘肃条目", in_force_from=datetime.date(2020, 1, 1)
    )
    with pytest.raises(DomainError) as refusal:
        assess(zhanyi_supervisor, case.targets.get(), Circumstance.EXEMPTION, [gansu], "理由")
    assert refusal.value.code == "exemption_other_province"
    assert case.targets.get().circumstance == ""


def test_exemption_citing_a_retired_entry_is_refused(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    retired = ExemptionEntry.objects.get(province_code="530000", code="YN-2016-03")
    with pytest.raises(DomainError) as refusal:
        assess(zhanyi_supervisor, case.targets.get(), Circumstance.EXEMPTION, [retired], "理由")
    assert refusal.value.code == "exemption_not_in_force"


def test_exemption_needs_entries_and_reasons(case, zhanyi_supervisor):
    services.case_start_investigation(actor=zhanyi_supervisor, case=case)
    entry = ExemptionEntry.objects.get(province_code="530000", code="YN-01")
    with pytest.raises(DomainError) as refusal:
        assess(zhanyi_supervisor, case.targets.get(), Circumstance.EXEMPTION, [], "理由")
    assert refusal.value.code == "exemption_entries"
    with pytest.raises(DomainError) as refusal:
        assess(zhanyi_supervisor, case.targets.get(), Circumstance.EXEMPTION, [entry], "")
    assert refusal.value.code == "required"


def test_catalogue_edited_only_by_the_province_admin(tree, qujing_admin):
    yunnan_admin = member("yunnan-admin", tree["yunnan"], Role.ADMIN)
    entry = ExemptionEntry(province_code="530000", code="YN-10", title="新条目", in_force_from=TODAY())
    with pytest.raises(DomainError) as refusal:
        services.catalogue_entry_save(actor=qujing_admin, entry=entry)
    assert refusal.value.code == "forbidden"
    services.catalogue_entry_save(actor=yunnan_admin, entry=entry)
    assert ExemptionEntry.objects.filter(code="YN-10").exists()


# --- complaints, deadline and the correction chain ----------------------------------------------


def test_complaint_on_a_case_not_decided_is_refused(case, zhanyi_supervisor):
    (decision,) = to_proposed(zhanyi_supervisor, case)
    with pytest.raises(DomainError) as refusal:
        services.complaint_lodge(actor=zhanyi_supervisor, decision=decision, grounds="不服", received_on=TODAY())
    assert refusal.value.code == "wrong_state"
    assert Complaint.objects.count() == 0


def test_complaint_within_a_month_of_notification_is_accepted(decided, zhanyi_intake):
    complaint = services.complaint_lodge(
        actor=zhanyi_intake, decision=decided, grounds="认为处理过重", received_on=TODAY()
    )
    assert complaint.deadline == services.add_months(decided.notified_on, 1)
    assert not complaint.late
    decided.case.refresh_from_db()
    assert decided.case.status == Status.COMPLAINT


def test_late_complaint_is_refused_unless_a_supervisor_accepts_it_with_reasons(
    earlier_case, zhanyi_supervisor, zhanyi_intake
):
    (decision,) = to_proposed(zhanyi_supervisor, earlier_case)
    notified = TODAY() - datetime.timedelta(days=70)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=notified, notified_on=notified)
    with pytest.raises(DomainError) as late:
        services.complaint_lodge(actor=zhanyi_intake, decision=decision, grounds="不服", received_on=TODAY())
    assert late.value.code == "complaint_late"
    with pytest.raises(DomainError) as refusal:
        services.complaint_lodge(
            actor=zhanyi_intake,
            decision=decision,
            grounds="不服",
            received_on=TODAY(),
            accept_late=True,
            late_reasons="住院",
        )
    assert refusal.value.code == "forbidden"
    with pytest.raises(DomainError) as refusal:
        services.complaint_lodge(
            actor=zhanyi_supervisor, decision=decision, grounds="不服", received_on=TODAY(), accept_late=True
        )
    assert refusal.value.code == "required"
    assert Complaint.objects.count() == 0
    complaint = services.complaint_lodge(
        actor=zhanyi_supervisor,
        decision=decision,
        grounds="不服",
        received_on=TODAY(),
        accept_late=True,
        late_reasons="当事人住院治疗，未能按期申诉",
    )
    assert complaint.late and complaint.late_accepted_by == zhanyi_supervisor


@override_settings(ACCOUNTABILITY_COMPLAINT_WINDOW_MONTHS=3)
def test_complaint_window_is_configurable(earlier_case, zhanyi_supervisor, zhanyi_intake):
    (decision,) = to_proposed(zhanyi_supervisor, earlier_case)
    notified = TODAY() - datetime.timedelta(days=70)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=notified, notified_on=notified)
    complaint = services.complaint_lodge(actor=zhanyi_intake, decision=decision, grounds="不服", received_on=TODAY())
    assert not complaint.late


def test_complaint_changes_the_decision_and_keeps_the_old_one(decided, zhanyi_supervisor, zhanyi_reviewer):
    case = decided.case
    complaint = services.complaint_lodge(
        actor=zhanyi_supervisor, decision=decided, grounds="认为处理过重", received_on=TODAY()
    )
    with pytest.raises(DomainError) as refusal:
        services.complaint_resolve(actor=zhanyi_supervisor, complaint=complaint, outcome="changed", reasons="x")
    assert refusal.value.code == "wrong_state"
    services.complaint_review(actor=zhanyi_reviewer, complaint=complaint, opinion="情节较轻", recommendation="changed")
    case.refresh_from_db()
    assert case.status == Status.COMPLAINT_REVIEWED
    with pytest.raises(DomainError) as missing:
        services.complaint_resolve(actor=zhanyi_supervisor, complaint=complaint, outcome="changed", reasons="情节较轻")
    assert missing.value.code == "correction_missing"
    lighter = DecisionInput(
        form=Form.FIRST,
        measures=[Measure.CRITICISM_EDUCATION],
        deciding_organ="沾益区纪委监委",
        circumstance=Circumstance.LIGHTER,
    )
    services.complaint_resolve(
        actor=zhanyi_supervisor,
        complaint=complaint,
        outcome=ComplaintOutcome.CHANGED,
        reasons="情节较轻",
        correction=lighter,
    )
    decided.refresh_from_db()
    case.refresh_from_db()
    new = decided.corrected_by
    assert decided.status == DecisionStatus.CHANGED
    assert new.status == DecisionStatus.IN_FORCE and new.supersedes == decided
    assert new.measures == [Measure.CRITICISM_EDUCATION] and new.circumstance == Circumstance.LIGHTER
    assert case.status == Status.CHANGED
    complaint.refresh_from_db()
    assert complaint.outcome == ComplaintOutcome.CHANGED
    # The chain continues: the new decision can itself be complained about.
    services.case_implement(actor=zhanyi_supervisor, case=case)
    second = services.complaint_lodge(actor=zhanyi_supervisor, decision=new, grounds="仍不服", received_on=TODAY())
    assert second.decision == new


def test_complaint_on_a_superseded_decision_is_refused(decided, zhanyi_supervisor, zhanyi_reviewer):
    complaint = services.complaint_lodge(actor=zhanyi_supervisor, decision=decided, grounds="不服", received_on=TODAY())
    services.complaint_review(actor=zhanyi_reviewer, complaint=complaint, opinion="维持", recommendation="revoked")
    services.complaint_resolve(actor=zhanyi_supervisor, complaint=complaint, outcome="revoked", reasons="撤销")
    decided.refresh_from_db()
    assert decided.status == DecisionStatus.REVOKED
    assert decided.case.status == Status.REVOKED or AccountabilityCase.objects.get().status == Status.REVOKED
    with pytest.raises(DomainError) as refusal:
        services.complaint_lodge(actor=zhanyi_supervisor, decision=decided, grounds="不服", received_on=TODAY())
    assert refusal.value.code == "wrong_state"


def test_complaint_review_refused_for_an_investigator(decided, zhanyi_supervisor, zhanyi_investigator):
    complaint = services.complaint_lodge(actor=zhanyi_supervisor, decision=decided, grounds="不服", received_on=TODAY())
    with pytest.raises(DomainError) as refusal:
        services.complaint_review(
            actor=zhanyi_investigator, complaint=complaint, opinion="维持", recommendation="upheld"
        )
    assert refusal.value.code == "forbidden"


def test_complaint_resolution_at_a_commission_without_authority_is_refused(
    tree, zhanyi_supervisor, qujing_supervisor, zhanyi_reviewer, director
):
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [director])
    (decision,) = to_proposed(zhanyi_supervisor, case)
    services.decision_approve(actor=qujing_supervisor, decision=decision)
    complaint = services.complaint_lodge(
        actor=zhanyi_supervisor, decision=decision, grounds="不服", received_on=TODAY()
    )
    services.complaint_review(actor=zhanyi_reviewer, complaint=complaint, opinion="维持", recommendation="upheld")
    with pytest.raises(DomainError) as refusal:
        services.complaint_resolve(actor=zhanyi_supervisor, complaint=complaint, outcome="upheld", reasons="维持")
    assert refusal.value.code == "no_authority"
    services.complaint_resolve(actor=qujing_supervisor, complaint=complaint, outcome="upheld", reasons="维持")
    case.refresh_from_db()
    assert case.status == Status.UPHELD
    services.case_close(actor=zhanyi_supervisor, case=case)


# --- influence period and work -----------------------------------------------------------------------


def test_influence_period_is_the_longest_of_the_measures(earlier_case, zhanyi_supervisor):
    data = DecisionInput(
        form=Form.SECOND,
        measures=[Measure.SANCTION, Measure.ORGANISATIONAL_ADJUSTMENT],
        deciding_organ="沾益区纪委监委",
    )
    (decision,) = to_proposed(zhanyi_supervisor, earlier_case, data)
    day = datetime.date(TODAY().year - 1, 1, 31)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=day)
    decision.refresh_from_db()
    assert decision.influence_ends_on == datetime.date(day.year + 1, 1, 31)


@override_settings(ACCOUNTABILITY_INFLUENCE_MONTHS={"organisational_adjustment": 3})
def test_influence_periods_are_configurable(earlier_case, zhanyi_supervisor):
    (decision,) = to_proposed(zhanyi_supervisor, earlier_case, SECOND_FORM)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=datetime.date(2025, 11, 30))
    decision.refresh_from_db()
    assert decision.influence_ends_on == datetime.date(2026, 2, 28)


def test_reuse_review_falls_due_when_the_influence_period_ends(earlier_case, zhanyi_supervisor, zhanyi_investigator):
    (decision,) = to_proposed(zhanyi_supervisor, earlier_case, ADMONITION)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=services.add_months(TODAY(), -6))
    decision.refresh_from_db()
    assert decision.influence_ends_on == TODAY()
    due = accountability_work_for(zhanyi_supervisor)
    assert decision in due.reviews_due
    assert not accountability_work_for(zhanyi_investigator).reviews_due
    with pytest.raises(DomainError) as refusal:
        services.reuse_review_record(actor=zhanyi_investigator, decision=decision, result="may_be_used", notes="好")
    assert refusal.value.code == "forbidden"
    services.reuse_review_record(actor=zhanyi_supervisor, decision=decision, result="may_be_used", notes="表现良好")
    assert decision not in accountability_work_for(zhanyi_supervisor).reviews_due


@pytest.mark.parametrize("days, shown", [(-3, True), (29, True), (30, True), (31, False)])
def test_reviews_and_follow_up_visits_show_from_thirty_days_before_they_fall_due(
    decided, zhanyi_supervisor, days, shown
):
    """README: follow-up visits and the ends of influence periods show from 30 days before they fall due."""
    due = TODAY() + datetime.timedelta(days=days)
    Decision.objects.filter(pk=decided.pk).update(influence_ends_on=due)
    decided.visits.update(due_on=due, done_on=None)
    follow_ups = accountability_work_for(zhanyi_supervisor)
    assert (decided in follow_ups.reviews_due) is shown
    assert (decided.visits.get() in follow_ups.visits_due) is shown


def test_reuse_review_refused_while_the_influence_period_runs(zhanyi_supervisor, case):
    # An admonition carries an influence period (a talk reminder, the `decided` fixture's measure, has none).
    (decision,) = to_proposed(zhanyi_supervisor, case, ADMONITION)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    decision.refresh_from_db()
    assert decision.influence_ends_on > TODAY()
    with pytest.raises(DomainError) as refusal:
        services.reuse_review_record(actor=zhanyi_supervisor, decision=decision, result="may_be_used", notes="好")
    assert refusal.value.code == "influence_running"
    decision.refresh_from_db()
    assert decision.reuse_reviewed_on is None


def test_approvals_wait_for_the_supervisor_with_authority(tree, zhanyi_supervisor, qujing_supervisor, director):
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [director])
    (decision,) = to_proposed(zhanyi_supervisor, case)
    assert ("accountability", case.pk) in work.object_keys(qujing_supervisor)
    assert ("accountability", case.pk) not in work.object_keys(zhanyi_supervisor)


def test_complaints_to_review_show_for_the_reviewer(decided, zhanyi_supervisor, zhanyi_reviewer, qilin_investigator):
    complaint = services.complaint_lodge(actor=zhanyi_supervisor, decision=decided, grounds="不服", received_on=TODAY())
    assert ("accountability", complaint.case_id) in work.object_keys(zhanyi_reviewer)
    assert not work.object_keys(qilin_investigator) and not accountability_work_for(qilin_investigator)


def test_subject_history_lists_decisions_in_reach(decided, deputy, zhanyi_investigator, kunming_supervisor):
    assert list(history_of_subject(zhanyi_investigator, deputy)) == [decided]
    assert list(history_of_subject(kunming_supervisor, deputy)) == []


def test_follow_up_visit_recorded_by_the_team(decided, zhanyi_supervisor, qilin_investigator):
    visit = decided.visits.get()
    with pytest.raises(DomainError) as refusal:
        services.visit_record(actor=qilin_investigator, visit=visit, done_on=TODAY(), notes="回访")
    assert refusal.value.code == "forbidden"
    services.visit_record(actor=zhanyi_supervisor, visit=visit, done_on=TODAY(), notes="思想稳定，工作积极")
    visit.refresh_from_db()
    assert visit.done_on == TODAY()


def test_a_decision_and_its_visits_carry_their_case_commission_and_cannot_be_given_another(decided, tree):
    """Decisions and visits are scoped by a copy of the case's commission (no join): the database holds the copy
    equal to the case's, so an insider's UPDATE cannot move a decision into a sibling county's reach."""
    from django.db import IntegrityError, connection, transaction

    visit = decided.visits.get()
    assert decided.commission_id == decided.case.commission_id == visit.commission_id == tree["zhanyi"].pk
    for model, pk in ((Decision, decided.pk), (type(visit), visit.pk)):
        with pytest.raises(IntegrityError, match="commission_fk"), transaction.atomic():
            model.objects.filter(pk=pk).update(commission=tree["qilin"])
            with connection.cursor() as cursor:  # checked now, as at the commit
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    decided.refresh_from_db()
    assert decided.commission_id == tree["zhanyi"].pk


def test_a_granted_team_member_sees_the_decisions_and_visits_of_that_case_only(
    decided, tree, zhanyi_supervisor, qilin_investigator
):
    from accountability.selectors import decisions_visible_to, visits_visible_to
    from accounts.models import User

    decided.visits.update(due_on=TODAY(), done_on=None)
    visit = decided.visits.get()
    assert not decisions_visible_to(qilin_investigator).exists()
    assert not visits_visible_to(qilin_investigator).exists()
    assert not accountability_work_for(qilin_investigator).visits_due
    services.team_add(actor=zhanyi_supervisor, case=decided.case, user=qilin_investigator)
    member_now = User.objects.get(pk=qilin_investigator.pk)  # as on their next request
    assert list(decisions_visible_to(member_now)) == [decided]
    assert list(visits_visible_to(member_now)) == [visit]
    assert accountability_work_for(member_now).visits_due == [visit]


def test_the_home_page_counts_every_follow_up_and_builds_only_the_rows_it_shows(decided, zhanyi_supervisor):
    from cases.my_work import sections_for

    Decision.objects.filter(pk=decided.pk).update(influence_ends_on=TODAY())
    decided.visits.update(due_on=TODAY() - datetime.timedelta(days=1), done_on=None)
    (section,) = [s for s in sections_for(zhanyi_supervisor, shown=1) if s["key"] == "accountability.follow_up"]
    assert (section["found"], section["count"], section["truncated"]) == (2, "2", True)
    assert [row["due_on"] for row in section["rows"]] == [TODAY() - datetime.timedelta(days=1)]  # the visit, overdue
    (section,) = sections_for(zhanyi_supervisor, only="accountability.follow_up")
    assert [row["due_on"] for row in section["rows"]] == [TODAY() - datetime.timedelta(days=1), TODAY()]


def test_the_subject_page_shows_the_latest_decisions_and_says_more_are_recorded(
    decided, earlier_case, deputy, zhanyi_supervisor, client, monkeypatch
):
    """A subject with hundreds of decisions built every one on its page: it shows the latest LIMIT and says so."""
    from accountability import hooks
    from accountability import selectors as accountability_selectors

    (later,) = to_proposed(zhanyi_supervisor, earlier_case, ADMONITION)
    monkeypatch.setattr(accountability_selectors, "LIMIT", 1)
    (section,) = hooks.subject_sections(zhanyi_supervisor, deputy)
    assert section["more"] is True and len(section["rows"]) == 1
    client.force_login(zhanyi_supervisor)
    page = client.get(f"/subjects/{deputy.pk}/")
    assert page.status_code == 200
    assert "仅显示最近 1 条，另有更多记录。" in page.content.decode()
    monkeypatch.setattr(accountability_selectors, "LIMIT", 50)
    (section,) = hooks.subject_sections(zhanyi_supervisor, deputy)
    assert section["more"] is False and len(section["rows"]) == 2
