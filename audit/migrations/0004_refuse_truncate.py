"""The database refuses TRUNCATE of the audit trail too (PostgreSQL): row triggers do not fire on TRUNCATE.

The statement trigger reuses the append-only function of 0003, which raises
"audit_auditevent is append-only: TRUNCATE refused". It also fires when the table is reached by
TRUNCATE ... CASCADE from the tables it references.
"""

from django.db import migrations

CREATE = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only")]
    operations = [migrations.RunPython(create, drop)]
