"""Xero's wire shapes ⇄ the catalog's: pure functions, no Django, no HTTP.

Events name their records in Xero's own words (invoice, contact, payment, bank_transaction…)
with Xero's field names in snake case (`invoice.invoice_number`, `contact.email_address`).
Money is a Decimal string ("1250.00"); dates are ISO (`YYYY-MM-DD`; times with their offset).
https://developer.xero.com/documentation/api/accounting/requests-and-responses
"""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from automations.catalog.base import Field
from sync.providers.amounts import money

WEB_HOST = "https://go.xero.com"
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")

# Where a record lives in Xero's web pages, below go.xero.com (the host comes from ctx.web_base).
WEB_PATHS = {
    "ACCREC": "/AccountsReceivable/View.aspx?InvoiceID={id}",
    "ACCPAY": "/AccountsPayable/View.aspx?InvoiceID={id}",
    "ACCRECCREDIT": "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
    "ACCPAYCREDIT": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
    "contact": "/Contacts/View/{id}",
    "quote": "/app/quotes/view/{id}",
    "purchase_order": "/Accounts/Payable/PurchaseOrders/View/{id}",
    "bank_transaction": "/Bank/ViewTransaction.aspx?bankTransactionID={id}",
    "payment": "/Bank/ViewTransaction.aspx?bankTransactionID={id}",
    "account": "/GeneralLedger/Edit.aspx?accountID={id}",
    "manual_journal": "/Journal/View.aspx?invoiceID={id}",
    "item": "/Accounts/Inventory/{id}",
    "tracking": "/Setup/Tracking.aspx",
}


def web_url(web_base: str, kind: str, record_id: str) -> str:
    path = WEB_PATHS.get(kind)
    if not path or not record_id:
        return ""
    return (web_base or WEB_HOST).rstrip("/") + path.format(id=record_id)


# -- reading Xero's values ---------------------------------------------------------------------


def ms_datetime(value) -> datetime | None:
    """Xero's MS-JSON `/Date(1573755038314+0000)/` (or an ISO string) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.fullmatch(value.strip())
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_date(value) -> str:
    at = ms_datetime(value)
    return at.date().isoformat() if at else ""


def iso_datetime(value) -> str:
    at = ms_datetime(value)
    return at.isoformat() if at else ""


def amount(value) -> str:
    return str(money(value))


def modified_since_header(at: datetime) -> str:
    """If-Modified-Since as Xero documents it: a UTC timestamp yyyy-mm-ddThh:mm:ss."""
    return at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def where_string(value: str) -> str:
    """A string literal for a `where` clause."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def decimal_in(value, what: str) -> Decimal:
    """An input number (Decimal, int or string) as Decimal; ValueError names `what`."""
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} must be a number, not {value!r}") from exc


def wire_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number that reads back as the same Decimal (quantities, unit prices
    to four places): Xero wants numbers, and a float's shortest repr keeps these exact."""
    exact = Decimal(value).normalize()
    as_float = float(exact)
    if Decimal(repr(as_float)) != exact:
        raise ValueError(f"{value} has more precision than Xero keeps")
    return int(exact) if exact == exact.to_integral_value() else as_float


# -- normalised records ------------------------------------------------------------------------


