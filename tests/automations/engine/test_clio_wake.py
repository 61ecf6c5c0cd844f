"""Clio deliveries wake automations through sync's `clio_change_received` signal; a delivery for
a model only automations use never starts the sync's pull."""

import pytest

from automations import polling
from automations.models import TriggerCursor
from sync import webhooks
from sync.models import WebhookEvent, WebhookSubscription
from tests.automations.engine.conftest import automation_make, connect

pytestmark = pytest.mark.django_db


def _sub(conn, model: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        firm=conn.firm, connection=conn, model=model, token=f"t-{model}-{conn.pk}"
    )


def test_a_delivery_wakes_the_firms_triggers_on_its_model(firm, other_firm, catalog):
    catalog.trigger(key="new_task", wakes_on=("task",))
    for f in (firm, other_firm):
        automation_make(f, [], trigger_id="clio.new_task")
        polling.cursor_ensure(firm=f, trigger_id="clio.new_task")
    sub = _sub(connect(firm, "clio"), "task")

    assert webhooks.inbox_store(sub=sub, payload={"data": {"id": 5}, "meta": {"event": "created"}})

    woken = TriggerCursor.objects.filter(wake_at__isnull=False)
    assert list(woken.values_list("firm_id", flat=True)) == [firm.pk]
    # Not a model the sync reads: its pull has nothing to do.
    assert WebhookEvent.objects.get().processed_at is not None


def test_a_delivery_of_a_model_the_sync_reads_waits_for_its_pull(firm, catalog):
    sub = _sub(connect(firm, "clio"), "matter")
    webhooks.inbox_store(sub=sub, payload={"data": {"id": 5}, "meta": {"event": "created"}})
    assert WebhookEvent.objects.get().processed_at is None
