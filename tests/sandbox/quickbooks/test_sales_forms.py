"""Estimates, sales receipts, refund receipts, invoices, credit memos, payments and customers:
create, read, query and sparse update, computed totals and balances, and their faults."""

import json

import pytest
from django.test import Client

from tests.sandbox.quickbooks.conftest import invoice_body


def _post(qbo, path, body):
    client = Client(raise_request_exception=False)
    raw = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(qbo.url(path), raw, content_type="application/json", **qbo._headers())


def _fault(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["Fault"]["Error"][0]


def _sparse(qbo, entity, record, **changes):
    body = {"Id": record["Id"], "SyncToken": record["SyncToken"], "sparse": True, **changes}
    response = qbo.post(entity.lower(), body)
    assert response.status_code == 200, response.json()
    return response.json()[entity]


def _query_one(qbo, text, entity):
    return qbo.query(text).json()["QueryResponse"][entity]


@pytest.mark.parametrize("entity", ["Estimate", "SalesReceipt", "Invoice", "CreditMemo"])
def test_sales_form_create_read_query_update(qbo, books, entity):
    form = qbo.create(entity, invoice_body(books, (2, 350), (1, "99.99")))
    assert form["TotalAmt"] == 799.99 and form["DocNumber"] == "1001"
    assert form["Line"][-1] == {
        "Amount": 799.99,
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    assert qbo.get(f"{entity.lower()}/{form['Id']}").json()[entity] == form
    found = _query_one(qbo, f"select * from {entity} where DocNumber = '1001'", entity)
    assert [f["Id"] for f in found] == [form["Id"]]
    updated = _sparse(qbo, entity, form, CustomerMemo={"value": "Thank you"})
    assert updated["CustomerMemo"] == {"value": "Thank you"} and updated["TotalAmt"] == 799.99
    assert updated["SyncToken"] == "1" and updated["DocNumber"] == "1001"


def test_estimate_is_pending_and_has_no_balance(qbo, books):
    estimate = qbo.create("Estimate", invoice_body(books, ExpirationDate="2027-01-31"))
    assert estimate["TxnStatus"] == "Pending" and "Balance" not in estimate
    assert estimate["ExpirationDate"] == "2027-01-31"
    accepted = _sparse(qbo, "Estimate", estimate, TxnStatus="Accepted", AcceptedBy="Olivia")
    assert accepted["TxnStatus"] == "Accepted"


def test_sales_receipt_lands_in_undeposited_funds_and_is_paid(qbo, books):
    receipt = qbo.create("SalesReceipt", invoice_body(books, PaymentRefNum="CHK 12"))
    assert receipt["Balance"] == 0 and receipt["TotalAmt"] == 700
    assert receipt["DepositToAccountRef"]["name"] == "Undeposited Funds"
    bank = books["accounts"]["Checking"]
    chosen = qbo.create("SalesReceipt", invoice_body(books, DepositToAccountRef={"value": bank}))
    assert chosen["DepositToAccountRef"]["value"] == bank


def test_refund_receipt_needs_the_account_it_is_paid_from(qbo, books):
    error = _fault(_post(qbo, "refundreceipt", invoice_body(books)))
    assert (error["code"], error["element"]) == ("2020", "DepositToAccountRef")
    bank = books["accounts"]["Checking"]
    refund = qbo.create("RefundReceipt", invoice_body(books, DepositToAccountRef={"value": bank}))
    assert refund["TotalAmt"] == 700 and refund["Balance"] == 0
    found = _query_one(qbo, "select * from RefundReceipt", "RefundReceipt")
    assert found[0]["Id"] == refund["Id"]


@pytest.mark.parametrize("segment", ["estimate", "salesreceipt", "refundreceipt", "creditmemo"])
@pytest.mark.parametrize(
    ("change", "code", "element"),
    [
        ({"CustomerRef": None}, "2020", "CustomerRef"),
        ({"Line": []}, "2020", "Line"),
        ({"CustomerRef": {"value": "424242"}}, "2500", "CustomerRef"),
        ({"TxnDate": "31/12/2026"}, "2010", ""),
        ({"Bogus": 1}, "2010", ""),
    ],
)
def test_sales_form_faults(qbo, books, segment, change, code, element):
    body = invoice_body(books, DepositToAccountRef={"value": books["accounts"]["Checking"]})
    error = _fault(_post(qbo, segment, {**body, **change}))
    assert error["code"] == code
    if element:
        assert error["element"] == element


def test_payment_linked_to_an_invoice_lowers_its_balance(qbo, books):
    invoice = qbo.create("Invoice", invoice_body(books))
    link = {"TxnId": invoice["Id"], "TxnType": "Invoice"}
    payment = qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": books["customer"]},
            "TotalAmt": "250.00",
            "Line": [{"Amount": "250.00", "LinkedTxn": [link]}],
        },
    )
    assert payment["TotalAmt"] == 250 and payment["UnappliedAmt"] == 0
    after = qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert after["Balance"] == 450 and after["SyncToken"] == "1"
    assert {"TxnId": payment["Id"], "TxnType": "Payment"} in after["LinkedTxn"]
    unlinked = qbo.create("Payment", {"CustomerRef": {"value": books["customer"]}, "TotalAmt": 40})
    assert unlinked["UnappliedAmt"] == 40 and not unlinked.get("Line")
    found = _query_one(qbo, f"select * from Payment where Id = '{payment['Id']}'", "Payment")
    assert found[0]["TotalAmt"] == 250
    noted = _sparse(qbo, "Payment", unlinked, PrivateNote="cash at the desk")
    assert noted["PrivateNote"] == "cash at the desk" and noted["UnappliedAmt"] == 40
    assert _fault(_post(qbo, "payment", {"TotalAmt": 5}))["element"] == "CustomerRef"


def test_customer_sparse_update_and_invoice_update(qbo, books):
    customer = qbo.get(f"customer/{books['customer']}").json()["Customer"]
    updated = _sparse(qbo, "Customer", customer, PrimaryEmailAddr={"Address": "o@s.example"})
    assert updated["DisplayName"] == "Olivia Smith"
    found = _query_one(
        qbo, "select * from Customer where PrimaryEmailAddr = 'o@s.example'", "Customer"
    )
    assert found[0]["Id"] == customer["Id"]
    invoice = qbo.create("Invoice", invoice_body(books))
    due = _sparse(qbo, "Invoice", invoice, DueDate="2027-02-01")
    assert due["DueDate"] == "2027-02-01" and due["Balance"] == 700
