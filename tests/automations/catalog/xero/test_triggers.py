"""Each Xero trigger against the sandbox over real HTTP: a change made in the books is polled
into one event, a second poll finds the same keys, `since` cuts off what came before, and
another organisation's records never show."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from automations.catalog import registry
from tests.automations.catalog.xero.conftest import XeroOrg, value_at

pytestmark = pytest.mark.django_db(transaction=True)

LINES = [
    {"Description": "Consultation", "Quantity": 1.5, "UnitAmount": 200, "AccountCode": "200"},
    {"Description": "Filing fee", "Quantity": 1, "UnitAmount": 85.25, "AccountCode": "200"},
]
SPEND_LINES = [{"Description": "Court fee", "UnitAmount": 120.5, "AccountCode": "310"}]


def _contact(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    name = f"Client {n}"
    made = org.act("create_contact", other=other, contact={"Name": name})["Contact"]
    return made["ContactID"], name


def _supplier(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    org.act("create_contact", other=other, contact={"Name": f"Not a supplier {n}"})
    made = org.act("create_supplier", other=other, contact={"Name": f"Supplier {n}"})["Contact"]
    return made["ContactID"], made["Name"]


def _invoice(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    invoice = {"Type": "ACCREC", "Contact": {"Name": f"Client {n}"}, "LineItems": LINES}
    made = org.act("create_invoice", other=other, invoice=invoice)["Invoice"]
    org.act("create_bill", other=other, bill={"Contact": {"Name": "Paper Co"}, "LineItems": LINES})
    return made["InvoiceID"], made["InvoiceNumber"]


def _bill(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    bill = {"Contact": {"Name": f"Supplier {n}"}, "InvoiceNumber": f"SUP-{n}", "LineItems": LINES}
    made = org.act("create_bill", other=other, bill=bill)["Invoice"]
    org.act("create_invoice", other=other, invoice={"Type": "ACCREC", "Contact": {"Name": "X"}})
    return made["InvoiceID"], f"SUP-{n}"


def _quote(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    quote = {"Contact": {"Name": f"Client {n}"}, "Date": "2026-11-02", "LineItems": LINES}
    made = org.act("create_quote", other=other, quote=quote)["Quote"]
    return made["QuoteID"], made["QuoteNumber"]


def _order(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    order = {"Contact": {"Name": f"Supplier {n}"}, "Date": "2026-11-02", "LineItems": LINES}
    made = org.act("create_purchase_order", other=other, purchase_order=order)["PurchaseOrder"]
    return made["PurchaseOrderID"], made["PurchaseOrderNumber"]


def _bank(kind: str, other_kind: str):
    def make(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
        txn = {
            "Contact": {"Name": f"Payee {n}"},
            "BankAccount": {"Code": "090"},
            "Reference": f"ref {n}",
            "LineItems": SPEND_LINES,
        }
        made = org.act(kind, other=other, **{kind.split("_")[0]: txn})["BankTransaction"]
        org.act(other_kind, other=other, **{other_kind.split("_")[0]: txn})
        return made["BankTransactionID"], f"Payee {n}"

    return make


def _payment(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": f"Client {n}"},
        "Status": "AUTHORISED",
        "LineItems": LINES,
    }
    made = org.act("create_invoice", other=other, invoice=invoice)["Invoice"]
    paid = org.act("pay_invoice", other=other, invoice_id=made["InvoiceID"], amount=100)
    return paid["Payment"]["PaymentID"], made["InvoiceNumber"]


def _account(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    account = {"Code": f"7{n}0", "Name": f"Matter costs {n}", "Type": "EXPENSE"}
    made = org.act("create_account", other=other, account=account)["Account"]
    return made["AccountID"], f"Matter costs {n}"


def _credit_note(org: XeroOrg, n: int, other: bool) -> tuple[str, str]:
    note = {"Type": "ACCRECCREDIT", "Contact": {"Name": f"Client {n}"}, "LineItems": LINES}
    made = org.act("create_credit_note", other=other, credit_note=note)["CreditNote"]
    return made["CreditNoteID"], made.get("CreditNoteNumber") or f"Client {n}"


@dataclass(frozen=True)
class Case:
    make: Callable[[XeroOrg, int, bool], tuple[str, str]]
    noun: str
    url: str  # a piece of the record's link in Xero


CASES = {
    "xero.new_contact": Case(_contact, "contact", "/Contacts/View/"),
    "xero.new_supplier": Case(_supplier, "contact", "/Contacts/View/"),
    "xero.new_invoice": Case(_invoice, "invoice", "/AccountsReceivable/View.aspx?InvoiceID="),
    "xero.new_bill": Case(_bill, "invoice", "/AccountsPayable/View.aspx?InvoiceID="),
    "xero.new_quote": Case(_quote, "quote", "/quotes/view/"),
    "xero.new_purchase_order": Case(_order, "purchase_order", "/PurchaseOrders/View/"),
    "xero.new_spend_money": Case(
        _bank("spend_money", "receive_money"), "bank_transaction", "bankTransactionID="
    ),
    "xero.new_receive_money": Case(
        _bank("receive_money", "spend_money"), "bank_transaction", "bankTransactionID="
    ),
    "xero.new_payment": Case(_payment, "payment", "bankTransactionID="),
    "xero.new_account": Case(_account, "account", "accountID="),
    "xero.new_credit_note": Case(_credit_note, "credit_note", "ViewCreditNote.aspx?creditNoteID="),
}


def _leaves(data: dict, prefix: str = ""):
    """Every dotted key of an event's data (a list of lines is one field)."""
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_every_trigger_the_brief_names_is_in_the_catalog():
    wanted = {*CASES, "xero.updated_contact"}
    assert wanted == {t for t in registry.TRIGGERS if t.startswith("xero.")}


