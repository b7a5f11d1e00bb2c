from django.core.management.base import BaseCommand
from django.db import connection, transaction

from core import crypto

from ...models import Reporter

FIELDS = ("name", "phone", "id_number", "address", "relation")


class Command(BaseCommand):
    help = (
        "Re-encrypt every reporter identity, and the relation to the subject, with the first key of IDENTITY_KEYS. "
        "Put the new key first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args, **options):
        rotated = 0
        table = Reporter._meta.db_table
        with transaction.atomic():
            rows = Reporter.objects.values_list("pk", *FIELDS).iterator(chunk_size=2000)
            with connection.cursor() as cursor:
                for pk, *values in rows:
                    # values arrive decrypted; the field encrypts them again with the newest key on save.
                    sets = ", ".join(f"{field} = %s" for field in FIELDS)
                    params = [crypto.encrypt(v) if v else v for v in values]
                    cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*params, pk])
                    rotated += 1
        self.stdout.write(self.style.SUCCESS(f"{rotated} reporter identities re-encrypted with the newest key."))
