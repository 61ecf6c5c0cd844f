"""Every QuickBooks Online and Xero trigger through the engine over real HTTP: the bookkeeper
makes the change, the provider's webhook wakes the trigger (the poll is the safety net for the
rest), the firm's automation on it runs once and its company contact lands in Clio with the mapped
values; polling again runs nothing again."""

import pytest

from automations.models import Run, TriggerCursor
from tests.automations.catalog.xero.conftest import value_at
from tests.automations.scenarios.changes import QUICKBOOKS, XERO
from tests.automations.scenarios.conftest import World, next_second
from tests.automations.scenarios.support import check_all, fire, landed, run_failures
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


def _woken(firm_id: int) -> set[str]:
    polled = TriggerCursor.objects.filter(firm_id=firm_id, polled_at__isnull=False)
    return set(polled.values_list("trigger", flat=True))


def _again_runs_nothing(firm_id: int, trigger_ids) -> None:
    assert run_failures(firm_id) == []
    runs = Run.objects.filter(firm_id=firm_id).count()
    fire(firm_id, trigger_ids)
    assert Run.objects.filter(firm_id=firm_id).count() == runs


def test_every_quickbooks_trigger_makes_a_clio_company_once(with_quickbooks):
    world = with_quickbooks
    firm_id = world.admin.firm_id
    _turn_on(world, QUICKBOOKS)
    made = {
        trigger_id: make(world.books)[entity]
        for trigger_id, (make, entity, _, _) in QUICKBOOKS.items()
    }

    control(world.base, "quickbooks", "webhooks/flush")
    # Every QuickBooks trigger has a webhook: each was woken and polled by the delivery.
    assert _woken(firm_id) == set(QUICKBOOKS)
    fire(firm_id, QUICKBOOKS)

    check_all(
        {
            trigger_id: _check(world, trigger_id, made[trigger_id]["Id"], field, value)
            for trigger_id, (_, _, field, value) in QUICKBOOKS.items()
        }
    )
    _again_runs_nothing(firm_id, QUICKBOOKS)


def test_every_xero_trigger_makes_a_clio_company_once(with_xero):
    world = with_xero
    firm_id = world.admin.firm_id
    _turn_on(world, XERO)
    made = {}
    for n, (trigger_id, (make, _, value)) in enumerate(XERO.items(), 1):
        record_id, label = make(world.xero, n, False)
        made[trigger_id] = (record_id, value.format(n=n) if value else label)

    control(world.base, "xero", "webhooks/flush")
    woken = {t for t in XERO if _woken(firm_id) >= {t}}
    fire(firm_id, XERO)

    check_all(
        {
            trigger_id: _check(world, trigger_id, made[trigger_id][0], field, made[trigger_id][1])
            for trigger_id, (_, field, _) in XERO.items()
        }
    )
    # Xero sends webhooks for contacts, invoices and credit notes only; the rest are polled.
    assert {"xero.new_contact", "xero.new_invoice", "xero.new_credit_note"} <= woken
    _again_runs_nothing(firm_id, XERO)
