import pytest
from django.utils import timezone

from cases import services as case_services
from cases.choices import FalseGround, Finding
from clarification import services
from clarification.choices import FalseCaseStatus, MeasureStatus
from clarification.models import FalseAccusationCase, Measure
from clarification.selectors import false_cases_visible_to
from core.errors import DomainError

from .cases_helpers import register, to_verification
from .clarification_helpers import draft, reviewers

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(tree):
    return reviewers(tree["zhanyi"], "zhanyi")


@pytest.fixture
def report(tree, offices, zhanyi_supervisor, zhanyi_investigator):
    report = register(offices["letters_visits"], tree["zhanyi"]).report
    to_verification(report, zhanyi_supervisor, [zhanyi_investigator])
    first, second = report.allegations.order_by("id")
    case_services.finding_record(
        actor=zhanyi_investigator,
        report=report,
        allegation=first,
        finding=Finding.UNSUBSTANTIATED,
        suspected_false=True,
        false_grounds=FalseGround.FABRICATED_FACTS,
        false_grounds_notes="举报人捏造串通投标事实",
    )
    case_services.finding_record(
        actor=zhanyi_investigator, report=report, allegation=second, finding=Finding.UNSUBSTANTIATED
    )
    case_services.verification_conclude(actor=zhanyi_supervisor, report=report)
    report.refresh_from_db()
    return report


@pytest.fixture
def flagged(report):
    return report.allegations.get(suspected_false=True)


def open_case(actor, allegation, **kwargs):
    return services.false_case_open(
        actor=actor,
        allegation=allegation,
        accuser_known=kwargs.pop("accuser_known", True),
        accuser_class=kwargs.pop("accuser_class", "other"),
        means=kwargs.pop("means", "fabricated"),
        aggravations=kwargs.pop("aggravations", ["bad_means", "repeated"]),
        **kwargs,
    )


def test_reviewer_opens_case_from_flagged_allegation_with_reporter_reference(offices, flagged, report):
    case = open_case(offices["case_management"], flagged)
    assert case.accuser == report.reporter
    assert case.aggravations == ["bad_means", "repeated"]
    # The identity is referenced, never copied.
    field_names = {f.name for f in FalseAccusationCase._meta.get_fields()}
    assert not field_names & {"name", "phone", "id_number", "address"}


def test_investigator_cannot_open_a_false_accusation_case(zhanyi_investigator, flagged):
    with pytest.raises(DomainError) as refusal:
        open_case(zhanyi_investigator, flagged)
    assert refusal.value.code == "forbidden"
    assert FalseAccusationCase.objects.count() == 0


def test_unflagged_allegation_is_refused(offices, report):
    plain = report.allegations.get(suspected_false=False)
    with pytest.raises(DomainError) as refusal:
        open_case(offices["case_management"], plain)
    assert refusal.value.code == "not_flagged"


def test_clarification_and_false_case_link_each_other(offices, flagged, report, zhanyi_investigator):
    case = open_case(offices["case_management"], flagged)
    recommendation = draft(report, zhanyi_investigator, name="李某")
    case.refresh_from_db()
    assert case.recommendation == recommendation
    assert list(recommendation.false_accusation_cases.all()) == [case]


def test_measures_count_once_a_supervisor_approves(offices, flagged, zhanyi_supervisor, zhanyi_investigator):
    case = open_case(offices["case_management"], flagged)
    measure = services.measure_propose(
        actor=offices["case_management"],
        case=case,
        kind="transfer",
        subkind="public_security",
        details="移送诬告陷害线索材料",
        counterpart="曲靖市公安局沾益分局",
        sent_on=timezone.localdate(),
    )
    with pytest.raises(DomainError) as refusal:
        services.measure_decide(actor=zhanyi_investigator, measure=measure, approve=True)
    assert refusal.value.code == "forbidden"
    services.measure_decide(actor=zhanyi_supervisor, measure=measure, approve=True)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.APPROVED
    services.measure_follow_up(actor=offices["case_management"], measure=measure, follow_up="公安机关已立案")
    services.false_case_close(actor=zhanyi_supervisor, case=case)
    case.refresh_from_db()
    assert case.status == FalseCaseStatus.CLOSED


def test_measure_subkind_must_fit(offices, flagged):
    case = open_case(offices["case_management"], flagged)
    with pytest.raises(DomainError) as refusal:
        services.measure_propose(
            actor=offices["case_management"], case=case, kind="decision", subkind="award", details="x"
        )
    assert refusal.value.code == "subkind"
    assert Measure.objects.count() == 0


def test_false_cases_are_invisible_outside_reach(offices, flagged, qilin_investigator, qujing_supervisor):
    case = open_case(offices["case_management"], flagged)
    assert false_cases_visible_to(qujing_supervisor).filter(pk=case.pk).exists()
    assert not false_cases_visible_to(qilin_investigator).filter(pk=case.pk).exists()
