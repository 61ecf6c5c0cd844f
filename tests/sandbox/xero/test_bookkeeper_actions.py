"""`_control/actions` for what a bookkeeper creates by hand (the triggers automations watch for),
read back through the API; webhooks only for the categories Xero sends."""

import pytest

from tests.sandbox.xero.conftest import CTRL, ctl
from tests.sandbox.xero.test_collections_polling import line
from tests.sandbox.xero.test_webhooks import KEY, Receiver, _webhook_validator


def act(xero, name, **body):
    return ctl(xero.client, "actions", {"action": name, "tenant_id": xero.tenant, **body})


def refused(xero, name, **body) -> str:
    resp = xero.client.post(
        f"{CTRL}/actions",
        {"action": name, "tenant_id": xero.tenant, **body},
        content_type="application/json",
    )
    assert resp.status_code == 400, resp.content
    return resp.json()["error"]


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.server.shutdown()


def test_a_new_supplier_is_a_supplier(xero):
    made = act(xero, "create_supplier", contact={"Name": "Process Servers Inc",
                                                 "EmailAddress": "ops@ps.example"})  # fmt: skip
    contact = made["Contact"]
    assert contact["IsSupplier"] is True and contact["IsCustomer"] is False
    found = xero.get("Contacts", {"where": "IsSupplier==true"}).json()["Contacts"]
    assert [c["ContactID"] for c in found] == [contact["ContactID"]]


def test_a_bill_and_its_payment(xero):
    bill = act(xero, "create_bill", bill={
        "Contact": {"Name": "Court Reporter"}, "Status": "AUTHORISED", "InvoiceNumber": "CR-9",
        "Date": "2026-03-02", "LineItems": [line("310", 250, "Transcript")],
    })["Invoice"]  # fmt: skip
    assert (bill["Type"], bill["InvoiceNumber"], bill["AmountDue"]) == ("ACCPAY", "CR-9", 250.0)
    pay = act(xero, "pay_invoice", invoice_id=bill["InvoiceID"], amount=250, date="2026-03-05")
    assert pay["Payment"]["PaymentType"] == "ACCPAYPAYMENT"
    after = xero.get(f"Invoices/{bill['InvoiceID']}").json()["Invoices"][0]
    assert after["Status"] == "PAID"


def test_a_quote_is_created_sent_and_accepted(xero):
    q = act(xero, "create_quote", quote={
        "Contact": {"Name": "New Prospect"}, "Date": "2026-03-01", "LineItems": [line()],
    })["Quote"]  # fmt: skip
    act(xero, "edit_quote", quote_id=q["QuoteID"], changes={"Status": "SENT"})
    done = act(xero, "edit_quote", quote_number=q["QuoteNumber"], changes={"Status": "ACCEPTED"})
    assert done["Quote"]["Status"] == "ACCEPTED"
    assert refused(xero, "edit_quote", quote_id=q["QuoteID"], changes={"Status": "DRAFT"}) == (
        "Quote not of valid status for modification"
    )


def test_a_purchase_order_is_raised_and_approved(xero):
    po = act(xero, "create_purchase_order", purchase_order={
        "Contact": {"Name": "Stationer"}, "Date": "2026-03-01", "LineItems": [line("429", 60)],
    })["PurchaseOrder"]  # fmt: skip
    approved = act(
        xero,
        "edit_purchase_order",
        purchase_order_number=po["PurchaseOrderNumber"],
        changes={"Status": "AUTHORISED"},
    )
    assert approved["PurchaseOrder"]["Status"] == "AUTHORISED"
    read = xero.get(f"PurchaseOrders/{po['PurchaseOrderID']}").json()["PurchaseOrders"][0]
    assert read["Status"] == "AUTHORISED" and read["Total"] == 60.0


def test_spend_and_receive_money(xero):
    spent = act(xero, "spend_money", spend={
        "Contact": {"Name": "Courier"}, "BankAccount": {"Code": "090"},
        "LineItems": [line("429", 18, "Courier")],
    })["BankTransaction"]  # fmt: skip
    got = act(xero, "receive_money", receive={
        "Contact": {"Name": "Bank"}, "BankAccount": {"Code": "090"},
        "LineItems": [line("260", 3, "Interest")],
    })["BankTransaction"]  # fmt: skip
    assert (spent["Type"], spent["Total"], got["Type"]) == ("SPEND", 18.0, "RECEIVE")
    spends = xero.get("BankTransactions", {"where": 'Type=="SPEND"'}).json()["BankTransactions"]
    assert [b["BankTransactionID"] for b in spends] == [spent["BankTransactionID"]]


