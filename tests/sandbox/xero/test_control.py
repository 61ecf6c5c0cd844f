"""Control API: presets, bookkeeper actions, reset."""

from sandbox.demo_people import LAKESIDE_CONTACTS
from tests.sandbox.xero.conftest import Xero, ctl


def test_demo_has_two_lakeside_organisations_with_books(client, db):
    xero = Xero(client, preset="demo")
    assert [o["tenantName"] for o in xero.orgs] == ["Lakeside Legal", "Lakeside Legal (Old books)"]
    contacts = xero.get("Contacts").json()["Contacts"]
    assert len(contacts) == len(LAKESIDE_CONTACTS)
    assert contacts[1]["Name"] == LAKESIDE_CONTACTS[1]["name"].upper()  # typed by hand
    invoices = xero.get("Invoices", {"page": 1}).json()["Invoices"]
    assert {i["Status"] for i in invoices} == {"AUTHORISED", "PAID", "DRAFT", "SUBMITTED"}
    assert any(0 < i["AmountPaid"] < i["Total"] for i in invoices)
    accounts = {a["Name"]: a["Type"] for a in xero.get("Accounts").json()["Accounts"]}
    assert accounts["Client funds held in trust"] == "CURRLIAB"
    assert accounts["Client Trust Account (IOLTA)"] == "BANK"
    trust = xero.get("BankTransactions", {"where": 'BankAccount.Code=="091"'}).json()[
        "BankTransactions"
    ]
    assert sorted(b["Total"] for b in trust) == [1200.0, 2500.0]
    assert {ln["AccountCode"] for b in trust for ln in b["LineItems"]} == {"850"}


def test_bookkeeper_actions(client, db):
    xero = Xero(client)
    inv = ctl(
        client,
        "actions",
        {
            "action": "create_invoice",
            "tenant_id": xero.tenant,
            "invoice": {
                "Type": "ACCREC",
                "Contact": {"Name": "Walk-in Client"},
                "Date": "2026-02-01",
                "LineItems": [{"Description": "Consult", "UnitAmount": 120, "AccountCode": "200"}],
            },
        },
    )["Invoice"]
    assert inv["Status"] == "DRAFT"
    ref = {"tenant_id": xero.tenant, "invoice_id": inv["InvoiceID"]}
    ctl(client, "actions", {"action": "edit_invoice", **ref, "changes": {"Reference": "walk-in"}})
    approved = ctl(client, "actions", {"action": "approve_invoice", **ref})["Invoice"]
    assert approved["Status"] == "AUTHORISED"
    part = ctl(client, "actions", {"action": "pay_invoice", **ref, "amount": 20})["Payment"]
    assert part["Amount"] == 20.0
    refused = client.post(
        "/sandbox/xero/_control/actions",
        {"action": "void_invoice", **ref},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "VOIDED cannot be applied" in refused.json()["error"]
    ctl(
        client,
        "actions",
        {"action": "reconcile_payment", "tenant_id": xero.tenant, "payment_id": part["PaymentID"]},
    )
    got = xero.get(f"Payments/{part['PaymentID']}").json()["Payments"][0]
    assert got["IsReconciled"] is True
    rest = ctl(client, "actions", {"action": "pay_invoice", **ref})["Payment"]
    assert rest["Amount"] == 100.0
    assert xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]["Status"] == "PAID"


def test_unknown_action_and_preset_are_refused(client, db):
    for name, body in (("actions", {"action": "explode"}), ("seed", {"preset": "huge"})):
        resp = client.post(f"/sandbox/xero/_control/{name}", body, content_type="application/json")
        assert resp.status_code == 400


def test_reset_empties_the_sandbox(client, db):
    xero = Xero(client)
    xero.get("Organisation")
    ctl(client, "reset")
    assert ctl(client, "counters", method="get")["total_calls"] == 0
    assert xero.get("Organisation").status_code == 401
