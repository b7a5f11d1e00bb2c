"""Issue 12, items 5, 6 and 13: the joint batch shows only what is in reach, a recusal never removes a
superior's reach, and the reporter's relation to the subject is protected like the identity."""

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from audit.models import AuditEvent
from cases import services as case_services
from cases.choices import Category, Finding, Rank, SubjectKind
from cases.models import Recusal, Report, Reporter
from cases.services import AllegationInput, ReporterInput, SubjectInput
from clarification import services
from clarification.choices import Status
from core.errors import DomainError

from .cases_helpers import register, to_concluded, zhanyi_official
from .clarification_helpers import draft, reviewers, to_approved
from .factories import member

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# --- item 5: the monthly joint batch ---------------------------------------------------------------------

# What the batch must not show a sibling county: Zhanyi's names, units and positions, allegations.
ZHANYI_SECRETS = ["沾益甲某", "沾益乙某", "沾益区应急管理局", "应急物资采购中串通投标甲", "随意取消中标结果乙"]
QILIN_SECRETS = ["麒麟丙某", "麒麟区第一中学副校长", "违规收取择校费丙"]


@pytest.fixture
def batch(tree, zhanyi_supervisor, zhanyi_investigator, qilin_investigator, qujing_supervisor):
    """Qujing's batch of the month: two clarifications of Zhanyi (a person of each management level) and one
    of Qilin, each approved through the real workflow."""
    zhanyi_offices = reviewers(tree["zhanyi"], "zhanyi")
    report = register(
        zhanyi_offices["letters_visits"],
        tree["zhanyi"],
        allegations=[
            AllegationInput(
                text="应急物资采购中串通投标甲", category=Category.INTEGRITY, new_subject=zhanyi_official("沾益甲某")
            ),
            AllegationInput(
                text="随意取消中标结果乙",
                category=Category.WORK,
                new_subject=zhanyi_official("沾益乙某", Rank.TOWNSHIP_SECTION),
            ),
        ],
    ).report
    to_concluded(report, zhanyi_supervisor, zhanyi_investigator, findings=(Finding.UNSUBSTANTIATED,) * 2)
    to_approved(
        draft(report, zhanyi_investigator, name="沾益甲某"), zhanyi_investigator, zhanyi_offices, qujing_supervisor
    )
    to_approved(
        draft(report, zhanyi_investigator, name="沾益乙某"), zhanyi_investigator, zhanyi_offices, zhanyi_supervisor
    )

    qilin_offices = reviewers(tree["qilin"], "qilin")
    qilin_supervisor = member("qilin-supervisor", tree["qilin"], Role.SUPERVISOR)
    teacher = SubjectInput(
        kind=SubjectKind.PERSON, name="麒麟丙某", position="副校长", unit="麒麟区第一中学", rank=Rank.TOWNSHIP_SECTION
    )
    qilin_report = register(
        qilin_offices["letters_visits"],
        tree["qilin"],
        allegations=[AllegationInput(text="违规收取择校费丙", category=Category.INTEGRITY, new_subject=teacher)],
    ).report
    to_concluded(qilin_report, qilin_supervisor, qilin_investigator, findings=(Finding.UNSUBSTANTIATED,))
    to_approved(
        draft(qilin_report, qilin_investigator, name="麒麟丙某"), qilin_investigator, qilin_offices, qilin_supervisor
    )

    return services.batch_build(city=tree["qujing"], month=timezone.localdate(), actor=qujing_supervisor)


def _absent(text: str, secrets: list[str]) -> None:
    assert [s for s in secrets if s in text] == []


def _present(text: str, secrets: list[str]) -> None:
    assert [s for s in secrets if s not in text] == []


def _withheld(summary) -> list[tuple[str, int]]:
    return [(entry["county"].division_code, entry["count"]) for entry in summary["withheld"]]


