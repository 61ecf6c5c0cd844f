"""A firm connected to a fresh sandbox Clio account, the step context its automations get, and a
second account whose records must never show up."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from automations.catalog import registry
from automations.catalog.base import Ctx, Event
from sync import services
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers import oauth
from tests.factories import MembershipFactory
from tests.support.sandboxes import control

WEB = "https://eu.app.clio.com"  # a firm's web host, to see links follow it


@dataclass
class ClioFirm:
    base: str
    account: int
    other: int  # another firm's account in the same sandbox
    connection: Connection

    def act(self, action: str, account: int | None = None, **kw) -> dict:
        payload = {"action": action, "account": account or self.account, **kw}
        return control(self.base, "clio", "actions", payload)["result"]

    def ctx(self, *, dry_run: bool = False, key: str = "run-1-step-1", web: str = WEB) -> Ctx:
        return Ctx(
            firm_id=self.connection.firm_id,
            app="clio",
            client=client_for(self.connection),
            connection=self.connection,
            dry_run=dry_run,
            idempotency_key=key,
            web_base=web,
        )

    def get(self, path: str, **params) -> dict:
        """Read back through Clio's API, as the firm's token sees it."""
        return self.ctx().client.http.request("GET", path, params=params).json()["data"]

    def seed(self, account: int | None = None) -> tuple[dict, dict]:
        """A client and a matter of `account` (ours by default)."""
        who = account or self.account
        client = self.act("create_contact", who, first_name="Ada", last_name="Lovelace")
        client |= {"email": "ada@example.com"}
        matter = self.act("create_matter", who, client_id=client["id"], description="Estate plan")
        return client, matter

    def poll(self, trigger: str, since: datetime, limit: int = 50) -> list[Event]:
        found = registry.trigger(f"clio.{trigger}")
        assert found is not None
        return found.poll(self.ctx(), since, limit)


@pytest.fixture
def clio(live_server, settings) -> ClioFirm:
    """Only Clio is reset and registered (the other providers are not used here)."""
    base = live_server.url
    control(base, "clio", "reset")
    app = control(base, "clio", "apps", {"redirect_uris": [f"{base}/cb"], "name": "FirmSync"})
    regions = {r: f"{base}/sandbox/clio/{r}" for r in ("us", "eu", "ca", "au")}
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "clio": {
            "regions": regions,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    }
    account = control(base, "clio", "accounts", {"name": "Sandbox LLP", "region": "us"})["id"]
    other = control(base, "clio", "accounts", {"name": "Elsewhere LLP", "region": "us"})["id"]
    control(base, "clio", "settings", {"webhook_delivery": "manual", "rate_limit": 100000})
    admin = MembershipFactory()
    raw = control(base, "clio", "tokens", {"client_id": app["client_id"], "account": account})
    connection = services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="clio",
        external_id=f"us:{account}",
        external_name="Sandbox LLP",
        tokens=oauth.tokens_from(raw),
        region="us",
    )
    return ClioFirm(base=base, account=account, other=other, connection=connection)


def a_while_ago() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=2)


def run(c: ClioFirm, action: str, inputs: dict, *, dry_run: bool = False):
    """Run one Clio action as a step would; (result, the context it was given)."""
    found = registry.action(f"clio.{action}")
    assert found is not None
    ctx = c.ctx(dry_run=dry_run)
    return found.run(ctx, inputs), ctx
