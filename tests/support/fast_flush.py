"""Empty the test database between transactional tests with DELETE, not TRUNCATE.

Django's flush truncates every table, which on PostgreSQL makes new files for each of them: about
a second per test here, for tables that hold a handful of rows. Deleting the rows costs a few
milliseconds. The append-only triggers (trust entries, audit events) and the foreign keys are
held off for that one transaction with `session_replication_role = replica`, which needs a
superuser; without one, the flush truncates as before. Only the tests use this.
"""

from django.db.backends.postgresql.operations import DatabaseOperations

_truncate = DatabaseOperations.sql_flush
_superuser: dict[str, bool] = {}


def _may_skip_triggers(ops: DatabaseOperations) -> bool:
    alias = ops.connection.alias
    if alias not in _superuser:
        with ops.connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        _superuser[alias] = bool(row and row[0])
    return _superuser[alias]


def _sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if not tables or reset_sequences or not _may_skip_triggers(self):
        return _truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    # execute_sql_flush runs these in one transaction: LOCAL ends with it.
    return [
        "SET LOCAL session_replication_role = replica",
        *(f"DELETE FROM {self.quote_name(table)}" for table in tables),
    ]


def install() -> None:
    DatabaseOperations.sql_flush = _sql_flush  # type: ignore[method-assign]