@pytest.mark.parametrize("trigger_id", sorted(CASES))
def test_a_new_record_is_polled_once_with_its_fields_and_link(xero, trigger_id):
    trigger, case = registry.TRIGGERS[trigger_id], CASES[trigger_id]
    since = xero.now()
    case.make(xero, 1, True)  # another organisation's: never seen
    first_id, first_label = case.make(xero, 1, False)
    xero.advance(120)
    second_id, second_label = case.make(xero, 2, False)

    events = trigger.poll(xero.ctx(), since, 50)

    assert [e.key for e in events] == [first_id, second_id]
    event = events[0]
    assert event.record_id == event.data["id"] == event.data[case.noun]["id"] == first_id
    assert first_label in event.summary and second_label in events[1].summary
    assert event.record_url.startswith("https://go.xero.com/") and case.url in event.record_url
    assert first_id in event.record_url or case.noun == "tracking"
    assert set(_leaves(event.data)) == {f.key for f in trigger.fields}
    for field in trigger.fields:
        value = value_at(event.data, field.key)
        if field.type == "money":
            assert isinstance(value, str) and value == f"{float(value):.2f}"
    assert events[0].occurred_at < events[1].occurred_at
    assert [e.key for e in trigger.poll(xero.ctx(), since, 50)] == [first_id, second_id]
    later = trigger.poll(
        xero.ctx(), events[0].occurred_at + (events[1].occurred_at - events[0].occurred_at) / 2, 50
    )
    assert [e.key for e in later] == [second_id]
    assert [e.key for e in trigger.poll(xero.ctx(), since, 1)] == [first_id]


def test_each_saved_version_of_a_contact_fires_updated_contact_once(xero):
    trigger = registry.TRIGGERS["xero.updated_contact"]
    since = xero.now()
    contact_id, _ = _contact(xero, 1, False)
    _contact(xero, 1, True)
    created = trigger.poll(xero.ctx(), since, 50)
    xero.advance(60)
    xero.call("POST", f"Contacts/{contact_id}", json={"EmailAddress": "new@client.example"})

    updated = trigger.poll(xero.ctx(), since, 50)

    assert [e.record_id for e in created] == [e.record_id for e in updated] == [contact_id]
    assert created[0].key != updated[0].key and updated[0].key.startswith(f"{contact_id}:")
    assert updated[0].data["contact"]["email_address"] == "new@client.example"
    assert updated[0].summary == "Contact Client 1 updated"
    assert [e.key for e in trigger.poll(xero.ctx(), since, 50)] == [updated[0].key]


def test_an_invoice_event_carries_its_lines_contact_and_money_as_decimal_strings(xero):
    since = xero.now()
    xero.act(
        "create_contact", contact={"Name": "Rivera Holdings", "EmailAddress": "ap@rivera.example"}
    )
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": "Rivera Holdings"},
        "Date": "2026-11-02",
        "DueDate": "2026-12-02",
        "Reference": "Matter 00012",
        "LineAmountTypes": "NoTax",
        "LineItems": LINES,
    }
    made = xero.act("create_invoice", invoice=invoice)["Invoice"]

    (event,) = registry.TRIGGERS["xero.new_invoice"].poll(xero.ctx(), since, 10)

    data = event.data["invoice"]
    assert (data["date"], data["due_date"], data["reference"]) == (
        "2026-11-02",
        "2026-12-02",
        "Matter 00012",
    )
    assert (data["sub_total"], data["total"], data["amount_due"]) == ("385.25", "385.25", "385.25")
    assert data["lines"] == [
        {
            "description": "Consultation",
            "quantity": "1.5",
            "unit_amount": "200.00",
            "line_amount": "300.00",
            "account_code": "200",
            "item_code": "",
            "tax_type": "NONE",
            "tax_amount": "0.00",
        },
        {
            "description": "Filing fee",
            "quantity": "1",
            "unit_amount": "85.25",
            "line_amount": "85.25",
            "account_code": "200",
            "item_code": "",
            "tax_type": "NONE",
            "tax_amount": "0.00",
        },
    ]
    assert event.data["contact"]["name"] == "Rivera Holdings"
    assert event.data["contact"]["id"] == made["Contact"]["ContactID"]
    assert event.summary == f"Invoice {made['InvoiceNumber']} for Rivera Holdings: 385.25"


def test_webhook_categories_wake_only_the_triggers_xero_sends_them_for():
    woken = {t.key: t.wakes_on for t in registry.TRIGGERS.values() if t.app == "xero"}
    assert woken["new_invoice"] == woken["new_bill"] == ("INVOICE",)
    assert woken["new_contact"] == woken["updated_contact"] == ("CONTACT",)
    assert woken["new_supplier"] == ("CONTACT", "INVOICE")
    assert woken["new_payment"] == ("INVOICE", "CREDITNOTE")
    assert woken["new_credit_note"] == ("CREDITNOTE",)
    polled_only = ("new_quote", "new_purchase_order", "new_spend_money", "new_receive_money",
                   "new_account")  # fmt: skip
    assert all(woken[k] == () for k in polled_only)
