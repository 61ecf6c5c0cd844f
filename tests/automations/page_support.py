"""The page tests' world: the real catalog and the real engine (mapping, cursors, test runs,
retries), with only the provider's side stood in for: the recent events samples_fetch would read
from the app, and the HTTP a step's write is sent through (an answer as QuickBooks gives it).
The same paths over real HTTP against the sandboxes are tested in tests/automations/engine,
tests/automations/catalog and tests/e2e/test_automations.py."""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from automations import polling
from automations.catalog import registry
from automations.models import TriggerEvent
from sync.models import PROVIDER_SIDE, Connection


@dataclass
class Answer:
    body: dict

    @property
    def content(self) -> bytes:
        return b"{}"

    def json(self) -> dict:
        return self.body


@dataclass
class BooksHttp:
    """QuickBooks' API as a step sees it: a query finds nothing; a write makes record 58."""

    sent: list[dict] = field(default_factory=list)

    def request(self, method, path, **kwargs):
        self.sent.append({"method": method, "path": path, **kwargs})
        if path == "query":
            return Answer({"QueryResponse": {}})
        entity = path.capitalize()
        made = {"Id": "58", "SyncToken": "0", **(kwargs.get("json") or {})}
        return Answer({entity: made})


@dataclass
class BooksClient:
    http: BooksHttp = field(default_factory=BooksHttp)


class Engine:
    """The provider's side of the engine: what samples_fetch "reads" and what a write sent."""

    def __init__(self):
        self.samples: list[dict] = []  # data of the events samples_fetch "reads"
        self.client = BooksClient()

    @property
    def sent(self) -> list[dict]:
        return self.client.http.sent

    def samples_fetch(self, *, firm, trigger_id, limit=5):
        """As the real one: the recorded events, else the app's recent ones recorded as samples."""
        for n, data in enumerate(self.samples):
            TriggerEvent.objects.get_or_create(
                firm=firm,
                trigger=trigger_id,
                key=f"sample-{n}",
                defaults={
                    "data": data,
                    "summary": f"Matter {data['matter']['display_number']} opened",
                    "occurred_at": datetime(2026, 12, 1, 10, n, tzinfo=UTC),
                    "sample": True,
                },
            )
        recorded = TriggerEvent.objects.filter(firm=firm, trigger=trigger_id)
        return list(recorded.order_by("-occurred_at", "-id")[:limit])


SAMPLES_FETCH = polling.samples_fetch  # the real one, for a test that reads through the client


@pytest.fixture
def engine(monkeypatch) -> Engine:
    """The real catalog and engine; the app's reads and writes stood in for."""
    fake = Engine()
    monkeypatch.setattr(polling, "samples_fetch", fake.samples_fetch)
    monkeypatch.setattr("automations.context.client_for", lambda conn: fake.client)
    return fake


def app_removed(monkeypatch, app: str) -> None:
    """The catalog without `app`'s triggers and actions (as when its module is not in yet)."""
    for table in (registry.TRIGGERS, registry.ACTIONS):
        for key in [k for k in table if k.startswith(f"{app}.")]:
            monkeypatch.delitem(table, key)


def connect(firm, *apps: str) -> None:
    for app in apps:
        Connection.objects.create(
            firm=firm,
            provider=app,
            side=PROVIDER_SIDE[app],
            external_id=secrets.token_hex(4),
            access_token="a",
            refresh_token="r",
        )


STEPS = [
    {
        "action": "quickbooks.create_customer",
        "inputs": {"display_name": "{{matter.display_number}} - {{client.name}}"},
    }
]


def event_for(firm, *, key="m-1", number="00012-Smith") -> TriggerEvent:
    return TriggerEvent.objects.create(
        firm=firm,
        trigger="clio.new_matter",
        key=key,
        data={"matter": {"id": 12, "display_number": number}, "client": {"name": "Ada"}},
        summary=f"Matter {number} opened",
        record_url="https://app.clio.com/nc/#/matters/12",
        occurred_at=timezone.now(),
    )
