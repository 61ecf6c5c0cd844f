"""requestid replay, batch, CDC, invoice send."""

from datetime import timedelta

from sandbox.quickbooks import clock
from sandbox.quickbooks.models import Record
from tests.sandbox.quickbooks.conftest import invoice_body


def test_requestid_replays_the_first_answer_without_doing_it_twice(qbo, books):
    first = qbo.post("invoice?requestid=abc-123", invoice_body(books))
    again = qbo.post("invoice?requestid=abc-123", invoice_body(books, (9, 9)))
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert Record.objects.filter(type="Invoice").count() == 1
    bad = qbo.post("invoice?requestid=f-1", {"Line": []})
    bad_again = qbo.post("invoice?requestid=f-1", invoice_body(books))
    assert bad.status_code == bad_again.status_code == 400 and bad.content == bad_again.content
    assert Record.objects.filter(type="Invoice").count() == 1


def test_batch_answers_each_item_on_its_own(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    items = [
        {"bId": "b1", "operation": "create", "Invoice": invoice_body(books, (1, 50))},
        {
            "bId": "b2",
            "operation": "update",
            "Invoice": {"Id": inv["Id"], "SyncToken": "7", "sparse": True},
        },
        {"bId": "b3", "operation": "create", "Customer": {"DisplayName": "Olivia Smith"}},
        {"bId": "b4", "Query": "SELECT COUNT(*) FROM Invoice"},
        {"bId": "b5", "operation": "delete", "Invoice": {"Id": inv["Id"], "SyncToken": "0"}},
        {"bId": "b6", "operation": "create", "Vendor": {"DisplayName": "Court Clerk"}},
    ]
    resp = qbo.post("batch", {"BatchItemRequest": items}).json()
    out = {r["bId"]: r for r in resp["BatchItemResponse"]}
    assert out["b1"]["Invoice"]["TotalAmt"] == 50
    assert out["b2"]["Fault"]["Error"][0]["code"] == "5010"
    assert out["b3"]["Fault"]["Error"][0]["code"] == "6240"
    assert out["b4"]["QueryResponse"] == {"totalCount": 2}
    assert out["b5"]["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": inv["Id"]}
    assert out["b6"]["Vendor"]["DisplayName"] == "Court Clerk"
    assert "time" in resp


def test_batch_void_through_options_data(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    item = {
        "bId": "v1",
        "operation": "update",
        "optionsData": "void",
        "Invoice": {"Id": inv["Id"], "SyncToken": "0"},
    }
    out = qbo.post("batch", {"BatchItemRequest": [item]}).json()["BatchItemResponse"][0]
    assert out["Invoice"]["PrivateNote"] == "Voided" and out["Invoice"]["TotalAmt"] == 0


def test_batch_over_30_items_is_a_fault(qbo):
    items = [{"bId": str(i), "Query": "SELECT * FROM Item"} for i in range(31)]
    resp = qbo.post("batch", {"BatchItemRequest": items})
    assert (
        resp.status_code == 400
        and "exceeds the maximum" in resp.json()["Fault"]["Error"][0]["Detail"]
    )


def test_cdc_reports_changes_and_deletes(qbo, books):
    since = clock.now() - timedelta(seconds=1)
    kept = qbo.create("Invoice", invoice_body(books))
    gone = qbo.create("Invoice", invoice_body(books))
    qbo.post("invoice?operation=delete", {"Id": gone["Id"], "SyncToken": "0"})
    stamp = since.isoformat()
    resp = qbo.get("cdc", entities="Invoice,Payment,Customer", changedSince=stamp).json()
    blocks = resp["CDCResponse"][0]["QueryResponse"]
    assert len(blocks) == 3 and blocks[1] == {}
    invoices = blocks[0]["Invoice"]
    assert [i["Id"] for i in invoices] == [kept["Id"], gone["Id"]]
    assert invoices[1]["status"] == "Deleted" and set(invoices[1]) == {
        "domain",
        "status",
        "Id",
        "MetaData",
    }
    assert blocks[0]["totalCount"] == 2
    assert blocks[2]["Customer"][0]["DisplayName"] == "Olivia Smith"


def test_cdc_older_than_30_days_is_a_fault(qbo):
    old = (clock.now() - timedelta(days=31)).isoformat()
    resp = qbo.get("cdc", entities="Invoice", changedSince=old)
    assert resp.status_code == 400 and resp.json()["Fault"]["Error"][0]["element"] == "changedSince"


def test_invoice_send_marks_it_emailed(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    resp = qbo.client.post(
        qbo.url(f"invoice/{inv['Id']}/send?sendTo=a@b.example"),
        HTTP_AUTHORIZATION=f"Bearer {qbo.token}",
    )
    sent = resp.json()["Invoice"]
    assert sent["EmailStatus"] == "EmailSent" and sent["BillEmail"] == {"Address": "a@b.example"}
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email" and sent["SyncToken"] == "1"


def test_every_entity_can_be_created_and_read(qbo, books):
    acc = books["accounts"]
    bodies = {
        "Vendor": {"DisplayName": "Process Server Co"},
        "Employee": {"GivenName": "Ann", "FamilyName": "Lee"},
        "Class": {"Name": "Litigation"},
        "Estimate": invoice_body(books),
        "SalesReceipt": invoice_body(books, DepositToAccountRef={"value": acc["Checking"]}),
        "RefundReceipt": invoice_body(books, DepositToAccountRef={"value": acc["Checking"]}),
        "JournalEntry": {
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": {"value": acc["TrustAccounts"]},
                    },
                },
                {
                    "Amount": 10,
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": {"value": acc["TrustAccountsLiabilities"]},
                        "Entity": {"Type": "Customer", "EntityRef": {"value": books["customer"]}},
                    },
                },
            ]
        },
        "Deposit": {
            "DepositToAccountRef": {"value": acc["TrustAccounts"]},
            "Line": [
                {
                    "Amount": 500,
                    "DetailType": "DepositLineDetail",
                    "DepositLineDetail": {
                        "AccountRef": {"value": acc["TrustAccountsLiabilities"]},
                        "Entity": {"value": books["customer"], "type": "CUSTOMER"},
                    },
                }
            ],
        },
        "Transfer": {
            "FromAccountRef": {"value": acc["TrustAccounts"]},
            "ToAccountRef": {"value": acc["Checking"]},
            "Amount": 25.5,
        },
        "TimeActivity": {"NameOf": "Vendor", "Hours": 2, "Minutes": 0, "Description": "Research"},
    }
    made = {}
    for entity, body in bodies.items():
        if entity == "TimeActivity":  # the worker is required (Finance.xsd)
            body["VendorRef"] = {"value": made["Vendor"]}
        created = qbo.create(entity, body)
        made[entity] = created["Id"]
        assert qbo.get(f"{entity.lower()}/{created['Id']}").json()[entity]["Id"] == created["Id"]
    vendor = qbo.query("SELECT * FROM Vendor").json()["QueryResponse"]["Vendor"][0]["Id"]
    expense = {
        "VendorRef": {"value": vendor},
        "Line": [
            {
                "Amount": 40,
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {
                    "AccountRef": {"value": acc["OfficeGeneralAdministrativeExpenses"]}
                },
            }
        ],
    }
    assert qbo.create("Bill", expense)["Balance"] == 40
    assert qbo.create("PurchaseOrder", expense)["POStatus"] == "Open"
    purchase = {**expense, "AccountRef": {"value": acc["Checking"]}, "PaymentType": "Check"}
    purchase.pop("VendorRef")
    assert qbo.create("Purchase", purchase)["TotalAmt"] == 40
    unbalanced = bodies["JournalEntry"]
    unbalanced["Line"][0]["Amount"] = 11
    assert qbo.post("journalentry", unbalanced).json()["Fault"]["Error"][0]["code"] == "6000"
    for path in ("preferences", f"companyinfo/{qbo.realm}"):
        assert qbo.get(path).status_code == 200
    rates = qbo.query("SELECT * FROM TaxRate").json()["QueryResponse"]["TaxRate"]
    assert qbo.get(f"taxrate/{rates[0]['Id']}").json()["TaxRate"]["RateValue"] == 0
    codes = qbo.query("SELECT * FROM TaxCode").json()["QueryResponse"]["TaxCode"]
    assert {c["Name"] for c in codes} == {"TAX", "NON"}
    assert qbo.post("taxcode", {"Name": "X"}).json()["Fault"]["Error"][0]["code"] == "500"
