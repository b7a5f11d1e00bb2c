"""The work list is derived from the workflow engine: the right people are asked, and only they (issue 15)."""

import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.models import Commission, User
from accounts.roles import Role
from accounts.tokens import api_token_issue
from cases.models import Assignment, Report
from clarification.models import ReturnVisit
from core import work
from core.workflow import REGISTRY

from .cases_helpers import register, to_verification
from .clarification_helpers import all_agree, concluded_report, draft, execute, reviewers, to_approved
from .factories import member


def _keys(user):
    return {(t.workflow.name, row["object"].pk) for t in work.tasks_for(user, limit=10_000) for row in t.rows}


def _asked_by_panel(user):
    """Every object on which the action panel offers this user a transition that asks something of them."""
    keys = set()
    for workflow in REGISTRY.values():
        if workflow.visible is None:
            continue
        states = set().union(*(t.sources for t in workflow.by_name.values() if t.task))
        for obj in workflow.visible(user).filter(**{f"{workflow.field}__in": states}):
            if workflow.tasks_for(user, obj):
                keys.add((workflow.name, obj.pk))
    return keys


def test_registered_reports_ask_the_reviewers_and_supervisors_not_the_intake_officer(
    tree, zhanyi_intake, zhanyi_supervisor
):
    reviewer = member("zhanyi-case-management", tree["zhanyi"], Role.REVIEWER, "case_management")
    trial = member("zhanyi-trial", tree["zhanyi"], Role.REVIEWER, "case_trial")
    report = register(zhanyi_intake, tree["zhanyi"]).report
    assert ("report", report.pk) not in _keys(zhanyi_intake)
    for user in (reviewer, trial, zhanyi_supervisor):
        tasks = {t.key for t in work.tasks_for(user) if any(r["object"].pk == report.pk for r in t.rows)}
        assert tasks == {"report.propose_disposition"}, user


