import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEvent
from accounts.services import audit_record


def test_audit_events_cannot_be_changed_through_the_orm(firm, admin):
    event = audit_record(firm=firm, actor=admin.user, action="test.done")
    event.action = "test.changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.done"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_update_and_delete_of_audit_events(firm, admin, sql):
    event = audit_record(firm=firm, actor=admin.user, action="test.done")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.done"
