"""Vendors, bills, expenses, purchase orders, time activities, items and journal entries:
create, read, query and sparse update over the API, with the faults QuickBooks answers."""

import json

import pytest
from django.test import Client


def _post(qbo, path, body):
    client = Client(raise_request_exception=False)
    raw = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(qbo.url(path), raw, content_type="application/json", **qbo._headers())


def _fault(response, status=400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["Fault"]
    assert body["type"] == "ValidationFault"
    return body["Error"][0]


def _vendor(qbo, name="Process Server Co", **extra):
    return qbo.create("Vendor", {"DisplayName": name, **extra})


def _expense_line(account, amount, **detail):
    return {
        "Amount": amount,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}, **detail},
    }


def _item_line(item, qty, price):
    return {
        "DetailType": "ItemBasedExpenseLineDetail",
        "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": price},
    }


def _sparse(qbo, entity, record, **changes):
    body = {"Id": record["Id"], "SyncToken": record["SyncToken"], "sparse": True, **changes}
    response = qbo.post(entity.lower(), body)
    assert response.status_code == 200, response.json()
    return response.json()[entity]


def test_vendor_create_read_query_by_name_and_email_and_update(qbo, books):
    vendor = _vendor(qbo, PrimaryEmailAddr={"Address": "serve@process.example"})
    assert vendor["Balance"] == 0 and vendor["Active"] is True
    assert qbo.get(f"vendor/{vendor['Id']}").json()["Vendor"] == vendor
    by_name = qbo.query("select * from Vendor where DisplayName = 'Process Server Co'").json()
    assert [v["Id"] for v in by_name["QueryResponse"]["Vendor"]] == [vendor["Id"]]
    by_email = qbo.query(
        "select * from Vendor where PrimaryEmailAddr = 'SERVE@process.example'"
    ).json()
    assert [v["Id"] for v in by_email["QueryResponse"]["Vendor"]] == [vendor["Id"]]
    updated = _sparse(qbo, "Vendor", vendor, CompanyName="Process Servers LLC")
    assert updated["CompanyName"] == "Process Servers LLC" and updated["SyncToken"] == "1"
    assert updated["PrimaryEmailAddr"] == {"Address": "serve@process.example"}


def test_vendor_faults(qbo, books):
    assert _fault(_post(qbo, "vendor", {"Notes": "no name"}))["code"] == "6080"
    assert _fault(_post(qbo, "vendor", {"DisplayName": "olivia smith "}))["code"] == "6240"


def test_customer_query_by_email(qbo, books):
    qbo.create("Customer", {"DisplayName": "Ann Lee", "PrimaryEmailAddr": {"Address": "a@l.ex"}})
    found = qbo.query("SELECT * FROM Customer WHERE PrimaryEmailAddr = 'a@l.ex'").json()
    assert [c["DisplayName"] for c in found["QueryResponse"]["Customer"]] == ["Ann Lee"]
    like = qbo.query("SELECT * FROM Customer WHERE PrimaryEmailAddr LIKE '%@l.ex'").json()
    assert len(like["QueryResponse"]["Customer"]) == 1


def test_bill_item_and_account_based_lines(qbo, books):
    vendor = _vendor(qbo)
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    body = {
        "VendorRef": {"value": vendor["Id"]},
        "DocNumber": "INV-77",
        "Line": [_expense_line(office, "120.50"), _item_line(books["item"], 1.5, 100)],
    }
    bill = qbo.create("Bill", body)
    assert [ln["Amount"] for ln in bill["Line"]] == [120.5, 150]
    assert bill["TotalAmt"] == 270.5 and bill["Balance"] == 270.5
    assert bill["APAccountRef"]["name"] == "Accounts Payable (A/P)"
    assert bill["VendorRef"] == {"value": vendor["Id"], "name": "Process Server Co"}
    assert bill["DueDate"] == bill["TxnDate"]
    found = qbo.query("SELECT * FROM Bill WHERE DocNumber = 'INV-77'").json()["QueryResponse"]
    assert found["Bill"][0]["Id"] == bill["Id"]
    by_vendor = qbo.query(f"SELECT * FROM Bill WHERE VendorRef = '{vendor['Id']}'").json()
    assert by_vendor["QueryResponse"]["Bill"][0]["Id"] == bill["Id"]
    updated = _sparse(qbo, "Bill", bill, Line=[_expense_line(office, 80)])
    assert updated["TotalAmt"] == 80 and updated["Balance"] == 80
    assert updated["DocNumber"] == "INV-77"


