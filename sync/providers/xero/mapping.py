"""Xero Accounting API payloads ⇄ our dataclasses. Pure: no HTTP, no database.

Money becomes Decimal here, once. Xero has no SyncToken: `version` is UpdatedDateUTC, which moves on
every change (developer.xero.com/documentation/api/accounting/requests-and-responses).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sync.providers.amounts import money, wire_amount

_SPACES = re.compile(r"\s+")
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
CONTACT_NAME_MAX = 255  # Contacts page: Name, max length 255


def contact_name(name: str) -> str:
    return _SPACES.sub(" ", name).strip()[:CONTACT_NAME_MAX]


def name_key(name: str) -> str:
    """Two contact names a person would call the same: case and spacing do not count."""
    return contact_name(name).casefold()


def where_string(value: str) -> str:
    """A string literal for Xero's `where` filter."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_of(field_name: str, values) -> str:
    """A `where` filter matching any of `values`: `F=="a" OR F=="b"`."""
    return " OR ".join(f"{field_name}=={where_string(v)}" for v in values)


def any_starting(field_name: str, prefixes) -> str:
    """A `where` filter matching any of `prefixes`: `F.StartsWith("a") OR ...`."""
    return " OR ".join(f"{field_name}.StartsWith({where_string(v)})" for v in prefixes)


def modified_since_header(at: datetime) -> str:
    """If-Modified-Since as Xero documents it: a UTC timestamp yyyy-mm-ddThh:mm:ss."""
    return at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def ms_date(value: str | None) -> datetime | None:
    """Xero's MS-JSON `/Date(1573755038314+0000)/` as an aware datetime."""
    match = _MS_DATE.match(value or "")
    if not match:
        return None
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)


@dataclass(frozen=True)
class RemoteContact:
    id: str
    name: str
    email: str
    number: str  # ContactNumber: where we keep the Clio id
    status: str
    version: str
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RemoteLine:
    id: str
    description: str
    amount: Decimal
    account_code: str = ""
    item_code: str = ""


@dataclass(frozen=True)
class RemoteInvoice:
    """Invoice or credit note. `balance` is AmountDue (invoice) or RemainingCredit (credit note)."""

    id: str
    number: str
    status: str
    total: Decimal
    balance: Decimal
    lines: tuple[RemoteLine, ...]
    version: str
    contact_id: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RemotePayment:
    id: str
    amount: Decimal
    invoice_id: str
    status: str
    version: str
    txn_date: date | None = None
    reference: str = ""  # FirmSync writes "Clio <allocation id>" there
    invoice_number: str = ""
    contact_name: str = ""  # Invoice.Contact.Name
    payment_type: str = ""  # ACCRECPAYMENT (a customer paying an invoice), ACCPAYPAYMENT, ...
    updated_at: datetime | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RemoteRecord:
    """ManualJournal, Item, Account, BankTransaction, BankTransfer: id, label, amount, status."""

    id: str
    label: str  # Narration, Code/Name, Reference
    status: str
    total: Decimal
    version: str
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class BatchResult:
    """One element of a `summarizeErrors=false` answer; `key` is its position in the request."""

    key: str
    ok: bool
    entity_id: str = ""
    version: str = ""
    error_code: str = ""
    error_message: str = ""
    entity: object = None


def contact_from(data: dict) -> RemoteContact:
    return RemoteContact(
        id=data.get("ContactID", ""),
        name=data.get("Name", ""),
        email=data.get("EmailAddress", "") or "",
        number=data.get("ContactNumber", "") or "",
        status=data.get("ContactStatus", ""),
        version=data.get("UpdatedDateUTC", ""),
        raw=data,
    )


def line_from(data: dict) -> RemoteLine:
    return RemoteLine(
        id=data.get("LineItemID") or data.get("JournalLineID") or "",
        description=data.get("Description", "") or "",
        amount=money(data.get("LineAmount")),
        account_code=data.get("AccountCode", "") or "",
        item_code=data.get("ItemCode", "") or "",
    )


def invoice_from(data: dict) -> RemoteInvoice:
    is_credit = "CreditNoteID" in data
    return RemoteInvoice(
        id=data.get("CreditNoteID" if is_credit else "InvoiceID", ""),
        number=data.get("CreditNoteNumber" if is_credit else "InvoiceNumber", "") or "",
        status=data.get("Status", ""),
        total=money(data.get("Total")),
        balance=money(data.get("RemainingCredit" if is_credit else "AmountDue")),
        lines=tuple(line_from(x) for x in data.get("LineItems", [])),
        version=data.get("UpdatedDateUTC", ""),
        contact_id=(data.get("Contact") or {}).get("ContactID", ""),
        raw=data,
    )


