import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# On PostgreSQL the copies cannot drift from the case's commission: each is part of a foreign key on two columns.
COMPOSITE_KEYS = [
    "ALTER TABLE accountability_accountabilitycase ADD CONSTRAINT acc_case_id_commission_uniq "
    "UNIQUE (id, commission_id)",
    "ALTER TABLE accountability_decision ADD CONSTRAINT acc_decision_id_commission_uniq UNIQUE (id, commission_id)",
    "ALTER TABLE accountability_decision ADD CONSTRAINT acc_decision_case_commission_fk "
    "FOREIGN KEY (case_id, commission_id) REFERENCES accountability_accountabilitycase (id, commission_id) "
    "DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE accountability_followupvisit ADD CONSTRAINT acc_visit_decision_commission_fk "
    "FOREIGN KEY (decision_id, commission_id) REFERENCES accountability_decision (id, commission_id) "
    "DEFERRABLE INITIALLY DEFERRED",
]
DROP_COMPOSITE_KEYS = [
    "ALTER TABLE accountability_followupvisit DROP CONSTRAINT acc_visit_decision_commission_fk",
    "ALTER TABLE accountability_decision DROP CONSTRAINT acc_decision_case_commission_fk",
    "ALTER TABLE accountability_decision DROP CONSTRAINT acc_decision_id_commission_uniq",
    "ALTER TABLE accountability_accountabilitycase DROP CONSTRAINT acc_case_id_commission_uniq",
]


def copy_commissions(apps, schema_editor):
    case = apps.get_model("accountability", "AccountabilityCase")
    decision = apps.get_model("accountability", "Decision")
    visit = apps.get_model("accountability", "FollowUpVisit")
    decision.objects.update(commission_id=Subquery(case.objects.filter(pk=OuterRef("case_id")).values("commission_id")))
    visit.objects.update(
        commission_id=Subquery(decision.objects.filter(pk=OuterRef("decision_id")).values("commission_id"))
    )


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0006_follow_up_indexes"),
        ("accounts", "0003_user_home_commission_must_change_password"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="decision", name="acc_decision_review_due_idx"),
        migrations.RemoveIndex(model_name="followupvisit", name="acc_visit_open_idx"),
        migrations.AddField(
            model_name="decision",
            name="commission",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.commission",
            ),
        ),
        migrations.AddField(
            model_name="followupvisit",
            name="commission",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.commission",
            ),
        ),
        migrations.RunPython(copy_commissions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="decision",
            name="commission",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.commission"
            ),
        ),
        migrations.AlterField(
            model_name="followupvisit",
            name="commission",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.commission"
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                condition=models.Q(("reuse_reviewed_on__isnull", True), ("status", "in_force")),
                fields=["commission", "influence_ends_on", "id"],
                name="acc_decision_review_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                condition=models.Q(("reuse_reviewed_on__isnull", True), ("status", "in_force")),
                fields=["approving_commission", "influence_ends_on", "id"],
                name="acc_decision_review_appr_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="followupvisit",
            index=models.Index(
                condition=models.Q(("done_on__isnull", True)),
                fields=["commission", "due_on", "id"],
                name="acc_visit_open_idx",
            ),
        ),
        migrations.RunPython(run_on_postgresql(COMPOSITE_KEYS), run_on_postgresql(DROP_COMPOSITE_KEYS)),
    ]
