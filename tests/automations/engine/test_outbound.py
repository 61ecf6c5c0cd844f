"""Outbound webhooks for automations: subscribing to `trigger.<id>` and `automation.failed`, and
what a poll and a failed run publish to such a subscription."""

import pytest
from django.test import Client

from accounts import services as account_services
from accounts.events import EVENT_TYPES, event_types_register
from accounts.models import ApiToken
from automations import execute, polling
from automations.catalog.base import ActionError
from automations.models import Run, TriggerCursor
from hooks.models import Delivery, Subscription
from tests.automations.engine.conftest import automation_make, event, event_make
from tests.hooks.conftest import receiver  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

TRIGGER = "clio.test_trigger"


@pytest.fixture
def registered(catalog):
    before = dict(EVENT_TYPES)
    catalog.trigger(poll=lambda ctx, since, limit: [event("m1", 1, status="Open")])
    event_types_register({f"trigger.{TRIGGER}": "Clio: Test trigger."})
    yield
    EVENT_TYPES.clear()
    EVENT_TYPES.update(before)


def _subscribe(admin, url: str) -> Subscription:
    _, raw = account_services.api_token_create(
        member=admin, name="ci", scope=ApiToken.Scope.READ_WRITE
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT="application/json")
    response = api.post(
        "/api/v1/webhooks/subscriptions",
        {"url": url, "events": [f"trigger.{TRIGGER}", "automation.failed"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert f"trigger.{TRIGGER}" in {
        t["type"] for t in api.get("/api/v1/webhooks/event-types").json()
    }
    return Subscription.objects.get(pk=response.json()["id"])


def test_a_polled_event_goes_to_the_subscribers_of_its_trigger(
    firm,
    admin,
    connected,
    fake_client,
    registered,
    receiver,  # noqa: F811
):
    sub = _subscribe(admin, receiver.url)
    automation_make(firm, [])
    polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)
    TriggerCursor.objects.update(created_at=TriggerCursor.objects.get().since.replace(year=2020))

    polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    delivery = Delivery.objects.get(subscription=sub)
    assert delivery.type == f"trigger.{TRIGGER}"
    assert delivery.payload["trigger"] == TRIGGER
    assert delivery.payload["data"] == {"status": "Open"}


def test_a_failed_run_goes_to_the_subscribers_of_automation_failed(
    firm,
    admin,
    connected,
    catalog,
    fake_client,
    registered,
    receiver,  # noqa: F811
):
    sub = _subscribe(admin, receiver.url)
    catalog.action(lambda ctx, i: (_ for _ in ()).throw(ActionError("Nope.", fix="Fix it.")))
    automation = automation_make(
        firm, [{"action": "quickbooks.test_action", "inputs": {"name": "x"}}]
    )
    run = Run.objects.create(firm=firm, automation=automation, event=event_make(firm))

    execute.runs_drain(seconds=5)

    delivery = Delivery.objects.get(subscription=sub)
    assert delivery.type == "automation.failed"
    assert delivery.payload["run_id"] == run.pk
    assert delivery.payload["error"] == "Step 1 (Test action): Nope."
    assert delivery.payload["fix"] == "Fix it."
