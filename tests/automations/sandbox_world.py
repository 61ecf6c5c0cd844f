"""A firm connected to the sandboxes over real HTTP for the automations' page and browser tests:
a fresh Clio account (its webhooks delivered when a test flushes them) and a QuickBooks company,
with one Clio client and a matter opened before any automation exists."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from accounts.models import Membership, Role
from sync import services
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers import oauth
from tests.factories import FirmFactory, MembershipFactory
from tests.support.sandboxes import control, use_sandboxes


@dataclass
class World:
    base: str
    admin: Membership
    clio_account: int
    client_id: int  # the Clio contact the matters are for
    books: Connection

    def clio(self, action: str, **kw) -> dict:
        payload = {"action": action, "account": self.clio_account, **kw}
        return control(self.base, "clio", "actions", payload)["result"]

    def bookkeeper(self, action: str, **kw) -> dict:
        """The bookkeeper in QuickBooks' website (the sandbox's control API)."""
        payload = {"action": action, "realmId": self.books.external_id, **kw}
        return control(self.base, "quickbooks", "actions", payload)


def _connect(base: str, settings, admin, provider: str, account, **kw) -> Connection:
    client_id = settings.PROVIDERS[provider]["client_id"]
    raw = control(base, provider, "tokens", {"client_id": client_id, "account": account})
    return services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider=provider,
        external_name="Harbor & Vale LLP",
        tokens=oauth.tokens_from(raw),
        **kw,
    )


@pytest.fixture
def world(live_server, settings) -> World:
    """A firm connected to a fresh Clio account (webhooks delivered when the test flushes them)
    and to a QuickBooks company; one client with a matter opened before the automation exists."""
    base = live_server.url
    use_sandboxes(settings, base, webhooks=False)
    account = control(base, "clio", "accounts", {"name": "Harbor & Vale LLP", "region": "us"})["id"]
    control(base, "clio", "settings", {"webhook_delivery": "manual", "rate_limit": 100000})
    realm = control(base, "quickbooks", "seed", {"preset": "demo"})["realmId"]
    control(base, "quickbooks", "limits", {"lifted": True})
    firm = FirmFactory(name="Harbor & Vale LLP", require_mfa=False)
    admin = MembershipFactory(firm=firm, role=Role.ADMIN)
    _connect(base, settings, admin, "clio", account, external_id=f"us:{account}", region="us")
    books = _connect(base, settings, admin, "quickbooks", realm, external_id=realm)
    world = World(base=base, admin=admin, clio_account=account, client_id=0, books=books)
    world.client_id = world.clio(
        "create_contact", type="Person", first_name="Ada", last_name="Lovelace",
        email="ada@lovelace.test",
    )["id"]  # fmt: skip
    world.clio("create_matter", client_id=world.client_id, description="Estate of Byron")
    # Clio keeps times to the second, and a trigger takes events from the second it is turned
    # on: start on the next second, so this matter is older than any automation.
    time.sleep(1 - datetime.now(UTC).microsecond / 1e6)
    return world


def books_read(world: World, entity: str, record_id: str) -> dict:
    """A record read back through QuickBooks' API, as QuickBooks serves it."""
    http = client_for(world.books).http
    return http.request("GET", f"{entity.lower()}/{record_id}").json()[entity]
