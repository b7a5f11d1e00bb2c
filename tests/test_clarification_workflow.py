import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from cases.choices import Finding
from clarification import services, workflow
from clarification.choices import Audience, Method, Opinion, Status
from clarification.models import Recommendation, ReturnVisit, ReviewOpinion
from clarification.selectors import approvals_waiting_for, recommendations_visible_to, reviews_waiting_for
from core.errors import DomainError

from .clarification_helpers import all_agree, allegation_of, concluded_report, draft, execute, reviewers, to_approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(tree):
    return reviewers(tree["zhanyi"], "zhanyi")


@pytest.fixture
def report(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    return concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)


@pytest.fixture
def recommendation(report, zhanyi_investigator):
    return draft(report, zhanyi_investigator)


def test_investigator_drafts_with_generated_statement(recommendation, report):
    assert recommendation.status == Status.DRAFT
    assert list(recommendation.items.values_list("allegation_id", flat=True)) == [allegation_of(report, "王某").pk]
    assert "随意取消中标结果" in recommendation.statement
    assert "串通投标" not in recommendation.statement
    assert AuditEvent.objects.filter(action="clarification.draft", target_id=str(recommendation.pk)).exists()


def test_clarification_refuses_substantiated_allegation(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    report = concluded_report(
        tree,
        offices["letters_visits"],
        zhanyi_supervisor,
        zhanyi_investigator,
        findings=(Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED),
    )
    with pytest.raises(DomainError) as refusal:
        draft(report, zhanyi_investigator, name="王某")
    assert refusal.value.code == "not_unsubstantiated"
    assert Recommendation.objects.count() == 0


def test_clarification_refuses_allegation_of_another_subject(report, zhanyi_investigator):
    other = allegation_of(report, "李某")
    with pytest.raises(DomainError) as refusal:
        draft(report, zhanyi_investigator, name="王某", allegations=[other])
    assert refusal.value.code == "other_subject"
    assert Recommendation.objects.count() == 0


def test_drafting_needs_a_concluded_report(tree, zhanyi_intake, zhanyi_investigator):
    from .cases_helpers import register

    report = register(zhanyi_intake, tree["zhanyi"]).report
    with pytest.raises(DomainError) as refusal:
        services.recommendation_draft(
            actor=zhanyi_investigator,
            report=report,
            subject=report.allegations.first().subject,
            allegations=list(report.allegations.all()[:1]),
            method=Method.WRITTEN,
            audience=Audience.PERSON,
        )
    assert refusal.value.code in ("wrong_state", "forbidden")


def test_investigator_of_another_commission_cannot_draft(report, qilin_investigator):
    with pytest.raises(DomainError) as refusal:
        draft(report, qilin_investigator)
    assert refusal.value.code == "forbidden"
    assert Recommendation.objects.count() == 0


def test_one_live_recommendation_per_subject(recommendation, report, zhanyi_investigator):
    with pytest.raises(DomainError) as refusal:
        draft(report, zhanyi_investigator)
    assert refusal.value.code == "duplicate"


def test_reviewer_sees_warning_when_statement_names_unlisted_allegation(recommendation, zhanyi_investigator):
    assert services.statement_warnings(recommendation) == []
    services.recommendation_update(
        actor=zhanyi_investigator,
        recommendation=recommendation,
        statement_text=recommendation.statement + "另反映其应急物资采购中串通投标问题亦不属实，该同志一贯表现良好。",
    )
    recommendation.refresh_from_db()
    found = services.statement_warnings(recommendation)
    assert any("应急物资采购中串通投标" in w for w in found)
    assert any("一贯" in w for w in found)


def test_three_offices_review_and_district_supervisor_approves(
    recommendation, offices, zhanyi_investigator, zhanyi_supervisor, tree
):
    assert recommendation.approving_commission == tree["zhanyi"]
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    assert list(reviews_waiting_for(offices["case_trial"])) == [recommendation]
    all_agree(recommendation, offices)
    assert list(reviews_waiting_for(offices["case_trial"])) == []
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    assert list(approvals_waiting_for(zhanyi_supervisor)) == [recommendation]
    services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    recommendation.refresh_from_db()
    assert recommendation.status == Status.APPROVED
    assert recommendation.approved_snapshot["method"] == Method.MEETING
    actions = list(AuditEvent.objects.filter(target_id=str(recommendation.pk)).values_list("action", flat=True))
    assert "clarification.approve" in actions and actions.count("clarification.review") == 3


def test_submission_refused_until_all_three_agree(recommendation, offices, zhanyi_investigator):
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    services.review_record(
        actor=offices["letters_visits"], recommendation=recommendation, office="letters_visits", opinion=Opinion.AGREE
    )
    services.review_record(
        actor=offices["case_trial"],
        recommendation=recommendation,
        office="case_trial",
        opinion=Opinion.DISAGREE,
        reasons="表述超出核查结论",
    )
    with pytest.raises(DomainError) as refusal:
        services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    assert refusal.value.code == "review_incomplete"
    recommendation.refresh_from_db()
    assert recommendation.status == Status.IN_REVIEW


def test_approving_before_review_is_refused(recommendation, zhanyi_supervisor):
    with pytest.raises(DomainError) as refusal:
        services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    assert refusal.value.code == "wrong_state"


def test_approve_refuses_when_opinions_missing_even_if_status_forged(recommendation, zhanyi_supervisor):
    # Belt and braces: the approval checks the opinions itself, not only the state.
    Recommendation.objects.filter(pk=recommendation.pk).update(status=Status.PENDING_APPROVAL)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    assert refusal.value.code == "review_incomplete"


def test_disagreement_needs_reasons(recommendation, offices, zhanyi_investigator):
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    with pytest.raises(DomainError) as refusal:
        services.review_record(
            actor=offices["case_trial"], recommendation=recommendation, office="case_trial", opinion=Opinion.DISAGREE
        )
    assert refusal.value.code == "reasons"
    assert ReviewOpinion.objects.count() == 0


def test_only_a_member_of_the_office_records_its_opinion(recommendation, offices, zhanyi_investigator):
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    with pytest.raises(DomainError) as refusal:
        services.review_record(
            actor=offices["case_trial"], recommendation=recommendation, office="case_management", opinion="agree"
        )
    assert refusal.value.code == "forbidden"
    assert ReviewOpinion.objects.count() == 0


def test_county_division_official_is_approved_at_the_city(
    report, offices, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor, tree
):
    recommendation = draft(report, zhanyi_investigator, name="李某")
    assert recommendation.approving_commission == tree["qujing"]
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    assert refusal.value.code == "forbidden"
    services.recommendation_approve(actor=qujing_supervisor, recommendation=recommendation)
    recommendation.refresh_from_db()
    assert recommendation.status == Status.APPROVED


def test_approval_at_another_city_is_refused_and_invisible(
    recommendation, offices, zhanyi_investigator, kunming_supervisor
):
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    assert not recommendations_visible_to(kunming_supervisor).filter(pk=recommendation.pk).exists()
    with pytest.raises(DomainError) as refusal:
        services.recommendation_approve(actor=kunming_supervisor, recommendation=recommendation)
    assert refusal.value.code == "forbidden"


def test_return_sends_back_to_draft_for_a_new_round(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    services.recommendation_return(actor=zhanyi_supervisor, recommendation=recommendation, reason="澄清范围需收窄")
    recommendation.refresh_from_db()
    assert recommendation.status == Status.DRAFT and recommendation.round == 2
    services.recommendation_update(actor=zhanyi_investigator, recommendation=recommendation, audience=Audience.PERSON)
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    assert refusal.value.code == "review_incomplete"


def test_return_needs_reasons(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_submit = recommendation
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=to_submit)
    all_agree(to_submit, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=to_submit)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_return(actor=zhanyi_supervisor, recommendation=to_submit, reason=" ")
    assert refusal.value.code == "required"


def test_reject_ends_it_and_leaves_room_for_a_new_draft(
    recommendation, offices, zhanyi_investigator, zhanyi_supervisor, report
):
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    services.recommendation_reject(actor=zhanyi_supervisor, recommendation=recommendation, reason="本人不愿澄清")
    recommendation.refresh_from_db()
    assert recommendation.status == Status.REJECTED
    assert draft(report, zhanyi_investigator).status == Status.DRAFT


def test_editing_a_frozen_recommendation_is_refused(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_update(
            actor=zhanyi_investigator, recommendation=recommendation, audience=Audience.PUBLIC
        )
    assert refusal.value.code == "frozen"
    recommendation.refresh_from_db()
    assert recommendation.audience == Audience.UNIT


def test_execution_cannot_widen_scope_or_change_method(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, zhanyi_investigator, audience_reached=Audience.PUBLIC)
    assert refusal.value.code == "scope_widened"
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, zhanyi_investigator, method_used=Method.PRESS_CONFERENCE)
    assert refusal.value.code == "not_approved"
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, zhanyi_investigator, allegation_ids=[allegation_of(recommendation.report, "李某").pk])
    assert refusal.value.code == "not_approved"
    recommendation.refresh_from_db()
    assert recommendation.status == Status.APPROVED
    assert not ReturnVisit.objects.exists()


def test_execution_schedules_return_visit_three_months_later(
    recommendation, offices, zhanyi_investigator, zhanyi_supervisor
):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    today = timezone.localdate()
    execute(recommendation, zhanyi_investigator, audience_reached=Audience.PERSON)
    recommendation.refresh_from_db()
    assert recommendation.status == Status.EXECUTED
    visit = recommendation.return_visit
    assert (visit.due_on - today).days in range(89, 93)


def test_executing_twice_is_refused(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, zhanyi_investigator)
    assert refusal.value.code == "wrong_state"
    assert ReturnVisit.objects.count() == 1


def test_outsider_cannot_execute(recommendation, offices, zhanyi_investigator, zhanyi_supervisor, qilin_investigator):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, qilin_investigator)
    assert refusal.value.code == "forbidden"


