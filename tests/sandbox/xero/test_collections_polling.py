"""Every collection an automation reads or writes: create, read back, update, find with `where`,
and poll with `If-Modified-Since` (only what changed after the stamp comes back)."""

import email.utils

import pytest

from tests.sandbox.xero.conftest import ctl, messages


def line(code="200", amount=100, description="Work"):
    return {
        "Description": description,
        "Quantity": 1,
        "UnitAmount": amount,
        "AccountCode": code,
        "TaxType": "NONE",
    }


def contact_ref(xero, name):
    return {"ContactID": xero.contact(name)["ContactID"]}


def _contacts(xero):
    return {"Name": "Polled Supplier", "EmailAddress": "supplier@example.com"}


def _sales_invoice(xero):
    return {
        "Type": "ACCREC",
        "Contact": contact_ref(xero, "Polled Client"),
        "Date": "2026-03-01",
        "LineItems": [line()],
    }


def _bill(xero):
    return {
        "Type": "ACCPAY",
        "Contact": contact_ref(xero, "Polled Vendor"),
        "Date": "2026-03-01",
        "InvoiceNumber": "V-100",
        "LineItems": [line("310", 75)],
    }


def _quote(xero):
    return {"Contact": contact_ref(xero, "Quoted"), "Date": "2026-03-01", "LineItems": [line()]}


def _purchase_order(xero):
    return {"Contact": contact_ref(xero, "Ordered"), "Date": "2026-03-01", "LineItems": [line()]}


def _spend(xero):
    return {
        "Type": "SPEND",
        "Contact": contact_ref(xero, "Courier"),
        "BankAccount": {"Code": "090"},
        "Date": "2026-03-02",
        "LineItems": [line("429", 30, "Courier")],
    }


def _receive(xero):
    return {**_spend(xero), "Type": "RECEIVE", "LineItems": [line("260", 12, "Refund")]}


def _payment(xero):
    inv = xero.invoice(amount=50)
    return {
        "Invoice": {"InvoiceID": inv["InvoiceID"]},
        "Account": {"Code": "090"},
        "Amount": 50,
        "Date": "2026-03-10",
    }


def _credit_note(xero):
    return {
        "Type": "ACCRECCREDIT",
        "Contact": contact_ref(xero, "Credited"),
        "Date": "2026-03-01",
        "LineItems": [line(amount=20)],
    }


def _item(xero):
    return {"Code": "RESEARCH", "Name": "Legal research", "SalesDetails": {"UnitPrice": 150}}


def _journal(xero):
    return {
        "Narration": "Accrued fees",
        "Date": "2026-03-31",
        "Status": "POSTED",
        "JournalLines": [
            {"LineAmount": 100, "AccountCode": "610"},
            {"LineAmount": -100, "AccountCode": "200"},
        ],
    }


def _account(xero):
    return {"Code": "270", "Name": "Interest Income", "Type": "OTHERINCOME"}


# plural, id field, element factory, update, where clause matching the updated element
CASES = [
    ("Contacts", "ContactID", _contacts, {"EmailAddress": "ap@example.com"},
     'EmailAddress=="ap@example.com"'),
    ("Invoices", "InvoiceID", _sales_invoice, {"Reference": "matter 7"},
     'Type=="ACCREC" AND Reference=="matter 7"'),
    ("Invoices", "InvoiceID", _bill, {"Status": "AUTHORISED"},
     'Type=="ACCPAY" AND Status=="AUTHORISED"'),
    ("Quotes", "QuoteID", _quote, {"Status": "SENT"}, 'Status=="SENT"'),
    ("PurchaseOrders", "PurchaseOrderID", _purchase_order, {"Status": "SUBMITTED"},
     'Status=="SUBMITTED"'),
    ("BankTransactions", "BankTransactionID", _spend, {"Reference": "courier"},
     'Type=="SPEND" AND Reference=="courier"'),
    ("BankTransactions", "BankTransactionID", _receive, {"Reference": "refund"},
     'Type=="RECEIVE" AND Reference=="refund"'),
    ("Payments", "PaymentID", _payment, {"Status": "DELETED"}, 'Status=="DELETED"'),
    ("CreditNotes", "CreditNoteID", _credit_note, {"Reference": "goodwill"},
     'Reference=="goodwill"'),
    ("Items", "ItemID", _item, {"Name": "Research (hourly)"}, 'Name.StartsWith("Research")'),
    ("ManualJournals", "ManualJournalID", _journal, {"Narration": "Accrued fees (March)"},
     'Narration.Contains("March")'),
    ("Accounts", "AccountID", _account, {"Name": "Bank interest"}, 'Name=="Bank interest"'),
]  # fmt: skip