def payment_from(data: dict) -> RemotePayment:
    invoice = data.get("Invoice") or {}
    paid_on = ms_date(data.get("Date"))
    return RemotePayment(
        id=data.get("PaymentID", ""),
        amount=money(data.get("Amount")),
        invoice_id=invoice.get("InvoiceID", ""),
        status=data.get("Status", ""),
        version=data.get("UpdatedDateUTC", ""),
        txn_date=paid_on.date() if paid_on else None,
        reference=data.get("Reference") or "",
        invoice_number=invoice.get("InvoiceNumber") or "",
        contact_name=(invoice.get("Contact") or {}).get("Name") or "",
        payment_type=data.get("PaymentType") or "",
        updated_at=ms_date(data.get("UpdatedDateUTC")),
        raw=data,
    )


def _record_reader(id_field: str, label_fields: tuple[str, ...], total_field: str):
    def read(data: dict) -> RemoteRecord:
        label = next((data[f] for f in label_fields if data.get(f)), "")
        return RemoteRecord(
            id=data.get(id_field, ""),
            label=label,
            status=data.get("Status", "") or "",
            total=money(data.get(total_field)),
            version=data.get("UpdatedDateUTC", ""),
            raw=data,
        )

    return read


# Per resource: (id field, reader). The plural is the path segment and the JSON envelope key.
RESOURCES = {
    "Contacts": ("ContactID", contact_from),
    "Invoices": ("InvoiceID", invoice_from),
    "CreditNotes": ("CreditNoteID", invoice_from),
    "Payments": ("PaymentID", payment_from),
    "ManualJournals": ("ManualJournalID", _record_reader("ManualJournalID", ("Narration",), "")),
    "Items": ("ItemID", _record_reader("ItemID", ("Code", "Name"), "")),
    "Accounts": ("AccountID", _record_reader("AccountID", ("Code", "Name"), "")),
    "BankTransactions": (
        "BankTransactionID",
        _record_reader("BankTransactionID", ("Reference", "Type"), "Total"),
    ),
    "BankTransfers": ("BankTransferID", _record_reader("BankTransferID", ("Reference",), "Amount")),
}


def entity_from(resource: str, data: dict):
    return RESOURCES[resource][1](data)


def element_result(resource: str, index: int, element: dict) -> BatchResult:
    """One element of a summarizeErrors=false answer: saved, or its ValidationErrors."""
    errors = [e.get("Message", "") for e in element.get("ValidationErrors") or []]
    failed = (
        element.get("StatusAttributeString") == "ERROR"
        or element.get("HasErrors")
        or (bool(errors) and element.get("HasValidationErrors"))
    )
    if failed:
        return BatchResult(
            key=str(index),
            ok=False,
            entity_id=element.get(RESOURCES[resource][0], "") or "",
            error_code="ValidationError",
            error_message="; ".join(m for m in errors if m),
        )
    entity = entity_from(resource, element)
    return BatchResult(
        key=str(index), ok=True, entity_id=entity.id, version=entity.version, entity=entity
    )


# -- payloads we send -------------------------------------------------------------------------


def contact_payload(*, name: str, email: str = "", number: str = "") -> dict:
    body = {"Name": contact_name(name)}
    if email:
        body["EmailAddress"] = email.strip()
    if number:
        body["ContactNumber"] = number
    return body


@dataclass(frozen=True)
class LineIn:
    amount: Decimal
    account_code: str
    description: str = ""
    quantity: Decimal = Decimal("1")
    item_code: str = ""
    tax_type: str = "NONE"


def line_payload(line: LineIn) -> dict:
    # Xero totals UnitAmount x Quantity; LineAmount goes too so the line reads as Clio's did.
    body = {
        "Description": line.description or "-",
        "Quantity": float(line.quantity),
        "UnitAmount": wire_amount(line.amount / line.quantity),
        "LineAmount": wire_amount(line.amount),
        "AccountCode": line.account_code,
    }
    if line.tax_type:
        body["TaxType"] = line.tax_type
    if line.item_code:
        body["ItemCode"] = line.item_code
    return body


