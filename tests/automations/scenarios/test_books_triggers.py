"""Every QuickBooks Online and Xero trigger through the engine over real HTTP: the bookkeeper
makes the change, the provider's webhook wakes the trigger (the poll is the safety net for the
rest), the firm's automation on it runs once and its company contact lands in Clio with the mapped
values; polling again runs nothing again."""

import pytest

from automations import execute, polling
from automations.catalog.registry import TRIGGERS
from automations.models import Run, TriggerCursor
from tests.automations.catalog.xero.conftest import value_at
from tests.automations.scenarios.changes import QUICKBOOKS, XERO
from tests.automations.scenarios.support import check_all, fire, landed, run_failures
from tests.automations.world import World, next_second
from tests.support.sandboxes import control

pytestmark = pytest.mark.django_db(transaction=True)


def _step(field: str) -> dict:
    return {
        "action": "clio.create_company_contact",
        "inputs": {"name": f"{{{{{field}}}}} {{{{event.id}}}}", "email": "books@firm.example"},
    }


def _turn_on(world: World, cases: dict) -> None:
    for trigger_id, case in cases.items():
        world.automation(trigger_id, [_step(case[-2])])
    next_second()


def _check(world: World, trigger_id: str, record_id: str, field: str, value: str):
    def it() -> None:
        event, _, step = landed(world.admin.firm_id, trigger_id, record_id)
        assert value_at(event.data, field) == value, event.data
        contact = world.clio_get(f"contacts/{step.record_id}.json", fields="id,name,type")
        assert (contact["name"], contact["type"]) == (f"{value} {event.event_id}", "Company")
        assert f"/contacts/{step.record_id}" in step.record_url

    return it


def _deliver(world: World, provider: str, monkeypatch) -> set[str]:
    """The provider sends its webhooks; returns the triggers they woke. The receiver only marks
    the cursors and queues their polls (here held back: inline, a poll inside the delivery would
    outlast the 3 seconds a provider waits for the answer); the schedule's tick then polls them."""
    queued: list[str] = []
    with monkeypatch.context() as held:
        held.setattr(polling, "_queue_polls", lambda firm_id, ids: queued.extend(ids))
        control(world.base, provider, "webhooks/flush")
    woken = TriggerCursor.objects.filter(firm_id=world.admin.firm_id, wake_at__isnull=False)
    assert set(woken.values_list("trigger", flat=True)) == set(queued)
    assert polling.polls_due() >= len(queued)
    execute.runs_drain(seconds=120)
    return set(queued)


def _again_runs_nothing(firm_id: int, trigger_ids) -> None:
    assert run_failures(firm_id) == []
    runs = Run.objects.filter(firm_id=firm_id).count()
    fire(firm_id, trigger_ids)
    assert Run.objects.filter(firm_id=firm_id).count() == runs


def test_every_quickbooks_trigger_makes_a_clio_company_once(with_quickbooks, monkeypatch):
    world = with_quickbooks
    firm_id = world.admin.firm_id
    _turn_on(world, QUICKBOOKS)
    made = {
        trigger_id: make(world.books)[entity]
        for trigger_id, (make, entity, _, _) in QUICKBOOKS.items()
    }

    # Every QuickBooks trigger has a webhook: each is woken by the deliveries.
    assert _deliver(world, "quickbooks", monkeypatch) == set(QUICKBOOKS)

    check_all(
        {
            trigger_id: _check(world, trigger_id, made[trigger_id]["Id"], field, value)
            for trigger_id, (_, _, field, value) in QUICKBOOKS.items()
        }
    )
    _again_runs_nothing(firm_id, QUICKBOOKS)


def test_every_xero_trigger_makes_a_clio_company_once(with_xero, monkeypatch):
    world = with_xero
    firm_id = world.admin.firm_id
    _turn_on(world, XERO)
    made = {}
    for n, (trigger_id, (make, _, value)) in enumerate(XERO.items(), 1):
        record_id, label = make(world.xero, n, False)
        made[trigger_id] = (record_id, value.format(n=n) if value else label)

    woken = _deliver(world, "xero", monkeypatch)
    fire(firm_id, XERO)  # the poll is the safety net for what Xero sends no webhook for

    check_all(
        {
            trigger_id: _check(world, trigger_id, made[trigger_id][0], field, made[trigger_id][1])
            for trigger_id, (_, field, _) in XERO.items()
        }
    )
    # Xero sends webhooks for contacts, invoices and credit notes only; the rest are polled.
    assert woken == {t for t, trigger in TRIGGERS.items() if t in XERO and trigger.wakes_on}
    _again_runs_nothing(firm_id, XERO)
