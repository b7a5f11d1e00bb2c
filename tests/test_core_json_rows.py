"""The report page's sections fetched as JSON inside the report's query, and "my work"'s sections fetched in
one windowed query, give exactly what the plain queries give."""

import pytest

from accounts import jurisdiction
from accounts.models import User
from cases import selectors
from cases.models import Report
from core.json_rows import attach_lists, with_lists
from devtools.scale.generator import generate

pytestmark = pytest.mark.django_db


def _quiet(*args):
    pass


def _row(instance, related: dict) -> tuple:
    values = tuple(getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields)
    nested = tuple(
        _row(getattr(instance, name), deeper) if getattr(instance, name) is not None else None
        for name, deeper in related.items()
    )
    return values + nested


def test_json_lists_equal_the_prefetched_rows():
    generate(reports=120, seed=21, log=_quiet)
    lists = selectors._report_page_lists()
    reports = Report.objects.order_by("id")
    compared = 0
    for report in with_lists(reports, **lists):
        attach_lists(report, **lists)
        for name, queryset in lists.items():
            related = queryset.query.select_related or {}
            owner = Report._meta.get_field(name).field.name
            expected = [_row(x, related) for x in queryset.filter(**{owner: report})]
            got = [_row(x, related) for x in getattr(report, name).all()]
            assert got == expected, (report.pk, name)
            compared += len(got)
    assert compared > 500  # the generated data fill the sections, so the comparison means something


def test_json_lists_cost_no_query_per_section(django_assert_num_queries):
    generate(reports=30, seed=22, log=_quiet)
    lists = selectors._report_page_lists()
    report = Report.objects.filter(allegations__finding_by__isnull=False).first()
    with django_assert_num_queries(1):
        fetched = with_lists(Report.objects.filter(pk=report.pk), **lists).get()
        attach_lists(fetched, **lists)
        names = [(a.subject.name, a.finding_by.username if a.finding_by else None) for a in fetched.allegations.all()]
        assert names and all(a.report is fetched for a in fetched.allegations.all())


def test_memberships_carry_the_subtree():
    generate(reports=10, seed=23, log=_quiet)
    user = User.objects.get(username="yunnan-supervisor")
    province = jurisdiction.memberships_of(user)[0].commission
    from accounts.models import Commission

    expected = set(Commission.objects.filter(path__startswith=province.path).values_list("pk", flat=True))
    assert len(expected) > 10
    assert jurisdiction.readable_commission_ids(user) == expected
