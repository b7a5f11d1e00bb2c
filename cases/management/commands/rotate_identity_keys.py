from django.core.management.base import BaseCommand, CommandError
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
        unreadable = []
        table = Reporter._meta.db_table
        with transaction.atomic():
            rows = Reporter.objects.values_list("pk", *FIELDS).iterator(chunk_size=2000)
            with connection.cursor() as cursor:
                for pk, *values in rows:
                    if any(isinstance(v, crypto.Undecryptable) for v in values):
                        unreadable.append(pk)
                        continue
                    # values arrive decrypted; the field encrypts them again with the newest key on save.
                    sets = ", ".join(f"{field} = %s" for field in FIELDS)
                    params = [crypto.encrypt(v) if v else v for v in values]
                    cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*params, pk])
                    rotated += 1
            if unreadable:
                # Rolls the whole rotation back: a key was dropped too early, and nothing is half done.
                shown = ", ".join(str(pk) for pk in unreadable[:20]) + (" …" if len(unreadable) > 20 else "")
                raise CommandError(
                    f"{len(unreadable)} reporter identities cannot be decrypted with any key of IDENTITY_KEYS "
                    f"(reporters {shown}); nothing was re-encrypted. Put the old key back after the new one and "
                    "run this again."
                )
        self.stdout.write(self.style.SUCCESS(f"{rotated} reporter identities re-encrypted with the newest key."))
