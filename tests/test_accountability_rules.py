"""Rules of accountability decisions the code enforces (issue 14): the measures each form allows are data, a
decision is not dated before its case was opened nor in the future, and party organisations get their own
measures and no form. Each refusal is checked in the service, on the page and in the API: the exact error, and
nothing written."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from accountability import services
from accountability.choices import DecisionStatus, Form, Measure
from accountability.models import Decision
from accountability.services import DecisionInput
from audit.models import AuditEvent
from core.errors import DomainError, error_body

from .test_accountability_workflow import assess, initiate, musts, organisation, person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
ORGAN = "沾益区纪委监委"


def _ready(supervisor, case):
    """The case under investigation, the four musts and the assessment recorded for every target."""
    services.case_start_investigation(actor=supervisor, case=case)
    for target in case.targets.all():
        musts(supervisor, target)
        assess(supervisor, target)
    case.refresh_from_db()
    return case


@pytest.fixture
def deputy(tree):
    return person(tree["zhanyi"])


@pytest.fixture
def party_group(tree):
    return organisation(tree["zhanyi"])


@pytest.fixture
def person_case(tree, zhanyi_supervisor, deputy):
    return _ready(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [deputy]))


@pytest.fixture
def organisation_case(tree, zhanyi_supervisor, party_group):
    return _ready(zhanyi_supervisor, initiate(zhanyi_supervisor, tree["zhanyi"], [party_group]))


def _refused(call) -> DomainError:
    with translation.override("en"), pytest.raises(DomainError) as refusal:
        call()
    return refusal.value


def _propose_url(case):
    return reverse("accountability:case-step-on", args=[case.pk, "propose", case.targets.get().pk])


def _in_english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _page_errors(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- the measures each form allows are data -------------------------------------------------------------


FIRST_FORM_REFUSAL = (
    "First form allows only: Criticism and education、Talk reminder、Written self-criticism、"
    "Circulated criticism、Admonition; not “{measure}”."
)


@pytest.mark.parametrize(
    "measure, label",
    [
        (Measure.SANCTION, "Party discipline or government sanction"),
        (Measure.ORGANISATIONAL_ADJUSTMENT, "Organisational adjustment"),
    ],
)
def test_a_first_form_decision_cannot_carry_a_sanction_or_an_organisational_adjustment(
    person_case, zhanyi_supervisor, measure, label
):
    target = person_case.targets.get()
    data = DecisionInput(form=Form.FIRST, measures=[Measure.TALK_REMINDER, measure], deciding_organ=ORGAN)
    refusal = _refused(lambda: services.decision_propose(actor=zhanyi_supervisor, target=target, data=data))
    assert refusal.code == "measure_not_in_form"
    assert refusal.message == FIRST_FORM_REFUSAL.format(measure=label)
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action="accountability.propose_decision").exists()


def test_a_first_form_sanction_is_refused_on_the_page(client, person_case, zhanyi_supervisor):
    _in_english(client, zhanyi_supervisor)
    response = client.post(
        _propose_url(person_case),
        {"form": "1", "measures": ["sanction"], "deciding_organ": ORGAN},
    )
    assert response.status_code == 200
    assert _page_errors(response) == FIRST_FORM_REFUSAL.format(measure="Party discipline or government sanction")
    assert not Decision.objects.exists()


def test_a_first_form_organisational_adjustment_is_refused_by_the_api(client, person_case, zhanyi_supervisor):
    _in_english(client, zhanyi_supervisor)
    response = client.post(
        f"/api/accountability/cases/{person_case.pk}/propose-decision/",
        {
            "target": person_case.targets.get().pk,
            "form": 1,
            "measures": ["organisational_adjustment"],
            "deciding_organ": ORGAN,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == error_body(
        "measure_not_in_form", FIRST_FORM_REFUSAL.format(measure="Organisational adjustment")
    )
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    "form, measures",
    [
        (Form.FIRST, [Measure.ADMONITION]),
        (Form.SECOND, [Measure.SANCTION]),
        (Form.SECOND, [Measure.ORGANISATIONAL_ADJUSTMENT]),
        (Form.THIRD, [Measure.SANCTION, Measure.ORGANISATIONAL_ADJUSTMENT]),
    ],
)
def test_measures_within_their_form_are_accepted(person_case, zhanyi_supervisor, form, measures):
    data = DecisionInput(form=form, measures=measures, deciding_organ=ORGAN)
    decision = services.decision_propose(actor=zhanyi_supervisor, target=person_case.targets.get(), data=data)
    assert (decision.form, decision.measures) == (form, measures)


def test_the_measures_allowed_per_form_are_data(person_case, zhanyi_supervisor):
    """A row of the rules table, not code, decides: add one and the same decision is accepted."""
    from accountability.models import MeasureRule

    target = person_case.targets.get()
    data = DecisionInput(form=Form.SECOND, measures=[Measure.WRITTEN_SELF_CRITICISM], deciding_organ=ORGAN)
    assert _refused(lambda: services.decision_propose(actor=zhanyi_supervisor, target=target, data=data)).code == (
        "measure_not_in_form"
    )
    MeasureRule.objects.create(target_kind="person", form=Form.SECOND, measure=Measure.WRITTEN_SELF_CRITICISM)
    decision = services.decision_propose(actor=zhanyi_supervisor, target=target, data=data)
    assert decision.measures == [Measure.WRITTEN_SELF_CRITICISM]


def test_the_propose_page_offers_the_measures_of_the_rules(client, person_case, zhanyi_supervisor):
    _in_english(client, zhanyi_supervisor)
    form = client.get(_propose_url(person_case)).context["form"]
    offered = [value for value, _label in form.fields["measures"].widget.choices]
    assert Measure.SANCTION in offered and "org_reorganisation" not in offered
    assert "First form: Criticism and education" in str(form.fields["measures"].help_text)


# --- a decision is dated within its case -----------------------------------------------------------------


def _proposed(case, supervisor):
    data = DecisionInput(form=Form.FIRST, measures=[Measure.TALK_REMINDER], deciding_organ=ORGAN)
    return services.decision_propose(actor=supervisor, target=case.targets.get(), data=data)


@pytest.fixture
def opened_last_week(tree, zhanyi_supervisor, deputy):
    case = initiate(zhanyi_supervisor, tree["zhanyi"], [deputy], initiated_on=TODAY() - datetime.timedelta(days=7))
    return _ready(zhanyi_supervisor, case)


def _unchanged(decision):
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED and decision.decided_on is None
    assert not decision.visits.exists()
    assert not AuditEvent.objects.filter(action="accountability.approve_decision").exists()


def test_a_decision_cannot_be_dated_before_the_case_was_initiated(opened_last_week, zhanyi_supervisor):
    decision = _proposed(opened_last_week, zhanyi_supervisor)
    before = TODAY() - datetime.timedelta(days=8)
    refusal = _refused(lambda: services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=before))
    assert refusal.code == "decided_before_initiation"
    initiated = (TODAY() - datetime.timedelta(days=7)).isoformat()
    assert refusal.message == f"The date of decision cannot be before the case was initiated ({initiated})."
    _unchanged(decision)


def test_a_decision_cannot_be_dated_in_the_future(opened_last_week, zhanyi_supervisor):
    decision = _proposed(opened_last_week, zhanyi_supervisor)
    tomorrow = TODAY() + datetime.timedelta(days=1)
    refusal = _refused(
        lambda: services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=tomorrow)
    )
    assert (refusal.code, refusal.message) == ("future_date", "The date of decision cannot be in the future.")
    _unchanged(decision)


def test_a_decision_dated_the_day_the_case_was_initiated_is_accepted(opened_last_week, zhanyi_supervisor):
    decision = _proposed(opened_last_week, zhanyi_supervisor)
    day = opened_last_week.initiated_on
    services.decision_approve(actor=zhanyi_supervisor, decision=decision, decided_on=day)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.IN_FORCE and decision.decided_on == day


def test_a_decision_dated_before_the_initiation_is_refused_on_the_page(client, opened_last_week, zhanyi_supervisor):
    decision = _proposed(opened_last_week, zhanyi_supervisor)
    _in_english(client, zhanyi_supervisor)
    before = (TODAY() - datetime.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("accountability:case-step-on", args=[opened_last_week.pk, "approve", decision.pk]),
        {"decided_on": before, "notified_on": before},
    )
    assert response.status_code == 200
    initiated = opened_last_week.initiated_on.isoformat()
    assert _page_errors(response) == f"The date of decision cannot be before the case was initiated ({initiated})."
    _unchanged(decision)


@pytest.mark.parametrize("days, code", [(-30, "decided_before_initiation"), (1, "future_date")])
def test_a_decision_dated_outside_its_case_is_refused_by_the_api(
    client, opened_last_week, zhanyi_supervisor, days, code
):
    decision = _proposed(opened_last_week, zhanyi_supervisor)
    _in_english(client, zhanyi_supervisor)
    day = (TODAY() + datetime.timedelta(days=days)).isoformat()
    response = client.post(
        f"/api/accountability/decisions/{decision.pk}/approve/",
        {"decided_on": day},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == code
    _unchanged(decision)


# --- party organisations get their own measures and no form -------------------------------------------

NO_FORM = "The four forms apply to people: a decision on a party organisation carries no form."
ORGANISATION_REFUSAL = (
    "A decision on a party organisation allows only: Inspection (written self-examination and rectification)、"
    "Circulation (rectification, circulated within a scope)、Reorganisation; not “{measure}”."
)


def test_an_organisation_is_given_no_form(organisation_case, zhanyi_supervisor):
    target = organisation_case.targets.get()
    data = DecisionInput(form=Form.FIRST, measures=["org_inspection"], deciding_organ=ORGAN)
    refusal = _refused(lambda: services.decision_propose(actor=zhanyi_supervisor, target=target, data=data))
    assert (refusal.code, refusal.message) == ("form_for_organisation", NO_FORM)
    assert not Decision.objects.exists()


def test_an_organisation_is_not_given_a_measure_for_people(organisation_case, zhanyi_supervisor):
    target = organisation_case.targets.get()
    data = DecisionInput(measures=[Measure.ADMONITION], deciding_organ=ORGAN)
    refusal = _refused(lambda: services.decision_propose(actor=zhanyi_supervisor, target=target, data=data))
    assert refusal.code == "measure_not_for_organisation"
    assert refusal.message == ORGANISATION_REFUSAL.format(measure="Admonition")
    assert not Decision.objects.exists()


@pytest.mark.parametrize("measures", [["org_inspection"], ["org_circulation"], ["org_reorganisation"]])
def test_an_organisation_gets_the_measures_for_organisations_and_no_form(
    organisation_case, zhanyi_supervisor, measures
):
    target = organisation_case.targets.get()
    data = DecisionInput(measures=measures, deciding_organ=ORGAN)
    decision = services.decision_propose(actor=zhanyi_supervisor, target=target, data=data)
    services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    decision.refresh_from_db()
    assert (decision.form, decision.measures, decision.status) == (None, measures, DecisionStatus.IN_FORCE)
    assert decision.influence_ends_on is None and not decision.visits.exists()


def test_a_person_still_needs_a_form(person_case, zhanyi_supervisor):
    data = DecisionInput(measures=[Measure.TALK_REMINDER], deciding_organ=ORGAN)
    refusal = _refused(
        lambda: services.decision_propose(actor=zhanyi_supervisor, target=person_case.targets.get(), data=data)
    )
    assert (refusal.code, refusal.message) == ("form", "Choose the form (first to fourth).")


def test_the_page_gives_an_organisation_no_form_and_refuses_a_forged_one(client, organisation_case, zhanyi_supervisor):
    _in_english(client, zhanyi_supervisor)
    url = _propose_url(organisation_case)
    form = client.get(url).context["form"]
    assert form.fields["form"].widget.is_hidden
    assert [value for value, _label in form.fields["measures"].widget.choices] == [
        "org_inspection",
        "org_circulation",
        "org_reorganisation",
    ]
    forged = client.post(url, {"form": "1", "measures": ["org_inspection"], "deciding_organ": ORGAN})
    assert forged.status_code == 200 and _page_errors(forged) == NO_FORM
    wrong = client.post(url, {"measures": ["admonition"], "deciding_organ": ORGAN})
    assert wrong.status_code == 200 and _page_errors(wrong) == ORGANISATION_REFUSAL.format(measure="Admonition")
    assert not Decision.objects.exists()
    accepted = client.post(url, {"measures": ["org_reorganisation"], "deciding_organ": ORGAN})
    assert accepted.status_code == 302
    assert Decision.objects.get().measures == ["org_reorganisation"] and Decision.objects.get().form is None


def test_the_api_gives_an_organisation_no_form(client, organisation_case, zhanyi_supervisor):
    _in_english(client, zhanyi_supervisor)
    url = f"/api/accountability/cases/{organisation_case.pk}/propose-decision/"
    target = organisation_case.targets.get().pk
    forged = client.post(
        url,
        {"target": target, "form": 2, "measures": ["org_circulation"], "deciding_organ": ORGAN},
        content_type="application/json",
    )
    assert forged.status_code == 400 and forged.json() == error_body("form_for_organisation", NO_FORM)
    wrong = client.post(
        url,
        {"target": target, "measures": ["sanction"], "deciding_organ": ORGAN},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json() == error_body(
        "measure_not_for_organisation", ORGANISATION_REFUSAL.format(measure="Party discipline or government sanction")
    )
    assert not Decision.objects.exists()
    accepted = client.post(
        url,
        {"target": target, "measures": ["org_circulation"], "deciding_organ": ORGAN},
        content_type="application/json",
    )
    assert accepted.status_code == 200, accepted.content
    (decision,) = accepted.json()["decisions"]
    assert (decision["form"], decision["measures"]) == (None, ["org_circulation"])
