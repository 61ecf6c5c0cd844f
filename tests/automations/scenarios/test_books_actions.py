"""Every QuickBooks Online and Xero action through the engine over real HTTP: a new Clio contact
runs one automation per create action (its inputs the catalog tests' own) and a multi-step one
through the finds, updates and sends, each step fed by the event and by earlier steps
(`{{steps.N.id}}`); every record is read back from the books."""

import functools
import json

import pytest

from automations.catalog import registry
from automations.catalog.base import Result
from automations.context import json_safe
from automations.models import RunStep, TriggerEvent
from tests.automations.catalog.quickbooks import support as qb_support
from tests.automations.catalog.quickbooks.test_actions_create import CASES as QB_CREATES
from tests.automations.catalog.xero import cases as xero_cases
from tests.automations.catalog.xero.test_actions import _record_of
from tests.automations.scenarios.support import fire, run_failures
from tests.automations.world import World, next_second

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = "Northwind Traders"


def _new_contact(world: World) -> TriggerEvent:
    """A person adds a company in Clio; the poll reads it and the automations run."""
    next_second()
    made = world.clio.act("create_contact", type="Company", name=CLIENT, email="ap@northwind.test")
    fire(world.admin.firm_id, ["clio.new_contact"])
    return TriggerEvent.objects.get(firm_id=world.admin.firm_id, record_id=str(made["id"]))


def _typed(inputs: dict) -> dict:
    """Inputs as a firm types them on the page: text; lines as JSON."""
    safe = json_safe(inputs)
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in safe.items()}


def _steps_of(event: TriggerEvent, automation) -> list[RunStep]:
    run = event.runs.get(automation=automation)
    steps = list(run.run_steps.order_by("index"))
    assert [s.status for s in steps] == [RunStep.Status.DONE] * len(automation.steps), [
        (s.action, s.status, s.error) for s in steps
    ]
    return steps


QB_FLOW = [
    {
        "action": "quickbooks.find_or_create_customer",
        "inputs": {"display_name": "{{name}}", "email": "{{email}}"},
    },
    {"action": "quickbooks.find_customer", "inputs": {"name": "{{steps.1.name}}"}},
    {
        "action": "quickbooks.update_customer",
        "inputs": {"customer_id": "{{steps.2.id}}", "notes": "Clio contact {{id}}"},
    },
    {"action": "quickbooks.find_products", "inputs": {"name": "Legal Services", "qty": "2"}},
    {
        "action": "quickbooks.create_invoice",
        "inputs": {
            "customer_id": "{{steps.1.id}}",
            "number": "C-{{id}}",
            "lines": "{{steps.4.lines}}",
        },
    },
    {"action": "quickbooks.find_invoice", "inputs": {"number": "C-{{id}}"}},
    {
        "action": "quickbooks.update_invoice",
        "inputs": {"invoice_id": "{{steps.6.id}}", "customer_memo": "For {{name}}"},
    },
    {"action": "quickbooks.send_invoice", "inputs": {"id": "{{steps.6.id}}", "email": "{{email}}"}},
]
QB_SUPPLIES = [
    {"action": "quickbooks.find_or_create_vendor", "inputs": {"display_name": "{{name}} Supplies"}},
    {"action": "quickbooks.find_vendor", "inputs": {"name": "{{steps.1.name}}"}},
    {"action": "quickbooks.find_account", "inputs": {"name": "Operating Checking"}},
    {"action": "quickbooks.find_products", "inputs": {"name": "Legal Services", "qty": "1"}},
    {"action": "quickbooks.find_or_create_customer",
     "inputs": {"display_name": "{{name}}", "email": "{{email}}"}},
    {"action": "quickbooks.create_sales_receipt",
     "inputs": {"customer_id": "{{steps.5.id}}", "lines": "{{steps.4.lines}}",
                "deposit_account_id": "{{steps.3.id}}"}},
    {"action": "quickbooks.send_sales_receipt", "inputs": {"id": "{{steps.6.id}}", "email": "{{email}}"}},
]  # fmt: skip


def _once(monkeypatch, module, name: str) -> None:
    """The catalog's helper, made once per arguments: one company holds every case here."""
    made: dict = {}
    helper = getattr(module, name)

    @functools.wraps(helper)
    def once(org, *args, **kwargs):
        key = (args, tuple(sorted(kwargs.items())))
        if key not in made:
            made[key] = helper(org, *args, **kwargs)
        return made[key]

    monkeypatch.setattr(module, name, once)