def invoice_payload(
    *,
    contact_id: str,
    lines: list[LineIn],
    number: str = "",
    txn_date: date | None = None,
    due_date: date | None = None,
    status: str = "DRAFT",
    reference: str = "",
) -> dict:
    """An ACCREC invoice; tax-exclusive amounts as Clio sends them."""
    body: dict = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "LineAmountTypes": "Exclusive",
        "LineItems": [line_payload(x) for x in lines],
        "Status": status,
    }
    for key, value in (
        ("InvoiceNumber", number),
        ("Reference", reference),
        ("Date", txn_date and txn_date.isoformat()),
        ("DueDate", due_date and due_date.isoformat()),
    ):
        if value:
            body[key] = value
    return body


def credit_note_payload(
    *, contact_id: str, lines: list[LineIn], number: str = "", txn_date: date | None = None
) -> dict:
    body: dict = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "LineAmountTypes": "Exclusive",
        "LineItems": [line_payload(x) for x in lines],
        "Status": "AUTHORISED",
    }
    if number:
        body["CreditNoteNumber"] = number
    if txn_date:
        body["Date"] = txn_date.isoformat()
    return body


def payment_payload(
    *, invoice_id: str, account_code: str, amount: Decimal, txn_date: date, reference: str = ""
) -> dict:
    body = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": account_code},
        "Amount": wire_amount(amount),
        "Date": txn_date.isoformat(),
    }
    if reference:
        body["Reference"] = reference
    return body


def allocation_payload(*, invoice_id: str, amount: Decimal, txn_date: date) -> dict:
    return {
        "Allocations": [
            {
                "Invoice": {"InvoiceID": invoice_id},
                "Amount": wire_amount(amount),
                "Date": txn_date.isoformat(),
            }
        ]
    }


@dataclass(frozen=True)
class JournalLineIn:
    """Positive amount = debit, negative = credit (ManualJournals page)."""

    amount: Decimal
    account_code: str  # a code, or an AccountID
    description: str = ""
    tax_type: str = "NONE"
    tracking: tuple[dict, ...] | None = None  # tracking options (a matter), when given


def _journal_line(x: JournalLineIn) -> dict:
    line: dict = {
        "LineAmount": wire_amount(x.amount),
        **account_ref(x.account_code, "AccountCode"),
        "Description": x.description,
        "TaxType": x.tax_type,
    }
    if x.tracking is not None:
        line["Tracking"] = list(x.tracking)
    return line


def manual_journal_payload(
    *,
    narration: str,
    lines: list[JournalLineIn],
    txn_date: date | None = None,
    line_amount_types: str = "",
) -> dict:
    body: dict = {
        "Narration": narration,
        "Status": "POSTED",
        "JournalLines": [_journal_line(x) for x in lines],
    }
    if txn_date:
        body["Date"] = txn_date.isoformat()
    if line_amount_types:
        body["LineAmountTypes"] = line_amount_types
    return body


def bank_transaction_payload(
    *,
    kind: str,
    contact_id: str,
    bank_account_code: str,
    lines: list[LineIn] | list[dict],
    txn_date: date,
    reference: str = "",
) -> dict:
    """RECEIVE or SPEND money on a bank account (trust deposits and disbursements). Lines are
    sales-style `LineIn`s or `bank_line`s; the bank account is a code or an AccountID."""
    body: dict = {
        "Type": kind,
        "Contact": {"ContactID": contact_id},
        "BankAccount": account_ref(bank_account_code),
        "Date": txn_date.isoformat(),
        "LineAmountTypes": "NoTax",
        "LineItems": [x if isinstance(x, dict) else line_payload(x) for x in lines],
    }
    if reference:
        body["Reference"] = reference
    return body


def bank_transfer_payload(
    *, from_code: str, to_code: str, amount: Decimal, txn_date: date, reference: str = ""
) -> dict:
    body: dict = {
        "FromBankAccount": account_ref(from_code),
        "ToBankAccount": account_ref(to_code),
        "Amount": wire_amount(amount),
        "Date": txn_date.isoformat(),
    }
    if reference:
        body["Reference"] = reference
    return body


def account_ref(value: str, code_field: str = "Code") -> dict:
    """An account named by its AccountID (a GUID) or its code."""
    return {"AccountID": value} if GUID.match(value) else {code_field: value}


def bank_line(*, amount: Decimal, description: str, account: str, tracking: list[dict]) -> dict:
    """A bank transaction line: quantity one at the amount, the matter as a tracking option."""
    return {
        "Description": description,
        "Quantity": 1,
        "UnitAmount": wire_amount(amount),
        "TaxType": "NONE",
        "Tracking": tracking,
        **account_ref(account, "AccountCode"),
    }