def _stamp(client) -> str:
    """Move the sandbox clock on a minute and return that moment as an HTTP date."""
    now = ctl(client, "clock", {"advance_seconds": 60})["now"]
    import datetime as dt

    return email.utils.format_datetime(dt.datetime.fromisoformat(now), usegmt=True)


@pytest.mark.parametrize(("plural", "id_field", "make", "change", "where"), CASES)
def test_each_collection_creates_reads_updates_filters_and_polls(
    xero, plural, id_field, make, change, where
):
    created = xero.put(plural, {plural: [make(xero)]})
    assert created.status_code == 200, created.content
    doc = created.json()[plural][0]
    key = doc[id_field]
    assert xero.get(f"{plural}/{key}").json()[plural][0][id_field] == key
    since = _stamp(xero.client)
    assert [r[id_field] for r in xero.get(plural, If_Modified_Since=since).json()[plural]] == []
    ctl(xero.client, "clock", {"advance_seconds": 5})
    updated = xero.post(f"{plural}/{key}", {plural: [change]})
    assert updated.status_code == 200, updated.content
    for field, value in change.items():
        assert updated.json()[plural][0][field] == value
    polled = xero.get(plural, If_Modified_Since=since).json()[plural]
    assert key in [r[id_field] for r in polled]
    assert all(r[id_field] != doc.get("Contact", {}).get("ContactID") for r in polled)
    found = xero.get(plural, {"where": where}).json()[plural]
    assert [r[id_field] for r in found] == [key]


def test_if_modified_since_takes_an_iso_timestamp_too(xero):
    old = xero.contact("Before")
    now = ctl(xero.client, "clock", {"advance_seconds": 60})["now"]
    new = xero.contact("After")
    names = [c["Name"] for c in xero.get("Contacts", If_Modified_Since=now).json()["Contacts"]]
    assert names == [new["Name"]] and old["Name"] not in names


def test_customers_and_suppliers_are_told_apart(xero):
    client_doc = xero.invoice()  # makes "Client 1" a customer
    bill = _bill(xero)
    assert xero.put("Invoices", {"Invoices": [bill]}).status_code == 200
    xero.contact("Nobody Yet")
    suppliers = xero.get("Contacts", {"where": "IsSupplier==true"}).json()["Contacts"]
    customers = xero.get("Contacts", {"where": "IsCustomer==true"}).json()["Contacts"]
    assert [c["Name"] for c in suppliers] == ["Polled Vendor"]
    assert [c["ContactID"] for c in customers] == [client_doc["Contact"]["ContactID"]]


def test_contacts_are_found_by_name_email_and_number(xero):
    body = {"Name": "Harbour Reporting LLC", "EmailAddress": "Desk@Harbour.example",
            "ContactNumber": "V-42"}  # fmt: skip
    made = xero.put("Contacts", {"Contacts": [body]}).json()["Contacts"][0]
    xero.contact("Someone Else")
    for params in (
        {"searchTerm": "harbour"},
        {"searchTerm": "desk@harbour.example"},
        {"where": 'Name=="harbour reporting llc"'},
        {"where": 'EmailAddress=="desk@harbour.example"'},
        {"where": 'ContactNumber=="V-42"'},
        {"where": 'Name.Contains("Reporting")'},
    ):
        found = xero.get("Contacts", params).json()["Contacts"]
        assert [c["ContactID"] for c in found] == [made["ContactID"]], params
    assert xero.get("Contacts/V-42").json()["Contacts"][0]["ContactID"] == made["ContactID"]


def test_bills_may_share_a_number_sales_invoices_may_not(xero):
    bill = _bill(xero)
    for _ in range(2):
        assert xero.put("Invoices", {"Invoices": [bill]}).status_code == 200
    bills = xero.get("Invoices", {"where": 'InvoiceNumber=="V-100"'}).json()["Invoices"]
    assert len(bills) == 2
    xero.invoice(number="INV-77")
    again = xero.put("Invoices", {"Invoices": [_sales_invoice(xero) | {"InvoiceNumber": "INV-77"}]})
    assert again.status_code == 400 and messages(again) == ["Invoice # must be unique."]


def test_an_unbalanced_manual_journal_is_refused(xero):
    body = _journal(xero)
    body["JournalLines"][1]["LineAmount"] = -90
    resp = xero.put("ManualJournals", {"ManualJournals": [body]})
    assert resp.status_code == 400
    assert resp.json()["Type"] == "ValidationException"
    assert messages(resp) == ["The total debits (100.00) must equal total credits (90.00)"]


def test_unknown_ids_are_404_on_every_collection(xero):
    for plural, *_ in CASES:
        resp = xero.get(f"{plural}/00000000-0000-0000-0000-00000000abcd")
        assert resp.status_code == 404, plural
