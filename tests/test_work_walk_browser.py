"""Issue 15's walk: the Zhanyi case from registration to the return visit. At every step the next actor, and only
they, finds the item in their work list and (when someone else acted) a notification in their inbox, in Chinese
and in English."""

import datetime
import re

import pytest
from django.utils import timezone

from cases import services as cases
from cases.choices import DispositionKind, Finding
from clarification import services as clarification
from clarification.choices import Opinion
from clarification.models import ReturnVisit

from .cases_helpers import register
from .clarification_helpers import draft, execute, reviewers
from .conftest import CHROMIUM, CHROMIUM_ARGS, browser_login  # noqa: F401 (the browser fixture launches Chromium)
from .factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The words each language shows for the tasks of the walk.
WORDS = {
    "report.propose_disposition": "待提出处置意见",
    "report.approve_disposition": "处置意见待审批",
    "report.start_verification": "待指派调查人员",
    "report.record_finding": "待填写核查结论",
    "report.conclude": "核查完毕：核查结论待审批",
    "report.close": "已出核查结论：待办结或移交后续处理",
    "report.recommend_clarification": "待提出澄清建议",
    "clarification.submit_review": "待提交集中审查的草稿",
    "clarification.review": "审查意见",
    "clarification.submit": "三室均已同意：待报送审批",
    "clarification.approve": "审批",
    "clarification.execute": "待实施的澄清",
    "clarification.feedback": "向举报人反馈",
    "clarification.return_visit": "回访",
}


def _sections_quickly(page, base, reference) -> set[str]:
    """The same answer from the page's HTML, fetched with the user's session but not rendered (for the people who
    must not see the item: the walk stays within the suite's time)."""
    html = page.request.get(f"{base}/").text()
    cards = re.findall(r'<section class="card"[^>]*data-work="([^"]+)">(.*?)</section>', html, flags=re.S)
    return {key for key, body in cards if reference in body}


def _sections(page, base, reference) -> set[str]:
    page.goto(f"{base}/")
    return set(
        page.eval_on_selector_all(
            "[data-work]",
            "(cards, ref) => cards.filter(c => c.textContent.includes(ref)).map(c => c.dataset.work)",
            reference,
        )
    )


def _told(page, base, reference, label) -> bool:
    """An inbox entry names the task, in the page's language, and the object's reference."""
    page.goto(f"{base}/inbox/")
    texts = page.eval_on_selector_all(".inbox-item .inbox-text", "items => items.map(i => i.textContent)")
    return any(reference in text and label in text for text in texts)


@pytest.fixture
def tasks_in_process():
    """The embedded default: queued work runs in this process (tests before may have pointed Celery at a broker of
    their own and closed its pools)."""
    from config.celery import app

    from .faults import _reset_pools

    eager = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    _reset_pools(app)
    yield
    app.conf.update(task_always_eager=eager)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_step_reaches_the_next_actor_and_only_them(browser, live_server, tree, language, tasks_in_process):
    base = live_server.url
    offices = reviewers(tree["zhanyi"], "zy")
    people = {
        "intake": offices["letters_visits"],
        "trial": offices["case_trial"],
        "case_management": offices["case_management"],
        "investigator": member("zy-investigator", tree["zhanyi"], "investigator", "investigation"),
        "supervisor": member("zy-supervisor", tree["zhanyi"], "supervisor"),
        "qilin": member("ql-investigator", tree["qilin"], "investigator", "investigation"),
        "qujing": member("qj-supervisor", tree["qujing"], "supervisor"),
    }
    pages = {}
    for key, user in people.items():
        context = browser.new_context(locale="en-US" if language == "en" else "zh-CN")
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        pages[key] = context.new_page()
        pages[key].set_default_timeout(15000)
        browser_login(pages[key], live_server, user.username)

    def expect(asked: dict[str, str], actor: str | None, told: bool = True) -> None:
        for key, page in pages.items():
            shown = (_sections if key in asked else _sections_quickly)(page, base, reference)
            assert shown == ({asked[key]} if key in asked else set()), (key, shown)
            if key in asked:
                title = page.locator(f"[data-work='{asked[key]}'] h2").evaluate("h => h.firstChild.textContent.trim()")
                assert title == WORDS[asked[key]] if language == "zh-hans" else title.isascii() and title, title
                if told and key != actor:
                    assert _told(page, base, reference, title), (key, "no notification")

    report = register(people["intake"], tree["zhanyi"]).report
    reference = report.reference
    expect(
        {
            "case_management": "report.propose_disposition",
            "trial": "report.propose_disposition",
            "supervisor": "report.propose_disposition",
        },
        "intake",
    )

    cases.disposition_propose(
        actor=people["case_management"], report=report, kind=DispositionKind.PRELIMINARY, reasons="线索具体"
    )
    expect({"supervisor": "report.approve_disposition"}, "case_management")
    cases.disposition_approve(actor=people["supervisor"], report=report)
    expect({"supervisor": "report.start_verification"}, "supervisor")
    cases.verification_start(actor=people["supervisor"], report=report, investigators=[people["investigator"]])
    expect({"investigator": "report.record_finding"}, "supervisor")
    for allegation in report.allegations.all():
        cases.finding_record(
            actor=people["investigator"], report=report, allegation=allegation, finding=Finding.UNSUBSTANTIATED
        )
    expect({"supervisor": "report.conclude"}, "investigator")
    cases.verification_conclude(actor=people["supervisor"], report=report)
    report.refresh_from_db()
    expect({"investigator": "report.recommend_clarification", "supervisor": "report.close"}, "supervisor")

    recommendation = draft(report, people["investigator"], name="李某")
    reference = recommendation.reference
    expect({"investigator": "clarification.submit_review"}, "investigator")
    clarification.recommendation_submit_review(actor=people["investigator"], recommendation=recommendation)
    expect(
        {"intake": "clarification.review", "trial": "clarification.review", "case_management": "clarification.review"},
        "investigator",
    )
    for office, user in offices.items():
        clarification.review_record(actor=user, recommendation=recommendation, office=office, opinion=Opinion.AGREE)
    expect({"investigator": "clarification.submit"}, "case_management")
    clarification.recommendation_submit(actor=people["investigator"], recommendation=recommendation)
    # 李某 is a county-division official: the city, which manages him, approves.
    expect({"qujing": "clarification.approve"}, "investigator")
    clarification.recommendation_approve(actor=people["qujing"], recommendation=recommendation)
    expect({"investigator": "clarification.execute", "supervisor": "clarification.execute"}, "qujing")
    recommendation.refresh_from_db()
    execute(recommendation, people["investigator"])
    expect({"intake": "clarification.feedback"}, "investigator")
    recommendation.refresh_from_db()
    clarification.clarification_feedback(
        actor=people["intake"],
        recommendation=recommendation,
        text="经核查，反映问题不属实，已予澄清。",
        method="phone",
        given_on=timezone.localdate(),
    )
    # The return visit shows from 30 days before it falls due.
    ReturnVisit.objects.filter(recommendation=recommendation).update(
        due_on=timezone.localdate() + datetime.timedelta(days=20)
    )
    # A due date is reminded of by the daily job (tests/test_inbox.py), not at a step.
    expect(
        {"investigator": "clarification.return_visit", "supervisor": "clarification.return_visit"}, "intake", told=False
    )
    clarification.return_visit_record(
        actor=people["investigator"], recommendation=recommendation, visited_on=timezone.localdate(), notes="思想稳定"
    )
    expect({}, "investigator")