def test_return_visit_before_execution_is_refused(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    with pytest.raises(DomainError) as refusal:
        services.return_visit_record(
            actor=zhanyi_investigator, recommendation=recommendation, visited_on=timezone.localdate(), notes="回访"
        )
    assert refusal.value.code == "wrong_state"


def test_return_visit_recorded_after_execution(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    visit = services.return_visit_record(
        actor=zhanyi_investigator,
        recommendation=recommendation,
        visited_on=timezone.localdate(),
        notes="本人思想稳定，工作积极",
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.COMPLETED and visit.visited_on == timezone.localdate()


def test_reopen_approved_needs_a_new_approval(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    services.recommendation_reopen(
        actor=zhanyi_investigator, recommendation=recommendation, reason="扩大范围需重新审批"
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.DRAFT and recommendation.approved_snapshot == {}
    services.recommendation_update(actor=zhanyi_investigator, recommendation=recommendation, audience=Audience.SECTOR)


def test_feedback_to_the_reporter_after_execution(
    recommendation, offices, zhanyi_investigator, zhanyi_supervisor, report
):
    with pytest.raises(DomainError) as refusal:
        services.clarification_feedback(
            actor=offices["letters_visits"],
            recommendation=recommendation,
            text="经核查，反映问题不属实，已予澄清",
            method="phone",
            given_on=timezone.localdate(),
        )
    assert refusal.value.code == "wrong_state"
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    feedback = services.clarification_feedback(
        actor=offices["letters_visits"],
        recommendation=recommendation,
        text="经核查，反映问题不属实，已予澄清",
        method="phone",
        given_on=timezone.localdate(),
    )
    assert feedback.report == report
    recommendation.refresh_from_db()
    assert recommendation.reporter_feedback == feedback


def test_investigator_cannot_give_feedback(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    with pytest.raises(DomainError) as refusal:
        services.clarification_feedback(
            actor=zhanyi_investigator,
            recommendation=recommendation,
            text="x",
            method="phone",
            given_on=timezone.localdate(),
        )
    assert refusal.value.code == "forbidden"


def test_every_transition_is_refused_from_the_wrong_state(recommendation, zhanyi_investigator, zhanyi_supervisor):
    for name, spec in workflow.TRANSITIONS.items():
        if recommendation.status in spec.sources:
            continue
        with pytest.raises(DomainError) as refusal:
            workflow.apply_transition(recommendation=recommendation, actor=zhanyi_supervisor, name=name)
        assert refusal.value.code == "wrong_state", name


def test_allowed_transitions_follow_role(recommendation, zhanyi_investigator, zhanyi_supervisor):
    assert workflow.allowed_transitions(zhanyi_investigator, recommendation) == ["submit_review"]
    assert workflow.allowed_transitions(zhanyi_supervisor, recommendation) == []


def test_selector_scopes_by_commission(recommendation, zhanyi_investigator, qilin_investigator, qujing_supervisor):
    assert recommendations_visible_to(zhanyi_investigator).filter(pk=recommendation.pk).exists()
    assert recommendations_visible_to(qujing_supervisor).filter(pk=recommendation.pk).exists()
    assert not recommendations_visible_to(qilin_investigator).filter(pk=recommendation.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_approving_at_once_give_one_approval(tree, offices, zhanyi_investigator, zhanyi_supervisor):
    from accounts.roles import Role

    from .factories import member

    report = concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)
    recommendation = draft(report, zhanyi_investigator)
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    second = member("zhanyi-deputy", tree["zhanyi"], Role.SUPERVISOR)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            services.recommendation_approve(actor=user, recommendation=Recommendation.objects.get(pk=recommendation.pk))
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (zhanyi_supervisor, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "wrong_state"]
    assert AuditEvent.objects.filter(action="clarification.approve", target_id=str(recommendation.pk)).count() == 1


def test_execution_date_before_approval_is_refused(recommendation, offices, zhanyi_investigator, zhanyi_supervisor):
    to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, zhanyi_investigator, executed_on=timezone.localdate() - datetime.timedelta(days=5))
    assert refusal.value.code == "before_approval"
