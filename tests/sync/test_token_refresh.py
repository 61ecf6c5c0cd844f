"""Refreshing tokens against the sandboxes: one refresh for many workers, rotation, invalid_grant."""

import threading
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import connection as db_connection
from django.utils import timezone

from accounts.models import AuditEvent, Role
from sync import services
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers import oauth
from sync.providers.errors import ProviderAuthError
from tests.factories import MembershipFactory
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def qbo(live_server, settings):
    use_sandboxes(settings, live_server.url)
    realm = control(live_server.url, "quickbooks", "seed", {"preset": "demo"})["realmId"]
    admin = MembershipFactory(role=Role.ADMIN)
    raw = control(
        live_server.url,
        "quickbooks",
        "tokens",
        {"client_id": settings.PROVIDERS["quickbooks"]["client_id"], "account": realm},
    )
    conn = services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="quickbooks",
        external_id=realm,
        external_name="Harbor & Vale LLP",
        tokens=oauth.tokens_from(raw),
    )
    # The access token has (as far as FirmSync knows) run out: the next call refreshes.
    Connection.objects.filter(pk=conn.pk).update(
        access_expires_at=timezone.now() - timedelta(minutes=1)
    )
    return live_server.url, conn, admin


def _token_calls(base, provider="quickbooks") -> int:
    counters = requests.get(f"{base}/sandbox/{provider}/_control/counters", timeout=30).json()
    return sum(
        n
        for endpoint, statuses in counters["endpoints"].items()
        if "tokens/bearer" in endpoint
        for n in statuses.values()
    )


def test_many_workers_refreshing_at_once_call_the_token_endpoint_once(qbo):
    base, conn, _ = qbo
    before = _token_calls(base)
    results, errors = [], []

    def worker():
        try:
            results.append(services.connection_access_token(connection_id=conn.pk))
        except Exception as exc:  # any failure fails the test below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _token_calls(base) - before == 1
    assert len(set(results)) == 1
    conn.refresh_from_db()
    assert conn.status == "connected" and conn.access_token == results[0]


def test_a_rotated_refresh_token_is_kept_and_the_old_one_is_dead(qbo, settings):
    _, conn, _ = qbo
    old_refresh = conn.refresh_token
    services.connection_access_token(connection_id=conn.pk)
    conn.refresh_from_db()
    assert conn.refresh_token != old_refresh  # the sandbox rotates on every refresh
    with pytest.raises(ProviderAuthError) as err:
        oauth.token_refresh(oauth.oauth_app("quickbooks"), refresh_token=old_refresh)
    assert err.value.code == "invalid_grant"
    # The API works with the stored (new) tokens.
    assert client_for(conn).company_info()["CompanyName"] == "Harbor & Vale LLP"


def test_invalid_grant_marks_the_connection_and_emails_the_admins(qbo):
    _, conn, admin = qbo
    oauth.token_revoke(
        oauth.oauth_app("quickbooks"),
        access_token=conn.access_token,
        refresh_token=conn.refresh_token,
    )
    with pytest.raises(ProviderAuthError):
        services.connection_access_token(connection_id=conn.pk)
    conn.refresh_from_db()
    assert conn.status == "needs_reconnect" and "invalid_grant" in conn.last_error
    assert AuditEvent.objects.filter(action="connection.needs_reconnect", firm=admin.firm).exists()
    assert mail.outbox and admin.user.email in mail.outbox[-1].to
    assert "Reconnect QuickBooks Online" in mail.outbox[-1].subject
    # Syncing pauses: the connection hands out no token until an admin reconnects.
    with pytest.raises(ProviderAuthError, match="reconnected"):
        services.connection_access_token(connection_id=conn.pk)


def test_calls_are_counted_for_the_bill_syncing_card(qbo):
    _, conn, _ = qbo
    client_for(conn).preferences()
    client_for(conn).company_info()
    conn.refresh_from_db()
    assert conn.calls_today == 2 and conn.last_success_at is not None
