"""The scale data generator (devtools/scale): its data satisfy every model rule, and a seed fixes them."""

import pytest
from django.db import transaction

from accounts.models import Commission
from cases.models import Report
from clarification.models import Recommendation
from devtools.scale.checker import check_sample
from devtools.scale.generator import generate

pytestmark = pytest.mark.django_db


def _quiet(*args):
    pass


def _fingerprint() -> list[tuple]:
    return list(Report.objects.order_by("reference").values_list("reference", "summary", "status", "outcome"))


def test_generated_data_satisfy_every_model_rule():
    counts = generate(reports=300, seed=3, log=_quiet)
    assert counts["cases_report"] == 300
    assert Commission.objects.count() >= 140
    # The whole workflow is there: clarifications executed in batches, false accusations, all four forms.
    assert Recommendation.objects.filter(status__in=["executed", "completed"], batch_items__isnull=False).exists()
    assert counts["clarification_jointbatch"] > 0
    assert counts["accountability_decision"] > 0
    assert check_sample(size=1000, seed=3) == []


def test_checker_reports_data_that_break_the_rules():
    generate(reports=120, seed=4, log=_quiet)
    report = Report.objects.filter(status="closed").first()
    Report.objects.filter(pk=report.pk).update(search_tokens="采购")
    report.allegations.update(finding="", finding_by=None)
    problems = check_sample(size=1000, seed=4)
    assert any(report.reference in p and "search tokens" in p for p in problems)
    assert any(report.reference in p and "lacking a finding" in p for p in problems)


def test_same_seed_gives_the_same_references_and_summaries():
    with transaction.atomic():
        generate(reports=150, seed=9, log=_quiet)
        first = _fingerprint()
        transaction.set_rollback(True)
    generate(reports=150, seed=9, log=_quiet)
    assert _fingerprint() == first
    assert len(first) == 150


def test_another_seed_gives_other_data():
    with transaction.atomic():
        generate(reports=80, seed=1, log=_quiet)
        first = _fingerprint()
        transaction.set_rollback(True)
    generate(reports=80, seed=2, log=_quiet)
    assert _fingerprint() != first


def test_a_second_run_continues_the_reference_numbers():
    generate(reports=100, seed=5, log=_quiet)
    generate(reports=100, seed=6, log=_quiet)
    assert Report.objects.count() == 200
    assert Report.objects.values("reference").distinct().count() == 200
    assert check_sample(size=1000, seed=5) == []
