"""Yunnan's list of evaluative phrases, loaded as data so the province's administrators see and edit it.

Rows are keyed by the province's division code, so this runs whether or not the commission tree exists.
"""

from django.db import migrations

YUNNAN = "530000"
PHRASES = ["一贯表现", "一贯", "一向", "优秀", "表现突出", "表现良好", "清正廉洁", "廉洁自律", "好干部", "工作出色", "品行端正"]


def load(apps, schema_editor):
    EvaluativePhrase = apps.get_model("clarification", "EvaluativePhrase")
    for phrase in PHRASES:
        EvaluativePhrase.objects.get_or_create(province_code=YUNNAN, phrase=phrase)


def unload(apps, schema_editor):
    apps.get_model("clarification", "EvaluativePhrase").objects.filter(province_code=YUNNAN, phrase__in=PHRASES).delete()


class Migration(migrations.Migration):
    dependencies = [("clarification", "0004_statement_limits")]
    operations = [migrations.RunPython(load, unload)]