def _sheet_text(response) -> tuple[str, list[list]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    return "\n".join(str(cell) for row in rows for cell in row if cell is not None), rows


def test_sibling_county_sees_only_a_count_of_another_countys_items_on_the_batch_page(
    client, tree, batch, qilin_investigator
):
    client.force_login(qilin_investigator)
    response = client.get(reverse("clarification:batch-detail", args=[batch.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    _absent(html, ZHANYI_SECRETS)
    _present(html, QILIN_SECRETS)
    summary = response.context["summary"]
    assert _withheld(summary) == [("530303", 2)]
    assert (summary["people"], summary["organisations"], summary["total"]) == (3, 0, 3)
    assert 'data-withheld="530303"' in html and "沾益区纪委监委" in html


def test_sibling_county_sees_only_a_count_of_another_countys_items_on_the_print_page(
    client, tree, batch, qilin_investigator
):
    client.force_login(qilin_investigator)
    response = client.get(reverse("clarification:batch-print", args=[batch.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    _absent(html, ZHANYI_SECRETS)
    _present(html, QILIN_SECRETS)
    assert _withheld(response.context["summary"]) == [("530303", 2)]
    assert 'data-withheld="530303"' in html


def test_sibling_county_roster_export_holds_only_its_own_items(client, tree, batch, qilin_investigator):
    client.force_login(qilin_investigator)
    response = client.get(reverse("clarification:batch-xlsx", args=[batch.pk]))
    assert response.status_code == 200
    text, rows = _sheet_text(response)
    _absent(text, ZHANYI_SECRETS)
    _present(text, QILIN_SECRETS)
    # One row per item in reach, and the batch's figures (counts, no names) in the totals row.
    assert [row[3] for row in rows if row and row[2] and str(row[2]).startswith("CQ-")] == ["麒麟丙某"]
    assert rows[-1][1:6:2] == [3, 0, 3]  # people, organisations, total
    # Zhanyi's items appear as a count, with the commission's name and nothing else.
    assert [tree["zhanyi"].name_zh, 2] in [list(row[:2]) for row in rows]


def test_sibling_county_api_batch_detail_and_list_hold_only_its_own_items(tree, batch, qilin_investigator):
    client = api(qilin_investigator)
    detail = client.get(f"/api/clarification-batches/{batch.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    _absent(detail.content.decode(), ZHANYI_SECRETS)
    assert [item["subject_name"] for item in body["items"]] == ["麒麟丙某"]
    assert [(w["commission"], w["count"]) for w in body["withheld"]] == [(tree["zhanyi"].pk, 2)]
    assert (body["people"], body["organisations"], body["total"]) == (3, 0, 3)
    listing = client.get("/api/clarification-batches/")
    assert listing.status_code == 200
    assert batch.pk in [row["id"] for row in listing.json()["results"]]
    _absent(listing.content.decode(), ZHANYI_SECRETS)


def test_county_sees_its_own_items_and_only_a_count_of_its_siblings(client, tree, batch, zhanyi_investigator):
    client.force_login(zhanyi_investigator)
    html = client.get(reverse("clarification:batch-detail", args=[batch.pk])).content.decode()
    _present(html, ZHANYI_SECRETS)
    _absent(html, QILIN_SECRETS)
    text, _rows = _sheet_text(client.get(reverse("clarification:batch-xlsx", args=[batch.pk])))
    _present(text, ZHANYI_SECRETS)
    _absent(text, QILIN_SECRETS)
    body = api(zhanyi_investigator).get(f"/api/clarification-batches/{batch.pk}/").json()
    assert sorted(item["subject_name"] for item in body["items"]) == ["沾益乙某", "沾益甲某"]
    assert [(w["commission"], w["count"]) for w in body["withheld"]] == [(tree["qilin"].pk, 1)]


def test_city_supervisor_sees_every_item_of_the_city_batch(client, tree, batch, qujing_supervisor):
    client.force_login(qujing_supervisor)
    for name in ("clarification:batch-detail", "clarification:batch-print"):
        response = client.get(reverse(name, args=[batch.pk]))
        _present(response.content.decode(), ZHANYI_SECRETS + QILIN_SECRETS)
        assert response.context["summary"]["withheld"] == []
    text, _rows = _sheet_text(client.get(reverse("clarification:batch-xlsx", args=[batch.pk])))
    _present(text, ZHANYI_SECRETS + QILIN_SECRETS)
    body = api(qujing_supervisor).get(f"/api/clarification-batches/{batch.pk}/").json()
    assert len(body["items"]) == 3 and body["withheld"] == []


# --- item 6: recusals never remove a superior's reach ----------------------------------------------------


@pytest.fixture
def yunnan_admin(tree):
    return member("yunnan-admin", tree["yunnan"], Role.ADMIN)


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


def _sees(user, report) -> bool:
    client = api(user)
    listed = report.pk in [row["id"] for row in client.get("/api/reports/").json()["results"]]
    opened = client.get(f"/api/reports/{report.pk}/").status_code == 200
    assert listed == opened
    return opened


@pytest.mark.parametrize("superior", ["qujing_supervisor", "yunnan_admin"])
def test_county_supervisor_cannot_hide_a_report_from_a_superior_through_the_api(
    request, report, zhanyi_supervisor, superior
):
    superior = request.getfixturevalue(superior)
    events = AuditEvent.objects.count()
    response = api(zhanyi_supervisor).post(
        f"/api/reports/{report.pk}/recusal/", {"reason": "利益冲突", "user": superior.pk}, format="json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "wrong_authority"
    assert Recusal.objects.count() == 0 and AuditEvent.objects.count() == events
    assert _sees(superior, report)


@pytest.mark.parametrize("superior", ["qujing-supervisor", "yunnan-admin"])
def test_county_supervisor_cannot_hide_a_report_from_a_superior_through_the_page(
    client, report, zhanyi_supervisor, qujing_supervisor, yunnan_admin, superior
):
    events = AuditEvent.objects.count()
    client.force_login(zhanyi_supervisor)
    response = client.post(
        reverse("cases:report-action", args=[report.pk, "recusal"]),
        {"reason": "利益冲突", "username": superior},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("cases:report-detail", args=[report.pk]), 302)]
    messages = [str(m) for m in response.context["messages"]]
    assert any("上级" in m for m in messages), messages
    assert Recusal.objects.count() == 0 and AuditEvent.objects.count() == events
    assert _sees(qujing_supervisor, report) and _sees(yunnan_admin, report)


def test_a_member_of_the_county_who_also_leads_the_city_keeps_the_report(tree, report, zhanyi_supervisor):
    both = member("zhanyi-deputy", tree["zhanyi"], Role.INVESTIGATOR, "investigation")
    member("zhanyi-deputy", tree["qujing"], Role.SUPERVISOR)
    response = api(zhanyi_supervisor).post(
        f"/api/reports/{report.pk}/recusal/", {"reason": "利益冲突", "user": both.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "wrong_authority")
    assert Recusal.objects.count() == 0 and _sees(both, report)


def test_supervisor_cannot_record_a_recusal_for_someone_outside_the_commission(
    tree, report, zhanyi_supervisor, qilin_investigator
):
    events = AuditEvent.objects.count()
    response = api(zhanyi_supervisor).post(
        f"/api/reports/{report.pk}/recusal/", {"reason": "利益冲突", "user": qilin_investigator.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert Recusal.objects.count() == 0 and AuditEvent.objects.count() == events


def test_supervisor_records_a_recusal_for_a_member_of_the_commission(report, zhanyi_supervisor, zhanyi_investigator):
    response = api(zhanyi_supervisor).post(
        f"/api/reports/{report.pk}/recusal/",
        {"reason": "与被反映人系亲属", "user": zhanyi_investigator.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert not _sees(zhanyi_investigator, report)
    assert AuditEvent.objects.filter(action="report.recusal", data__user=zhanyi_investigator.pk).count() == 1


def test_superiors_own_conflict_is_recorded_and_shown_but_keeps_the_report_in_reach(client, report, qujing_supervisor):
    response = api(qujing_supervisor).post(
        f"/api/reports/{report.pk}/recusal/", {"reason": "与被反映人系同学"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Recusal.objects.filter(report=report, user=qujing_supervisor).count() == 1
    assert AuditEvent.objects.filter(action="report.recusal").count() == 1
    assert _sees(qujing_supervisor, report)
    detail = api(qujing_supervisor).get(f"/api/reports/{report.pk}/").json()
    assert [r["user"]["id"] for r in detail["recusals"]] == [qujing_supervisor.pk]
    client.force_login(qujing_supervisor)
    html = client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()
    assert 'id="my-recusal"' in html


def test_a_supervisor_of_the_superiors_own_commission_records_their_conflict(tree, report, qujing_supervisor):
    colleague = member("qujing-deputy", tree["qujing"], Role.SUPERVISOR)
    response = api(colleague).post(
        f"/api/reports/{report.pk}/recusal/", {"reason": "利益冲突", "user": qujing_supervisor.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert _sees(qujing_supervisor, report)


def test_a_superior_with_a_declared_conflict_may_not_approve(
    tree, zhanyi_supervisor, zhanyi_investigator, qujing_supervisor
):
    from .clarification_helpers import all_agree, concluded_report

    offices = reviewers(tree["zhanyi"], "zhanyi")
    report = concluded_report(tree, offices["letters_visits"], zhanyi_supervisor, zhanyi_investigator)
    recommendation = draft(report, zhanyi_investigator, name="李某")  # county-division level: Qujing approves
    services.recommendation_submit_review(actor=zhanyi_investigator, recommendation=recommendation)
    all_agree(recommendation, offices)
    services.recommendation_submit(actor=zhanyi_investigator, recommendation=recommendation)
    case_services.recusal_declare(actor=qujing_supervisor, report=report, reason="与被反映人系亲属")
    response = api(qujing_supervisor).post(f"/api/clarifications/{recommendation.pk}/approve/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    recommendation.refresh_from_db()
    assert recommendation.status == Status.PENDING_APPROVAL


# --- item 13: the reporter's relation to the subject -----------------------------------------------------


def _relation_marker() -> str:
    return f"被反映人前同事{uuid.uuid4().hex[:8].upper()}"


def _registered(intake, commission, relation, *, anonymous=False) -> Report:
    reporter = (
        ReporterInput(is_anonymous=True, relation=relation)
        if anonymous
        else ReporterInput(is_anonymous=False, name="张举报", phone="13800000000", relation=relation)
    )
    return case_services.report_register(
        actor=intake,
        commission=commission,
        received_on=timezone.localdate(),
        channel="letter",
        area="procurement",
        summary="反映应急物资采购问题",
        allegations=[AllegationInput(text="串通投标", category=Category.INTEGRITY, new_subject=zhanyi_official())],
        reporter=reporter,
        submission_token=uuid.uuid4(),
        check_repeats=False,  # fixtures: similar reports on purpose
    ).report


def test_relation_to_the_subject_is_encrypted_at_rest(tree, zhanyi_intake):
    relation = _relation_marker()
    report = _registered(zhanyi_intake, tree["zhanyi"], relation)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relation FROM cases_reporter WHERE report_id = %s", [report.pk])
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM cases_reporter WHERE relation LIKE %s", [f"%{relation[-8:]}%"])
        assert cursor.fetchone() == (0,)
    assert stored and relation not in stored
    assert Reporter.objects.get(report=report).relation == relation


@pytest.mark.parametrize("anonymous", [False, True])
def test_relation_is_hidden_from_an_investigator_and_a_city_supervisor(
    client, tree, zhanyi_intake, zhanyi_investigator, qujing_supervisor, anonymous
):
    relation = _relation_marker()
    report = _registered(zhanyi_intake, tree["zhanyi"], relation, anonymous=anonymous)
    for user in (zhanyi_investigator, qujing_supervisor):
        client.force_login(user)
        page = client.get(reverse("cases:report-detail", args=[report.pk]))
        assert page.status_code == 200 and relation not in page.content.decode()
        for path in ("/api/reports/", f"/api/reports/{report.pk}/", f"/api/reports/?q={relation}"):
            response = api(user).get(path)
            assert response.status_code == 200 and relation not in response.content.decode()
        search = client.get(reverse("cases:report-list"), {"q": relation[-8:]})
        assert report.reference not in search.content.decode()
    client.force_login(qujing_supervisor)
    export = client.get(reverse("stats:list-export", kwargs={"kind": "reports", "fmt": "csv"}))
    exported = b"".join(export.streaming_content).decode()
    assert report.reference in exported and relation not in exported


@pytest.mark.parametrize("anonymous", [False, True])
def test_relation_is_shown_where_the_identity_is_shown(client, tree, zhanyi_intake, anonymous):
    relation = _relation_marker()
    report = _registered(zhanyi_intake, tree["zhanyi"], relation, anonymous=anonymous)
    client.force_login(zhanyi_intake)
    assert relation not in client.get(reverse("cases:report-detail", args=[report.pk])).content.decode()
    revealed = client.post(reverse("cases:identity-reveal", args=[report.pk]))
    assert revealed.status_code == 200 and relation in revealed.content.decode()
    assert api(zhanyi_intake).post(f"/api/reports/{report.pk}/reveal-identity/").json()["relation"] == relation
    assert AuditEvent.objects.filter(action="identity.reveal", actor=zhanyi_intake).count() == 2


def test_relation_is_shown_to_the_holder_of_a_granted_identity_request(
    client, tree, zhanyi_intake, zhanyi_investigator, zhanyi_supervisor
):
    relation = _relation_marker()
    report = _registered(zhanyi_intake, tree["zhanyi"], relation)
    client.force_login(zhanyi_investigator)
    assert client.post(reverse("cases:identity-reveal", args=[report.pk])).status_code == 302
    access = case_services.identity_request(actor=zhanyi_investigator, report=report, reason="需核实")
    case_services.identity_decide(actor=zhanyi_supervisor, access=access, grant=True, reason="同意")
    revealed = client.post(reverse("cases:identity-reveal", args=[report.pk]))
    assert relation in revealed.content.decode()


def test_relation_rotates_with_the_identity_keys(tree, zhanyi_intake, settings):
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_KEYS = [old]
    report = _registered(zhanyi_intake, tree["zhanyi"], "投标公司员工")
    settings.IDENTITY_KEYS = [new, old]
    call_command("rotate_identity_keys", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT relation FROM cases_reporter WHERE report_id = %s", [report.pk])
        (stored,) = cursor.fetchone()
    assert Fernet(new.encode()).decrypt(stored.encode()).decode() == "投标公司员工"


def test_public_form_says_who_sees_the_relation(client, tree):
    url = reverse("public:report", args=["530303"])
    chinese = client.get(url).content.decode()
    assert "加密" in chinese and "信访" in chinese and 'id="id_relation_helptext"' in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "encrypted" in english and "letters and visits office" in english


def test_relation_longer_than_the_limit_is_refused(tree, zhanyi_intake):
    with pytest.raises(DomainError) as refusal:
        _registered(zhanyi_intake, tree["zhanyi"], "甲" * 101)
    assert refusal.value.code == "reporter"
    assert Report.objects.count() == 0


def test_data_migration_encrypts_existing_relations_on_postgresql(tree, zhanyi_intake):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("cases.migrations.0005_encrypt_reporter_relation")
    report = _registered(zhanyi_intake, tree["zhanyi"], "")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_reporter SET relation = %s WHERE report_id = %s", ["投标公司员工", report.pk])
    with connection.schema_editor() as editor:
        migration.encrypt_relations(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relation FROM cases_reporter WHERE report_id = %s", [report.pk])
        (stored,) = cursor.fetchone()
    assert "投标公司员工" not in stored
    assert Reporter.objects.get(report=report).relation == "投标公司员工"
    with connection.schema_editor() as editor:
        migration.decrypt_relations(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relation FROM cases_reporter WHERE report_id = %s", [report.pk])
        assert cursor.fetchone() == ("投标公司员工",)


def test_data_migration_encrypts_existing_relations_on_sqlite(tmp_path):
    """The whole migration on the embedded default: plaintext before, ciphertext under IDENTITY_KEYS after."""
    database = tmp_path / "db.sqlite3"
    key = Fernet.generate_key().decode()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "IDENTITY_KEYS": key, "REDIS_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

    def migrate(*target):
        subprocess.run([*manage, "migrate", *target, "-v0"], env=env, check=True, capture_output=True)

    migrate("cases", "0004")
    db = sqlite3.connect(database)
    with db:
        db.execute(
            "INSERT INTO accounts_commission (id, name_zh, name_en, level, division_code, abbr, path) "
            "VALUES (1, '沾益区纪委监委', 'Zhanyi', 4, '530303', 'ZY', '/530303/')"
        )
        db.execute(
            "INSERT INTO cases_report (id, reference, commission_id, received_on, channel, area, summary, status, "
            "outcome, place, created_at, updated_at, search_tokens) VALUES (1, 'ZY-1', 1, '2026-01-05', 'letter', "
            "'other', 's', 'registered', '', '', '2026-01-05 00:00', '2026-01-05 00:00', '')"
        )
        db.execute(
            "INSERT INTO cases_reporter (report_id, is_anonymous, name, phone, id_number, address, relation, "
            "identity_hash) VALUES (1, 1, '', '', '', '', '投标公司员工', '')"
        )
    db.close()
    migrate()
    db = sqlite3.connect(database)
    (stored,) = db.execute("SELECT relation FROM cases_reporter WHERE report_id = 1").fetchone()
    db.close()
    assert "投标公司员工" not in stored
    assert Fernet(key.encode()).decrypt(stored.encode()).decode() == "投标公司员工"
