"""A clarification says only what was found (DESIGN.md §2): the statement names the allegations found untrue
that are in scope, states the result, and carries no evaluation of the person, unless the approving
supervisor overrides it with a reason, which is audited and shown to the reviewers."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from audit.models import AuditEvent
from cases.choices import Category, Finding, Rank
from cases.services import AllegationInput, subject_create
from clarification import services
from clarification.choices import REVIEW_OFFICES, Status
from clarification.models import Recommendation
from core.errors import DomainError

from .cases_helpers import register, to_concluded, zhanyi_official
from .clarification_helpers import all_agree, carry_out, execute, reviewers
from .factories import member

pytestmark = pytest.mark.django_db

# The statement of the outside run: 问题1 was found substantiated, only 问题0 is in the recommendation's scope.
BEYOND = "…'问题1…''问题0…'的问题均不属实。该同志一贯表现优秀、清正廉洁"
CLEAN = "经核查，反映王某“问题0”的问题不属实，予以澄清。"


def _overrides():
    from clarification.models import StatementOverride  # imported late: the model is new with this rule

    return StatementOverride.objects


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def offices(tree):
    return reviewers(tree["zhanyi"], "zhanyi")


@pytest.fixture
def report(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    official = subject_create(commission=tree["zhanyi"], data=zhanyi_official("王某", Rank.TOWNSHIP_SECTION))
    report = register(
        offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(text="问题0", category=Category.WORK, subject=official),
            AllegationInput(text="问题1", category=Category.INTEGRITY, subject=official),
        ],
    ).report
    return to_concluded(
        report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED)
    )


def _draft(report, investigator, statement_text=""):
    untrue = report.allegations.get(text="问题0")
    return services.recommendation_draft(
        actor=investigator,
        report=report,
        subject=untrue.subject,
        allegations=[untrue],
        method="meeting",
        audience="unit",
        statement_text=statement_text,
    )


@pytest.fixture
def beyond(report, zhanyi_investigator):
    return _draft(report, zhanyi_investigator, BEYOND)


@pytest.fixture
def qilin_supervisor(tree):
    return member("qilin-supervisor", tree["qilin"], Role.SUPERVISOR)


def _assert_problems_named(message: str) -> None:
    assert "问题1" in message
    for phrase in ("一贯表现", "优秀", "清正廉洁"):
        assert phrase in message
    assert "“问题0”" not in message, "the allegation in scope is not a problem"


def test_default_statement_names_exactly_the_untrue_allegations_in_scope(report, zhanyi_investigator):
    recommendation = _draft(report, zhanyi_investigator)
    assert "问题0" in recommendation.statement and "问题1" not in recommendation.statement
    assert services.statement_warnings(recommendation) == []


def test_statement_beyond_scope_is_refused_at_submit_with_the_problems_named(beyond, zhanyi_investigator):
    problems = services.statement_warnings(beyond)
    assert len(problems) == 4  # 问题1, 一贯表现, 优秀, 清正廉洁 (“一贯” is named once, inside “一贯表现”)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=beyond)
    assert refusal.value.code == "statement_limits"
    _assert_problems_named(refusal.value.message)
    beyond.refresh_from_db()
    assert beyond.status == Status.DRAFT
    assert not AuditEvent.objects.filter(action="clarification.submit_review").exists()


def test_page_refuses_submit_of_a_statement_beyond_scope(client, beyond, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    response = client.post(reverse("clarification:action", args=[beyond.pk, "submit_review"]), follow=True)
    html = response.content.decode()
    assert "msg-error" in html
    _assert_problems_named(html.split('id="statement-check"')[0])  # named in the refusal itself
    assert "override_statement" not in html, "the drafter is not offered the override"
    beyond.refresh_from_db()
    assert beyond.status == Status.DRAFT


def test_api_refuses_submit_of_a_statement_beyond_scope(beyond, zhanyi_investigator):
    response = api(zhanyi_investigator).post(f"/api/clarifications/{beyond.pk}/submit-review/")
    assert response.status_code == 400
    assert response.json()["code"] == "statement_limits"
    _assert_problems_named(response.json()["detail"])
    detail = api(zhanyi_investigator).get(f"/api/clarifications/{beyond.pk}/").json()
    assert detail["status"] == Status.DRAFT and detail["statement_blocked"] is True
    assert len(detail["warnings"]) == 4 and detail["statement_override"] is None


def test_approving_supervisor_override_lets_it_through_audited_and_shown(
    client, beyond, offices, zhanyi_investigator, zhanyi_supervisor
):
    client.force_login(zhanyi_supervisor)
    page = client.get(reverse("clarification:detail", args=[beyond.pk])).content.decode()
    assert "override_statement" in page, "the approving supervisor is offered the override"
    response = client.post(
        reverse("clarification:action", args=[beyond.pk, "override_statement"]),
        {"reason": "原文系举报人反映事项，经集体研究同意保留"},
        follow=True,
    )
    assert "msg-success" in response.content.decode()
    override = _overrides().get(recommendation=beyond)
    assert override.given_by == zhanyi_supervisor and override.statement == BEYOND and len(override.problems) == 4
    event = AuditEvent.objects.get(action="clarification.statement_override", target_id=str(beyond.pk))
    assert event.actor == zhanyi_supervisor and event.data["reason"] == "原文系举报人反映事项，经集体研究同意保留"

    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=beyond)
    # The reviewers see the override, its reason and the problems it covers, on the page and in the API.
    client.force_login(offices["case_trial"])
    html = client.get(reverse("clarification:detail", args=[beyond.pk])).content.decode()
    assert 'id="statement-override"' in html and "原文系举报人反映事项，经集体研究同意保留" in html and "问题1" in html
    data = api(offices["case_trial"]).get(f"/api/clarifications/{beyond.pk}/").json()
    assert data["statement_blocked"] is False
    assert data["statement_override"]["reason"] == "原文系举报人反映事项，经集体研究同意保留"
    assert data["statement_override"]["given_by"] == str(zhanyi_supervisor)

    all_agree(beyond, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=beyond)
    services.recommendation_approve(actor=zhanyi_supervisor, recommendation=beyond)
    beyond.refresh_from_db()
    assert beyond.approved_snapshot["statement_override"] == override.pk
    execute(beyond, zhanyi_investigator)
    beyond.refresh_from_db()
    assert beyond.status == Status.EXECUTED


def test_api_override_by_the_approving_supervisor(beyond, zhanyi_investigator, zhanyi_supervisor):
    response = api(zhanyi_supervisor).post(
        f"/api/clarifications/{beyond.pk}/override-statement/", {"reason": "经集体研究同意"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["statement_override"]["reason"] == "经集体研究同意"
    assert api(zhanyi_investigator).post(f"/api/clarifications/{beyond.pk}/submit-review/").status_code == 200


def test_override_needs_a_reason(beyond, zhanyi_supervisor):
    response = api(zhanyi_supervisor).post(
        f"/api/clarifications/{beyond.pk}/override-statement/", {"reason": "  "}, format="json"
    )
    assert response.status_code == 400
    assert not _overrides().exists()


def test_override_by_anyone_but_the_approving_supervisor_is_refused(
    tree, beyond, zhanyi_investigator, qilin_supervisor, qilin_investigator
):
    other_investigator = member("zhanyi-investigator-2", tree["zhanyi"], Role.INVESTIGATOR, "investigation")
    for someone in (zhanyi_investigator, other_investigator, qilin_supervisor):
        with pytest.raises(DomainError) as refusal:
            services.recommendation_override_statement(actor=someone, recommendation=beyond, reason="同意")
        assert refusal.value.code == "forbidden", someone
    # Through the API: the drafter and another investigator are forbidden; the sibling county does not see it.
    for someone, status in ((zhanyi_investigator, 403), (other_investigator, 403), (qilin_supervisor, 404)):
        response = api(someone).post(
            f"/api/clarifications/{beyond.pk}/override-statement/", {"reason": "同意"}, format="json"
        )
        assert response.status_code == status, (someone, response.content)
    assert api(qilin_investigator).post(f"/api/clarifications/{beyond.pk}/override-statement/").status_code == 404
    assert not _overrides().exists()
    assert not AuditEvent.objects.filter(action="clarification.statement_override").exists()
    with pytest.raises(DomainError) as refusal:
        services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=beyond)
    assert refusal.value.code == "statement_limits"


def test_supervisor_of_the_handling_commission_cannot_override_for_the_city(
    tree, offices, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    """李某 is managed by the city: Qujing approves, so only Qujing overrides."""
    official = subject_create(commission=tree["zhanyi"], data=zhanyi_official("李某", Rank.COUNTY_DIVISION))
    report = register(
        offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(text="问题0", category=Category.WORK, subject=official),
            AllegationInput(text="问题1", category=Category.INTEGRITY, subject=official),
        ],
    ).report
    to_concluded(
        report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.SUBSTANTIATED)
    )
    recommendation = _draft(report, zhanyi_investigator, BEYOND)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_override_statement(actor=zhanyi_supervisor, recommendation=recommendation, reason="x")
    assert refusal.value.code == "forbidden"
    services.recommendation_override_statement(actor=qujing_supervisor, recommendation=recommendation, reason="同意")
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)


def test_override_covers_only_the_text_it_was_given_for(beyond, zhanyi_investigator, zhanyi_supervisor):
    services.recommendation_override_statement(actor=zhanyi_supervisor, recommendation=beyond, reason="同意")
    services.recommendation_update(
        actor=zhanyi_investigator, recommendation=beyond, statement_text=BEYOND + "，工作表现突出"
    )
    beyond.refresh_from_db()
    with pytest.raises(DomainError) as refusal:
        services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=beyond)
    assert refusal.value.code == "statement_limits" and "表现突出" in refusal.value.message


def test_clean_statement_goes_through_without_override(report, offices, zhanyi_investigator, zhanyi_supervisor):
    recommendation = _draft(report, zhanyi_investigator, CLEAN)
    assert services.statement_warnings(recommendation) == []
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    execute(recommendation, zhanyi_investigator)
    recommendation.refresh_from_db()
    assert recommendation.status == Status.EXECUTED and not _overrides().exists()


def test_statement_beyond_scope_cannot_be_submitted_for_approval_approved_or_executed(
    tree, report, offices, zhanyi_investigator, zhanyi_supervisor, qujing_supervisor
):
    """Recommendations already under way (or a list of phrases changed since) meet the same check at every step."""
    recommendation = _draft(report, zhanyi_investigator, CLEAN)
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    rows = Recommendation.objects.filter(pk=recommendation.pk)

    rows.update(statement=BEYOND)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    assert refusal.value.code == "statement_limits"
    assert rows.get().status == Status.IN_REVIEW

    rows.update(statement=CLEAN)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    rows.update(statement=BEYOND)
    with pytest.raises(DomainError) as refusal:
        services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    assert refusal.value.code == "statement_limits"
    assert rows.get().status == Status.PENDING_APPROVAL

    rows.update(statement=CLEAN)
    services.recommendation_approve(actor=zhanyi_supervisor, recommendation=recommendation)
    snapshot = rows.get().approved_snapshot
    rows.update(statement=BEYOND, approved_snapshot={**snapshot, "statement": BEYOND})
    with pytest.raises(DomainError) as refusal:
        execute(recommendation, zhanyi_investigator)
    assert refusal.value.code == "statement_limits"
    batch = services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)
    with pytest.raises(DomainError) as refusal:
        carry_out(batch, zhanyi_investigator, recommendation)
    assert refusal.value.code == "statement_limits"
    assert rows.get().status == Status.APPROVED


def test_evaluative_phrases_are_data_kept_by_the_province_admin(tree, report, zhanyi_investigator):
    from clarification.models import EvaluativePhrase

    yunnan_admin = member("yunnan-admin", tree["yunnan"], Role.ADMIN)
    qujing_admin = member("qujing-admin", tree["qujing"], Role.ADMIN)
    recommendation = _draft(report, zhanyi_investigator, CLEAN + "该同志勤勉尽责。")
    assert services.statement_warnings(recommendation) == []

    services.phrase_save(actor=yunnan_admin, phrase=EvaluativePhrase(province_code="530000", phrase="勤勉尽责"))
    assert any("勤勉尽责" in p for p in services.statement_warnings(recommendation))
    assert AuditEvent.objects.filter(action="clarification.phrase_create", actor=yunnan_admin).exists()

    with pytest.raises(DomainError) as refusal:
        services.phrase_save(actor=qujing_admin, phrase=EvaluativePhrase(province_code="530000", phrase="称职"))
    assert refusal.value.code == "forbidden"
    assert not EvaluativePhrase.objects.filter(phrase="称职").exists()

    phrase = EvaluativePhrase.objects.get(province_code="530000", phrase="勤勉尽责")
    phrase.retired = True
    services.phrase_save(actor=yunnan_admin, phrase=phrase)
    assert services.statement_warnings(recommendation) == []


def test_reviewer_offices_cannot_override(beyond, offices):
    for office in REVIEW_OFFICES:
        with pytest.raises(DomainError) as refusal:
            services.recommendation_override_statement(actor=offices[office], recommendation=beyond, reason="同意")
        assert refusal.value.code == "forbidden"


def test_default_statement_follows_the_listed_allegations(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    official = subject_create(commission=tree["zhanyi"], data=zhanyi_official("王某", Rank.TOWNSHIP_SECTION))
    report = register(
        offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(text="随意取消中标结果", category=Category.WORK, subject=official),
            AllegationInput(text="违规发放津补贴", category=Category.INTEGRITY, subject=official),
        ],
    ).report
    to_concluded(
        report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED, Finding.UNSUBSTANTIATED)
    )
    both = list(report.allegations.order_by("id"))
    recommendation = services.recommendation_draft(
        actor=zhanyi_investigator, report=report, subject=official, allegations=both, method="meeting", audience="unit"
    )
    assert "随意取消中标结果" in recommendation.statement and "违规发放津补贴" in recommendation.statement
    # One allegation taken out of the scope: the drafted text follows, and names only what is still listed.
    services.recommendation_update(
        actor=zhanyi_investigator,
        recommendation=recommendation,
        allegations=both[:1],
        statement_text=recommendation.statement,
    )
    recommendation.refresh_from_db()
    assert "随意取消中标结果" in recommendation.statement and "违规发放津补贴" not in recommendation.statement
    assert services.statement_warnings(recommendation) == []
