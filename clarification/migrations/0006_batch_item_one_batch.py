"""A clarification belongs to one joint batch at a time.

Before this, an approved clarification not yet carried out was added to every later month's batch. Each
one keeps a single item: the one in the batch that carried it out, else the one in its latest batch,
marked as carried over from the month before it; the other items are removed.
"""

from collections import defaultdict

from django.db import migrations, models

DONE = ("executed", "completed")


def keep_one_item_each(apps, schema_editor):
    BatchItem = apps.get_model("clarification", "BatchItem")
    items = defaultdict(list)
    duplicated = (
        BatchItem.objects.values("recommendation_id")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("recommendation_id", flat=True)
    )
    for item in BatchItem.objects.filter(recommendation_id__in=list(duplicated)).select_related(
        "batch", "recommendation"
    ):
        items[item.recommendation_id].append(item)
    for rows in items.values():
        rows.sort(key=lambda i: i.batch.month)
        recommendation = rows[0].recommendation
        carried_out_in = [
            i
            for i in rows
            if recommendation.status in DONE
            and i.batch.status == "executed"
            and i.batch.executed_on == recommendation.executed_on
        ]
        keep = carried_out_in[0] if carried_out_in else rows[-1]
        earlier = [i.batch.month for i in rows if i.batch.month < keep.batch.month]
        if recommendation.status not in DONE and earlier:
            keep.carried_from = earlier[-1]
            keep.save(update_fields=["carried_from"])
        BatchItem.objects.filter(pk__in=[i.pk for i in rows if i.pk != keep.pk]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("clarification", "0005_yunnan_evaluative_phrases"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchitem",
            name="carried_from",
            field=models.DateField(
                blank=True,
                help_text="The month of the batch it was listed in before, when it was not carried out there.",
                null=True,
                verbose_name="carried over from",
            ),
        ),
        migrations.RunPython(keep_one_item_each, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="batchitem", name="clar_batch_item_once"),
        migrations.AddConstraint(
            model_name="batchitem",
            constraint=models.UniqueConstraint(fields=("recommendation",), name="clar_batch_item_one_batch"),
        ),
    ]
