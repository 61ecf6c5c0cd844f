"""Each QuickBooks trigger over real HTTP: the bookkeeper makes the change in the sandbox, the
poll reads it as one event with the app's shape, a second poll gives the same keys, a later
`since` leaves it out, and another company's records never come in."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from automations.catalog.registry import TRIGGERS

pytestmark = pytest.mark.django_db(transaction=True)

LINES = [{"description": "Advice", "qty": 2, "unit_price": 125.5}]


def make_customer(books, realm="", name="Olivia Smith"):
    made = books.act("create_customer", realm, display_name=name, email="olivia@mail.example")
    return made["Customer"]


def make_vendor(books, realm="", name="Court Reporters Inc"):
    return books.act("create_vendor", realm, display_name=name, email="cr@mail.example")["Vendor"]


def _invoice(books, realm=""):
    cid = make_customer(books, realm)["Id"]
    return books.act("create_invoice", realm, customer_id=cid, lines=LINES, doc_number="H-1")


def _estimate(books, realm=""):
    cid = make_customer(books, realm)["Id"]
    return books.act("create_estimate", realm, customer_id=cid, lines=LINES)


def _sales_receipt(books, realm=""):
    cid = make_customer(books, realm)["Id"]
    return books.act("create_sales_receipt", realm, customer_id=cid, lines=LINES, doc_number="SR-1")


def _payment(books, realm=""):
    made = _invoice(books, realm)["Invoice"]
    return books.act("pay_invoice", realm, invoice_id=made["Id"], amount=100, reference="CHK 7")


def _bill(books, realm=""):
    vid = make_vendor(books, realm)["Id"]
    lines = [{"description": "Transcript", "amount": 85.1}]
    return books.act("create_bill", realm, vendor_id=vid, lines=lines, due_date="2027-01-31")


def _purchase_order(books, realm=""):
    vid = make_vendor(books, realm)["Id"]
    return books.act("create_purchase_order", realm, vendor_id=vid, lines=[{"amount": 40}])


def _expense(books, realm=""):
    vid = make_vendor(books, realm)["Id"]
    lines = [{"description": "Filing fee", "amount": 45.5}]
    return books.act("create_expense", realm, payment_type="Check", vendor_id=vid, lines=lines)


def _account(books, realm=""):
    return books.act("create_account", realm, name="Postage", account_type="Expense")


def _customer(books, realm=""):
    return {"Customer": make_customer(books, realm)}


def _vendor(books, realm=""):
    return {"Vendor": make_vendor(books, realm)}


def _updated_customer(books, realm=""):
    made = make_customer(books, realm)
    return books.act("update_customer", realm, customer_id=made["Id"], phone="555-0100")


# trigger → (how the bookkeeper makes it, entity, data key, what the event's record says)
CASES = {
    "quickbooks.new_invoice": (
        _invoice,
        "Invoice",
        "invoice",
        {"number": "H-1", "total": "251.00"},
    ),
    "quickbooks.new_estimate": (_estimate, "Estimate", "estimate", {"total": "251.00"}),
    "quickbooks.new_sales_receipt": (
        _sales_receipt,
        "SalesReceipt",
        "sales_receipt",
        {"number": "SR-1", "total": "251.00"},
    ),
    "quickbooks.new_payment": (
        _payment,
        "Payment",
        "payment",
        {"total": "100.00", "reference": "CHK 7", "unapplied": "0.00"},
    ),
    "quickbooks.new_bill": (_bill, "Bill", "bill", {"total": "85.10", "due_date": "2027-01-31"}),
    "quickbooks.new_purchase_order": (
        _purchase_order,
        "PurchaseOrder",
        "purchase_order",
        {"total": "40.00", "status": "Open"},
    ),
    "quickbooks.new_expense": (
        _expense,
        "Purchase",
        "expense",
        {"total": "45.50", "payment_type": "Check"},
    ),
    "quickbooks.new_account": (
        _account,
        "Account",
        "account",
        {"name": "Postage", "type": "Expense"},
    ),
    "quickbooks.new_customer": (
        _customer,
        "Customer",
        "customer",
        {"name": "Olivia Smith", "email": "olivia@mail.example"},
    ),
    "quickbooks.new_vendor": (_vendor, "Vendor", "vendor", {"name": "Court Reporters Inc"}),
    "quickbooks.updated_customer": (
        _updated_customer,
        "Customer",
        "customer",
        {"phone": "555-0100", "sync_token": "1"},
    ),
}
PATHS = {
    "Invoice": "invoice?txnId=",
    "Estimate": "estimate?txnId=",
    "SalesReceipt": "salesreceipt?txnId=",
    "Payment": "recvpayment?txnId=",
    "Bill": "bill?txnId=",
    "PurchaseOrder": "purchaseorder?txnId=",
    "Purchase": "expense?txnId=",
    "Account": "register?accountId=",
    "Customer": "customerdetail?nameId=",
    "Vendor": "vendordetail?nameId=",
}


def _field_keys(fields, prefix=""):
    return {prefix + f.key for f in fields}


def _data_keys(data: dict, prefix="") -> set[str]:
    out = set()
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _data_keys(value, f"{prefix}{key}.")
        else:
            out.add(prefix + key)
    return out


@pytest.mark.parametrize("trigger_id", sorted(CASES))
def test_it_reads_the_change_once_as_one_event(books, other_realm, trigger_id):
    make, entity, noun, expected = CASES[trigger_id]
    make(books, other_realm)  # the same change in a company the firm is not connected to
    record = make(books)[entity]

    events = books.poll(trigger_id)
    assert [e.record_id for e in events] == [record["Id"]]
    event = events[0]
    assert event.key == record["Id"] or event.key.startswith(f"{record['Id']}:1:")
    assert event.data["type"] == entity
    assert event.data["id"] == record["Id"]
    assert {k: event.data[noun][k] for k in expected} == expected
    assert event.record_url == f"https://app.qbo.intuit.com/app/{PATHS[entity]}{record['Id']}"
    assert event.data["url"] == event.record_url
    assert event.summary
    assert event.occurred_at.tzinfo is not None
    # Every field of the data is in the trigger's fields (the picker shows them all).
    assert _data_keys(event.data) <= _field_keys(TRIGGERS[trigger_id].fields)

    assert [e.key for e in books.poll(trigger_id)] == [event.key]
    later = datetime.now(UTC) + timedelta(seconds=2)
    assert books.poll(trigger_id, since=later) == []


def test_new_invoice_events_come_oldest_first_with_their_lines_and_customer(books):
    first = _invoice(books)["Invoice"]
    time.sleep(1.1)  # QuickBooks keeps creation times to the second
    cid = first["CustomerRef"]["value"]
    second = books.act("create_invoice", customer_id=cid, lines=LINES, doc_number="H-2")["Invoice"]

    events = books.poll("quickbooks.new_invoice")
    assert [e.record_id for e in events] == [first["Id"], second["Id"]]
    assert books.poll("quickbooks.new_invoice", limit=1)[0].record_id == first["Id"]
    since = events[1].occurred_at
    assert [e.record_id for e in books.poll("quickbooks.new_invoice", since=since)] == [
        second["Id"]
    ]
    data = events[0].data
    assert data["customer"] == {"id": cid, "name": "Olivia Smith"}
    assert data["vendor"] == {"id": "", "name": ""}
    [line] = data["invoice"]["lines"]
    assert line["description"] == "Advice"
    assert (Decimal(line["qty"]), line["unit_price"], line["amount"]) == (
        Decimal(2),
        "125.50",
        "251.00",
    )
    assert line["item_id"]
    assert data["invoice"]["balance"] == "251.00"
    assert events[0].summary == "Invoice H-1 for Olivia Smith, 251.00"


def test_new_payment_lines_name_the_invoices_paid(books):
    payment = _payment(books)["Payment"]
    [event] = books.poll("quickbooks.new_payment")
    invoice_id = payment["Line"][0]["LinkedTxn"][0]["TxnId"]
    assert event.data["payment"]["lines"] == [
        {"amount": "100.00", "txn_id": invoice_id, "txn_type": "Invoice"}
    ]
    assert event.data["payment"]["invoice_ids"] == invoice_id
    assert event.data["customer"]["name"] == "Olivia Smith"


def test_each_change_of_a_customer_fires_once_and_a_new_one_does_not(books):
    made = make_customer(books)
    assert books.poll("quickbooks.updated_customer") == []
    books.act("update_customer", customer_id=made["Id"], phone="555-0100")
    books.act("update_customer", customer_id=made["Id"], notes="Prefers email")
    events = books.poll("quickbooks.updated_customer")
    assert [e.key.split(":")[:2] for e in events] == [[made["Id"], "2"]]
    assert events[0].data["customer"]["notes"] == "Prefers email"
    assert events[0].summary == "Customer Olivia Smith updated"


def test_a_deactivated_customer_is_an_update_and_inactive_ones_still_count_as_new(books):
    parent = make_customer(books)
    child = books.act("create_customer", display_name="Smith Estate", email="e@mail.example")[
        "Customer"
    ]
    books.act("update_customer", customer_id=parent["Id"], active=False)
    assert {e.record_id for e in books.poll("quickbooks.new_customer")} == {
        parent["Id"],
        child["Id"],
    }
    [event] = books.poll("quickbooks.updated_customer")
    assert event.data["customer"]["active"] is False
