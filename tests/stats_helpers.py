"""A known data set for the statistics tests, built through the real services; the hand counts are below."""

import datetime
import uuid

from django.utils import timezone

from accountability import services as accountability_services
from accounts.roles import Role
from cases import services as case_services
from cases.choices import Category, Finding, OrganisationKind, Rank, SubjectKind
from cases.services import AllegationInput, ReporterInput, SubjectInput

from .cases_helpers import register, to_concluded
from .clarification_helpers import draft, execute, reviewers, to_approved
from .factories import member
from .test_accountability_workflow import FIRST_FORM, SECOND_FORM, initiate, organisation, person, to_proposed

ORGANISATION = "沾益区应急管理局党组"


def _report(intake, commission, channel, allegations, days_ago=2):
    return case_services.report_register(
        actor=intake,
        commission=commission,
        received_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        channel=channel,
        area="education",
        summary="反映有关问题",
        allegations=allegations,
        reporter=ReporterInput(is_anonymous=True),
        submission_token=uuid.uuid4(),
        check_repeats=False,  # fixtures: similar reports on purpose
    ).report


def period_params() -> dict[str, str]:
    today = timezone.localdate()
    return {"period": "range", "start": (today - datetime.timedelta(days=30)).isoformat(), "end": today.isoformat()}


def build(tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator) -> dict:
    """Zhanyi: two reports (one still registered, one concluded with a person and an organisation cleared),
    two held to account (an organisation and a person). Qilin: one report, one person held to account."""
    zhanyi = tree["zhanyi"]
    registered = register(zhanyi_intake, zhanyi).report  # letter; 李某 (county level), 王某 (township level)
    cleared = _report(
        zhanyi_intake,
        zhanyi,
        "phone",
        [
            AllegationInput(
                text="违规发放补贴",
                category=Category.INTEGRITY,
                new_subject=SubjectInput(
                    kind=SubjectKind.PERSON, name="王某", unit="沾益区教育局", rank=Rank.TOWNSHIP_SECTION
                ),
            ),
            AllegationInput(
                text="党组落实主体责任不力",
                category=Category.WORK,
                new_subject=SubjectInput(
                    kind=SubjectKind.ORGANISATION,
                    name=ORGANISATION,
                    organisation_kind=OrganisationKind.PARTY_ORGANISATION,
                ),
            ),
        ],
    )
    to_concluded(cleared, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,) * 2)
    offices = reviewers(zhanyi, "zy")
    for name in ("王某", ORGANISATION):
        recommendation = draft(cleared, zhanyi_investigator, name=name)
        to_approved(recommendation, zhanyi_investigator, offices, zhanyi_supervisor)
        execute(recommendation, zhanyi_investigator)

    qilin = tree["qilin"]
    qilin_intake = member("qilin-intake", qilin, Role.INTAKE, "letters_visits")
    qilin_supervisor = member("qilin-supervisor", qilin, Role.SUPERVISOR)
    qilin_report = _report(
        qilin_intake,
        qilin,
        "online",
        [
            AllegationInput(
                text="吃拿卡要",
                category=Category.MASS,
                new_subject=SubjectInput(kind=SubjectKind.PERSON, name="赵某", rank=Rank.GENERAL),
            )
        ],
    )

    zhanyi_case = initiate(zhanyi_supervisor, zhanyi, [organisation(zhanyi, "沾益区林草局党组"), person(zhanyi)])
    for decision in to_proposed(zhanyi_supervisor, zhanyi_case, FIRST_FORM):
        accountability_services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    qilin_case = initiate(qilin_supervisor, qilin, [person(qilin, name="钱某")])
    for decision in to_proposed(qilin_supervisor, qilin_case, SECOND_FORM):
        accountability_services.decision_approve(actor=qilin_supervisor, decision=decision)
    return {
        "registered": registered,
        "cleared": cleared,
        "qilin_report": qilin_report,
        "zhanyi_case": zhanyi_case,
        "qilin_case": qilin_case,
        "qilin_supervisor": qilin_supervisor,
    }
