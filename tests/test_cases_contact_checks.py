"""Phone and resident ID numbers checked (GB 11643) and one summary limit everywhere (issue 15)."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cases import services
from cases.contact import check_id_number, check_phone
from cases.limits import SUMMARY_MAX_LENGTH
from cases.models import Report
from cases.services import ReporterInput, SubjectInput
from core.errors import DomainError

from .cases_helpers import register
from .test_cases_api import new_report_body, nothing_written, post
from .test_cases_pages import _entry_post
from .test_public_intake import client, fresh_cache, submit  # noqa: F401  (the public form's fixtures)

pytestmark = pytest.mark.django_db

VALID_ID = "530303199001011239"
WRONG_CHECK_DIGIT = "530303199001011234"
TOO_LONG = "举" * (SUMMARY_MAX_LENGTH + 1)


@pytest.mark.parametrize("number", [VALID_ID, "11010519491231002X", "11010519491231002x"])
def test_resident_id_numbers_with_a_right_check_digit_pass(number):
    assert check_id_number(number) == number.upper()


@pytest.mark.parametrize(
    "number, message",
    [
        (WRONG_CHECK_DIGIT, "校验码"),
        ("530303199013011236", "出生日期"),
        ("5303031990010112", "18位"),
        ("53030319900101123A", "18位"),
    ],
)
def test_resident_id_numbers_are_refused_with_the_reason(number, message):
    with pytest.raises(DomainError) as refused:
        check_id_number(number)
    assert refused.value.code == "id_number" and message in str(refused.value)


@pytest.mark.parametrize("number", ["13800000000", "138 0000 0000", "+8613800000000", "0874-3123456", "4008123123"])
def test_phone_numbers_of_the_mainland_pass(number):
    assert check_phone(number)


@pytest.mark.parametrize("number", ["12345", "1380000000a", "23800000000", "138000000001"])
def test_other_phone_numbers_are_refused(number):
    with pytest.raises(DomainError) as refused:
        check_phone(number)
    assert refused.value.code == "phone"


# --- the staff form ---------------------------------------------------------------------------------------------


def _named(**identity):
    return {"is_anonymous": "", "reporter_name": "张举报", "reporter_phone": "13800000000", **identity}


def test_staff_form_refuses_a_wrong_id_number_and_writes_nothing(client, tree, zhanyi_intake):  # noqa: F811
    client.force_login(zhanyi_intake)
    data = _entry_post(tree["zhanyi"], uuid.uuid4(), **_named(reporter_id_number=WRONG_CHECK_DIGIT))
    data.pop("is_anonymous")
    with nothing_written():
        response = client.post(reverse("cases:report-create"), data)
    assert response.status_code == 200
    assert "校验码" in response.content.decode()


def test_staff_form_refuses_a_wrong_phone_and_writes_nothing(client, tree, zhanyi_intake):  # noqa: F811
    client.force_login(zhanyi_intake)
    data = _entry_post(tree["zhanyi"], uuid.uuid4(), **_named(reporter_phone="12345"))
    data.pop("is_anonymous")
    with nothing_written():
        response = client.post(reverse("cases:report-create"), data)
    assert response.status_code == 200
    assert "不是电话号码" in response.content.decode()


def test_staff_form_refuses_a_summary_over_the_limit(client, tree, zhanyi_intake):  # noqa: F811
    client.force_login(zhanyi_intake)
    with nothing_written():
        response = client.post(
            reverse("cases:report-create"), _entry_post(tree["zhanyi"], uuid.uuid4(), summary=TOO_LONG)
        )
    assert response.status_code == 200
    assert "10000" in response.content.decode()


# --- the public form --------------------------------------------------------------------------------------------


def test_public_form_refuses_a_wrong_id_number(client, tree):  # noqa: F811
    with nothing_written():
        response = submit(client, identity="named", name="张举报", id_number=WRONG_CHECK_DIGIT)
    assert response.status_code == 200 and "receipt-code" not in response.content.decode()
    assert "校验码" in response.content.decode()


def test_public_form_refuses_a_wrong_phone(client, tree):  # noqa: F811
    with nothing_written():
        response = submit(client, identity="named", name="张举报", phone="0000")
    assert "不是电话号码" in response.content.decode()


def test_public_form_refuses_a_summary_over_the_limit(client, tree):  # noqa: F811
    with nothing_written():
        response = submit(client, summary=TOO_LONG)
    assert "receipt-code" not in response.content.decode()


# --- the API and the services -----------------------------------------------------------------------------------


def test_api_refuses_a_wrong_id_number_naming_the_field(tree, zhanyi_intake):
    body = new_report_body(tree, reporter={"is_anonymous": False, "name": "张举报", "id_number": WRONG_CHECK_DIGIT})
    with nothing_written():
        response = post(zhanyi_intake, "/api/reports/", body)
    assert response.status_code == 400
    assert "reporter.id_number" in {e["attr"] for e in response.json()["errors"]}


def test_api_refuses_a_wrong_phone_naming_the_field(tree, zhanyi_intake):
    body = new_report_body(tree, reporter={"is_anonymous": False, "name": "张举报", "phone": "12345"})
    with nothing_written():
        response = post(zhanyi_intake, "/api/reports/", body)
    assert response.status_code == 400
    assert "reporter.phone" in {e["attr"] for e in response.json()["errors"]}


def test_api_refuses_a_summary_over_the_limit(tree, zhanyi_intake):
    with nothing_written():
        response = post(zhanyi_intake, "/api/reports/", new_report_body(tree, summary=TOO_LONG))
    assert response.status_code == 400 and {e["attr"] for e in response.json()["errors"]} == {"summary"}


def test_services_refuse_a_wrong_id_number_and_a_long_summary(tree, zhanyi_intake):
    with nothing_written(), pytest.raises(DomainError) as refused:
        services.public_report_submit(
            commission=tree["zhanyi"],
            summary="反映问题",
            subjects=[SubjectInput(name="李某")],
            reporter=ReporterInput(is_anonymous=False, name="张举报", id_number=WRONG_CHECK_DIGIT),
            area="other",
        )
    assert refused.value.code == "id_number"
    with nothing_written(), pytest.raises(DomainError) as refused:
        register(zhanyi_intake, tree["zhanyi"], summary=TOO_LONG)
    assert refused.value.code == "summary_too_long"


def test_a_summary_at_the_limit_is_kept_and_the_database_refuses_more(tree, zhanyi_intake):
    report = register(zhanyi_intake, tree["zhanyi"], summary="举" * SUMMARY_MAX_LENGTH).report
    assert len(report.summary) == SUMMARY_MAX_LENGTH
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_report SET summary = summary || 'x' WHERE id = %s", [report.pk])
    assert Report.objects.get(pk=report.pk).summary == report.summary
