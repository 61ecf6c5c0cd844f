"""Disconnecting over the API: the same rule as the Bill Syncing page's form (purging the links
needs the firm's name typed exactly), admins only, the firm's own connections only."""

from unittest import mock

from django.urls import reverse

from accounts.models import AuditEvent
from sync.models import Connection, ExternalLink
from tests.conftest import client_for
from tests.factories import books_connection


def _disconnect(client, conn, body=None):
    return client.post(
        reverse("api_connection_disconnect", args=[conn.pk]),
        body or {},
        content_type="application/json",
    )


def _linked(firm) -> Connection:
    conn = books_connection(firm)
    ExternalLink.objects.create(
        firm=firm,
        connection=conn,
        entity="contact",
        local_id="1",
        remote_type="Customer",
        remote_id="c-1",
    )
    return conn


@mock.patch("sync.services.oauth.token_revoke", autospec=True)
def test_disconnect_revokes_and_keeps_the_links(revoke, admin, firm):
    conn = _linked(firm)
    response = _disconnect(client_for(admin), conn)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "disconnected"
    assert revoke.call_count == 1
    assert ExternalLink.objects.filter(connection=conn).count() == 1
    assert AuditEvent.objects.filter(firm=firm, action="connection.disconnected").exists()
    again = _disconnect(client_for(admin), conn)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_disconnected"


@mock.patch("sync.services.oauth.token_revoke", autospec=True)
def test_purging_the_links_needs_the_firms_name_typed_exactly(revoke, admin, firm):
    conn = _linked(firm)
    wrong = _disconnect(client_for(admin), conn, {"purge": True, "confirm_name": "harbor"})
    assert wrong.status_code == 400
    assert firm.name in str(wrong.json()["error"]["details"])
    conn.refresh_from_db()
    assert conn.status != Connection.Status.DISCONNECTED and revoke.call_count == 0
    done = _disconnect(client_for(admin), conn, {"purge": True, "confirm_name": firm.name})
    assert done.status_code == 200 and not ExternalLink.objects.filter(connection=conn).exists()


def test_bad_input_is_a_400_not_an_error(admin, firm):
    conn = books_connection(firm)
    response = _disconnect(client_for(admin), conn, {"purge": "perhaps"})
    assert response.status_code == 400 and "purge" in response.json()["error"]["details"]


def test_only_admins_disconnect(accountant, staff, viewer, firm):
    conn = books_connection(firm)
    for member in (accountant, staff, viewer):
        assert _disconnect(client_for(member), conn).status_code == 403
    conn.refresh_from_db()
    assert conn.status != Connection.Status.DISCONNECTED


def test_another_firms_connection_is_not_found(outsider, firm):
    conn = books_connection(firm)
    assert _disconnect(client_for(outsider), conn).status_code == 404
    conn.refresh_from_db()
    assert conn.status != Connection.Status.DISCONNECTED
