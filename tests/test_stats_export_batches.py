"""List exports read their rows in keyset batches (stats.exports.keyset), not from a server-side cursor: the same
rows in the same order in every database configuration, none repeated or lost between batches, and no cursor held
while the file is written (issue 18)."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from cases.choices import Category, Rank, SubjectKind
from cases.models import Report
from cases.services import AllegationInput, SubjectInput
from stats import exports

from .stats_helpers import _report

pytestmark = pytest.mark.django_db


@pytest.fixture
def alike(tree, zhanyi_intake):
    """Seven reports received the same day by the same channel about the same area: they share every value an
    export could be sorted by except the id."""

    def allegation():
        subject = SubjectInput(kind=SubjectKind.PERSON, name="赵某", unit="沾益区水务局", rank=Rank.TOWNSHIP_SECTION)
        return AllegationInput(text="违规发放补贴", category=Category.INTEGRITY, new_subject=subject)

    return [_report(zhanyi_intake, tree["zhanyi"], "phone", [allegation()], days_ago=3) for _ in range(7)]


def _csv_body(client) -> list[list[str]]:
    response = client.get(reverse("stats:list-export", args=["reports", "csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return rows[3:]


def test_batches_neither_repeat_nor_lose_rows_that_share_their_sort_values(
    client, alike, qujing_supervisor, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK", 3)  # seven rows: three batches, the last one short
    client.force_login(qujing_supervisor)
    references = [row[0] for row in _csv_body(client)]
    expected = list(Report.objects.order_by("-id").values_list("reference", flat=True))
    assert references == expected and len(set(references)) == 7

    queryset = exports.list_export("reports").queryset(qujing_supervisor, {})
    assert [r["reference"] for r in exports.keyset(queryset, size=2)] == expected
    assert [r["reference"] for r in exports.keyset(queryset[:5], size=2)] == expected[:5]  # a slice bounds the read
    assert [r["reference"] for r in exports.keyset(queryset[:4], size=2)] == expected[:4]  # ends on a full batch


def test_keyset_refuses_an_order_that_is_not_the_primary_key(alike):
    with pytest.raises(ValueError, match="ordered by its primary key"):
        list(exports.keyset(Report.objects.order_by("received_on")))
    with pytest.raises(ValueError, match="'id' among the fields"):
        list(exports.keyset(Report.objects.order_by("-id").values("reference")))


def test_the_export_without_server_side_cursors_writes_the_same_rows(client, alike, qujing_supervisor, monkeypatch):
    """PGBOUNCER_TRANSACTION_POOLING=1 sets DISABLE_SERVER_SIDE_CURSORS on every alias (config/settings.py)."""
    monkeypatch.setattr(exports, "CHUNK", 3)
    client.force_login(qujing_supervisor)
    with_cursors = _csv_body(client)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    assert _csv_body(client) == with_cursors
    assert len(with_cursors) == 7


@pytest.mark.django_db(transaction=True)
def test_a_background_export_holds_no_cursor_and_reads_ahead_without_repeats(alike, qujing_supervisor, monkeypatch):
    """Read outside a transaction, as the worker reads: a cursor there is declared WITH HOLD, and PostgreSQL
    copies the whole result into a temporary file before the first row. Outside a transaction the batches are
    read one ahead, on a connection of their own."""
    monkeypatch.setattr(exports, "CHUNK", 3)
    export = exports.list_export("reports")
    rows = exports.rows_of(export, export.queryset(qujing_supervisor, {}))
    first = next(rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'DECLARE%%'"
        )
        assert cursor.fetchone()[0] == 0
    assert len([first, *rows]) == 7

    expected = list(Report.objects.order_by("-id").values_list("reference", flat=True))
    queryset = export.queryset(qujing_supervisor, {})
    for size in (1, 2, 3, 7, 8):
        assert [r["reference"] for r in exports.keyset(queryset, size=size)] == expected
    assert [r["reference"] for r in exports.keyset(queryset[:5], size=2)] == expected[:5]
    assert [r["reference"] for r in exports.keyset(queryset[:4], size=2)] == expected[:4]
    assert list(exports.keyset(queryset.filter(pk__lt=0))) == []
