"""The database's half of trust record retention (trust.duties.retention holds the other).

Duty records (a client's notice, a filing, a dispute hold) are append-only like the entries
(0002). An approved reconciliation cannot be deleted for 5 years after its month: no rule pack
keeps records for less (ABA Model Rule 1.15, FIELD.md R4), so this floor holds whatever the
account's jurisdiction; the longer periods of some packs are enforced by the ORM guard. SQLite,
the local demo's database, relies on that guard alone."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION trust_dutyrecord_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trust duty records are append-only: % refused on record %', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a release or a new record instead.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trust_dutyrecord_append_only
    BEFORE UPDATE OR DELETE ON trust_dutyrecord
    FOR EACH ROW EXECUTE FUNCTION trust_dutyrecord_refuse_change();

CREATE OR REPLACE FUNCTION trust_reconciliation_retained() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'approved' AND OLD.period_end > current_date - interval '5 years' THEN
        RAISE EXCEPTION 'approved trust reconciliation % is kept 5 years after its month', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trust_reconciliation_retained
    BEFORE DELETE ON trust_reconciliation
    FOR EACH ROW EXECUTE FUNCTION trust_reconciliation_retained();
"""

DROP = """
DROP TRIGGER IF EXISTS trust_dutyrecord_append_only ON trust_dutyrecord;
DROP FUNCTION IF EXISTS trust_dutyrecord_refuse_change();
DROP TRIGGER IF EXISTS trust_reconciliation_retained ON trust_reconciliation;
DROP FUNCTION IF EXISTS trust_reconciliation_retained();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("trust", "0009_duties")]

    operations = [migrations.RunPython(forwards, backwards)]
