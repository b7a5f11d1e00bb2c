"""The reporter's relation to the subject can identify them (issue 12, item 13): store it encrypted like the
identity. The column becomes text (ciphertext is longer than 100 characters), then existing values are
encrypted in place with the newest key of IDENTITY_KEYS. Raw SQL on purpose: the historical model's field
already decrypts, and would read the plaintext still in the column as a broken token."""

from django.db import migrations

import core.crypto

BATCH = 1000


def _rewrite(schema_editor, apps, convert) -> None:
    """Rewrite every non-empty relation, a batch of rows at a time in id order (flat memory on large tables)."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("cases", "Reporter")._meta.db_table)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, relation FROM {table} WHERE id > %s AND relation <> '' ORDER BY id LIMIT %s",  # noqa: S608
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                f"UPDATE {table} SET relation = %s WHERE id = %s",  # noqa: S608
                [(convert(value), pk) for pk, value in rows],
            )
        last = rows[-1][0]


def encrypt_relations(apps, schema_editor) -> None:
    _rewrite(schema_editor, apps, core.crypto.encrypt)


def decrypt_relations(apps, schema_editor) -> None:
    _rewrite(schema_editor, apps, core.crypto.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_statistics_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reporter",
            name="relation",
            field=core.crypto.EncryptedTextField(blank=True, verbose_name="relation to the subject"),
        ),
        migrations.RunPython(encrypt_relations, decrypt_relations, elidable=False),
    ]