@pytest.mark.parametrize(
    ("change", "code", "element"),
    [
        ({"VendorRef": None}, "2020", "VendorRef"),
        ({"Line": []}, "2020", "Line"),
        ({"Line": [{"Amount": 5, "DetailType": "AccountBasedExpenseLineDetail"}]}, "2020", ""),
        ({"Line": [{"Amount": "lots"}]}, "2010", ""),
        ({"VendorRef": {"value": "99999"}}, "2500", "VendorRef"),
    ],
)
def test_bill_faults(qbo, books, change, code, element):
    vendor = _vendor(qbo)
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [_expense_line(office, 10)]}
    error = _fault(_post(qbo, "bill", {**body, **change}))
    assert error["code"] == code
    if element:
        assert error["element"] == element


def test_bill_line_without_account_names_it(qbo, books):
    vendor = _vendor(qbo)
    line = {"Amount": 5, "DetailType": "AccountBasedExpenseLineDetail"}
    line["AccountBasedExpenseLineDetail"] = {}
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [line]}
    assert _fault(_post(qbo, "bill", body))["element"] == "AccountRef"


def _card(qbo) -> str:
    card = qbo.create("Account", {"Name": "Firm Visa", "AccountType": "Credit Card"})
    assert card["AccountSubType"] == "CreditCard" and card["Classification"] == "Liability"
    return card["Id"]


@pytest.mark.parametrize("kind", ["Check", "Cash", "CreditCard"])
def test_purchase_of_each_payment_type(qbo, books, kind):
    vendor = _vendor(qbo)
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    account = _card(qbo) if kind == "CreditCard" else books["accounts"]["Checking"]
    body = {
        "PaymentType": kind,
        "AccountRef": {"value": account},
        "EntityRef": {"value": vendor["Id"], "type": "Vendor"},
        "Line": [_expense_line(office, 42.1), _expense_line(office, 7.9)],
    }
    expense = qbo.create("Purchase", body)
    assert expense["TotalAmt"] == 50 and expense["PaymentType"] == kind
    assert expense.get("Credit") is (False if kind == "CreditCard" else None)
    got = qbo.get(f"purchase/{expense['Id']}").json()["Purchase"]
    assert got == expense
    typed = qbo.query(f"SELECT * FROM Purchase WHERE PaymentType = '{kind}'").json()
    assert [p["Id"] for p in typed["QueryResponse"]["Purchase"]] == [expense["Id"]]
    updated = _sparse(qbo, "Purchase", expense, PrivateNote="receipt filed")
    assert updated["PrivateNote"] == "receipt filed" and updated["TotalAmt"] == 50


@pytest.mark.parametrize(
    ("change", "code", "element"),
    [
        ({"PaymentType": None}, "2020", "PaymentType"),
        ({"PaymentType": ""}, "2020", "PaymentType"),
        ({"AccountRef": None}, "2020", "AccountRef"),
        ({"PaymentType": "Bitcoin"}, "2010", ""),
        ({"PaymentType": "CreditCard"}, "6000", ""),
        ({"Line": None}, "2020", "Line"),
    ],
)
def test_purchase_faults(qbo, books, change, code, element):
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    body = {
        "PaymentType": "Check",
        "AccountRef": {"value": books["accounts"]["Checking"]},
        "Line": [_expense_line(office, 10)],
    }
    error = _fault(_post(qbo, "purchase", {**body, **change}))
    assert error["code"] == code
    if element:
        assert error["element"] == element


