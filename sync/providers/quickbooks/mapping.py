"""QuickBooks Online payloads ⇄ our dataclasses. Pure: no HTTP, no database.

Money becomes Decimal here, once. Field names are Intuit's (developer.intuit.com, Accounting API v3
entity pages); a payload we build must pass Intuit's XSD binding, which refuses unknown fields
(2010).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from sync.providers.amounts import money, wire_amount

# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
# DisplayName: "cannot contain a colon (:), tab (\t), or newline (\n)" and at most 500 characters.
_FORBIDDEN_IN_NAMES = re.compile(r"[:\t\r\n]")
_SPACES = re.compile(r"\s+")
DISPLAY_NAME_MAX = 500


def display_name(name: str) -> str:
    """A name QuickBooks accepts: forbidden characters replaced, spacing collapsed, length cut."""
    # A colon reads as "Parent:Child" (sub-customer) to QuickBooks; keep the meaning with a dash.
    cleaned = _FORBIDDEN_IN_NAMES.sub(" ", name.replace(":", " - "))
    return _SPACES.sub(" ", cleaned).strip()[:DISPLAY_NAME_MAX]


def name_key(name: str) -> str:
    """What makes two names the same to QuickBooks' duplicate check (6240) and to a person:
    case, outer and repeated inner spaces do not count."""
    return _SPACES.sub(" ", display_name(name)).strip().casefold()


def quote(value: str) -> str:
    """A string literal for Intuit's query language (apostrophes escaped with a backslash)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def like_pattern(name: str) -> str:
    """`Anna  SMITH` → `Anna%SMITH`: a LIKE that also finds the name typed with other spacing."""
    words = display_name(name).split(" ")
    return "%".join(w.replace("%", "") for w in words if w)


def query_time(at: datetime) -> str:
    """A datetime literal for `MetaData.LastUpdatedTime` (seconds, with offset)."""
    return at.replace(microsecond=0).isoformat()


def ref(value: str | None) -> dict | None:
    return {"value": str(value)} if value else None


@dataclass(frozen=True)
class RemoteCustomer:
    id: str
    name: str
    email: str
    version: str
    active: bool = True
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RemoteLine:
    id: str
    description: str
    amount: Decimal
    item_id: str = ""
    account_id: str = ""
    posting: str = ""  # journal lines: "Debit" or "Credit"


@dataclass(frozen=True)
class RemoteInvoice:
    """Invoice or CreditMemo. `balance` is Balance (invoice) or RemainingCredit (credit memo)."""

    id: str
    number: str
    status: str  # open, partial, paid, voided (QuickBooks has no status field: derived)
    total: Decimal
    balance: Decimal
    version: str
    customer_id: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def lines(self) -> tuple[RemoteLine, ...]:
        # Read on demand: every batch answer carries the whole invoice back, and a push needs
        # only its id, number, version and status.
        return _detail_lines(self.raw)


@dataclass(frozen=True)
class RemotePayment:
    id: str
    total: Decimal
    unapplied: Decimal
    invoice_ids: tuple[str, ...]
    customer_id: str
    version: str
    voided: bool = False
    txn_date: date | None = None  # TxnDate
    reference: str = ""  # PaymentRefNum: FirmSync writes "Clio <allocation id>" there
    customer_name: str = ""  # CustomerRef.name
    created_at: datetime | None = None  # MetaData.CreateTime
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RemoteJournalEntry:
    id: str
    number: str
    lines: tuple[RemoteLine, ...]
    version: str
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class RemoteNamed:
    """Item, Account or Vendor: a list entity known by its name."""

    id: str
    name: str
    version: str
    kind: str = ""  # Account.AccountType, Item.Type
    email: str = ""
    active: bool = True
    raw: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class BatchItem:
    """One BatchItemRequest: `key` becomes its bId; operation create, update, delete or void."""

    key: str
    entity: str
    operation: str
    payload: dict


@dataclass(frozen=True)
class BatchResult:
    key: str
    ok: bool
    entity_id: str = ""
    version: str = ""
    error_code: str = ""
    error_message: str = ""
    entity: object = None


@dataclass(frozen=True)
class Change:
    """One CDC row: the entity as it is now, or a deleted stub."""

    entity: str
    id: str
    deleted: bool
    version: str
    updated: str
    record: object = None


def customer_from(data: dict) -> RemoteCustomer:
    return RemoteCustomer(
        id=str(data["Id"]),
        name=data.get("DisplayName", ""),
        email=(data.get("PrimaryEmailAddr") or {}).get("Address", ""),
        version=str(data.get("SyncToken", "")),
        active=bool(data.get("Active", True)),
        raw=data,
    )


def named_from(data: dict) -> RemoteNamed:
    return RemoteNamed(
        id=str(data["Id"]),
        name=data.get("DisplayName") or data.get("Name", ""),
        version=str(data.get("SyncToken", "")),
        kind=data.get("AccountType") or data.get("Type") or "",
        email=(data.get("PrimaryEmailAddr") or {}).get("Address", ""),
        active=bool(data.get("Active", True)),
        raw=data,
    )


