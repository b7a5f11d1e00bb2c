"""Issue 18: the user's reach (memberships, grants, assignments) is cached between requests under a version that
every change replaces (accounts/backends.py). An attacker whose access was taken away tries again at once: the
very next request must be refused, in every process, with nothing left to expire."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import AccountabilityCase
from accounts import jurisdiction
from accounts import services as account_services
from accounts.backends import ReachModelBackend, _reach_key
from accounts.models import CommissionLevel, Membership
from accounts.roles import Role
from cases import services as case_services
from cases.models import Report

from .cases_helpers import register, to_verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


def detail(report: Report) -> str:
    return reverse("cases:report-detail", args=[report.pk])


def reach_queries(captured) -> list[str]:
    """The query that loads the reach reads the memberships with the user."""
    return [q["sql"] for q in captured if "accounts_membership" in q["sql"] and "accounts_user" in q["sql"]]


def test_the_second_request_reads_the_reach_from_the_cache(client, report, qujing_supervisor):
    client.force_login(qujing_supervisor)
    with CaptureQueriesContext(connection) as first:
        assert client.get(detail(report)).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(detail(report)).status_code == 200
    assert len(reach_queries(first)) == 1
    assert reach_queries(second) == []
    qujing_supervisor.refresh_from_db()
    assert cache.get(_reach_key(qujing_supervisor)) is not None


def test_a_removed_membership_is_refused_on_the_very_next_request(client, report, qujing_supervisor):
    client.force_login(qujing_supervisor)
    assert client.get(detail(report)).status_code == 200  # the reach is now cached
    membership = Membership.objects.get(user=qujing_supervisor, role=Role.SUPERVISOR)
    account_services.membership_delete(membership=membership, actor=None)
    assert client.get(detail(report)).status_code == 404
    assert report.reference not in client.get(reverse("cases:report-list")).content.decode()


def test_a_new_membership_takes_effect_on_the_very_next_request(client, tree, report, qilin_investigator):
    client.force_login(qilin_investigator)
    assert client.get(detail(report)).status_code == 404  # the reach without Zhanyi is now cached
    account_services.membership_create(user=qilin_investigator, commission=tree["zhanyi"], role=Role.INVESTIGATOR)
    assert client.get(detail(report)).status_code == 200


def test_an_ended_assignment_is_refused_on_the_very_next_request(client, report, zhanyi_supervisor, qilin_investigator):
    """An investigator of another county reaches the report only through the assignment (an object grant)."""
    to_verification(report, zhanyi_supervisor, [qilin_investigator])
    client.force_login(qilin_investigator)
    assert client.get(detail(report)).status_code == 200
    case_services.assignment_end(actor=zhanyi_supervisor, report=report, investigator=qilin_investigator)
    assert client.get(detail(report)).status_code == 404


def test_a_recusal_is_refused_on_the_very_next_request(client, report, zhanyi_supervisor, qilin_investigator):
    to_verification(report, zhanyi_supervisor, [qilin_investigator])
    client.force_login(qilin_investigator)
    assert client.get(detail(report)).status_code == 200
    case_services.recusal_declare(actor=qilin_investigator, report=report, reason="亲属关系")
    assert client.get(detail(report)).status_code == 404


def test_a_removed_team_member_is_refused_on_the_very_next_request(client, tree, zhanyi_supervisor, qilin_investigator):
    """Accountability cases reach team members of another commission through an object grant."""
    from accountability import services as accountability_services

    from .test_accountability_workflow import initiate, person

    case = initiate(zhanyi_supervisor, tree["zhanyi"], [person(tree["zhanyi"])])
    accountability_services.team_add(actor=zhanyi_supervisor, case=case, user=qilin_investigator)
    client.force_login(qilin_investigator)
    page = reverse("accountability:case-detail", args=[case.pk])
    assert client.get(page).status_code == 200
    accountability_services.team_remove(actor=zhanyi_supervisor, case=case, user=qilin_investigator)
    assert client.get(page).status_code == 404
    assert AccountabilityCase.objects.filter(pk=case.pk).exists()


def test_a_deactivated_account_is_signed_out_on_the_very_next_request(client, report, qujing_supervisor):
    client.force_login(qujing_supervisor)
    assert client.get(detail(report)).status_code == 200
    account_services.user_deactivate(user=qujing_supervisor, actor=None)
    response = client.get(detail(report))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_new_commission_below_is_in_the_supervisors_reach_at_once(tree, qujing_supervisor):
    backend = ReachModelBackend()
    before = backend.get_user(qujing_supervisor.pk)
    assert tree["qujing"].pk in jurisdiction.readable_commission_ids(before)  # and now cached
    added = account_services.commission_create(
        name_zh="马龙区纪委监委",
        name_en="Malong District",
        level=CommissionLevel.COUNTY,
        division_code="530304",
        abbr="ML",
        parent=tree["qujing"],
    )
    after = backend.get_user(qujing_supervisor.pk)
    assert added.pk in jurisdiction.readable_commission_ids(after)


def test_with_redis_down_the_reach_comes_from_the_database(client, report, qujing_supervisor, qilin_investigator):
    """A Redis outage costs speed, not access: the same answers, read from PostgreSQL."""
    down = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=down, SESSION_ENGINE="django.contrib.sessions.backends.db"):
        client.force_login(qujing_supervisor)
        assert client.get(detail(report)).status_code == 200
        client.force_login(qilin_investigator)
        assert client.get(detail(report)).status_code == 404


def test_a_page_reads_the_user_itself_not_through_two_lazy_proxies(client, report, qujing_supervisor):
    """Every attribute read through authentication's and django-otp's lazy proxies raised and caught an exception in
    each; a page reads the user a hundred times or more (issue 18, bench/profile_request.py)."""
    client.force_login(qujing_supervisor)
    response = client.get(detail(report))
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is type(qujing_supervisor)
    assert user.pk == qujing_supervisor.pk
    assert user.is_verified() is False  # django-otp's fields are still there: no device in this session
    assert user.otp_device is None