def test_purchase_payee_must_exist(qbo, books):
    vendor = _vendor(qbo)
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    body = {"PaymentType": "Cash", "AccountRef": {"value": books["accounts"]["Checking"]}}
    body["Line"] = [_expense_line(office, 10)]
    paid = qbo.create("Purchase", body | {"EntityRef": {"value": vendor["Id"], "type": "Vendor"}})
    assert paid["EntityRef"]["name"] == "Process Server Co"
    for payee in ({"value": "424242", "type": "Vendor"}, {"value": vendor["Id"], "type": "Robot"}):
        error = _fault(_post(qbo, "purchase", body | {"EntityRef": payee}))
        assert (error["code"], error["element"]) == ("2500", "EntityRef")
    as_customer = {"value": books["customer"], "type": "Customer"}
    assert qbo.create("Purchase", body | {"EntityRef": as_customer})["EntityRef"]["name"]
    untyped = qbo.create("Purchase", body | {"EntityRef": {"value": books["customer"]}})
    assert untyped["EntityRef"]["name"] == "Olivia Smith"


def test_check_from_a_credit_card_account_is_refused(qbo, books):
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    body = {"PaymentType": "Check", "AccountRef": {"value": _card(qbo)}}
    body["Line"] = [_expense_line(office, 10)]
    error = _fault(_post(qbo, "purchase", body))
    assert error["code"] == "6000" and "bank account" in error["Detail"]


def test_purchase_order(qbo, books):
    vendor = _vendor(qbo)
    body = {"VendorRef": {"value": vendor["Id"]}, "DocNumber": "PO-1"}
    body["Line"] = [_item_line(books["item"], 3, 25)]
    order = qbo.create("PurchaseOrder", body)
    assert order["POStatus"] == "Open" and order["TotalAmt"] == 75
    assert order["APAccountRef"]["name"] == "Accounts Payable (A/P)"
    found = qbo.query("select * from PurchaseOrder where DocNumber = 'PO-1'").json()
    assert found["QueryResponse"]["PurchaseOrder"][0]["Id"] == order["Id"]
    closed = _sparse(qbo, "PurchaseOrder", order, POStatus="Closed")
    assert closed["POStatus"] == "Closed" and closed["TotalAmt"] == 75
    assert _fault(_post(qbo, "purchaseorder", {"Line": body["Line"]}))["element"] == "VendorRef"
    bad = {**body, "POStatus": "Pending"}
    assert _fault(_post(qbo, "purchaseorder", bad))["code"] == "2010"


def test_time_activity_for_an_employee_and_a_vendor(qbo, books):
    employee = qbo.create("Employee", {"GivenName": "Ann", "FamilyName": "Lee"})
    vendor = _vendor(qbo)
    body = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": employee["Id"]},
        "CustomerRef": {"value": books["customer"]},
        "ItemRef": {"value": books["item"]},
        "BillableStatus": "Billable",
        "HourlyRate": "350.00",
        "Hours": 1,
        "Minutes": 30,
        "Description": "Research",
        "TxnDate": "2026-11-02",
    }
    time = qbo.create("TimeActivity", body)
    assert time["EmployeeRef"]["name"] == "Ann Lee" and time["HourlyRate"] == 350
    assert (time["Hours"], time["Minutes"], time["BillableStatus"]) == (1, 30, "Billable")
    found = qbo.query("SELECT * FROM TimeActivity WHERE TxnDate = '2026-11-02'").json()
    assert found["QueryResponse"]["TimeActivity"][0]["Id"] == time["Id"]
    updated = _sparse(qbo, "TimeActivity", time, Hours=2)
    assert (updated["Hours"], updated["Minutes"]) == (2, 30)
    clocked = {"NameOf": "Vendor", "VendorRef": {"value": vendor["Id"]}}
    clocked |= {"StartTime": "2026-11-02T09:00:00-08:00", "EndTime": "2026-11-02T10:15:00-08:00"}
    assert qbo.create("TimeActivity", clocked)["VendorRef"]["value"] == vendor["Id"]