def line_from(data: dict) -> RemoteLine:
    detail = (
        data.get("SalesItemLineDetail")
        or data.get("JournalEntryLineDetail")
        or data.get("AccountBasedExpenseLineDetail")
        or {}
    )
    return RemoteLine(
        id=str(data.get("Id", "")),
        description=data.get("Description", ""),
        amount=money(data.get("Amount")),
        item_id=str((detail.get("ItemRef") or {}).get("value", "")),
        account_id=str((detail.get("AccountRef") or {}).get("value", "")),
        posting=detail.get("PostingType", ""),
    )


def _detail_lines(data: dict) -> tuple[RemoteLine, ...]:
    # SubTotalLineDetail and friends are QuickBooks' own summary rows, not lines we sent.
    kept = ("SalesItemLineDetail", "JournalEntryLineDetail", "DescriptionOnly")
    return tuple(line_from(x) for x in data.get("Line", []) if x.get("DetailType") in kept)


def _sales_status(total: Decimal, balance: Decimal, data: dict) -> str:
    # Intuit's void sample: amounts zeroed and PrivateNote "Voided"; no status field exists.
    if total == 0 and "Voided" in (data.get("PrivateNote") or ""):
        return "voided"
    if balance == 0 and total > 0:
        return "paid"
    return "partial" if balance < total else "open"


def invoice_from(data: dict) -> RemoteInvoice:
    total = money(data.get("TotalAmt"))
    balance = money(data.get("Balance", data.get("RemainingCredit")))
    return RemoteInvoice(
        id=str(data["Id"]),
        number=data.get("DocNumber", ""),
        status=_sales_status(total, balance, data),
        total=total,
        balance=balance,
        version=str(data.get("SyncToken", "")),
        customer_id=str((data.get("CustomerRef") or {}).get("value", "")),
        raw=data,
    )


