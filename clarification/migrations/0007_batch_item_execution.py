"""Each clarification of a joint batch records its own execution; the batch keeps no place, participants or
recorder of its own. Batches carried out before the change stamped those on every item: copy the stamp to any
item that lacks its own, so that nothing recorded is lost when the batch's fields go."""

from django.db import migrations, models

DONE = ("executed", "completed")


def copy_stamp_to_items(apps, schema_editor, stamps=None):
    """stamps: {batch id: {executed_on, place, participants, executed_by_id}}, read from the batches if None."""
    JointBatch = apps.get_model("clarification", "JointBatch")
    BatchItem = apps.get_model("clarification", "BatchItem")
    Recommendation = apps.get_model("clarification", "Recommendation")
    if stamps is None:
        stamps = {
            row["pk"]: row
            for row in JointBatch.objects.filter(status="executed").values(
                "pk", "executed_on", "place", "participants", "executed_by_id"
            )
        }
    for batch_id, stamp in stamps.items():
        ids = BatchItem.objects.filter(batch_id=batch_id).values("recommendation_id")
        for r in Recommendation.objects.filter(pk__in=ids, status__in=DONE).order_by("pk"):
            approved = r.approved_snapshot or {}
            r.executed_on = r.executed_on or stamp["executed_on"]
            r.execution_place = r.execution_place or stamp["place"] or ""
            r.execution_participants = r.execution_participants or stamp["participants"] or ""
            r.execution_method = r.execution_method or approved.get("method", r.method)
            r.execution_audience = r.execution_audience or approved.get("audience", r.audience)
            r.executed_by_id = r.executed_by_id or stamp["executed_by_id"]
            r.save(
                update_fields=[
                    "executed_on",
                    "execution_place",
                    "execution_participants",
                    "execution_method",
                    "execution_audience",
                    "executed_by",
                ]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("clarification", "0006_batch_item_one_batch"),
    ]

    operations = [
        migrations.RunPython(copy_stamp_to_items, migrations.RunPython.noop),
        migrations.RemoveField(model_name="jointbatch", name="place"),
        migrations.RemoveField(model_name="jointbatch", name="participants"),
        migrations.RemoveField(model_name="jointbatch", name="executed_by"),
        migrations.AlterField(
            model_name="jointbatch",
            name="status",
            field=models.CharField(
                choices=[("built", "Built"), ("executed", "Carried out")],
                default="built",
                editable=False,
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="jointbatch",
            name="executed_on",
            field=models.DateField(
                blank=True,
                help_text="The day the last of its clarifications was carried out.",
                null=True,
                verbose_name="carried out on",
            ),
        ),
    ]
