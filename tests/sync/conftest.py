from dataclasses import dataclass

import pytest

from accounts.models import Membership, Role
from sync import services
from sync.models import Connection
from sync.providers import oauth
from tests.factories import MembershipFactory
from tests.support.sandboxes import control, use_sandboxes


@dataclass
class ClioAccount:
    """A firm connected to a fresh sandbox Clio account, and a way to act as its people."""

    base: str
    account: int
    admin: Membership
    connection: Connection

    def act(self, action: str, **kw) -> dict:
        payload = {"action": action, "account": self.account, **kw}
        return control(self.base, "clio", "actions", payload)["result"]


@pytest.fixture
def clio_account(live_server, settings) -> ClioAccount:
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    account = control(base, "clio", "accounts", {"name": "Sandbox LLP", "region": "us"})["id"]
    control(base, "clio", "settings", {"webhook_delivery": "manual", "rate_limit": 100000})
    admin = MembershipFactory(role=Role.ADMIN)
    client_id = settings.PROVIDERS["clio"]["client_id"]
    raw = control(base, "clio", "tokens", {"client_id": client_id, "account": account})
    conn = services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="clio",
        external_id=f"us:{account}",
        external_name="Sandbox LLP",
        tokens=oauth.tokens_from(raw),
        region="us",
    )
    return ClioAccount(base=base, account=account, admin=admin, connection=conn)
