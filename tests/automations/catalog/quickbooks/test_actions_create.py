"""Each QuickBooks create action over real HTTP: run for real and read the record back from the
sandbox; the same step run twice with the same requestid makes one record; a dry run sends
nothing and shows what it would send."""

from decimal import Decimal

import pytest

from tests.automations.catalog.quickbooks import support as s

pytestmark = pytest.mark.django_db(transaction=True)


def _invoice(b):
    legal = s.item_id(b)
    lines = [
        {"description": "Advice", "qty": "1.5", "unit_price": "350.00", "item_id": legal},
        {"description": "Filing fee", "amount": "45.50"},
    ]
    inputs = {
        "customer_id": s.customer_id(b),
        "lines": lines,
        "number": "INV-77",
        "due_date": "2027-01-31",
        "customer_memo": "Thank you",
        "bill_email": "billing@mail.example",
    }

    def check(raw):
        assert Decimal(str(raw["TotalAmt"])) == Decimal("570.50")
        assert (raw["DocNumber"], raw["DueDate"]) == ("INV-77", "2027-01-31")
        assert raw["CustomerRef"]["value"] == inputs["customer_id"]
        assert raw["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == legal
        assert raw["Line"][0]["SalesItemLineDetail"]["Qty"] == 1.5
        assert raw["CustomerMemo"]["value"] == "Thank you"
        assert raw["BillEmail"]["Address"] == "billing@mail.example"

    return inputs, check


def _estimate(b):
    inputs = {
        "customer_id": s.customer_id(b),
        "description": "Will and trust package",
        "amount": "300.00",
        "expiration_date": "2027-02-28",
    }

    def check(raw):
        assert raw["TotalAmt"] == 300
        assert raw["ExpirationDate"] == "2027-02-28"
        assert raw["Line"][0]["Description"] == "Will and trust package"

    return inputs, check


def _sales_receipt(b):
    checking = s.account_id(b, "Operating Checking")
    inputs = {
        "customer_id": s.customer_id(b),
        "lines": [{"description": "Consultation", "qty": 1, "unit_price": "150"}],
        "deposit_account_id": checking,
    }

    def check(raw):
        assert raw["TotalAmt"] == 150
        assert raw["DepositToAccountRef"]["value"] == checking

    return inputs, check


def _credit_memo(b):
    inputs = {"customer_id": s.customer_id(b), "description": "Courtesy", "amount": "50"}

    def check(raw):
        assert raw["TotalAmt"] == 50
        assert raw["RemainingCredit"] == 50

    return inputs, check


def _refund_receipt(b):
    checking = s.account_id(b, "Operating Checking")
    inputs = {"customer_id": s.customer_id(b), "amount": "20.00", "deposit_account_id": checking}

    def check(raw):
        assert raw["TotalAmt"] == 20
        assert raw["DepositToAccountRef"]["value"] == checking

    return inputs, check


def _payment(b):
    cid = s.customer_id(b)
    inv = s.invoice(b, cid)
    inputs = {"customer_id": cid, "amount": "100.00", "invoice_id": inv["Id"], "reference": "CHK 9"}

    def check(raw):
        assert raw["TotalAmt"] == 100
        assert raw["PaymentRefNum"] == "CHK 9"
        assert raw["Line"][0]["LinkedTxn"] == [{"TxnId": inv["Id"], "TxnType": "Invoice"}]
        assert b.read("Invoice", inv["Id"])["Balance"] == 151

    return inputs, check


def _bill_items(b):
    legal, cid = s.item_id(b), s.customer_id(b)
    inputs = {
        "vendor_id": s.vendor_id(b),
        "lines": [{"item_id": legal, "qty": 2, "unit_price": "40", "description": "Copies"}],
        "customer_id": cid,
        "billable": True,
        "due_date": "2027-03-01",
    }

    def check(raw):
        assert raw["TotalAmt"] == 80
        assert raw["VendorRef"]["value"] == inputs["vendor_id"]
        detail = raw["Line"][0]["ItemBasedExpenseLineDetail"]
        assert (detail["ItemRef"]["value"], detail["Qty"]) == (legal, 2)
        assert (detail["CustomerRef"]["value"], detail["BillableStatus"]) == (cid, "Billable")

    return inputs, check


def _bill_accounts(b):
    fees = s.account_id(b, "Court Fees and Costs")
    inputs = {
        "vendor_id": s.vendor_id(b),
        "account_id": fees,
        "amount": "85.10",
        "description": "Transcript",
    }

    def check(raw):
        assert Decimal(str(raw["TotalAmt"])) == Decimal("85.10")
        detail = raw["Line"][0]["AccountBasedExpenseLineDetail"]
        assert detail["AccountRef"]["value"] == fees
        assert raw["Line"][0]["Description"] == "Transcript"

    return inputs, check


def _expense(b):
    card, office, vid = s.card_id(b), s.account_id(b, "Office Expenses"), s.vendor_id(b)
    inputs = {
        "payment_type": "Credit Card",
        "account_id": card,
        "payee_id": vid,
        "payee_type": "Vendor",
        "line_account_id": office,
        "amount": "12.34",
        "description": "Postage",
    }

    def check(raw):
        assert (raw["PaymentType"], raw["AccountRef"]["value"]) == ("CreditCard", card)
        assert raw["EntityRef"]["value"] == vid
        assert Decimal(str(raw["TotalAmt"])) == Decimal("12.34")
        line = raw["Line"][0]["AccountBasedExpenseLineDetail"]
        assert line["AccountRef"]["value"] == office

    return inputs, check


def _purchase_order(b):
    legal, office = s.item_id(b), s.account_id(b, "Office Expenses")
    lines = [
        {"item_id": legal, "qty": 3, "unit_price": "10"},
        {"account_id": office, "amount": "5"},
    ]
    inputs = {"vendor_id": s.vendor_id(b), "lines": lines, "vendor_message": "Rush"}

    def check(raw):
        assert raw["TotalAmt"] == 35
        assert raw["POStatus"] == "Open"
        kinds = [ln["DetailType"] for ln in raw["Line"]]
        assert kinds == ["ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail"]
        assert raw["Memo"] == "Rush"

    return inputs, check


def _time_activity(b):
    emp, cid, legal = s.employee_id(b), s.customer_id(b), s.item_id(b)
    inputs = {
        "employee_id": emp,
        "customer_id": cid,
        "item_id": legal,
        "hours": "1.5",
        "hourly_rate": "350",
        "billable": True,
        "date": "2026-11-30",
        "description": "Drafting will",
    }

    def check(raw):
        assert (raw["NameOf"], raw["EmployeeRef"]["value"]) == ("Employee", emp)
        assert (raw["Hours"], raw["Minutes"]) == (1, 30)
        assert (raw["BillableStatus"], raw["HourlyRate"]) == ("Billable", 350)
        assert (raw["TxnDate"], raw["CustomerRef"]["value"]) == ("2026-11-30", cid)

    return inputs, check


def _journal(b):
    office, checking = s.account_id(b, "Office Expenses"), s.account_id(b, "Operating Checking")
    inputs = {
        "debit_account_id": office,
        "credit_account_id": checking,
        "amount": "99.99",
        "description": "Reclass",
    }

    def check(raw):
        sides = {
            ln["JournalEntryLineDetail"]["PostingType"]: ln["JournalEntryLineDetail"]["AccountRef"][
                "value"
            ]
            for ln in raw["Line"]
        }
        assert sides == {"Debit": office, "Credit": checking}
        assert all(Decimal(str(ln["Amount"])) == Decimal("99.99") for ln in raw["Line"])

    return inputs, check


def _item(b):
    income = s.account_id(b, "Legal Fee Income")
    inputs = {"name": "Mediation", "income_account_id": income, "unit_price": "200.00"}

    def check(raw):
        assert (raw["Name"], raw["Type"], raw["UnitPrice"]) == ("Mediation", "Service", 200)
        assert raw["IncomeAccountRef"]["value"] == income

    return inputs, check


def _customer(b):
    parent = s.customer_id(b)
    inputs = {
        "display_name": "Smith Estate (00012)",
        "parent_id": parent,
        "email": "estate@mail.example",
        "city": "Portland",
    }

    def check(raw):
        assert raw["DisplayName"] == "Smith Estate (00012)"
        assert (raw["ParentRef"]["value"], raw["Job"]) == (parent, True)
        assert raw["PrimaryEmailAddr"]["Address"] == "estate@mail.example"
        assert raw["BillAddr"]["City"] == "Portland"

    return inputs, check


def _vendor(b):
    inputs = {"display_name": "Process Servers LLC", "account_number": "PS-1", "phone": "555-0101"}

    def check(raw):
        assert (raw["DisplayName"], raw["AcctNum"]) == ("Process Servers LLC", "PS-1")
        assert raw["PrimaryPhone"]["FreeFormNumber"] == "555-0101"

    return inputs, check


CASES = {
    "create_invoice": ("Invoice", _invoice),
    "create_estimate": ("Estimate", _estimate),
    "create_sales_receipt": ("SalesReceipt", _sales_receipt),
    "create_credit_memo": ("CreditMemo", _credit_memo),
    "create_refund_receipt": ("RefundReceipt", _refund_receipt),
    "create_payment": ("Payment", _payment),
    "create_bill_item_based": ("Bill", _bill_items),
    "create_bill_account_based": ("Bill", _bill_accounts),
    "create_expense": ("Purchase", _expense),
    "create_purchase_order": ("PurchaseOrder", _purchase_order),
    "create_time_activity": ("TimeActivity", _time_activity),
    "create_journal_entry": ("JournalEntry", _journal),
    "create_product_service": ("Item", _item),
    "create_customer": ("Customer", _customer),
    "create_vendor": ("Vendor", _vendor),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_it_makes_the_record_once_and_a_dry_run_makes_none(books, key):
    entity, build = CASES[key]
    inputs, check = build(books)
    action = f"quickbooks.{key}"
    before = books.count(entity)

    dry, ctx = books.run(action, inputs, key="dry", dry_run=True)
    assert (dry.output, dry.summary.startswith("Would ")) == ({}, True)
    assert books.count(entity) == before
    [sent] = ctx.sent
    assert (sent.method, sent.path, sent.params) == ("POST", entity.lower(), {"minorversion": "75"})

    result, _ = books.run(action, inputs, key="step-1")
    assert result.record_id == result.output["id"]
    assert result.record_url.startswith("https://app.qbo.intuit.com/app/")
    assert result.record_url.endswith(result.record_id)
    check(books.read(entity, result.record_id))
    assert sent.body == _body_without_read_only(sent.body)

    replay, _ = books.run(action, inputs, key="step-1")
    assert replay.record_id == result.record_id
    assert books.count(entity) == before + 1


def _body_without_read_only(body: dict) -> dict:
    # What a create sends has no Id or SyncToken: QuickBooks assigns them.
    assert "Id" not in body and "SyncToken" not in body
    return body
