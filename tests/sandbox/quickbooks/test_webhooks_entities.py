"""Every entity automations use, notified over real HTTP with the operations Intuit documents
(Create, Update, Delete, Merge, Void, Emailed) and found again through CDC."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

from sandbox.quickbooks import clock
from tests.sandbox.quickbooks.conftest import Receiver, control, invoice_body

SALES = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Estimate")
EXPENSES = ("Bill", "Purchase", "PurchaseOrder")


def _hook(qbo, receiver, fmt="legacy"):
    body = {"client_id": qbo.app["client_id"], "url": receiver, "verifier_token": "v-2"}
    control(qbo.client, "webhooks", body | {"format": fmt})


def _act(qbo, action, **params):
    answer = control(qbo.client, "actions", {"action": action, "realmId": qbo.realm, **params})
    return next(iter(answer.values()))


def _expense_line(account, amount):
    detail = {"AccountRef": {"value": account}}
    return {
        "Amount": amount,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": detail,
    }


def _everything(qbo, books) -> dict:
    """One of each entity, created over the API."""
    acc = books["accounts"]
    office = acc["OfficeGeneralAdministrativeExpenses"]
    made = {"Customer": qbo.get(f"customer/{books['customer']}").json()["Customer"]}
    made["Vendor"] = qbo.create("Vendor", {"DisplayName": "Court Reporters Inc"})
    made["Employee"] = qbo.create("Employee", {"GivenName": "Ann", "FamilyName": "Lee"})
    made["Account"] = qbo.create("Account", {"Name": "Postage", "AccountType": "Expense"})
    made["Item"] = qbo.create(
        "Item", {"Name": "Filing", "IncomeAccountRef": {"value": acc["ServiceFeeIncome"]}}
    )
    bank = {"value": acc["Checking"]}
    for entity in SALES:
        made[entity] = qbo.create(entity, invoice_body(books, DepositToAccountRef=bank))
    vendor = {"value": made["Vendor"]["Id"]}
    made["Bill"] = qbo.create("Bill", {"VendorRef": vendor, "Line": [_expense_line(office, 9)]})
    made["PurchaseOrder"] = qbo.create(
        "PurchaseOrder", {"VendorRef": vendor, "Line": [_expense_line(office, 12)]}
    )
    made["Purchase"] = qbo.create(
        "Purchase",
        {"PaymentType": "Cash", "AccountRef": bank, "Line": [_expense_line(office, 30)]},
    )
    made["TimeActivity"] = qbo.create(
        "TimeActivity",
        {"NameOf": "Employee", "EmployeeRef": {"value": made["Employee"]["Id"]}, "Hours": 3},
    )
    journal = []
    for kind, account in (("Debit", acc["Checking"]), ("Credit", acc["ServiceFeeIncome"])):
        detail = {"PostingType": kind, "AccountRef": {"value": account}}
        journal.append(
            {"Amount": 5, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": detail}
        )
    made["JournalEntry"] = qbo.create("JournalEntry", {"Line": journal})
    link = {"TxnId": made["Invoice"]["Id"], "TxnType": "Invoice"}
    made["Payment"] = qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": books["customer"]},
            "TotalAmt": 100,
            "Line": [{"Amount": 100, "LinkedTxn": [link]}],
        },
    )
    return made


def _touch_everything(qbo, made) -> set:
    """Update each, then delete, void, deactivate, merge and email what can be; the expected
    (entity, id, operation) notifications."""
    expected = {(e, r["Id"], "Create") for e, r in made.items() if e != "Customer"}
    for entity, record in made.items():
        current = qbo.get(f"{entity.lower()}/{record['Id']}").json()[entity]
        body = {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True}
        key = "Description" if entity in ("Account", "Item", "TimeActivity") else "PrivateNote"
        if entity in ("Customer", "Vendor", "Employee"):
            key = "Notes"
        response = qbo.post(entity.lower(), body | {key: "touched"})
        assert response.status_code == 200, response.json()
        expected.add((entity, record["Id"], "Update"))
    # The invoice moved when the payment was applied to it.
    for entity in ("SalesReceipt", "Estimate", "Invoice"):
        sent = qbo.post(f"{entity.lower()}/{made[entity]['Id']}/send?sendTo=a@b.example", {})
        assert sent.status_code == 200
        expected.add((entity, made[entity]["Id"], "Emailed"))
    for entity in ("Payment", "CreditMemo", "SalesReceipt", "RefundReceipt"):
        current = qbo.get(f"{entity.lower()}/{made[entity]['Id']}").json()[entity]
        ids = {"Id": current["Id"], "SyncToken": current["SyncToken"]}
        assert qbo.post(f"{entity.lower()}?operation=void", ids).status_code == 200
        expected.add((entity, current["Id"], "Void"))
    _act(qbo, "void_expense", expense_id=made["Purchase"]["Id"])
    expected.add(("Purchase", made["Purchase"]["Id"], "Void"))
    for entity in ("Bill", "PurchaseOrder", "Estimate", "TimeActivity", "JournalEntry", "Invoice"):
        current = qbo.get(f"{entity.lower()}/{made[entity]['Id']}").json()[entity]
        ids = {"Id": current["Id"], "SyncToken": current["SyncToken"]}
        assert qbo.post(f"{entity.lower()}?operation=delete", ids).status_code == 200
        expected.add((entity, current["Id"], "Delete"))
    for entity in ("Vendor", "Account", "Item"):
        current = qbo.get(f"{entity.lower()}/{made[entity]['Id']}").json()[entity]
        body = {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True}
        assert qbo.post(entity.lower(), body | {"Active": False}).status_code == 200
        expected.add((entity, current["Id"], "Delete"))
    other = qbo.create("Customer", {"DisplayName": "O. Smith"})
    expected.add(("Customer", other["Id"], "Create"))
    _act(qbo, "merge", entity="Customer", from_id=other["Id"], into_id=made["Customer"]["Id"])
    expected.add(("Customer", made["Customer"]["Id"], "Merge"))
    return expected


def test_every_entity_and_operation_is_notified(qbo, books, receiver):
    _hook(qbo, receiver)
    made = _everything(qbo, books)
    expected = _touch_everything(qbo, made)
    assert control(qbo.client, "webhooks/flush") == {"delivered": 1, "failed": 0}
    signature, raw = Receiver.received[0]
    digest = base64.b64encode(hmac.new(b"v-2", raw, hashlib.sha256).digest()).decode()
    assert hmac.compare_digest(signature, digest)
    note = json.loads(raw)["eventNotifications"][0]
    entities = note["dataChangeEvent"]["entities"]
    got = {(e["name"], e["id"], e["operation"]) for e in entities}
    assert expected <= got
    # Only what Intuit notifies: nothing of other entities, no other operations.
    assert {name for name, _, _ in got} == set(made)
    assert {op for _, _, op in got} == {"Create", "Update", "Delete", "Merge", "Void", "Emailed"}
    assert ("Estimate", made["Estimate"]["Id"], "Void") not in got
    merged = [e for e in entities if e["operation"] == "Merge"]
    assert len(merged) == 1 and merged[0]["id"] == made["Customer"]["Id"]
    assert merged[0]["deletedId"].isdigit()
    assert all("deletedId" not in e for e in entities if e["operation"] != "Merge")


def test_cloudevents_name_each_operation(qbo, books, receiver):
    _hook(qbo, receiver, "cloudevents")
    made = _everything(qbo, books)
    _touch_everything(qbo, made)
    control(qbo.client, "webhooks/flush")
    events = json.loads(Receiver.received[0][1])
    types = {e["type"] for e in events}
    for expected in (
        "qbo.vendor.created.v1",
        "qbo.timeactivity.updated.v1",
        "qbo.purchase.voided.v1",
        "qbo.estimate.emailed.v1",
        "qbo.bill.deleted.v1",
        "qbo.customer.merged.v1",
    ):
        assert expected in types
    merged = next(e for e in events if e["type"] == "qbo.customer.merged.v1")
    assert merged["intuitentityid"] == made["Customer"]["Id"] and merged["data"]["deletedId"]


def test_cdc_returns_every_entity_changed(qbo, books):
    since = clock.meta_time(clock.now() - timedelta(minutes=1))
    made = _everything(qbo, books)
    bill = made["Bill"]
    ids = {"Id": bill["Id"], "SyncToken": bill["SyncToken"]}
    assert qbo.post("bill?operation=delete", ids).status_code == 200
    names = ",".join(made)
    body = qbo.get("cdc", entities=names, changedSince=since).json()
    blocks = body["CDCResponse"][0]["QueryResponse"]
    found = {}
    for block in blocks:
        for entity, rows in block.items():
            if isinstance(rows, list):
                found[entity] = {r["Id"]: r for r in rows}
    for entity, record in made.items():
        assert record["Id"] in found[entity], entity
    assert found["Bill"][bill["Id"]]["status"] == "Deleted"
    assert found["Invoice"][made["Invoice"]["Id"]]["Balance"] == 600
    assert found["TimeActivity"][made["TimeActivity"]["Id"]]["Hours"] == 3
    assert found["Purchase"][made["Purchase"]["Id"]]["PaymentType"] == "Cash"


def test_merged_and_deactivated_names_in_cdc(qbo, books):
    since = clock.meta_time(clock.now() - timedelta(minutes=1))
    keep = qbo.create("Vendor", {"DisplayName": "Keep Co"})
    gone = qbo.create("Vendor", {"DisplayName": "Gone Co"})
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    bill = qbo.create(
        "Bill", {"VendorRef": {"value": gone["Id"]}, "Line": [_expense_line(office, 20)]}
    )
    merged = _act(qbo, "merge", entity="Vendor", from_id=gone["Id"], into_id=keep["Id"])
    assert merged["Id"] == keep["Id"]
    moved = qbo.get(f"bill/{bill['Id']}").json()["Bill"]
    assert moved["VendorRef"] == {"value": keep["Id"], "name": "Keep Co"}
    assert qbo.client.get(qbo.url(f"vendor/{gone['Id']}"), **qbo._headers()).status_code == 400
    body = qbo.get("cdc", entities="Vendor", changedSince=since).json()
    rows = {r["Id"]: r for r in body["CDCResponse"][0]["QueryResponse"][0]["Vendor"]}
    assert rows[gone["Id"]]["status"] == "Deleted" and rows[keep["Id"]]["SyncToken"] == "1"
