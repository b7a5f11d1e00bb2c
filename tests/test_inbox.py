"""The inbox (issue 15): notifications written once, read only by their recipient, in the viewer's language,
on the pages and through the API; the daily reminders, once per day; email only where it is set up."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from cases.models import Report
from core.errors import DomainError
from core.models import JobRun, OutboxMessage
from inbox import reminders
from inbox.models import Kind, Notification
from inbox.services import notify

from .cases_helpers import register
from .factories import member

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def report(zhanyi_intake, tree):
    return register(zhanyi_intake, tree["zhanyi"]).report


def _task(user, report, **kwargs):
    """A notification as the workflow engine writes it when a task is created for `user`."""
    return notify(
        [user],
        kind=Kind.TASK_CREATED,
        target=report,
        url=reverse("cases:report-detail", args=[report.pk]),
        task="Propose disposition",
        **kwargs,
    )


def _in(language: str, client: Client) -> Client:
    client.cookies["django_language"] = language
    return client


# --- the service -------------------------------------------------------------------------------------------


def test_notify_writes_once_per_recipient_and_key(report, zhanyi_intake, zhanyi_supervisor):
    assert _task(zhanyi_intake, report) == [zhanyi_intake.pk]
    assert _task(zhanyi_intake, report) == []  # the same task again: nothing new
    assert notify(
        [zhanyi_intake, zhanyi_supervisor.pk], kind=Kind.TASK_CREATED, target=report, url="/r/", key="x"
    ) == sorted([zhanyi_intake.pk, zhanyi_supervisor.pk])
    assert Notification.objects.filter(recipient=zhanyi_intake).count() == 2
    row = Notification.objects.filter(recipient=zhanyi_supervisor).get()
    assert (row.target_type.model, row.target_id, row.params["label"]) == ("report", report.pk, report.reference)


def test_notify_skips_inactive_users(report, zhanyi_intake):
    zhanyi_intake.is_active = False
    zhanyi_intake.save(update_fields=["is_active"])
    assert _task(zhanyi_intake, report) == []
    assert not Notification.objects.exists()


def test_notify_refuses_a_link_off_the_site_and_writes_nothing(report, zhanyi_intake):
    for url in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        with pytest.raises(DomainError) as refused:
            notify([zhanyi_intake], kind=Kind.TASK_CREATED, target=report, url=url)
        assert refused.value.code == "invalid_url"
    assert not Notification.objects.exists()


# --- pages ---------------------------------------------------------------------------------------------


def test_bell_counts_unread_in_the_top_bar_in_both_languages(client, report, zhanyi_intake):
    _task(zhanyi_intake, report)
    client.force_login(zhanyi_intake)
    zh = _in("zh-hans", client).get(reverse("cases:report-list")).content.decode()
    assert 'class="bell has-unread"' in zh and '<span class="bell-count">1</span>' in zh
    assert "通知：1 条未读" in zh
    en = _in("en", client).get(reverse("cases:report-list")).content.decode()
    assert "Notifications: 1 unread" in en


def test_bell_costs_one_query(client, report, zhanyi_intake, django_assert_num_queries):
    """The count is one COUNT per page, however often the page shows it."""
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    _task(zhanyi_intake, report)
    request = RequestFactory().get("/")
    request.user = zhanyi_intake
    template = Template("{% include 'inbox/_bell.html' %}{% include 'inbox/_bell.html' %}")
    with django_assert_num_queries(1):
        html = template.render(RequestContext(request, {}))
    assert html.count('<span class="bell-count">1</span>') == 2


def test_inbox_page_lists_newest_first_with_unread_highlighted(client, report, zhanyi_intake):
    _task(zhanyi_intake, report)
    notify([zhanyi_intake], kind=Kind.OVERDUE, target=None, url="/x/", due_on=datetime.date(2026, 1, 5), label="Z1")
    client.force_login(zhanyi_intake)
    zh = _in("zh-hans", client).get(reverse("inbox:list")).content.decode()
    assert zh.count('class="inbox-item unread"') == 2
    assert zh.index("2026-01-05 到期 · Z1") < zh.index(f"提出处置意见 · {report.reference}")
    assert zh.count('<span class="badge info">未读</span>') == 2 and '<span class="badge danger">已超期</span>' in zh
    assert "全部标为已读" in zh
    en = _in("en", client).get(reverse("inbox:list")).content.decode()
    assert f"Propose disposition · {report.reference}" in en and '<span class="badge">New task</span>' in en
    assert "due on 2026-01-05 · Z1" in en


def test_inbox_page_pages_through_older_notifications(client, zhanyi_intake):
    for n in range(35):
        notify([zhanyi_intake], kind=Kind.DUE_SOON, target=None, url="/x/", key=f"k{n}", label=f"L{n:02d}")
    client.force_login(zhanyi_intake)
    first = client.get(reverse("inbox:list"))
    assert first.context["page"].items[0].params["label"] == "L34" and len(first.context["page"].items) == 30
    second = client.get(reverse("inbox:list"), {"after": first.context["page"].next_cursor})
    assert [n.params["label"] for n in second.context["page"].items] == [f"L{n:02d}" for n in range(4, -1, -1)]


def test_opening_a_notification_marks_it_read_and_goes_to_the_object(client, report, zhanyi_intake):
    _task(zhanyi_intake, report)
    row = Notification.objects.get()
    client.force_login(zhanyi_intake)
    response = client.get(reverse("inbox:open", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("cases:report-detail", args=[report.pk])
    row.refresh_from_db()
    assert row.read_at is not None
    assert '<span class="bell-count">' not in client.get(reverse("inbox:list")).content.decode()


def test_another_users_notification_is_404_and_stays_unread(client, report, zhanyi_intake, zhanyi_supervisor):
    _task(zhanyi_intake, report)
    row = Notification.objects.get()
    client.force_login(zhanyi_supervisor)
    assert client.get(reverse("inbox:open", args=[row.pk])).status_code == 404
    assert client.get(reverse("inbox:open", args=[row.pk + 1000])).status_code == 404
    assert "inbox-item" not in client.get(reverse("inbox:list")).content.decode()
    client.post(reverse("inbox:read-all"))
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_is_a_post_with_csrf(report, zhanyi_intake):
    _task(zhanyi_intake, report)
    client = Client(enforce_csrf_checks=True)
    client.force_login(zhanyi_intake)
    assert client.get(reverse("inbox:read-all")).status_code == 405
    assert client.post(reverse("inbox:read-all")).status_code == 403  # no CSRF token
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    page = client.get(reverse("inbox:list"))
    token = page.context["csrf_token"]
    response = client.post(reverse("inbox:read-all"), {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- API -----------------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_only_the_callers_notifications(report, zhanyi_intake, zhanyi_supervisor):
    _task(zhanyi_intake, report)
    notify([zhanyi_supervisor], kind=Kind.DUE_SOON, target=None, url="/x/", key="s")
    body = _api(zhanyi_intake).get("/api/inbox/", HTTP_COOKIE="django_language=en").json()
    assert [r["kind"] for r in body["results"]] == ["task_created"]
    row = body["results"][0]
    assert row["target_type"] == "cases.report" and row["target_id"] == report.pk and row["read_at"] is None
    assert row["url"] == reverse("cases:report-detail", args=[report.pk])
    assert row["text"] == f"New task: Propose disposition · {report.reference}"
    zh = _api(zhanyi_intake).get("/api/inbox/").json()["results"][0]["text"]
    assert zh == f"新待办：提出处置意见 · {report.reference}"


def test_api_marks_one_read_and_refuses_anothers_with_404(report, zhanyi_intake, zhanyi_supervisor):
    _task(zhanyi_intake, report)
    row = Notification.objects.get()
    response = _api(zhanyi_supervisor).post(f"/api/inbox/{row.pk}/read/")
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None
    response = _api(zhanyi_intake).post(f"/api/inbox/{row.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert _api(zhanyi_intake).get("/api/inbox/", {"unread": "1"}).json()["results"] == []


def test_api_read_all_marks_only_the_callers(report, zhanyi_intake, zhanyi_supervisor):
    _task(zhanyi_intake, report)
    _task(zhanyi_supervisor, report)
    assert _api(zhanyi_intake).post("/api/inbox/read-all/").json() == {"marked": 1}
    assert Notification.objects.get(recipient=zhanyi_supervisor).read_at is None


# --- the daily reminders ---------------------------------------------------------------------------------


def _at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(7, 30), tzinfo=SHANGHAI), tick=False)


def test_reminders_take_the_items_from_my_work(report, zhanyi_supervisor):
    # A registered report asks its disposition of the supervisors (and reviewers), not of the intake officer.
    items = reminders.due_items(zhanyi_supervisor)
    assert {"url": reverse("cases:report-detail", args=[report.pk]), "due_on": report.due_on} in [
        {k: i[k] for k in ("url", "due_on")} for i in items
    ]


def test_reminders_due_soon_and_overdue_once_per_day(report, zhanyi_supervisor):
    due = Report.objects.get(pk=report.pk).due_on
    with _at(due - datetime.timedelta(days=5)):
        reminders.reminders_send()
    assert not Notification.objects.exists()  # not within 3 days yet

    with _at(due - datetime.timedelta(days=2)):
        assert reminders.reminders_send()["written"] == 1
        assert reminders.reminders_send() is None  # the same day again: skipped
    with _at(due - datetime.timedelta(days=1)):
        assert reminders.reminders_send()["written"] == 0  # already reminded of this due date
    soon = Notification.objects.get(recipient=zhanyi_supervisor)
    assert (soon.kind, soon.due_on, soon.params["label"]) == ("due_soon", due, report.reference)

    with _at(due + datetime.timedelta(days=1)):
        assert reminders.reminders_send()["written"] == 1
    with _at(due + datetime.timedelta(days=3)):
        assert reminders.reminders_send()["written"] == 0  # overdue: again only a week later
    with _at(due + datetime.timedelta(days=8)):
        assert reminders.reminders_send()["written"] == 1
    assert list(Notification.objects.filter(recipient=zhanyi_supervisor).values_list("kind", flat=True)) == [
        "overdue",
        "overdue",
        "due_soon",
    ]
    assert JobRun.objects.filter(job=reminders.JOB, status="done").count() == 6


def test_reminders_written_twice_the_same_day_write_nothing_new(report, zhanyi_supervisor):
    """Even when the day's run is redone (its row removed by hand), the keys keep every reminder single."""
    due = Report.objects.get(pk=report.pk).due_on
    with _at(due + datetime.timedelta(days=1)):
        reminders.reminders_send()
        JobRun.objects.filter(job=reminders.JOB).delete()
        assert reminders.reminders_send()["written"] == 0
    assert Notification.objects.count() == 1


