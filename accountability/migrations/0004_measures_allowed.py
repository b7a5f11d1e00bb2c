"""The measures each form allows (四种形态), and the measures for party organisations, loaded as data.

Sources: the Party's Regulations on Inner-Party Supervision, art. 7 (the four forms: criticism and talks; light
sanctions and organisational adjustment; heavy sanctions and major position adjustment; serious violations
transferred for investigation), and the Accountability Regulations, art. 8 (organisations: inspection, circulation,
reorganisation). These are national rules, so the rows carry no province: a change is a new data migration,
reviewed like code, rather than an edit in the admin that would change what is refused in the middle of a case.

`load` is idempotent: the test suite calls it again after a transactional test has emptied the tables.
"""

from django.db import migrations

PERSON, ORGANISATION = "person", "organisation"

FIRST = ["criticism_education", "talk_reminder", "written_self_criticism", "circulated_criticism", "admonition"]
SECOND = ["sanction", "organisational_adjustment"]  # light sanctions (警告、严重警告), organisational adjustment
THIRD = ["sanction", "organisational_adjustment"]  # heavy sanctions, major position adjustment (降职、免职)
FOURTH = ["sanction", "judicial_transfer"]  # expulsion, transfer to judicial organs
ORGANISATIONS = ["org_inspection", "org_circulation", "org_reorganisation"]

RULES = [
    *((PERSON, 1, m) for m in FIRST),
    *((PERSON, 2, m) for m in SECOND),
    *((PERSON, 3, m) for m in THIRD),
    *((PERSON, 4, m) for m in FOURTH),
    *((ORGANISATION, None, m) for m in ORGANISATIONS),
]


def load(apps, schema_editor):
    MeasureRule = apps.get_model("accountability", "MeasureRule")
    for kind, form, measure in RULES:
        MeasureRule.objects.get_or_create(target_kind=kind, form=form, measure=measure)


def unload(apps, schema_editor):
    apps.get_model("accountability", "MeasureRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accountability", "0003_measure_rules")]

    operations = [migrations.RunPython(load, unload)]