def contact(row: dict | None) -> dict:
    row = row or {}
    phones = row.get("Phones") or []
    phone = next(
        (p for p in phones if p.get("PhoneType") == "DEFAULT"), phones[0] if phones else {}
    )
    number = " ".join(
        str(phone.get(k) or "") for k in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")
    )
    return {
        "id": row.get("ContactID", ""),
        "name": row.get("Name", ""),
        "first_name": row.get("FirstName") or "",
        "last_name": row.get("LastName") or "",
        "email_address": row.get("EmailAddress") or "",
        "contact_number": row.get("ContactNumber") or "",
        "account_number": row.get("AccountNumber") or "",
        "contact_status": row.get("ContactStatus") or "",
        "is_customer": bool(row.get("IsCustomer")),
        "is_supplier": bool(row.get("IsSupplier")),
        "tax_number": row.get("TaxNumber") or "",
        "phone": number.strip(),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def line(row: dict) -> dict:
    return {
        "description": row.get("Description") or "",
        "quantity": str(Decimal(str(row.get("Quantity") or 0)).normalize()),
        "unit_amount": amount(row.get("UnitAmount")),
        "line_amount": amount(row.get("LineAmount")),
        "account_code": row.get("AccountCode") or "",
        "item_code": row.get("ItemCode") or "",
        "tax_type": row.get("TaxType") or "",
        "tax_amount": amount(row.get("TaxAmount")),
    }


def _totals(row: dict) -> dict:
    return {
        "sub_total": amount(row.get("SubTotal")),
        "total_tax": amount(row.get("TotalTax")),
        "total": amount(row.get("Total")),
        "currency_code": row.get("CurrencyCode") or "",
        "line_amount_types": row.get("LineAmountTypes") or "",
        "lines": [line(r) for r in row.get("LineItems") or []],
    }


def invoice(row: dict) -> dict:
    """An invoice (ACCREC) or a bill (ACCPAY): the same Xero object."""
    return {
        "id": row.get("InvoiceID", ""),
        "type": row.get("Type", ""),
        "invoice_number": row.get("InvoiceNumber") or "",
        "reference": row.get("Reference") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "due_date": iso_date(row.get("DueDate")),
        "amount_due": amount(row.get("AmountDue")),
        "amount_paid": amount(row.get("AmountPaid")),
        "sent_to_contact": bool(row.get("SentToContact")),
        **_totals(row),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def credit_note(row: dict) -> dict:
    return {
        "id": row.get("CreditNoteID", ""),
        "type": row.get("Type", ""),
        "credit_note_number": row.get("CreditNoteNumber") or "",
        "reference": row.get("Reference") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "remaining_credit": amount(row.get("RemainingCredit")),
        **_totals(row),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def quote(row: dict) -> dict:
    return {
        "id": row.get("QuoteID", ""),
        "quote_number": row.get("QuoteNumber") or "",
        "reference": row.get("Reference") or "",
        "title": row.get("Title") or "",
        "summary": row.get("Summary") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "expiry_date": iso_date(row.get("ExpiryDate")),
        **_totals(row),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def purchase_order(row: dict) -> dict:
    return {
        "id": row.get("PurchaseOrderID", ""),
        "purchase_order_number": row.get("PurchaseOrderNumber") or "",
        "reference": row.get("Reference") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "delivery_date": iso_date(row.get("DeliveryDate")),
        "delivery_instructions": row.get("DeliveryInstructions") or "",
        **_totals(row),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def _account_ref(row: dict | None) -> dict:
    row = row or {}
    return {
        "id": row.get("AccountID", ""),
        "code": row.get("Code") or "",
        "name": row.get("Name") or "",
    }


def bank_transaction(row: dict) -> dict:
    return {
        "id": row.get("BankTransactionID", ""),
        "type": row.get("Type", ""),
        "reference": row.get("Reference") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "is_reconciled": bool(row.get("IsReconciled")),
        "bank_account": _account_ref(row.get("BankAccount")),
        **_totals(row),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def payment(row: dict) -> dict:
    return {
        "id": row.get("PaymentID", ""),
        "payment_type": row.get("PaymentType") or "",
        "amount": amount(row.get("Amount")),
        "reference": row.get("Reference") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "is_reconciled": bool(row.get("IsReconciled")),
        "account": _account_ref(row.get("Account")),
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def payment_invoice(row: dict) -> dict:
    """The document a payment pays: an invoice, a bill or a credit note."""
    inv = row.get("Invoice") or {}
    if inv:
        return {
            "id": inv.get("InvoiceID", ""),
            "type": inv.get("Type", ""),
            "invoice_number": inv.get("InvoiceNumber") or "",
        }
    note = row.get("CreditNote") or {}
    return {
        "id": note.get("CreditNoteID", ""),
        "type": note.get("Type", ""),
        "invoice_number": note.get("CreditNoteNumber") or "",
    }


def account(row: dict) -> dict:
    return {
        "id": row.get("AccountID", ""),
        "code": row.get("Code") or "",
        "name": row.get("Name") or "",
        "type": row.get("Type") or "",
        "class": row.get("Class") or "",
        "status": row.get("Status") or "",
        "tax_type": row.get("TaxType") or "",
        "description": row.get("Description") or "",
        "bank_account_number": row.get("BankAccountNumber") or "",
        "updated_at": iso_datetime(row.get("UpdatedDateUTC")),
    }


def item(row: dict) -> dict:
    sales = row.get("SalesDetails") or {}
    purchases = row.get("PurchaseDetails") or {}
    return {
        "id": row.get("ItemID", ""),
        "code": row.get("Code") or "",
        "name": row.get("Name") or "",
        "description": row.get("Description") or "",
        "is_sold": bool(row.get("IsSold")),
        "is_purchased": bool(row.get("IsPurchased")),
        "sale_price": amount(sales.get("UnitPrice")),
        "sales_account_code": sales.get("AccountCode") or "",
        "purchase_price": amount(purchases.get("UnitPrice")),
        "purchase_account_code": purchases.get("AccountCode") or "",
    }


def manual_journal(row: dict) -> dict:
    return {
        "id": row.get("ManualJournalID", ""),
        "narration": row.get("Narration") or "",
        "status": row.get("Status", ""),
        "date": iso_date(row.get("Date")),
        "lines": [
            {
                "description": ln.get("Description") or "",
                "account_code": ln.get("AccountCode") or "",
                "line_amount": amount(ln.get("LineAmount")),
                "tax_type": ln.get("TaxType") or "",
            }
            for ln in row.get("JournalLines") or []
        ],
    }


# -- the fields an event or output carries (the page's picker) ----------------------------------

LINE_FIELDS = (
    Field("description", "Description", "text"),
    Field("quantity", "Quantity", "money"),
    Field("unit_amount", "Unit price", "money"),
    Field("line_amount", "Amount", "money"),
    Field("account_code", "Account code"),
    Field("item_code", "Item code"),
    Field("tax_type", "Tax rate"),
    Field("tax_amount", "Tax", "money"),
)


def _f(prefix: str, specs: tuple) -> tuple[Field, ...]:
    out = []
    for spec in specs:
        key, label, kind = spec
        out.append(
            Field(
                f"{prefix}.{key}" if prefix else key,
                label,
                kind,
                fields=LINE_FIELDS if kind == "lines" else (),
            )
        )
    return tuple(out)


CONTACT = (
    ("id", "Contact ID", "id"),
    ("name", "Name", "string"),
    ("first_name", "First name", "string"),
    ("last_name", "Last name", "string"),
    ("email_address", "Email", "email"),
    ("contact_number", "Contact number", "string"),
    ("account_number", "Account number", "string"),
    ("contact_status", "Status", "string"),
    ("is_customer", "Is a customer", "boolean"),
    ("is_supplier", "Is a supplier", "boolean"),
    ("tax_number", "Tax number", "string"),
    ("phone", "Phone", "string"),
    ("updated_at", "Updated", "datetime"),
)
TOTALS = (
    ("sub_total", "Subtotal", "money"),
    ("total_tax", "Tax", "money"),
    ("total", "Total", "money"),
    ("currency_code", "Currency", "string"),
    ("line_amount_types", "Amounts are", "string"),
    ("lines", "Line items", "lines"),
)
INVOICE = (
    ("id", "Invoice ID", "id"),
    ("type", "Type (ACCREC or ACCPAY)", "string"),
    ("invoice_number", "Number", "string"),
    ("reference", "Reference", "string"),
    ("status", "Status", "string"),
    ("date", "Date", "date"),
    ("due_date", "Due date", "date"),
    ("amount_due", "Amount due", "money"),
    ("amount_paid", "Amount paid", "money"),
    ("sent_to_contact", "Sent to contact", "boolean"),
    *TOTALS,
    ("updated_at", "Updated", "datetime"),
)
CREDIT_NOTE = (
    ("id", "Credit note ID", "id"),
    ("type", "Type (ACCRECCREDIT or ACCPAYCREDIT)", "string"),
    ("credit_note_number", "Number", "string"),
    ("reference", "Reference", "string"),
    ("status", "Status", "string"),
    ("date", "Date", "date"),
    ("remaining_credit", "Remaining credit", "money"),
    *TOTALS,
    ("updated_at", "Updated", "datetime"),
)
QUOTE = (
    ("id", "Quote ID", "id"),
    ("quote_number", "Number", "string"),
    ("reference", "Reference", "string"),
    ("title", "Title", "string"),
    ("summary", "Summary", "text"),
    ("status", "Status", "string"),
    ("date", "Date", "date"),
    ("expiry_date", "Expiry date", "date"),
    *TOTALS,
    ("updated_at", "Updated", "datetime"),
)
PURCHASE_ORDER = (
    ("id", "Purchase order ID", "id"),
    ("purchase_order_number", "Number", "string"),
    ("reference", "Reference", "string"),
    ("status", "Status", "string"),
    ("date", "Date", "date"),
    ("delivery_date", "Delivery date", "date"),
    ("delivery_instructions", "Delivery instructions", "text"),
    *TOTALS,
    ("updated_at", "Updated", "datetime"),
)
ACCOUNT_REF = (
    ("id", "Account ID", "id"),
    ("code", "Account code", "string"),
    ("name", "Account", "string"),
)
BANK_TRANSACTION = (
    ("id", "Bank transaction ID", "id"),
    ("type", "Type (SPEND or RECEIVE)", "string"),
    ("reference", "Reference", "string"),
    ("status", "Status", "string"),
    ("date", "Date", "date"),
    ("is_reconciled", "Reconciled", "boolean"),
    *[(f"bank_account.{k}", f"Bank {label.lower()}", t) for k, label, t in ACCOUNT_REF],
    *TOTALS,
    ("updated_at", "Updated", "datetime"),
)
PAYMENT = (
    ("id", "Payment ID", "id"),
    ("payment_type", "Payment type", "string"),
    ("amount", "Amount", "money"),
    ("reference", "Reference", "string"),
    ("status", "Status", "string"),
    ("date", "Date", "date"),
    ("is_reconciled", "Reconciled", "boolean"),
    *[(f"account.{k}", f"Paid into: {label.lower()}", t) for k, label, t in ACCOUNT_REF],
    ("updated_at", "Updated", "datetime"),
)
PAYMENT_INVOICE = (
    ("id", "Invoice ID", "id"),
    ("type", "Invoice type", "string"),
    ("invoice_number", "Invoice number", "string"),
)
ACCOUNT = (
    ("id", "Account ID", "id"),
    ("code", "Code", "string"),
    ("name", "Name", "string"),
    ("type", "Type", "string"),
    ("class", "Class", "string"),
    ("status", "Status", "string"),
    ("tax_type", "Tax type", "string"),
    ("description", "Description", "text"),
    ("bank_account_number", "Bank account number", "string"),
    ("updated_at", "Updated", "datetime"),
)


def event_fields(record: str, specs: tuple, *, with_contact: bool = True, extra=()) -> tuple:
    """`id`, the record under its own name, the contact when it has one: every Xero trigger's
    event has this shape."""
    fields = [Field("id", "ID", "id"), *_f(record, specs)]
    for prefix, more in extra:
        fields += _f(prefix, more)
    if with_contact:
        fields += _f("contact", CONTACT)
    return tuple(fields)


def output_fields(specs: tuple) -> tuple[Field, ...]:
    return (*_f("", specs), Field("url", "Link in Xero", "string"))
