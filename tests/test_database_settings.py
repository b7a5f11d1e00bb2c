"""Settings the PostgreSQL tables carry by migration, so that a deployment gets them without a DBA's step."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_tables_read_by_index_only_scans_are_vacuumed_after_a_small_share_of_new_rows():
    from importlib import import_module

    migration = import_module("stats.migrations.0008_recent_rows_visible_to_index_only_scans")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'", [migration.TABLES]
        )
        options = dict(cursor.fetchall())
    assert set(options) == set(migration.TABLES)
    for table, reloptions in options.items():
        assert "autovacuum_vacuum_insert_scale_factor=0.002" in (reloptions or []), table
