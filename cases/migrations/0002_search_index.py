"""The bigram search index (see cases/search.py); PostgreSQL only, the embedded SQLite has no GIN."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS report_search_gin ON cases_report "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_tokens, '')))"
)
DROP = "DROP INDEX IF EXISTS report_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