def test_every_quickbooks_action_runs_from_an_automation_step(with_quickbooks, monkeypatch):
    world, books = with_quickbooks, with_quickbooks.books
    for name in ("customer_id", "vendor_id", "employee_id", "card_id"):
        _once(monkeypatch, qb_support, name)
    creates = {}
    for key, (entity, build) in QB_CREATES.items():
        inputs, check = build(books)
        if inputs.get("payment_type") == "Credit Card":
            inputs["payment_type"] = "CreditCard"  # as the page's list offers it
        step = {"action": f"quickbooks.{key}", "inputs": _typed(inputs)}
        creates[key] = (world.automation("clio.new_contact", [step], name=key), entity, check)
    flow = world.automation("clio.new_contact", QB_FLOW, name="Flow")
    supplies = world.automation("clio.new_contact", QB_SUPPLIES, name="Supplies")
    covered = {f"quickbooks.{k}" for k in creates} | {s["action"] for s in QB_FLOW + QB_SUPPLIES}
    assert covered == {a for a in registry.ACTIONS if a.startswith("quickbooks.")}

    event = _new_contact(world)

    assert run_failures(world.admin.firm_id) == []
    for automation, entity, check in creates.values():
        [step] = _steps_of(event, automation)
        check(books.read(entity, step.record_id))
    s = _steps_of(event, flow)
    assert s[1].record_id == s[0].record_id
    customer = books.read("Customer", s[0].record_id)
    assert (customer["DisplayName"], customer["Notes"]) == (
        CLIENT,
        f"Clio contact {event.record_id}",
    )
    invoice = books.read("Invoice", s[4].record_id)
    assert s[5].record_id == s[6].record_id == s[7].record_id == s[4].record_id
    assert (invoice["DocNumber"], invoice["CustomerMemo"]["value"]) == (
        f"C-{event.record_id}",
        f"For {CLIENT}",
    )
    assert invoice["EmailStatus"] == "EmailSent" and invoice["TotalAmt"] == 700
    v = _steps_of(event, supplies)
    assert v[1].record_id == v[0].record_id and v[4].record_id == s[0].record_id
    assert books.read("Vendor", v[0].record_id)["DisplayName"] == f"{CLIENT} Supplies"
    receipt = books.read("SalesReceipt", v[5].record_id)
    assert receipt["DepositToAccountRef"]["value"] == v[2].record_id
    assert (receipt["EmailStatus"], receipt["TotalAmt"]) == ("EmailSent", 350)
    assert v[6].record_id == v[5].record_id


XERO_FLOW = [
    {"action": "xero.find_or_create_contact",
     "inputs": {"name": "{{name}}", "email_address": "{{email}}"}},
    {"action": "xero.find_contact", "inputs": {"name": "{{steps.1.name}}"}},
    {"action": "xero.find_account", "inputs": {"code": "200"}},
    {"action": "xero.create_item",
     "inputs": {"code": "C{{id}}", "name": "Advice for {{name}}", "sale_price": "150.00",
                "sales_account_code": "{{steps.3.code}}"}},
    {"action": "xero.find_item", "inputs": {"code": "{{steps.4.code}}"}},
    {"action": "xero.create_invoice",
     "inputs": {"contact_id": "{{steps.2.id}}", "invoice_number": "C-{{id}}", "status": "AUTHORISED",
                "lines": json.dumps([{"description": "{{steps.5.name}}", "quantity": "2",
                                      "unit_amount": "{{steps.5.sale_price}}",
                                      "account_code": "{{steps.3.code}}"}])}},
    {"action": "xero.find_invoice", "inputs": {"invoice_number": "{{steps.6.invoice_number}}"}},
]  # fmt: skip


XERO_CONTACT = {
    "action": "xero.create_contact",
    "inputs": {
        "name": "{{name}} (Clio {{id}})",
        "email_address": "{{email}}",
        "contact_number": "clio-{{id}}",
    },
}


def test_every_xero_action_runs_from_an_automation_step(with_xero, monkeypatch):
    world, org = with_xero, with_xero.xero
    _once(monkeypatch, xero_cases, "contact")
    creates = {}
    for action_id, case in xero_cases.CASES.items():
        if action_id == "xero.create_contact":
            continue  # its name is the one the other cases' helper makes: in the contact flow
        step = {"action": action_id, "inputs": _typed(case.prepare(org))}
        creates[action_id] = (world.automation("clio.new_contact", [step], name=action_id), case)
    flow = world.automation("clio.new_contact", XERO_FLOW, name="Flow")
    contact = world.automation("clio.new_contact", [XERO_CONTACT], name="Contact")
    covered = {*creates, XERO_CONTACT["action"]} | {s["action"] for s in XERO_FLOW}
    assert covered == {a for a in registry.ACTIONS if a.startswith("xero.")}

    event = _new_contact(world)

    assert run_failures(world.admin.firm_id) == []
    for automation, case in creates.values():
        [step] = _steps_of(event, automation)
        result = Result(step.output, record_id=step.record_id, record_url=step.record_url)
        case.check(org.one(case.resource, _record_of(case, result)), result)
    s = _steps_of(event, flow)
    assert s[1].record_id == s[0].record_id
    assert org.one("Contacts", s[0].record_id)["EmailAddress"] == "ap@northwind.test"
    assert s[4].record_id == s[3].record_id and s[6].record_id == s[5].record_id
    invoice = org.one("Invoices", s[5].record_id)
    assert invoice["InvoiceNumber"] == f"C-{event.record_id}"
    assert invoice["Contact"]["ContactID"] == s[0].record_id
    assert invoice["LineItems"][0]["Description"] == f"Advice for {CLIENT}"
    assert invoice["Total"] == 300
    [made] = _steps_of(event, contact)
    row = org.one("Contacts", made.record_id)
    assert (row["Name"], row["EmailAddress"], row["ContactNumber"]) == (
        f"{CLIENT} (Clio {event.record_id})",
        "ap@northwind.test",
        f"clio-{event.record_id}",
    )