def test_working_out_who_is_told_of_a_transition_reads_no_more_for_more_people_in_the_line(report, tree):
    """Everyone in the report's commission and above it is a candidate (Workflow.candidates): a province's staff are
    candidates for every county's reports, so the cost of each must not be a query (their roles, the report's
    assignments: the demo seed spent two thirds of its time here)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inbox.tasks_of_workflows import notify_tasks

    def statements_with(bystanders: int) -> int:
        for n in range(bystanders):
            member(f"yunnan-admin-{bystanders}-{n}", tree["yunnan"], Role.ADMIN)
            member(f"qujing-investigator-{bystanders}-{n}", tree["qujing"], Role.INVESTIGATOR, "investigation")
        with CaptureQueriesContext(connection) as queries:
            notify_tasks("report", report.pk, 0, None)
        return len(queries)

    few, many = statements_with(1), statements_with(10)
    assert few == many, f"{few} statements with 2 bystanders, {many} with 22 more"


def test_reminder_schedule_is_registered():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="inbox.tasks.send_reminders")
    assert task.enabled and task.crontab.hour == "7"


# --- email -----------------------------------------------------------------------------------------------


def test_email_says_only_the_kind_and_a_link(settings, report, zhanyi_intake, django_capture_on_commit_callbacks):
    settings.INBOX_EMAIL = True
    settings.SITE_URL = "https://jw.example.gov.cn"
    zhanyi_intake.email = "intake@example.gov.cn"
    zhanyi_intake.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        _task(zhanyi_intake, report)
    assert OutboxMessage.objects.filter(task="inbox.tasks.email_notifications").count() == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["intake@example.gov.cn"]
    assert "1 条新通知" in email.subject and "1 new notification" in email.subject
    assert "新待办: 1" in email.body and "New task: 1" in email.body
    assert "https://jw.example.gov.cn/inbox/" in email.body
    for secret in [report.reference, "李某", "串通投标", "张举报", f"/reports/{report.pk}"]:
        assert secret not in email.body and secret not in email.subject
    assert Notification.objects.get().emailed_at is not None

    from inbox.emails import notifications_email

    assert notifications_email(recipient_ids=[zhanyi_intake.pk]) == 0  # already emailed: not twice
    assert len(mail.outbox) == 1


def test_no_email_when_email_is_not_set_up(settings, report, zhanyi_intake, django_capture_on_commit_callbacks):
    settings.INBOX_EMAIL = False
    zhanyi_intake.email = "intake@example.gov.cn"
    zhanyi_intake.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        _task(zhanyi_intake, report)
    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(task="inbox.tasks.email_notifications").exists()


def test_no_email_to_a_user_without_an_address(settings, report, zhanyi_intake, django_capture_on_commit_callbacks):
    settings.INBOX_EMAIL = True
    zhanyi_intake.email = ""
    zhanyi_intake.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        _task(zhanyi_intake, report)
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_email_settings_follow_the_environment():
    from config.settings import _email_from_url

    smtp = _email_from_url("smtp+tls://mailer:p%40ss@mail.example.gov.cn:587")
    assert smtp["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == (
        "mail.example.gov.cn",
        587,
        "mailer",
        "p@ss",
    )
    assert smtp["EMAIL_USE_TLS"] and not smtp["EMAIL_USE_SSL"]
    assert _email_from_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ValueError):
        _email_from_url("ftp://x")
