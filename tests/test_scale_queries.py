"""Queries per page stay within a fixed bound as the data grow (no N+1): the report list, a report page,
"my work" and the API report list, measured with the generator's data at two sizes and two page sizes."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import cases.views
from accounts.models import Membership, User
from accounts.roles import Role
from cases.models import Report
from core.workflow import REGISTRY
from devtools.scale.generator import generate

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
# Statements per page; the BEGIN/COMMIT around the session save (SAVEPOINT/RELEASE in tests) are not counted.
# What counts is that the statements do not grow with the data (small == large below); the bounds only catch a
# page that gains statements unnoticed. The report page asks one statement per section (eleven, prefetched: cheaper
# than packing them as JSON into the report's query, bench/results/README.md), plus its corrections, engine checks
# and supplements;
# the work list finds every task's first rows in one statement and joins the rows shown one query per workflow
# (core/work.py), the accountability follow-ups the same way (one statement, then decisions and visits), plus the
# page's own few.
WORKFLOWS = sum(1 for workflow in REGISTRY.values() if workflow.visible is not None)
BOUNDS = {"report list": 8, "API report list": 8, "report page": 21, "my work": 1 + WORKFLOWS + 3 + 3}


def _quiet(*args):
    pass


def _statements(client, path) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return sum(1 for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL))


def _client(username) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _measure(report) -> dict:
    county_supervisor = (
        Membership.objects.filter(commission=report.commission, role=Role.SUPERVISOR).order_by("user_id").first().user
    )
    province = _client("yunnan-supervisor")
    county = _client(county_supervisor.username)
    return {
        "report list": _statements(province, "/reports/"),
        "API report list": _statements(province, "/api/reports/?page_size=20"),
        "report page": _statements(county, f"/reports/{report.pk}/"),
        "my work": _statements(county, "/"),
    }


def test_queries_per_page_do_not_grow_with_the_data():
    generate(reports=150, seed=11, log=_quiet)
    report = Report.objects.filter(status="closed", outcome="clarification").order_by("id").first()
    small = _measure(report)
    generate(reports=450, seed=12, log=_quiet)
    large = _measure(report)
    assert small == large, (small, large)
    for page, bound in BOUNDS.items():
        assert large[page] <= bound, (page, large[page])


def test_report_list_queries_do_not_grow_with_the_page_size(monkeypatch):
    generate(reports=200, seed=13, log=_quiet)
    client = _client("yunnan-supervisor")
    monkeypatch.setattr(cases.views, "PAGE_SIZE", 10)
    ten = _statements(client, "/reports/")
    monkeypatch.setattr(cases.views, "PAGE_SIZE", 100)
    hundred = _statements(client, "/reports/")
    assert ten == hundred <= BOUNDS["report list"]
    assert _statements(client, "/api/reports/?page_size=10") == _statements(client, "/api/reports/?page_size=100")


def test_generated_reports_stay_scoped_to_the_commission():
    generate(reports=300, seed=14, log=_quiet)
    zhanyi = _client("zhanyi-supervisor")
    inside = Report.objects.filter(commission__division_code="530303").order_by("id").first()
    outside = Report.objects.exclude(commission__division_code="530303").order_by("id").first()
    assert zhanyi.get(f"/reports/{inside.pk}/").status_code == 200
    assert zhanyi.get(f"/reports/{outside.pk}/").status_code == 404


def test_subject_page_pages_through_many_reports(monkeypatch):
    from django.db.models import Count

    from cases.models import Subject

    generate(reports=400, seed=15, log=_quiet)
    subject = Subject.objects.annotate(n=Count("allegations__report", distinct=True)).order_by("-n", "id").first()
    assert subject.n >= 3
    monkeypatch.setattr(cases.views, "SUBJECT_PAGE_SIZE", 2)
    client = _client("yunnan-supervisor")
    seen, path = [], f"/subjects/{subject.pk}/"
    while path:
        html = client.get(path).content.decode()
        table = html.split("<tbody>")[1].split("</tbody>")[0]  # other sections may name the same reports
        found = [
            r.reference for r in Report.objects.filter(allegations__subject=subject).distinct() if r.reference in table
        ]
        assert 0 < len(found) <= 2
        seen += found
        after = re.search(r'href="\?after=([^"]+)"', html)
        path = f"/subjects/{subject.pk}/?after={after.group(1)}" if after else None
    assert sorted(seen) == sorted({r.reference for r in Report.objects.filter(allegations__subject=subject)})
    assert len(seen) == len(set(seen)) == subject.n