@pytest.mark.parametrize(
    ("body", "code", "element"),
    [
        ({"Hours": 1}, "2020", "NameOf"),
        ({"NameOf": "Employee", "Hours": 1}, "2020", "EmployeeRef"),
        ({"NameOf": "Vendor", "Hours": 1}, "2020", "VendorRef"),
        ({"NameOf": "Robot", "Hours": 1}, "2010", ""),
        ({"NameOf": "Employee", "EmployeeRef": "E"}, "2020", "Hours"),
        ({"NameOf": "Employee", "EmployeeRef": "E", "Minutes": 75}, "6000", ""),
        ({"NameOf": "Employee", "EmployeeRef": "E", "Hours": "two"}, "2010", ""),
        ({"NameOf": "Employee", "EmployeeRef": "E", "Hours": -1}, "6000", ""),
    ],
)
def test_time_activity_faults(qbo, books, body, code, element):
    employee = qbo.create("Employee", {"GivenName": "Ann", "FamilyName": "Lee"})
    if body.get("EmployeeRef") == "E":
        body = {**body, "EmployeeRef": {"value": employee["Id"]}}
    error = _fault(_post(qbo, "timeactivity", body))
    assert error["code"] == code
    if element:
        assert error["element"] == element


def test_items_service_and_inventory(qbo, books):
    income = books["accounts"]["ServiceFeeIncome"]
    item = qbo.create("Item", {"Name": "Filing", "IncomeAccountRef": {"value": income}})
    assert item["Type"] == "Service" and item["UnitPrice"] == 0
    found = qbo.query("SELECT * FROM Item WHERE Name = 'Filing'").json()["QueryResponse"]
    assert found["Item"][0]["Id"] == item["Id"]
    assert _sparse(qbo, "Item", item, UnitPrice=75)["UnitPrice"] == 75
    assert _fault(_post(qbo, "item", {"Name": "No income"}))["element"] == "IncomeAccountRef"
    assert _fault(_post(qbo, "item", {"Name": "X", "Type": "Gadget"}))["code"] == "2010"
    stock = {"Name": "Binder", "Type": "Inventory", "IncomeAccountRef": {"value": income}}
    assert _fault(_post(qbo, "item", stock))["element"] == "ExpenseAccountRef"
    stock |= {
        "ExpenseAccountRef": {"value": books["accounts"]["OfficeGeneralAdministrativeExpenses"]},
        "AssetAccountRef": {"value": books["accounts"]["UndepositedFunds"]},
        "InvStartDate": "2026-01-01",
        "QtyOnHand": 10,
    }
    assert qbo.create("Item", stock)["TrackQtyOnHand"] is True


def _journal(debit_account, credit_account, debit=10, credit=10, posting="Credit"):
    def line(amount, kind, account):
        detail = {"PostingType": kind, "AccountRef": {"value": account}}
        return {
            "Amount": amount,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": detail,
        }

    return {"Line": [line(debit, "Debit", debit_account), line(credit, posting, credit_account)]}


