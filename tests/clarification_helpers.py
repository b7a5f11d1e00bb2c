"""Recommendations built through the real services, for tests of every later stage."""

import datetime

from django.utils import timezone

from accounts.roles import Role
from cases.choices import Finding
from clarification import services
from clarification.choices import REVIEW_OFFICES, Audience, Method, Opinion

from .cases_helpers import register, to_concluded
from .factories import member


def reviewers(commission, prefix):
    """The three offices of the centralised review at a commission, as in accounts/demo.py."""
    return {
        "letters_visits": member(f"{prefix}-intake", commission, Role.INTAKE, "letters_visits"),
        "case_trial": member(f"{prefix}-trial", commission, Role.REVIEWER, "case_trial"),
        "case_management": member(f"{prefix}-reviewer", commission, Role.REVIEWER, "case_management"),
    }


def concluded_report(
    tree, intake, supervisor, investigator, findings=(Finding.UNSUBSTANTIATED, Finding.UNSUBSTANTIATED)
):
    report = register(intake, tree["zhanyi"]).report
    return to_concluded(report, supervisor, investigator, findings=findings)


def allegation_of(report, name):
    return report.allegations.get(subject__name=name)


def draft(report, investigator, name="王某", **kwargs):
    allegation = allegation_of(report, name)
    return services.recommendation_draft(
        actor=investigator,
        report=report,
        subject=allegation.subject,
        allegations=kwargs.pop("allegations", [allegation]),
        method=kwargs.pop("method", Method.MEETING),
        audience=kwargs.pop("audience", Audience.UNIT),
        **kwargs,
    )


def all_agree(recommendation, offices):
    for office in REVIEW_OFFICES:
        services.review_record(
            actor=offices[office], recommendation=recommendation, office=office, opinion=Opinion.AGREE
        )


def to_approved(recommendation, drafter, offices, approver):
    services.recommendation_submit_review(actor=drafter, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=drafter, recommendation=recommendation)
    services.recommendation_approve(actor=approver, recommendation=recommendation)
    recommendation.refresh_from_db()
    return recommendation


def execute(recommendation, actor, **kwargs):
    return services.clarification_execute(
        actor=actor,
        recommendation=recommendation,
        executed_on=kwargs.pop("executed_on", timezone.localdate()),
        place=kwargs.pop("place", "沾益区应急管理局会议室"),
        participants=kwargs.pop("participants", "局班子成员、干部职工"),
        method_used=kwargs.pop("method_used", recommendation.method),
        audience_reached=kwargs.pop("audience_reached", recommendation.audience),
        **kwargs,
    )


def carry_out(batch, actor, *recommendations, place="沾益区纪委监委会议室"):
    """Each clarification of a joint batch recorded by its own commission (here: actor)."""
    for recommendation in recommendations:
        services.batch_item_execute(
            actor=actor, batch=batch, recommendation=recommendation, executed_on=timezone.localdate(), place=place
        )


def last_month():
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