def test_an_account_an_item_a_credit_note_and_a_journal(xero):
    acct = act(xero, "create_account", account={"Code": "275", "Name": "Referral Income",
                                                "Type": "OTHERINCOME"})  # fmt: skip
    assert xero.get("Accounts/" + acct["Account"]["AccountID"]).json()["Accounts"][0]["Code"] == (
        "275"
    )
    item = act(xero, "create_item", item={"Code": "MEDIATE", "Name": "Mediation"})["Item"]
    assert xero.get("Items/MEDIATE").json()["Items"][0]["ItemID"] == item["ItemID"]
    cn = act(xero, "create_credit_note", credit_note={
        "Type": "ACCRECCREDIT", "Contact": {"Name": "Unhappy"}, "LineItems": [line(amount=5)],
    })["CreditNote"]  # fmt: skip
    assert cn["CreditNoteNumber"] == "CN-0001"
    unbalanced = {
        "Narration": "x",
        "Status": "POSTED",
        "JournalLines": [
            {"LineAmount": 10, "AccountCode": "610"},
            {"LineAmount": -5, "AccountCode": "200"},
        ],
    }
    assert refused(xero, "create_manual_journal", manual_journal=unbalanced) == (
        "The total debits (10.00) must equal total credits (5.00)"
    )  # fmt: skip


def test_an_invoice_is_emailed_by_the_bookkeeper(xero):
    contact = act(xero, "create_contact", contact={"Name": "Mailed",
                                                   "EmailAddress": "m@client.example"})  # fmt: skip
    inv = xero.invoice(status="DRAFT", contact=contact["Contact"])
    assert refused(xero, "email_invoice", invoice_id=inv["InvoiceID"]) == (
        "Invoice not of valid status for sending by email"
    )
    act(xero, "approve_invoice", invoice_id=inv["InvoiceID"])
    sent = act(xero, "email_invoice", invoice_number=inv["InvoiceNumber"])["Email"]
    assert sent["To"] == "m@client.example"


def test_webhooks_carry_only_the_categories_xero_sends(client, db, receiver):
    """Contacts (suppliers too) and invoices (bills too) are pushed; quotes, purchase orders,
    bank transactions, payments, items, accounts and journals are found by polling."""
    from tests.sandbox.xero.conftest import Xero

    xero = Xero(client)
    ctl(client, "webhooks", {"client_id": xero.app["client_id"], "url": receiver.url, "key": KEY})
    receiver.bodies.clear()
    supplier = act(xero, "create_supplier", contact={"Name": "Supplier Co"})["Contact"]
    bill = act(xero, "create_bill", bill={"Contact": {"ContactID": supplier["ContactID"]},
               "Status": "AUTHORISED", "LineItems": [line("310", 10)]})["Invoice"]  # fmt: skip
    ref = {"ContactID": supplier["ContactID"]}
    act(xero, "create_quote", quote={"Contact": ref, "Date": "2026-03-01"})
    act(xero, "create_purchase_order", purchase_order={"Contact": ref})
    act(xero, "spend_money", spend={"Contact": ref, "BankAccount": {"Code": "090"},
                                    "LineItems": [line("429", 1)]})  # fmt: skip
    act(xero, "create_account", account={"Code": "276", "Name": "Misc", "Type": "OTHERINCOME"})
    act(xero, "pay_invoice", invoice_id=bill["InvoiceID"])  # the bill's UPDATE only
    assert ctl(client, "webhooks/flush") == {"delivered": 3, "failed": 0}
    body = receiver.bodies[0]
    assert not list(_webhook_validator("WebhookEvent").iter_errors(body))
    seen = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in body["events"]]
    assert seen == [
        ("CONTACT", "CREATE", supplier["ContactID"]),
        ("INVOICE", "CREATE", bill["InvoiceID"]),
        ("INVOICE", "UPDATE", bill["InvoiceID"]),
    ]


def test_an_emailed_invoice_raises_an_invoice_update(client, db, receiver):
    from tests.sandbox.xero.conftest import Xero

    xero = Xero(client)
    contact = act(xero, "create_contact", contact={"Name": "Hooked",
                                                   "EmailAddress": "h@client.example"})  # fmt: skip
    inv = xero.invoice(contact=contact["Contact"])
    ctl(client, "webhooks", {"client_id": xero.app["client_id"], "url": receiver.url, "key": KEY})
    receiver.bodies.clear()
    assert xero.post(f"Invoices/{inv['InvoiceID']}/Email", {}).status_code == 204
    ctl(client, "webhooks/flush")
    event = receiver.bodies[0]["events"][0]
    assert (event["eventCategory"], event["eventType"], event["resourceId"]) == (
        "INVOICE",
        "UPDATE",
        inv["InvoiceID"],
    )