def test_journal_entry_balanced_and_its_faults(qbo, books):
    acc = books["accounts"]
    entry = qbo.create(
        "JournalEntry", _journal(acc["Checking"], acc["ServiceFeeIncome"]) | {"DocNumber": "JE-1"}
    )
    assert entry["TotalAmt"] == 10 and entry["Adjustment"] is False
    found = qbo.query("SELECT * FROM JournalEntry WHERE DocNumber = 'JE-1'").json()
    assert found["QueryResponse"]["JournalEntry"][0]["Id"] == entry["Id"]
    updated = _sparse(qbo, "JournalEntry", entry, PrivateNote="month end")
    assert updated["PrivateNote"] == "month end" and updated["TotalAmt"] == 10
    unbalanced = _journal(acc["Checking"], acc["ServiceFeeIncome"], credit=9)
    error = _fault(_post(qbo, "journalentry", unbalanced))
    assert error["code"] == "6000" and "balanced" in error["Detail"]
    sideways = _journal(acc["Checking"], acc["ServiceFeeIncome"], posting="Sideways")
    assert _fault(_post(qbo, "journalentry", sideways))["code"] == "2010"
    no_account = _journal(acc["Checking"], acc["ServiceFeeIncome"])
    del no_account["Line"][1]["JournalEntryLineDetail"]["AccountRef"]
    assert _fault(_post(qbo, "journalentry", no_account))["element"] == "AccountRef"


def test_account_create_query_update_and_type_required(qbo, books):
    account = qbo.create("Account", {"Name": "Postage", "AccountType": "Expense"})
    found = qbo.query("SELECT * FROM Account WHERE Name = 'Postage'").json()["QueryResponse"]
    assert found["Account"][0]["Id"] == account["Id"]
    typed = qbo.query("SELECT * FROM Account WHERE AccountType = 'Expense'").json()
    assert account["Id"] in [a["Id"] for a in typed["QueryResponse"]["Account"]]
    assert _sparse(qbo, "Account", account, Description="Stamps")["Description"] == "Stamps"
    assert _fault(_post(qbo, "account", {"Name": "Nothing"}))["code"] == "6010"
    assert _fault(_post(qbo, "account", {"AccountType": "Expense"}))["element"] == "Name"


@pytest.mark.parametrize("entity", ["bill", "purchase", "purchaseorder", "timeactivity", "vendor"])
@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[]", b'{"Line": "x"}', b'{"TxnDate": "yesterday"}', b'{"TotalAmt": {}}'],
)
def test_hostile_bodies_are_faults_never_500(qbo, books, entity, raw):
    response = _post(qbo, entity, raw)
    assert response.status_code == 400, response.content
    assert response.json()["Fault"]["Error"][0]["code"] in ("2010", "2020", "6080")


def test_empty_strings_for_unset_fields_on_a_bill(qbo, books):
    vendor = _vendor(qbo)
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [_expense_line(office, 10)]}
    body |= {"TxnDate": "", "DueDate": "", "APAccountRef": {"value": ""}, "TotalAmt": ""}
    bill = qbo.create("Bill", body)
    assert bill["TxnDate"] and bill["TotalAmt"] == 10 and bill["APAccountRef"]["value"]


def test_batch_writes_and_finds_purchase_forms(qbo, books):
    vendor = _vendor(qbo)
    office = books["accounts"]["OfficeGeneralAdministrativeExpenses"]
    bill = {"VendorRef": {"value": vendor["Id"]}, "Line": [_expense_line(office, 15)]}
    items = [
        {"bId": "b1", "operation": "create", "Bill": bill},
        {"bId": "b2", "operation": "create", "Bill": {"Line": bill["Line"]}},
        {"bId": "b3", "operation": "create", "TimeActivity": {"NameOf": "Vendor", "Hours": 1}},
        {"bId": "b4", "Query": "select * from Vendor where DisplayName = 'Process Server Co'"},
    ]
    answers = qbo.post("batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]
    out = {a["bId"]: a for a in answers}
    assert out["b1"]["Bill"]["TotalAmt"] == 15 and out["b1"]["Bill"]["Balance"] == 15
    assert out["b2"]["Fault"]["Error"][0]["element"] == "VendorRef"
    assert out["b3"]["Fault"]["Error"][0]["element"] == "VendorRef"
    assert out["b4"]["QueryResponse"]["Vendor"][0]["Id"] == vendor["Id"]
