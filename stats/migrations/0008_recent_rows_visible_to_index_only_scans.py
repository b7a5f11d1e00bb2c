"""Autovacuum visits the tables the live statistics and the work lists read by index-only scans after every 0.2 %
of new rows instead of PostgreSQL's 20 %.

Index-only scans skip a row's page only once vacuum has marked it all-visible; on insert-mostly tables PostgreSQL's
default waits for 20 % new rows (200,000 reports at 1,000,000, about a year of a province), so the current month,
which the live dashboard counts and the work lists walk, would mostly be read row by row. The bench measures a
database vacuumed after seeding (devtools/scale/generator.py), which this setting keeps true of a running one
within days. Vacuuming the new pages only is cheap. PostgreSQL only: SQLite has no autovacuum.
"""

from django.db import migrations

TABLES = [
    "cases_report",
    "cases_allegation",
    "cases_subject",
    "cases_verification",
    "cases_disposition",
    "clarification_recommendation",
    "clarification_returnvisit",
    "accountability_decision",
    "accountability_followupvisit",
]
SETTING = "autovacuum_vacuum_insert_scale_factor"


def _alter(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(statement.format(table=schema_editor.quote_name(table)))

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0007_resume_orphaned_exports_schedule"),
        ("cases", "0013_report_id_walk_index"),
        ("clarification", "0007_batch_item_execution"),
        ("accountability", "0007_decision_commission"),
    ]

    operations = [
        migrations.RunPython(
            _alter(f"ALTER TABLE {{table}} SET ({SETTING} = 0.002)"),
            _alter(f"ALTER TABLE {{table}} RESET ({SETTING})"),
        ),
    ]
