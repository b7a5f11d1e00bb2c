"""Issue 12, item 5: the joint batch shows only what is in reach."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from cases.choices import Category, Finding, Rank, SubjectKind
from cases.services import AllegationInput, SubjectInput
from clarification import services

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
