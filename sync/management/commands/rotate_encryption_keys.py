"""Re-encrypt every stored secret under the newest FIELD_ENCRYPTION_KEYS key."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from sync.crypto import EncryptedTextField, rotate


def encrypted_columns() -> dict:
    """Every model's encrypted columns, found from the fields: provider tokens, webhook secrets,
    and those of apps above this one (outbound webhooks), which this app may not import."""
    found = {}
    for model in apps.get_models():
        columns = [
            f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if columns:
            found[model] = columns
    return found


class Command(BaseCommand):
    help = "Re-encrypt provider tokens and webhook secrets under the newest encryption key."

    def handle(self, *args, **options):
        total = 0
        for model, columns in encrypted_columns().items():
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
