"""Every Clio trigger through the engine over real HTTP: a person makes the change in Clio, the
poll reads it, the firm's automation on that trigger runs once and its customer lands in
QuickBooks Online with the mapped values; polling again runs nothing again."""

import pytest

from automations.models import Run
from tests.automations.catalog.xero.conftest import value_at
from tests.automations.scenarios.changes import CLIO
from tests.automations.scenarios.support import check_all, fire, landed, run_failures
from tests.automations.world import next_second

pytestmark = pytest.mark.django_db(transaction=True)


def _step(field: str) -> dict:
    return {
        "action": "quickbooks.create_customer",
        "inputs": {
            "display_name": f"{{{{{field}}}}} {{{{event.id}}}}",
            "notes": "{{event.summary}}",
        },
    }


def test_every_clio_trigger_makes_a_quickbooks_customer_once(with_quickbooks):
    world = with_quickbooks
    firm_id = world.admin.firm_id
    client, matter = world.clio.seed()
    for trigger_id, (_, field, _) in CLIO.items():
        world.automation(trigger_id, [_step(field)])
    next_second()
    made = {
        trigger_id: make(world.clio, world.clio.account, client, matter)
        for trigger_id, (make, _, _) in CLIO.items()
    }

    fire(firm_id, CLIO)

    def check(trigger_id: str):
        def it() -> None:
            _, field, value = CLIO[trigger_id]
            event, _, step = landed(firm_id, trigger_id, made[trigger_id]["id"])
            assert value_at(event.data, field) == value, event.data
            customer = world.books.read("Customer", step.record_id)
            assert customer["DisplayName"] == f"{value} {event.event_id}", customer
            assert customer["Notes"] == event.summary
            assert step.record_url.endswith(f"nameId={step.record_id}")

        return it

    check_all({trigger_id: check(trigger_id) for trigger_id in CLIO})
    assert run_failures(firm_id) == []
    runs = Run.objects.filter(firm_id=firm_id).count()
    fire(firm_id, CLIO)
    assert Run.objects.filter(firm_id=firm_id).count() == runs
