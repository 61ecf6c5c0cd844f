"""A firm connected to a fresh sandbox QuickBooks company over real HTTP, the context a
trigger's poll or an action's run is given, and a way to act as the bookkeeper."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from automations.catalog.base import Ctx
from automations.catalog.registry import ACTIONS, TRIGGERS
from sync import services
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers import oauth
from tests.factories import MembershipFactory
from tests.support.sandboxes import control, use_sandboxes

WEB = "https://app.qbo.intuit.com"


@dataclass
class Books:
    base: str
    realm: str
    connection: Connection
    started: datetime  # just before anything was made in the company

    def act(self, action: str, realm: str = "", **kw) -> dict:
        """The bookkeeper in QuickBooks' website (the sandbox's control API)."""
        payload = {"action": action, "realmId": realm or self.realm, **kw}
        return control(self.base, "quickbooks", "actions", payload)

    def ctx(self, key: str = "step-1", *, dry_run: bool = False, web_base: str = WEB) -> Ctx:
        return Ctx(
            firm_id=self.connection.firm_id,
            app="quickbooks",
            client=client_for(self.connection),
            connection=self.connection,
            dry_run=dry_run,
            idempotency_key=key,
            web_base=web_base,
        )

    def read(self, entity: str, record_id: str) -> dict:
        """Read a record back through the API, as QuickBooks serves it."""
        http = client_for(self.connection).http
        return http.request("GET", f"{entity.lower()}/{record_id}").json()[entity]

    def select(self, statement: str) -> dict:
        http = client_for(self.connection).http
        return http.request("GET", "query", params={"query": statement}).json()["QueryResponse"]

    def count(self, entity: str) -> int:
        where = " WHERE Active IN (true, false)" if entity in ("Customer", "Vendor") else ""
        return self.select(f"SELECT COUNT(*) FROM {entity}{where}")["totalCount"]

    def run(self, action_id: str, inputs: dict, **ctx_kw):
        ctx = self.ctx(**ctx_kw)
        return ACTIONS[action_id].run(ctx, inputs), ctx

    def poll(self, trigger_id: str, since: datetime | None = None, limit: int = 50):
        return TRIGGERS[trigger_id].poll(self.ctx(), since or self.started, limit)


def _connect(base: str, settings, admin, realm: str) -> Connection:
    client_id = settings.PROVIDERS["quickbooks"]["client_id"]
    raw = control(base, "quickbooks", "tokens", {"client_id": client_id, "account": realm})
    return services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="quickbooks",
        external_id=realm,
        external_name="Test LLP",
        tokens=oauth.tokens_from(raw),
    )


@pytest.fixture
def books(live_server, settings) -> Books:
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    realm = control(base, "quickbooks", "seed", {"preset": "reference", "account": "Test LLP"})
    control(base, "quickbooks", "limits", {"lifted": True})
    admin = MembershipFactory()
    conn = _connect(base, settings, admin, realm["realmId"])
    # QuickBooks keeps times to the second: start on the next one, so the seeded chart of
    # accounts and items are older than anything a test makes.
    now = datetime.now(UTC)
    started = now.replace(microsecond=0) + timedelta(seconds=1)
    time.sleep((started - now).total_seconds())
    return Books(base=base, realm=realm["realmId"], connection=conn, started=started)


@pytest.fixture
def other_realm(books) -> str:
    """A second company in the same sandbox, that the firm is not connected to."""
    seeded = control(books.base, "quickbooks", "seed", {"preset": "reference", "account": "Other"})
    return seeded["realmId"]