def test_the_drafter_is_told_once_all_three_offices_agree(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    from clarification import services

    offices = reviewers(tree["zhanyi"], "zy")
    report = concluded_report(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    recommendation = draft(report, zhanyi_investigator)
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    recommendation.refresh_from_db()
    drafter_tasks = {t.key for t in work.tasks_for(zhanyi_investigator)}
    assert "clarification.submit" not in drafter_tasks
    assert {t.key for t in work.tasks_for(offices["case_trial"])} >= {"clarification.review"}
    all_agree(recommendation, offices)
    assert "clarification.submit" in {t.key for t in work.tasks_for(zhanyi_investigator)}
    assert "clarification.review" not in {t.key for t in work.tasks_for(offices["case_trial"])}


def test_return_visits_show_from_thirty_days_before_they_fall_due(
    tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    offices = reviewers(tree["zhanyi"], "zy")
    report = concluded_report(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    recommendation = to_approved(draft(report, zhanyi_investigator), zhanyi_investigator, offices, zhanyi_supervisor)
    execute(recommendation, zhanyi_investigator)
    visit = ReturnVisit.objects.get(recommendation=recommendation)
    today = timezone.localdate()
    ReturnVisit.objects.filter(pk=visit.pk).update(due_on=today + datetime.timedelta(days=31))
    assert "clarification.return_visit" not in {t.key for t in work.tasks_for(zhanyi_investigator)}
    ReturnVisit.objects.filter(pk=visit.pk).update(due_on=today + datetime.timedelta(days=30))
    task = next(t for t in work.tasks_for(zhanyi_investigator) if t.key == "clarification.return_visit")
    assert task.rows[0]["due_on"] == today + datetime.timedelta(days=30)


def test_findings_are_asked_of_the_assigned_investigator_until_every_allegation_has_one(
    tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qilin_investigator
):
    from cases.choices import Finding
    from cases.services import finding_record

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    assert ("report", report.pk) in _keys(zhanyi_investigator)
    assert ("report", report.pk) not in _keys(qilin_investigator)
    assert "report.conclude" not in {t.key for t in work.tasks_for(zhanyi_supervisor)}
    for allegation in report.allegations.all():
        finding_record(actor=zhanyi_investigator, report=report, allegation=allegation, finding=Finding.SUBSTANTIATED)
    assert ("report", report.pk) not in _keys(zhanyi_investigator)
    assert "report.conclude" in {t.key for t in work.tasks_for(zhanyi_supervisor)}


def test_a_recommendation_is_asked_for_while_the_report_is_concluded_and_no_longer_once_closed(
    tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator
):
    """Closing a report whose untrue allegations have no clarification records why none is needed: the question
    is settled, so it leaves the investigator's work (a recommendation stays possible)."""
    from cases.services import report_close
    from core.workflow import REGISTRY

    report = concluded_report(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator)
    assert ("report", report.pk) in _keys(zhanyi_investigator)
    report = report_close(actor=zhanyi_supervisor, report=report, reason="举报人已撤回，影响已消除")
    assert ("report", report.pk) not in _keys(zhanyi_investigator)
    assert "recommend_clarification" in REGISTRY["report"].allowed(zhanyi_investigator, report)
    draft(report, zhanyi_investigator)


def test_the_api_answers_what_the_page_lists(client, tree, zhanyi_intake, zhanyi_supervisor):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    client.force_login(zhanyi_supervisor)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert report.reference in page.content.decode()
    answer = client.get("/api/my-work/")
    assert answer.status_code == 200
    tasks = {t["task"]: t for t in answer.json()}
    assert [i["id"] for i in tasks["report.propose_disposition"]["items"]] == [report.pk]
    client.force_login(zhanyi_intake)
    assert client.get("/api/my-work/").json() == []


def test_home_shows_the_first_rows_of_each_kind_and_one_kind_in_full_on_request(
    client, tree, zhanyi_intake, zhanyi_supervisor
):
    from core.views import HOME_ROWS

    references = [register(zhanyi_intake, tree["zhanyi"]).report.reference for _ in range(HOME_ROWS + 2)]
    client.force_login(zhanyi_supervisor)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert sum(reference in page for reference in references) == HOME_ROWS
    assert f"{HOME_ROWS + 2}</span></h2>" in page  # the count is of every row found, not of those shown
    assert "?work=report.propose_disposition" in page
    focused = client.get(reverse("home"), {"work": "report.propose_disposition"})
    assert focused.status_code == 200
    body = focused.content.decode()
    assert all(reference in body for reference in references)
    assert 'data-work="report.propose_disposition"' in body and body.count("data-work=") == 1
    unknown = client.get(reverse("home"), {"work": "no.such"}).content.decode()
    assert "data-work=" not in unknown and reverse("home") in unknown


def test_home_is_the_work_list_and_the_roles_are_on_the_profile_page(client, zhanyi_supervisor):
    client.force_login(zhanyi_supervisor)
    home = client.get(reverse("home")).content.decode()
    commission = zhanyi_supervisor.memberships.first().commission.name
    assert commission not in home
    profile = client.get(reverse("profile"))
    assert profile.status_code == 200
    assert commission in profile.content.decode()
    # The API documentation link shows in the top bar only once the user has asked for API tokens.
    assert reverse("api-docs") not in home
    api_token_issue(user=zhanyi_supervisor, name="script", two_factor=False, actor=None, via="test")
    assert reverse("api-docs") in client.get(reverse("home")).content.decode()


def assert_work_matches_the_panel(users) -> int:
    """For each user: the work list (the rows shown), the action panel's tasks and the unlimited query agree."""
    asked = 0
    for user in users:
        listed = _keys(user)
        assert listed == _asked_by_panel(user) == work.object_keys(user), user.username
        asked += bool(listed)
    return asked


def test_every_generated_user_sees_exactly_the_objects_the_panel_asks_them_to_act_on(db):
    """The same property as over the demo data (tests/test_security_routes.py), over a generated province."""
    from devtools.scale.generator import generate

    generate(reports=150, seed=11, log=lambda *args: None)
    # One user of each role at each level of a county, its city and the province: every kind of reach.
    busiest = Report.objects.values("commission").annotate(n=Count("pk")).order_by("-n", "commission")[0]
    county = Commission.objects.get(pk=busiest["commission"])
    line = [county, county.parent, county.parent.parent]
    users = [
        User.objects.filter(memberships__commission=commission, memberships__role=role, is_active=True).first()
        for commission in line
        for role in Role.values
    ]
    users += [a.user for a in Assignment.objects.filter(active=True, report__status="under_verification")[:3]]
    assert assert_work_matches_the_panel([u for u in users if u is not None]) >= 3


def test_the_next_actor_and_only_they_are_told_in_the_inbox(
    tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qilin_investigator, django_capture_on_commit_callbacks
):
    from cases import services
    from cases.choices import DispositionKind
    from inbox.models import Notification

    reviewer = member("zhanyi-case-management", tree["zhanyi"], Role.REVIEWER, "case_management")

    def told(user):
        return list(Notification.objects.filter(recipient=user).order_by("id").values_list("params__task", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        report = register(zhanyi_intake, tree["zhanyi"]).report
    assert told(reviewer) == ["Disposition to propose"] == told(zhanyi_supervisor)
    assert told(zhanyi_intake) == [] and told(qilin_investigator) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.disposition_propose(actor=reviewer, report=report, kind=DispositionKind.PRELIMINARY, reasons="需核实")
    assert told(zhanyi_supervisor) == ["Disposition to propose", "Disposition to approve"]
    assert told(reviewer) == ["Disposition to propose"]  # the actor is not told of their own step

    with django_capture_on_commit_callbacks(execute=True):
        services.disposition_approve(actor=zhanyi_supervisor, report=report)
        services.verification_start(actor=zhanyi_supervisor, report=report, investigators=[zhanyi_investigator])
    assert told(zhanyi_investigator) == ["Findings to record"]
    notification = Notification.objects.get(recipient=zhanyi_investigator)
    assert notification.url == reverse("cases:report-detail", args=[report.pk])
    assert notification.params["label"] == report.reference  # no summary or allegation in the inbox


def test_a_recused_supervisor_is_not_told_of_the_report_in_the_inbox(
    tree, zhanyi_intake, zhanyi_supervisor, django_capture_on_commit_callbacks
):
    """The inbox tells only people who may open the object: a recused supervisor would learn its reference."""
    from cases import services
    from cases.choices import DispositionKind
    from inbox.models import Notification

    reviewer = member("zhanyi-case-management", tree["zhanyi"], Role.REVIEWER, "case_management")
    recused = member("zhanyi-supervisor-2", tree["zhanyi"], Role.SUPERVISOR)
    report = register(zhanyi_intake, tree["zhanyi"]).report
    services.recusal_declare(actor=recused, report=report, reason="与被反映人系亲属")
    with django_capture_on_commit_callbacks(execute=True):
        services.disposition_propose(actor=reviewer, report=report, kind=DispositionKind.PRELIMINARY, reasons="需核实")
    told = Notification.objects.filter(params__label=report.reference)
    assert told.filter(recipient=zhanyi_supervisor).exists()
    assert not told.filter(recipient=recused).exists()


def test_a_reporters_supplement_asks_the_intake_office_until_read(
    client, tree, zhanyi_intake, zhanyi_supervisor, qilin_investigator, django_capture_on_commit_callbacks
):
    from cases import services
    from cases.models import Supplement
    from cases.services import ReporterInput, SubjectInput, public_report_submit
    from inbox.models import Notification

    registered = public_report_submit(
        commission=tree["zhanyi"],
        summary="反映区应急管理局救灾物资采购问题",
        subjects=[SubjectInput(name="李某", unit="沾益区应急管理局")],
        reporter=ReporterInput(is_anonymous=True),
        area="procurement",
    )
    report = registered.report
    assert ("report", report.pk) not in _keys(zhanyi_intake)
    with django_capture_on_commit_callbacks(execute=True):
        services.supplement_add(code=registered.receipt_code, text="补充：另有一份招标文件可证明")
    assert {t.key for t in work.tasks_for(zhanyi_intake)} == {"report.read_supplements"}
    told = Notification.objects.get(recipient=zhanyi_intake)
    assert told.params == {"label": report.reference, "task": "Information the reporter added"}

    url = f"/api/reports/{report.pk}/read-supplements/"
    client.force_login(zhanyi_supervisor)  # reads the report, is not asked to read the additions
    refused = client.post(url)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.force_login(qilin_investigator)
    assert client.post(url).status_code == 404
    assert Supplement.objects.get().read_at is None

    client.force_login(zhanyi_intake)
    assert client.post(url).status_code == 204
    assert Supplement.objects.get().read_by == zhanyi_intake
    assert ("report", report.pk) not in _keys(zhanyi_intake)
    again = client.post(url)
    assert again.status_code == 400 and again.json()["code"] == "nothing_unread"


def test_a_kept_work_list_statement_is_never_read_after_the_reach_changes(
    tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qilin_investigator
):
    """core/work.py (and accountability's follow-ups) keep each user's compiled work-list statement under their reach
    version and the day. That is only right while building its conditions reads nothing from the database but the
    reach a request loads (a condition that read anything else would be kept stale), and while every change of
    reach bumps the version."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accountability.selectors import _follow_ups_statement
    from accounts.backends import ReachModelBackend
    from cases.services import assignment_add

    users = [zhanyi_intake, zhanyi_supervisor, zhanyi_investigator, qilin_investigator]
    for user in users:
        loaded = ReachModelBackend().get_user(user.pk)  # as a request loads it
        with CaptureQueriesContext(connection) as statements:
            for workflow in REGISTRY.values():
                if workflow.visible is not None:
                    workflow.visible(loaded).filter(*workflow.work(loaded).values())
            _follow_ups_statement(loaded)  # the accountability follow-ups, kept the same way
        assert statements.captured_queries == [], user.username

    report = to_verification(register(zhanyi_intake, tree["zhanyi"]).report, zhanyi_supervisor, [zhanyi_investigator])
    colleague = member("zhanyi-investigator-2", tree["zhanyi"], Role.INVESTIGATOR)
    before = ReachModelBackend().get_user(colleague.pk)
    assert ("report", report.pk) not in _keys(before)  # its statement is now kept
    assignment_add(actor=zhanyi_supervisor, report=report, investigator=User.objects.get(pk=colleague.pk))
    after = ReachModelBackend().get_user(colleague.pk)
    assert after.reach_version != before.reach_version
    assert ("report", report.pk) in _keys(after)
