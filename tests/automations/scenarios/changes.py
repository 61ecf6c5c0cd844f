"""The changes a person makes in each app for every trigger, and the field of the event each
scenario maps into the record made in the other app (with the value the change gives it).

Clio's and Xero's changes are the catalog tests' own; QuickBooks' are made here with names of
their own, as QuickBooks refuses a second customer or vendor of the same name."""

from collections.abc import Callable

from tests.automations.catalog.clio import test_triggers as clio_cases
from tests.automations.catalog.xero import test_triggers as xero_cases

LINES = [{"description": "Advice", "qty": 2, "unit_price": 125.5}]

# Clio trigger → (the change, the event field mapped, the value it has)
CLIO: dict[str, tuple[Callable, str, str]] = {
    f"clio.{case[0]}": (case[1], field, value)
    for case, (field, value) in zip(
        clio_cases.CASES,
        [
            ("type", "TimeEntry"),
            ("summary", "Hearing"),
            ("state", "awaiting_payment"),
            ("total", "600.00"),
            ("name", "letter.txt"),
            ("name", "Acme Ltd"),
            ("description", "Probate"),
            ("subject", "Call back"),
            ("status", "Closed"),
            ("status", "complete"),
            ("subject", "Intake"),
            ("name", "Draft will"),
        ],
        strict=True,
    )
}


def _customer(books, name: str) -> dict:
    return books.act("create_customer", display_name=name, email="c@mail.example")["Customer"]


def _vendor(books, name: str) -> dict:
    return books.act("create_vendor", display_name=name, email="v@mail.example")["Vendor"]


def _qb_invoice(books) -> dict:
    cid = _customer(books, "Invoice Client")["Id"]
    return books.act("create_invoice", customer_id=cid, lines=LINES, doc_number="H-1")


def _qb_estimate(books) -> dict:
    cid = _customer(books, "Estimate Client")["Id"]
    return books.act("create_estimate", customer_id=cid, lines=LINES)


def _qb_sales_receipt(books) -> dict:
    cid = _customer(books, "Receipt Client")["Id"]
    return books.act("create_sales_receipt", customer_id=cid, lines=LINES, doc_number="SR-1")


def _qb_payment(books) -> dict:
    cid = _customer(books, "Paying Client")["Id"]
    made = books.act("create_invoice", customer_id=cid, lines=LINES, doc_number="H-2")["Invoice"]
    return books.act("pay_invoice", invoice_id=made["Id"], amount=100, reference="CHK 7")


def _qb_bill(books) -> dict:
    vid = _vendor(books, "Transcripts Inc")["Id"]
    lines = [{"description": "Transcript", "amount": 85.1}]
    return books.act("create_bill", vendor_id=vid, lines=lines, due_date="2027-01-31")


def _qb_purchase_order(books) -> dict:
    vid = _vendor(books, "Paper Supply Co")["Id"]
    return books.act("create_purchase_order", vendor_id=vid, lines=[{"amount": 40}])


def _qb_expense(books) -> dict:
    vid = _vendor(books, "County Court")["Id"]
    lines = [{"description": "Filing fee", "amount": 45.5}]
    return books.act("create_expense", payment_type="Check", vendor_id=vid, lines=lines)


def _qb_account(books) -> dict:
    return books.act("create_account", name="Postage", account_type="Expense")


def _qb_customer(books) -> dict:
    return {"Customer": _customer(books, "Olivia Smith")}


def _qb_vendor(books) -> dict:
    return {"Vendor": _vendor(books, "Court Reporters Inc")}


def _qb_updated_customer(books) -> dict:
    made = _customer(books, "Changing Client")
    return books.act("update_customer", customer_id=made["Id"], phone="555-0100")


# QuickBooks trigger → (the change, its entity, the event field mapped, the value it has)
QUICKBOOKS: dict[str, tuple[Callable, str, str, str]] = {
    "quickbooks.new_invoice": (_qb_invoice, "Invoice", "invoice.number", "H-1"),
    "quickbooks.new_estimate": (_qb_estimate, "Estimate", "estimate.total", "251.00"),
    "quickbooks.new_sales_receipt": (
        _qb_sales_receipt,
        "SalesReceipt",
        "sales_receipt.number",
        "SR-1",
    ),
    "quickbooks.new_payment": (_qb_payment, "Payment", "payment.reference", "CHK 7"),
    "quickbooks.new_bill": (_qb_bill, "Bill", "bill.total", "85.10"),
    "quickbooks.new_purchase_order": (
        _qb_purchase_order,
        "PurchaseOrder",
        "purchase_order.total",
        "40.00",
    ),
    "quickbooks.new_expense": (_qb_expense, "Purchase", "expense.payment_type", "Check"),
    "quickbooks.new_account": (_qb_account, "Account", "account.name", "Postage"),
    "quickbooks.new_customer": (_qb_customer, "Customer", "customer.name", "Olivia Smith"),
    "quickbooks.new_vendor": (_qb_vendor, "Vendor", "vendor.name", "Court Reporters Inc"),
    "quickbooks.updated_customer": (
        _qb_updated_customer,
        "Customer",
        "customer.phone",
        "555-0100",
    ),
}


def _xero_updated_contact(org, n: int, other: bool) -> tuple[str, str]:
    made = org.act("create_contact", contact={"Name": f"Client {n}"})["Contact"]
    org.advance(60)
    org.call("POST", f"Contacts/{made['ContactID']}", json={"EmailAddress": "new@client.example"})
    return made["ContactID"], f"Client {n}"


_X = xero_cases.CASES
# Xero trigger → (the change, the event field mapped, the value it has, "{n}" the change's number;
# None: the label the change returns)
XERO: dict[str, tuple[Callable, str, str | None]] = {
    "xero.new_contact": (_X["xero.new_contact"].make, "contact.name", None),
    "xero.updated_contact": (_xero_updated_contact, "contact.email_address", "new@client.example"),
    "xero.new_supplier": (_X["xero.new_supplier"].make, "contact.name", None),
    "xero.new_invoice": (_X["xero.new_invoice"].make, "invoice.invoice_number", None),
    "xero.new_bill": (_X["xero.new_bill"].make, "invoice.invoice_number", None),
    "xero.new_quote": (_X["xero.new_quote"].make, "quote.quote_number", None),
    "xero.new_purchase_order": (
        _X["xero.new_purchase_order"].make,
        "purchase_order.purchase_order_number",
        None,
    ),
    "xero.new_spend_money": (_X["xero.new_spend_money"].make, "contact.name", None),
    "xero.new_receive_money": (_X["xero.new_receive_money"].make, "contact.name", None),
    "xero.new_payment": (_X["xero.new_payment"].make, "invoice.invoice_number", None),
    "xero.new_account": (_X["xero.new_account"].make, "account.name", None),
    "xero.new_credit_note": (_X["xero.new_credit_note"].make, "contact.name", "Client {n}"),
}
