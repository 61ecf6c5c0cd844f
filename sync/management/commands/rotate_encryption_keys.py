"""Re-encrypt every stored provider secret under the newest FIELD_ENCRYPTION_KEYS key."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from sync.crypto import rotate
from sync.models import Connection

ENCRYPTED_COLUMNS = {Connection: ["access_token", "refresh_token"]}


class Command(BaseCommand):
    help = "Re-encrypt provider tokens with the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model, columns in ENCRYPTED_COLUMNS.items():
            total += self._rotate_table(model, columns)
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {total} value(s) under the newest key.")
        )

    @staticmethod
    def _rotate_table(model, columns: list[str]) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        count = 0
        with transaction.atomic(), connection.cursor() as cur:
            # Raw SQL: the ciphertext is rotated as it is, never decrypted into Python objects.
            cur.execute(f"SELECT id, {cols} FROM {table}")  # noqa: S608 - names from our models
            for pk, *values in cur.fetchall():
                new = [rotate(v) if v else v for v in values]
                sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
                cur.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*new, pk])  # noqa: S608
                count += sum(1 for v in values if v)
        return count