def payment_from(data: dict) -> RemotePayment:
    linked = [
        str(t.get("TxnId"))
        for line in data.get("Line", [])
        for t in line.get("LinkedTxn", [])
        if t.get("TxnType") == "Invoice"
    ]
    return RemotePayment(
        id=str(data["Id"]),
        total=money(data.get("TotalAmt")),
        unapplied=money(data.get("UnappliedAmt")),
        invoice_ids=tuple(linked),
        customer_id=str((data.get("CustomerRef") or {}).get("value", "")),
        version=str(data.get("SyncToken", "")),
        voided="Voided" in (data.get("PrivateNote") or ""),
        txn_date=_date(data.get("TxnDate")),
        reference=data.get("PaymentRefNum") or "",
        customer_name=(data.get("CustomerRef") or {}).get("name", ""),
        created_at=_meta_time(data, "CreateTime"),
        raw=data,
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _meta_time(data: dict, name: str) -> datetime | None:
    """A MetaData time (`2013-11-15T15:22:43-08:00`, company-local with its offset)."""
    value = (data.get("MetaData") or {}).get(name)
    return datetime.fromisoformat(value) if value else None


def journal_entry_from(data: dict) -> RemoteJournalEntry:
    return RemoteJournalEntry(
        id=str(data["Id"]),
        number=data.get("DocNumber", ""),
        lines=_detail_lines(data),
        version=str(data.get("SyncToken", "")),
        raw=data,
    )


READERS = {
    "Customer": customer_from,
    "Vendor": named_from,
    "Item": named_from,
    "Account": named_from,
    "Invoice": invoice_from,
    "CreditMemo": invoice_from,
    "Payment": payment_from,
    "JournalEntry": journal_entry_from,
}


def entity_from(entity: str, data: dict):
    """The typed record for any entity we sync; others stay the raw dict."""
    reader = READERS.get(entity)
    return reader(data) if reader else data


def customer_payload(*, name: str, email: str = "", notes: str = "") -> dict:
    body: dict = {"DisplayName": display_name(name)}
    if email:
        body["PrimaryEmailAddr"] = {"Address": email}
    if notes:
        body["Notes"] = notes
    return body


@dataclass(frozen=True)
class LineIn:
    """A sales line we send: Amount must equal Qty x UnitPrice (6070)."""

    amount: Decimal
    item_id: str
    description: str = ""
    qty: Decimal | None = None
    unit_price: Decimal | None = None


def sales_line(line: LineIn) -> dict:
    detail: dict = {"ItemRef": {"value": line.item_id}}
    if line.qty is not None and line.unit_price is not None:
        detail["Qty"] = float(line.qty)
        detail["UnitPrice"] = wire_amount(line.unit_price)
    body = {
        "Amount": wire_amount(line.amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }
    if line.description:
        body["Description"] = line.description
    return body


def sales_payload(
    *, customer_id: str, lines: list[LineIn], number: str = "", txn_date: date | None = None
) -> dict:
    """Invoice or CreditMemo body."""
    body: dict = {"CustomerRef": {"value": customer_id}, "Line": [sales_line(x) for x in lines]}
    if number:
        body["DocNumber"] = number
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    return body


def payment_payload(
    *,
    customer_id: str,
    amount: Decimal,
    invoice_id: str,
    txn_date: date | None = None,
    reference: str = "",
    deposit_account_id: str = "",
) -> dict:
    # Payment page: a payment applied to an invoice is a Line with LinkedTxn TxnType Invoice.
    body: dict = {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": wire_amount(amount),
        "Line": [
            {
                "Amount": wire_amount(amount),
                "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}],
            }
        ],
    }
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    if reference:
        body["PaymentRefNum"] = reference
    if deposit_account_id:
        body["DepositToAccountRef"] = {"value": deposit_account_id}
    return body


@dataclass(frozen=True)
class JournalLineIn:
    amount: Decimal
    account_id: str
    posting: str  # "Debit" or "Credit"
    description: str = ""
    customer_id: str = ""  # the line's customer (a matter as a sub-customer)
    class_id: str = ""  # or its class


def _journal_detail(x: JournalLineIn) -> dict:
    detail: dict = {"PostingType": x.posting, "AccountRef": {"value": x.account_id}}
    if x.customer_id:
        detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": x.customer_id}}
    if x.class_id:
        detail["ClassRef"] = {"value": x.class_id}
    return detail


def journal_entry_payload(
    *, lines: list[JournalLineIn], number: str = "", txn_date: date | None = None
) -> dict:
    body: dict = {
        "Line": [
            amount_line(
                amount=x.amount,
                detail_type="JournalEntryLineDetail",
                detail=_journal_detail(x),
                description=x.description,
            )
            for x in lines
        ]
    }
    if number:
        body["DocNumber"] = number
    if txn_date:
        body["TxnDate"] = txn_date.isoformat()
    return body


def batch_result(item: dict) -> BatchResult:
    """One BatchItemResponse: the entity, or a Fault with the first error's code and message."""
    key = str(item.get("bId", ""))
    fault = item.get("Fault")
    if fault:
        error = (fault.get("Error") or [{}])[0]
        message = error.get("Message", "")
        detail = error.get("Detail", "")
        return BatchResult(
            key=key,
            ok=False,
            error_code=str(error.get("code", "")),
            error_message=f"{message}: {detail}" if detail else message,
        )
    if "QueryResponse" in item:
        return BatchResult(key=key, ok=True, entity=item["QueryResponse"])
    name = next(n for n in item if n != "bId")
    data = item[name]
    return BatchResult(
        key=key,
        ok=True,
        entity_id=str(data.get("Id", "")),
        version=str(data.get("SyncToken", "")),
        entity=entity_from(name, data),
    )


def changes_from(body: dict) -> list[Change]:
    """CDCResponse → one Change per object, deleted stubs included."""
    out: list[Change] = []
    for response in body.get("CDCResponse", []):
        for block in response.get("QueryResponse", []):
            for entity, rows in block.items():
                if not isinstance(rows, list):
                    continue
                out.extend(_change(entity, row) for row in rows)
    return out


def _change(entity: str, row: dict) -> Change:
    deleted = row.get("status") == "Deleted"
    return Change(
        entity=entity,
        id=str(row.get("Id", "")),
        deleted=deleted,
        version=str(row.get("SyncToken", "")),
        updated=(row.get("MetaData") or {}).get("LastUpdatedTime", ""),
        record=None if deleted else entity_from(entity, row),
    )


def credit_apply_payload(
    *, customer_id: str, lines: list[tuple[str, str, Decimal]], head: dict | None = None
) -> dict:
    """A zero Payment that applies credit to invoices: one line per (TxnId, TxnType, amount)
    (Payment page: "applying a credit memo to an invoice"). `head` adds fields before the lines
    (PaymentRefNum, TxnDate, PrivateNote)."""
    return {
        "CustomerRef": {"value": customer_id},
        "TotalAmt": 0,
        **(head or {}),
        "Line": [
            {"Amount": wire_amount(amount), "LinkedTxn": [{"TxnId": tid, "TxnType": kind}]}
            for tid, kind, amount in lines
        ],
    }


def amount_line(*, amount: Decimal, detail_type: str, detail: dict, description: str) -> dict:
    """A line of a Deposit, Purchase or JournalEntry: an amount and its detail of one type."""
    return {
        "Amount": wire_amount(amount),
        "DetailType": detail_type,
        "Description": description,
        detail_type: detail,
    }


def transfer_payload(*, from_id: str, to_id: str, amount: Decimal) -> dict:
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/transfer
    return {
        "FromAccountRef": {"value": from_id},
        "ToAccountRef": {"value": to_id},
        "Amount": wire_amount(amount),
    }
