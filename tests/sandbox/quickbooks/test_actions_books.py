"""`POST _control/actions`: the bookkeeper creates each kind automations trigger on, and the
change is what the API then serves and what webhooks announce."""

import json

import pytest

from tests.sandbox.quickbooks.conftest import BASE, Receiver, control


def _act(qbo, action, **params):
    answer = control(qbo.client, "actions", {"action": action, "realmId": qbo.realm, **params})
    ((entity, record),) = answer.items()
    served = qbo.get(f"{entity.lower()}/{record['Id']}").json()[entity]
    assert served == record
    return entity, record


def _refused(qbo, action, **params) -> str:
    response = qbo.client.post(
        f"{BASE}/_control/actions",
        json.dumps({"action": action, "realmId": qbo.realm, **params}),
        content_type="application/json",
    )
    assert response.status_code == 400
    return response.json()["error"]


def test_new_vendor_account_and_customer_update(qbo, books):
    entity, vendor = _act(qbo, "create_vendor", display_name="Court Reporters Inc", email="cr@x.ex")
    assert entity == "Vendor" and vendor["PrimaryEmailAddr"] == {"Address": "cr@x.ex"}
    entity, account = _act(qbo, "create_account", name="Postage", account_type="Expense")
    assert (entity, account["Classification"]) == ("Account", "Expense")
    entity, customer = _act(
        qbo, "update_customer", customer_name="olivia smith", email="o@s.ex", phone="555-0100"
    )
    assert customer["Id"] == books["customer"] and customer["SyncToken"] == "1"
    assert customer["PrimaryPhone"] == {"FreeFormNumber": "555-0100"}
    assert customer["DisplayName"] == "Olivia Smith"


def test_estimate_sales_receipt_and_payments(qbo, books):
    lines = [{"description": "Consultation", "qty": 2, "unit_price": "150.25"}]
    _, estimate = _act(
        qbo, "create_estimate", customer_id=books["customer"], lines=lines, doc_number="E-1"
    )
    assert estimate["TotalAmt"] == 300.5 and estimate["DocNumber"] == "E-1"
    _, receipt = _act(qbo, "create_sales_receipt", customer_name="Olivia Smith", lines=lines)
    assert receipt["TotalAmt"] == 300.5 and receipt["DepositToAccountRef"]["name"]
    _, invoice = _act(qbo, "create_invoice", customer_id=books["customer"], lines=lines)
    _, linked = _act(
        qbo, "receive_payment", customer_id=books["customer"], amount=100, invoice_id=invoice["Id"]
    )
    assert linked["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    assert qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 200.5
    _, loose = _act(qbo, "receive_payment", customer_id=books["customer"], amount="12.34")
    assert loose["UnappliedAmt"] == 12.34


def test_bill_expense_purchase_order_and_void(qbo, books):
    _act(qbo, "create_vendor", display_name="Court Reporters Inc")
    lines = [{"description": "Transcript", "amount": "85.10"}]
    lines.append({"item_id": books["item"], "qty": 1, "unit_price": 40})
    _, bill = _act(qbo, "create_bill", vendor_name="Court Reporters Inc", lines=lines)
    assert bill["TotalAmt"] == 125.1 and bill["Balance"] == 125.1
    assert bill["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
    assert bill["Line"][1]["DetailType"] == "ItemBasedExpenseLineDetail"
    _, order = _act(qbo, "create_purchase_order", vendor_name="court reporters inc", lines=lines)
    assert order["POStatus"] == "Open" and order["TotalAmt"] == 125.1
    _, check = _act(
        qbo,
        "create_expense",
        payment_type="Check",
        lines=lines[:1],
        vendor_id=bill["VendorRef"]["value"],
    )
    assert check["PaymentType"] == "Check" and check["EntityRef"]["type"] == "Vendor"
    _, cash = _act(qbo, "create_expense", payment_type="Cash", lines=lines[:1])
    assert cash["AccountRef"]["value"] == books["accounts"]["Checking"]
    assert "No account to pay from" in _refused(
        qbo, "create_expense", payment_type="CreditCard", lines=lines[:1]
    )
    _act(qbo, "create_account", name="Firm Visa", account_type="Credit Card")
    _, card = _act(qbo, "create_expense", payment_type="CreditCard", lines=lines[:1])
    assert card["AccountRef"]["name"] == "Firm Visa"
    _, voided = _act(qbo, "void_expense", expense_id=cash["Id"])
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided"


def test_merging_customers_moves_invoices_and_balance(qbo, books):
    _, other = _act(qbo, "create_customer", display_name="O. Smith")
    lines = [{"description": "Advice", "qty": 1, "unit_price": 200}]
    _, invoice = _act(qbo, "create_invoice", customer_id=other["Id"], lines=lines)
    _, kept = _act(qbo, "merge", entity="Customer", from_id=other["Id"], into_id=books["customer"])
    assert kept["Balance"] == 200 and kept["Id"] == books["customer"]
    moved = qbo.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert moved["CustomerRef"] == {"value": books["customer"], "name": "Olivia Smith"}
    names = qbo.query("select * from Customer where DisplayName = 'O. Smith'").json()
    assert names["QueryResponse"] == {}


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("create_bill", {"vendor_name": "Nobody", "lines": []}, "No vendor named"),
        ("create_bill", {"lines": []}, "needs 'vendor_id'"),
        ("create_expense", {"payment_type": "Barter"}, "payment_type is one of"),
        ("merge", {"entity": "Invoice", "from_id": 1, "into_id": 2}, "entity is one of"),
        ("void_expense", {"expense_id": 999999}, "No Purchase with Id"),
        ("create_vendor", {"display_name": "Olivia Smith"}, "6240"),
        ("create_estimate", {"customer_name": "Olivia Smith", "lines": []}, "2020"),
    ],
)
def test_refusals_say_what_is_wrong(qbo, books, action, params, message):
    assert message in _refused(qbo, action, **params)


def test_a_bookkeeper_change_fires_the_webhook(qbo, books, receiver):
    hook = {"client_id": qbo.app["client_id"], "url": receiver, "verifier_token": "v"}
    control(qbo.client, "webhooks", hook)
    _, vendor = _act(qbo, "create_vendor", display_name="Court Reporters Inc")
    control(qbo.client, "webhooks/flush")
    entities = json.loads(Receiver.received[0][1])["eventNotifications"][0]["dataChangeEvent"]
    assert [(e["name"], e["id"], e["operation"]) for e in entities["entities"]] == [
        ("Vendor", vendor["Id"], "Create")
    ]
