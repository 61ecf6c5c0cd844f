"""A firm connected to a fresh sandbox Xero organisation, a step's context for it, and ways to act
as its bookkeeper and to read its books back over the real API."""

from dataclasses import dataclass
from datetime import datetime

import pytest
import requests

from accounts.models import Membership, Role
from automations.catalog.base import Ctx
from sync import services
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers import oauth
from tests.factories import MembershipFactory
from tests.support.sandboxes import control, use_sandboxes

ORG = "Catalog Books"
OTHER = "Someone Else's Books"


@dataclass
class XeroOrg:
    base: str
    tenant_id: str
    other_tenant_id: str
    access_token: str
    admin: Membership
    connection: Connection

    def act(self, action: str, *, other: bool = False, **kw) -> dict:
        tenant = self.other_tenant_id if other else self.tenant_id
        return control(self.base, "xero", "actions", {"action": action, "tenant_id": tenant, **kw})

    def ctx(self, key: str = "step-1", *, dry_run: bool = False) -> Ctx:
        return Ctx(
            firm_id=self.admin.firm_id,
            app="xero",
            client=client_for(self.connection),
            connection=self.connection,
            dry_run=dry_run,
            idempotency_key=key,
        )

    def get(self, path: str, **params) -> dict:
        """Read the books over the real API, as another client would."""
        return self.call("GET", path, params=params)

    def call(self, method: str, path: str, **kw) -> dict:
        answer = requests.request(
            method,
            f"{self.base}/sandbox/xero/api/api.xro/2.0/{path}",
            headers={
                "Authorization": f"Bearer {self.access_token}",
                "xero-tenant-id": self.tenant_id,
                "Accept": "application/json",
            },
            timeout=30,
            **kw,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def one(self, resource: str, record_id: str) -> dict:
        return self.get(f"{resource}/{record_id}")[resource][0]

    def count(self, resource: str, **params) -> int:
        return len(self.get(resource, **params)[resource])

    def advance(self, seconds: int) -> None:
        control(self.base, "xero", "clock", {"advance_seconds": seconds})

    def now(self) -> datetime:
        return datetime.fromisoformat(
            control(self.base, "xero", "clock", {"advance_seconds": 0})["now"]
        )


@pytest.fixture
def xero(live_server, settings) -> XeroOrg:
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    ours = control(base, "xero", "seed", {"preset": "reference", "account": ORG})
    theirs = control(base, "xero", "seed", {"preset": "reference", "account": OTHER})
    control(base, "xero", "limits", {"enabled": False})
    tenant = ours["organisations"][0]["tenantId"]
    client_id = settings.PROVIDERS["xero"]["client_id"]
    raw = control(base, "xero", "tokens", {"client_id": client_id, "account": tenant})
    admin = MembershipFactory(role=Role.ADMIN)
    conn = services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="xero",
        external_id=tenant,
        external_name=ORG,
        tokens=oauth.tokens_from(raw),
    )
    return XeroOrg(
        base=base,
        tenant_id=tenant,
        other_tenant_id=theirs["organisations"][0]["tenantId"],
        access_token=raw["access_token"],
        admin=admin,
        connection=conn,
    )


def value_at(data: dict, dotted: str):
    """The value at a field's dotted key ("invoice.contact.name"); fails when it is missing."""
    value = data
    for part in dotted.split("."):
        assert isinstance(value, dict) and part in value, f"{dotted} is not there"
        value = value[part]
    return value
