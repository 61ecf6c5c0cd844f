"""What each Xero action is given in the tests, and how its record is read back and checked."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import requests

from automations.catalog.base import Result
from tests.automations.catalog.xero.conftest import XeroOrg

LINES = [
    {"description": "Consultation", "quantity": "1.5", "unit_amount": Decimal("200.00"),
     "account_code": "200"},
    {"description": "Filing fee", "unit_amount": "85.25", "account_code": "200"},
]  # fmt: skip
MATTER = "2026-001 Estate plan"  # a seeded option of the "Matter" tracking category


def contact(org: XeroOrg, name: str = "Rivera Holdings", email: str = "ap@rivera.example") -> str:
    made = org.act("create_contact", contact={"Name": name, "EmailAddress": email})
    return made["Contact"]["ContactID"]


def invoice(org: XeroOrg, status: str = "AUTHORISED", number: str = "") -> dict:
    if not org.get("Contacts", where='Name=="Rivera Holdings"')["Contacts"]:
        contact(org)
    doc = {
        "Type": "ACCREC",
        "Contact": {"Name": "Rivera Holdings"},
        "Status": status,
        "LineItems": [{"Description": "Advice", "UnitAmount": 250, "AccountCode": "200"}],
    }
    if number:
        doc["InvoiceNumber"] = number
    return org.act("create_invoice", invoice=doc)["Invoice"]


def emails(org: XeroOrg) -> list:
    answer = requests.get(
        f"{org.base}/sandbox/xero/_control/emails", params={"tenant_id": org.tenant_id}, timeout=30
    )
    return answer.json()["Emails"]


def tracking_options(org: XeroOrg) -> list[dict]:
    (category,) = org.get("TrackingCategories", where='Name=="Matter"')["TrackingCategories"]
    return category["Options"]


@dataclass(frozen=True)
class Case:
    prepare: Callable[[XeroOrg], dict]  # the step's inputs
    resource: str  # where the record is read back
    check: Callable[[dict, Result], None]
    count: Callable[[XeroOrg], int]
    adds: int = 1


def counting(resource: str, **params) -> Callable[[XeroOrg], int]:
    return lambda org: org.count(resource, **params)


def _check_contact(row: dict, result: Result) -> None:
    assert (row["Name"], row["FirstName"], row["EmailAddress"]) == (
        "Rivera Holdings",
        "Ana",
        "ap@rivera.example",
    )
    assert row["ContactNumber"] == "clio-77" and row["Phones"][0]["PhoneNumber"] == "555-0100"
    assert result.output["email_address"] == "ap@rivera.example"


def _check_invoice(row: dict, result: Result) -> None:
    assert (row["Type"], row["Status"], row["Reference"]) == ("ACCREC", "AUTHORISED", "M-12")
    assert row["DateString"].startswith("2026-11-02") and row["DueDateString"].startswith(
        "2026-12-02"
    )
    assert Decimal(str(row["Total"])) == Decimal("385.25")
    assert [ln["Quantity"] for ln in row["LineItems"]] == [1.5, 1.0]
    assert row["LineItems"][0]["Tracking"][0]["Option"] == MATTER
    assert result.output["total"] == "385.25" and result.output["contact_name"] == "Rivera Holdings"
    assert result.output["invoice_number"] == row["InvoiceNumber"]


def _check_bill(row: dict, result: Result) -> None:
    assert (row["Type"], row["InvoiceNumber"], row["Status"]) == ("ACCPAY", "CR-881", "DRAFT")
    assert row["Contact"]["Name"] == "Court Reporters Inc"
    assert result.record_url.endswith(f"/AccountsPayable/View.aspx?InvoiceID={row['InvoiceID']}")


def _check_credit_note(row: dict, result: Result) -> None:
    assert (row["Type"], row["Reference"]) == ("ACCRECCREDIT", "Goodwill")
    assert Decimal(str(row["Total"])) == Decimal("385.25")


def _check_quote(row: dict, result: Result) -> None:
    assert (row["Title"], row["Status"], row["LineAmountTypes"]) == (
        "Estate plan",
        "DRAFT",
        "NOTAX",
    )
    assert Decimal(str(row["Total"])) == Decimal("385.25")
    assert row["ExpiryDateString"].startswith("2026-12-31") and len(row["LineItems"]) == 2
    assert result.output["quote_number"] == row["QuoteNumber"]


def _check_order(row: dict, result: Result) -> None:
    assert (row["Status"], row["DeliveryInstructions"]) == ("SUBMITTED", "Front desk")
    assert row["Contact"]["Name"] == "Paper Supply Co"
    assert result.output["purchase_order_number"] == row["PurchaseOrderNumber"]


def _bank_check(kind: str, code: str):
    def check(row: dict, result: Result) -> None:
        assert (row["Type"], row["BankAccount"]["Code"], row["Reference"]) == (kind, code, "r-1")
        assert Decimal(str(row["Total"])) == Decimal("120.50")
        assert result.output["bank_account"]["code"] == code

    return check


def _check_payment(row: dict, result: Result) -> None:
    assert Decimal(str(row["Amount"])) == Decimal("100.10") and row["Account"]["Code"] == "090"
    assert row["Invoice"]["InvoiceNumber"] == "INV-7001"
    assert result.output["amount"] == "100.10" and result.output["invoice_number"] == "INV-7001"


def _check_item(row: dict, result: Result) -> None:
    assert (row["Code"], row["Name"], row["IsSold"], row["IsPurchased"]) == (
        "RESEARCH",
        "Legal research",
        True,
        False,
    )
    assert Decimal(str(row["SalesDetails"]["UnitPrice"])) == Decimal("175.5")
    assert result.output["sale_price"] == "175.50"


def _check_journal(row: dict, result: Result) -> None:
    assert (row["Narration"], row["Status"]) == ("Retainer into trust", "POSTED")
    amounts = [(ln["AccountCode"], Decimal(str(ln["LineAmount"]))) for ln in row["JournalLines"]]
    assert amounts == [("091", Decimal("500.00")), ("850", Decimal("-500.00"))]


def _check_option(row: dict, result: Result) -> None:
    option = next(o for o in row["Options"] if o["TrackingOptionID"] == result.record_id)
    assert option["Name"] == "00042-Rivera"
    assert result.output["tracking_category_name"] == "Matter"


def _check_updated_contact(row: dict, result: Result) -> None:
    assert (row["Name"], row["EmailAddress"]) == ("Rivera Holdings", "billing@rivera.example")


def _check_updated_invoice(row: dict, result: Result) -> None:
    assert (row["Reference"], row["Status"]) == ("Matter 00012", "AUTHORISED")
    assert [ln["Description"] for ln in row["LineItems"]] == ["Consultation", "Filing fee"]


def _check_emailed(row: dict, result: Result) -> None:
    assert row["SentToContact"] is True and result.output["sent_to_contact"] is True


def _tracking_read(org: XeroOrg) -> int:
    return len(tracking_options(org))


def _spend_inputs(kind_code: str, account: str):
    return lambda org: {
        "bank_account": kind_code,
        "contact_name": "Metro Courier",
        "reference": "r-1",
        "lines": [{"description": "Courier", "unit_amount": "120.50", "account_code": account}],
    }


def _update_invoice_inputs(org: XeroOrg) -> dict:
    made = invoice(org, status="DRAFT")
    return {"invoice_id": made["InvoiceID"], "reference": "Matter 00012", "status": "AUTHORISED",
            "lines": LINES}  # fmt: skip


CASES = {
    "xero.create_contact": Case(
        lambda org: {"name": "Rivera Holdings", "first_name": "Ana", "email_address":
                     "ap@rivera.example", "contact_number": "clio-77", "phone": "555-0100"},
        "Contacts", _check_contact, counting("Contacts"),
    ),
    "xero.create_invoice": Case(
        lambda org: {"contact_id": contact(org), "date": "2026-11-02", "due_date": "2026-12-02",
                     "reference": "M-12", "status": "AUTHORISED", "lines": LINES,
                     "tracking_category": "Matter", "tracking_option": MATTER},
        "Invoices", _check_invoice, counting("Invoices"),
    ),
    "xero.create_bill": Case(
        lambda org: {"contact_name": "Court Reporters Inc", "invoice_number": "CR-881",
                     "lines": LINES},
        "Invoices", _check_bill, counting("Invoices"),
    ),
    "xero.create_credit_note": Case(
        lambda org: {"contact_id": contact(org), "reference": "Goodwill", "lines": LINES},
        "CreditNotes", _check_credit_note, counting("CreditNotes"),
    ),
    "xero.create_quote": Case(
        lambda org: {"contact_name": "Rivera Holdings", "expiry_date": "2026-12-31",
                     "title": "Estate plan", "line_amount_types": "notax", "lines": LINES},
        "Quotes", _check_quote, counting("Quotes"),
    ),
    "xero.create_purchase_order": Case(
        lambda org: {"contact_name": "Paper Supply Co", "status": "SUBMITTED",
                     "delivery_instructions": "Front desk", "lines": LINES},
        "PurchaseOrders", _check_order, counting("PurchaseOrders"),
    ),
    "xero.create_spend_money": Case(
        _spend_inputs("090", "310"), "BankTransactions", _bank_check("SPEND", "090"),
        counting("BankTransactions"),
    ),
    "xero.create_receive_money": Case(
        _spend_inputs("091", "850"), "BankTransactions", _bank_check("RECEIVE", "091"),
        counting("BankTransactions"),
    ),
    "xero.create_payment": Case(
        lambda org: {"invoice_number": invoice(org, number="INV-7001")["InvoiceNumber"],
                     "amount": "100.10", "account": "090", "date": "2026-11-03"},
        "Payments", _check_payment, counting("Payments"),
    ),
    "xero.create_item": Case(
        lambda org: {"code": "RESEARCH", "name": "Legal research", "sale_price": "175.50",
                     "sales_account_code": "200"},
        "Items", _check_item, counting("Items"),
    ),
    "xero.create_manual_journal": Case(
        lambda org: {"narration": "Retainer into trust", "lines": [
            {"account_code": "091", "line_amount": "500.00", "description": "Retainer"},
            {"account_code": "850", "line_amount": "-500.00", "description": "Held in trust"}]},
        "ManualJournals", _check_journal, counting("ManualJournals"),
    ),
    "xero.create_tracking_option": Case(
        lambda org: {"tracking_category": "matter", "name": "00042-Rivera"},
        "TrackingCategories", _check_option, _tracking_read,
    ),
    "xero.update_contact": Case(
        lambda org: {"contact_id": contact(org), "email_address": "billing@rivera.example"},
        "Contacts", _check_updated_contact, counting("Contacts"), adds=0,
    ),
    "xero.update_invoice": Case(
        _update_invoice_inputs, "Invoices", _check_updated_invoice, counting("Invoices"), adds=0,
    ),
    "xero.email_invoice": Case(
        lambda org: {"invoice_number": invoice(org)["InvoiceNumber"]},
        "Invoices", _check_emailed, lambda org: len(emails(org)),
    ),
}  # fmt: skip
