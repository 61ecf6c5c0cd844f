"""Firms connected, over real HTTP, to a sandbox Clio account and to QuickBooks or Xero, with the
people who act in each app; automations are made and turned on as the page does it."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests

from accounts.models import Membership, Role
from automations import services
from automations.models import Automation
from sync import services as sync_services
from sync.models import Connection
from sync.providers import oauth
from tests.automations.catalog.clio.conftest import ClioFirm
from tests.automations.catalog.quickbooks.conftest import Books
from tests.automations.catalog.xero.conftest import XeroOrg
from tests.factories import MembershipFactory
from tests.support.sandboxes import control, use_sandboxes


@dataclass
class World:
    """One firm: its admin, its Clio account and its books (QuickBooks or Xero)."""

    base: str
    admin: Membership
    clio: ClioFirm
    books: Books | None = None
    xero: XeroOrg | None = None

    def automation(self, trigger: str, steps: list[dict], name: str = "") -> Automation:
        """Made and turned on through the services, as the page does."""
        made = services.automation_create(
            member=self.admin, name=name or f"When {trigger}", trigger=trigger, steps=steps
        )
        return services.automation_enable(member=self.admin, automation=made)

    def clio_get(self, path: str, **params) -> dict:
        """Read Clio back as another client would: not through FirmSync's own Clio budget (50
        calls a minute, which the automations under test share)."""
        self.clio.connection.refresh_from_db()
        answer = requests.get(
            f"{self.base}/sandbox/clio/us/api/v4/{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.clio.connection.access_token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]


def _clio(base: str, settings, admin: Membership, name: str) -> ClioFirm:
    account = control(base, "clio", "accounts", {"name": name, "region": "us"})["id"]
    other = control(base, "clio", "accounts", {"name": f"Not {name}", "region": "us"})["id"]
    client_id = settings.PROVIDERS["clio"]["client_id"]
    raw = control(base, "clio", "tokens", {"client_id": client_id, "account": account})
    conn = sync_services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="clio",
        external_id=f"us:{account}",
        external_name=name,
        tokens=oauth.tokens_from(raw),
        region="us",
    )
    return ClioFirm(base=base, account=account, other=other, connection=conn)


def _books_connect(base: str, settings, admin: Membership, provider: str, tenant: str, raw: dict):
    return sync_services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider=provider,
        external_id=tenant,
        external_name=f"{admin.firm.name} books",
        tokens=oauth.tokens_from(raw),
    )


def _quickbooks(base: str, settings, admin: Membership) -> Books:
    realm = control(base, "quickbooks", "seed", {"preset": "reference", "account": "Books LLP"})
    control(base, "quickbooks", "limits", {"lifted": True})
    client_id = settings.PROVIDERS["quickbooks"]["client_id"]
    tokens = {"client_id": client_id, "account": realm["realmId"]}
    raw = control(base, "quickbooks", "tokens", tokens)
    conn = _books_connect(base, settings, admin, "quickbooks", realm["realmId"], raw)
    return Books(base=base, realm=realm["realmId"], connection=conn, started=datetime.now(UTC))


def _xero(base: str, settings, admin: Membership) -> XeroOrg:
    ours = control(base, "xero", "seed", {"preset": "reference", "account": "Books LLP"})
    theirs = control(base, "xero", "seed", {"preset": "reference", "account": "Not ours"})
    control(base, "xero", "limits", {"enabled": False})
    tenant = ours["organisations"][0]["tenantId"]
    client_id = settings.PROVIDERS["xero"]["client_id"]
    raw = control(base, "xero", "tokens", {"client_id": client_id, "account": tenant})
    conn: Connection = _books_connect(base, settings, admin, "xero", tenant, raw)
    return XeroOrg(
        base=base,
        tenant_id=tenant,
        other_tenant_id=theirs["organisations"][0]["tenantId"],
        access_token=raw["access_token"],
        admin=admin,
        connection=conn,
    )


def _sandboxes(live_server, settings) -> str:
    base = live_server.url
    use_sandboxes(settings, base)
    control(base, "clio", "settings", {"webhook_delivery": "manual", "rate_limit": 100000})
    return base


@pytest.fixture
def with_quickbooks(live_server, settings) -> World:
    """A firm on Clio and QuickBooks Online."""
    base = _sandboxes(live_server, settings)
    admin = MembershipFactory(role=Role.ADMIN)
    clio = _clio(base, settings, admin, "Harbor LLP")
    return World(base=base, admin=admin, clio=clio, books=_quickbooks(base, settings, admin))


@pytest.fixture
def with_xero(live_server, settings) -> World:
    """A firm on Clio and Xero."""
    base = _sandboxes(live_server, settings)
    admin = MembershipFactory(role=Role.ADMIN)
    clio = _clio(base, settings, admin, "Vale LLP")
    return World(base=base, admin=admin, clio=clio, xero=_xero(base, settings, admin))


def next_second() -> None:
    """Clio and QuickBooks keep times to the second: a change must come after the second in which
    the automations were turned on, or it is older than their cursors."""
    now = datetime.now(UTC)
    nxt = now.replace(microsecond=0) + timedelta(seconds=1, milliseconds=50)
    time.sleep((nxt - now).total_seconds())
