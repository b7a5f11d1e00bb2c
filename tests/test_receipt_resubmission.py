"""A report form sent twice registers one report and shows its receipt code again, once, to the browser that sent
it, never to another browser replaying the form (issue 14). Idempotency by the form's submission token."""

import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cases.models import Report

from .test_cases_pages import _entry_post
from .test_public_intake import RECEIPT, fresh_cache, report_url, solve, subjects_data  # noqa: F401

pytestmark = pytest.mark.django_db

STAFF_RECEIPT = re.compile(r'<p class="receipt">([\d ]+)</p>')


def _staff_receipt(response) -> str | None:
    found = STAFF_RECEIPT.search(response.content.decode())
    return found.group(1) if found else None


def _public_receipt(response) -> str | None:
    found = RECEIPT.search(response.content.decode())
    return found.group(1) if found else None


# --- the staff form ------------------------------------------------------------------------------------------


def test_a_staff_form_sent_twice_shows_its_receipt_again_once(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)
    data = _entry_post(tree["zhanyi"], uuid.uuid4())
    first = client.post(reverse("cases:report-create"), data)
    code = _staff_receipt(first)
    assert first.status_code == 200 and code

    second = client.post(reverse("cases:report-create"), data)  # the first answer was lost: sent again
    assert second.status_code == 200
    assert _staff_receipt(second) == code
    assert "This form was sent twice" in second.content.decode() or "此表单提交了两次" in second.content.decode()

    third = client.post(reverse("cases:report-create"), data)  # once: not a third time
    assert third.status_code == 302 and third["Location"] == reverse(
        "cases:report-detail", args=[Report.objects.get().pk]
    )
    assert Report.objects.count() == 1


def test_another_browser_replaying_a_staff_form_gets_no_receipt(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)
    data = _entry_post(tree["zhanyi"], uuid.uuid4())
    code = _staff_receipt(client.post(reverse("cases:report-create"), data))
    other = Client()
    other.force_login(zhanyi_intake)  # the same account, another browser
    replay = other.post(reverse("cases:report-create"), data)
    assert replay.status_code == 302 and code not in replay.content.decode()
    assert _staff_receipt(client.post(reverse("cases:report-create"), data)) == code  # still there for its browser
    assert Report.objects.count() == 1


def test_a_named_reporter_gets_no_receipt_kept(client, tree, zhanyi_intake):
    client.force_login(zhanyi_intake)
    data = _entry_post(
        tree["zhanyi"], uuid.uuid4(), is_anonymous="", reporter_name="张举报", reporter_phone="13800000000"
    )
    assert client.post(reverse("cases:report-create"), data).status_code == 302
    assert client.post(reverse("cases:report-create"), data).status_code == 302
    assert Report.objects.count() == 1


# --- the public form ------------------------------------------------------------------------------------------


@pytest.fixture
def public_client(client):
    client.defaults["REMOTE_ADDR"] = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"
    return client


def _public_form(client) -> dict:
    page = client.get(report_url()).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page)
    return {
        "summary": "区应急管理局救灾物资采购中串通投标",
        "area": "procurement",
        "identity": "anonymous",
        **subjects_data(("person", "李某", "沾益区应急管理局", "局长")),
        **solve(page),
        "submission_token": token.group(1) if token else "",
    }


def test_a_public_form_sent_twice_shows_its_receipt_again_once(public_client, tree):
    data = _public_form(public_client)
    first = public_client.post(report_url(), data)
    code = _public_receipt(first)
    assert first.status_code == 200 and code

    second = public_client.post(report_url(), data)  # the question is spent: before, "答案不正确或已过期"
    assert second.status_code == 200
    assert _public_receipt(second) == code
    assert "答案不正确或已过期" not in second.content.decode()

    third = public_client.post(report_url(), data)
    assert third.status_code == 200 and _public_receipt(third) is None
    assert "receipt-code" not in third.content.decode()
    assert Report.objects.count() == 1


def test_another_browser_replaying_a_public_form_gets_no_receipt(public_client, tree):
    data = _public_form(public_client)
    code = _public_receipt(public_client.post(report_url(), data))
    stranger = Client(REMOTE_ADDR="10.250.250.250")
    replay = stranger.post(report_url(), data)
    assert replay.status_code == 200
    assert _public_receipt(replay) is None and code.replace(" ", "") not in replay.content.decode().replace(" ", "")
    assert Report.objects.count() == 1
    assert _public_receipt(public_client.post(report_url(), data)) == code


def test_the_kept_receipt_is_encrypted_and_expires(public_client, tree, settings):
    from cases.services import receipts

    data = _public_form(public_client)
    code = _public_receipt(public_client.post(report_url(), data)).replace(" ", "")
    kept = cache.get(receipts._key(uuid.UUID(data["submission_token"])))
    assert kept and code not in kept
    settings.RECEIPT_RESHOW_SECONDS = 0  # turned off: nothing is kept for the next report
    again = _public_form(public_client)
    public_client.post(report_url(), again)
    assert cache.get(receipts._key(uuid.UUID(again["submission_token"]))) is None
