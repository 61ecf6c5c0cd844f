"""Posted trust entries are append-only: on PostgreSQL the database itself refuses UPDATE and
DELETE (TRUNCATE, used only by test teardown, is not a row operation). SQLite, the local demo's
database, relies on the services, which never update or delete an entry."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION trust_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trust entries are append-only: % refused on entry %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Post a reversal that names the entry instead.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trust_entry_append_only
    BEFORE UPDATE OR DELETE ON trust_trustentry
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS trust_entry_append_only ON trust_trustentry;
DROP FUNCTION IF EXISTS trust_entry_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("trust", "0001_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
