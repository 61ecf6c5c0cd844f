"""Triggers and actions defined in the test (put into the registry for its length), a firm with
connections, and a fake provider client that records what was sent."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from automations.catalog import registry
from automations.catalog.base import Action, Event, Field, Result, Trigger
from automations.models import Automation, TriggerEvent
from sync.models import Connection


@dataclass
class FakeResponse:
    body: dict
    content: bytes = b"{}"

    def json(self) -> dict:
        return self.body


@dataclass
class FakeHttp:
    calls: list = field(default_factory=list)
    answer: dict = field(default_factory=lambda: {"id": "77"})

    def request(self, method, path, **kwargs):
        self.calls.append({"method": method, "path": path, **kwargs})
        return FakeResponse(self.answer)


@dataclass
class FakeClient:
    http: FakeHttp = field(default_factory=FakeHttp)


@pytest.fixture
def fake_client(monkeypatch) -> FakeClient:
    client = FakeClient()
    monkeypatch.setattr("automations.context.client_for", lambda conn: client)
    return client


class Catalog:
    """Adds test triggers and actions to the registry (monkeypatch undoes it)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def trigger(self, app="clio", key="test_trigger", *, poll=None, wakes_on=("matter",)):
        t = Trigger(
            app=app,
            key=key,
            name="Test trigger",
            description="For tests.",
            fields=(Field("matter.display_number", "Matter number"),),
            poll=poll or (lambda ctx, since, limit: []),
            wakes_on=wakes_on,
        )
        self.monkeypatch.setitem(registry.TRIGGERS, t.id, t)
        return t

    def action(self, run, app="quickbooks", key="test_action", *, kind="create", fields=None):
        a = Action(
            app=app,
            key=key,
            name="Test action",
            description="For tests.",
            kind=kind,
            fields=tuple(fields or (Field("name", "Name", required=True),)),
            outputs=(Field("id", "Id"),),
            run=run,
        )
        self.monkeypatch.setitem(registry.ACTIONS, a.id, a)
        return a


@pytest.fixture
def catalog(monkeypatch) -> Catalog:
    return Catalog(monkeypatch)


def connect(firm, provider: str) -> Connection:
    side = "practice" if provider == "clio" else "books"
    return Connection.objects.create(
        firm=firm,
        provider=provider,
        side=side,
        external_id=f"{provider}-{firm.pk}",
        region="us" if provider == "clio" else "",
    )


@pytest.fixture
def connected(firm):
    return {p: connect(firm, p) for p in ("clio", "quickbooks")}


def event_make(firm, trigger_id="clio.test_trigger", key="m1", data=None, **kw) -> TriggerEvent:
    return TriggerEvent.objects.create(
        firm=firm,
        trigger=trigger_id,
        key=key,
        data=data if data is not None else {"matter": {"display_number": "00012-Smith"}},
        occurred_at=kw.pop("occurred_at", timezone.now()),
        **kw,
    )


def automation_make(firm, steps, trigger_id="clio.test_trigger", **kw) -> Automation:
    return Automation.objects.create(
        firm=firm, name=kw.pop("name", "Test"), trigger=trigger_id, steps=steps, enabled=True, **kw
    )


def event(key: str, minutes_ago: float = 0.0, **data) -> Event:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return Event(key=key, data=data or {"n": key}, occurred_at=at, record_id=key, summary=key)


def ok(ctx, inputs) -> Result:
    ctx.write("POST", "things", json={"name": inputs["name"]})
    return Result(output={"id": "77", "name": inputs["name"]}, record_id="77", summary="Made 77")


def books_connect(base: str, settings, admin, provider: str) -> Connection:
    """The admin's firm connected to a fresh demo QuickBooks company or Xero organisation."""
    from sync import services
    from sync.providers import oauth
    from tests.support.sandboxes import control

    client_id = settings.PROVIDERS[provider]["client_id"]
    if provider == "quickbooks":
        company = control(base, "quickbooks", "seed", {"preset": "demo", "account": "Books LLP"})
        raw = control(
            base, provider, "tokens", {"client_id": client_id, "account": company["realmId"]}
        )
        external_id = company["realmId"]
    else:
        control(base, "xero", "seed", {"preset": "demo", "account": "Books LLP"})
        raw = control(base, provider, "tokens", {"client_id": client_id, "account": "Books LLP"})
        external_id = raw["tenantId"]
    return services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider=provider,
        external_id=external_id,
        external_name="Books LLP",
        tokens=oauth.tokens_from(raw),
    )
