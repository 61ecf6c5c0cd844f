"""Xero's triggers: each one GET with If-Modified-Since, a `where` and `order=UpdatedDateUTC`.

Xero sends webhooks only for CONTACT, INVOICE and CREDITNOTE (they make the engine poll sooner);
everything else is found by polling. Xero keeps no creation time on these records, only
UpdatedDateUTC: a "new" trigger fires once per record (its key is the record's id) the first
time the record is seen changed after the automation's cursor.
https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-filtered-data
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from automations.catalog.base import Ctx, Event, Trigger
from automations.catalog.xero import wire

APP = "xero"
# If-Modified-Since counts whole seconds: ask for a few more rows than `limit`, since those in the
# second before `since` come back too and are dropped here.
SLACK = 20
MAX_PAGE = 1000


@dataclass(frozen=True)
class Source:
    resource: str  # "Invoices"
    noun: str  # the record's name in the event: "invoice"
    normalise: Callable[[dict], dict]
    where: str = ""
    paged: bool = True  # takes page (and then includes line items)
    page_size: bool = True  # takes pageSize (Quotes do not: 100 a page)
    keep: Callable[[dict], bool] = lambda row: True


def rows_since(ctx: Ctx, source: Source, since: datetime, limit: int) -> list[dict]:
    """The records changed at or after `since`, oldest first, at most `limit`; one call."""
    params: dict = {"order": "UpdatedDateUTC ASC"}
    if source.where:
        params["where"] = source.where
    if source.paged:
        params["page"] = 1
    if source.page_size:
        params["pageSize"] = min(limit + SLACK, MAX_PAGE)
    # https://developer.xero.com/documentation/api/accounting/invoices#get-invoices
    # (If-Modified-Since: only records created or modified since this timestamp)
    headers = {"If-Modified-Since": wire.modified_since_header(since)}
    body = ctx.client.http.request("GET", source.resource, params=params, headers=headers).json()
    fresh = []
    for row in body.get(source.resource) or []:
        at = wire.ms_datetime(row.get("UpdatedDateUTC"))
        if at is not None and at >= since and source.keep(row):
            fresh.append((at, row))
    fresh.sort(key=lambda pair: pair[0])
    return [row for _, row in fresh[:limit]]


def _not_deleted(row: dict) -> bool:
    return row.get("Status") not in ("DELETED",)


@dataclass(frozen=True)
class Kind:
    """How one trigger turns a row into an Event."""

    source: Source
    web: Callable[[dict], str]  # WEB_PATHS kind of a row
    summary: Callable[[dict], str]
    key: Callable[[dict], str] | None = None  # default: the record's id
    with_contact: bool = True


def event_of(ctx: Ctx, kind: Kind, row: dict) -> Event:
    record = kind.source.normalise(row)
    data: dict = {"id": record["id"], kind.source.noun: record}
    if kind.source.noun == "contact":
        data["contact"] = record
    elif kind.with_contact:
        # A payment names its contact on the invoice or credit note it pays.
        paid = row.get("Invoice") or row.get("CreditNote") or {}
        data["contact"] = wire.contact(row.get("Contact") or paid.get("Contact"))
    if kind.source.noun == "payment":
        data["invoice"] = wire.payment_invoice(row)
    occurred = wire.ms_datetime(row.get("UpdatedDateUTC"))
    assert occurred is not None  # rows_since keeps only dated rows
    return Event(
        key=kind.key(record) if kind.key else record["id"],
        data=data,
        occurred_at=occurred,
        record_id=record["id"],
        record_url=wire.web_url(ctx.web_base, kind.web(row), record["id"]),
        summary=kind.summary(data),
    )


def _poll(kind: Kind):
    def poll(ctx: Ctx, since: datetime, limit: int) -> list[Event]:
        return [event_of(ctx, kind, row) for row in rows_since(ctx, kind.source, since, limit)]

    return poll


def _money_summary(noun: str, number_key: str, label: str = ""):
    label = label or noun.replace("_", " ").capitalize()

    def summary(data: dict) -> str:
        rec = data[noun]
        number = rec.get(number_key) or rec["id"]
        who = data.get("contact", {}).get("name") or "no contact"
        return f"{label} {number} for {who}: {rec['total']}"

    return summary


CONTACTS = Source("Contacts", "contact", wire.contact)
INVOICES = Source("Invoices", "invoice", wire.invoice, where='Type=="ACCREC" AND Status!="DELETED"')
BILLS = Source("Invoices", "invoice", wire.invoice, where='Type=="ACCPAY" AND Status!="DELETED"')
QUOTES = Source("Quotes", "quote", wire.quote, page_size=False, keep=_not_deleted)
ORDERS = Source("PurchaseOrders", "purchase_order", wire.purchase_order, keep=_not_deleted)
SPEND = Source(
    "BankTransactions",
    "bank_transaction",
    wire.bank_transaction,
    where='Type=="SPEND" AND Status=="AUTHORISED"',
)
RECEIVE = Source(
    "BankTransactions",
    "bank_transaction",
    wire.bank_transaction,
    where='Type=="RECEIVE" AND Status=="AUTHORISED"',
)
PAYMENTS = Source("Payments", "payment", wire.payment, where='Status=="AUTHORISED"')
ACCOUNTS = Source(
    "Accounts", "account", wire.account, where='Status=="ACTIVE"', paged=False, page_size=False
)
CREDIT_NOTES = Source("CreditNotes", "credit_note", wire.credit_note, where='Status!="DELETED"')


def _contact_summary(verb: str):
    return lambda data: f"Contact {data['contact']['name']} {verb}"


def _payment_summary(data: dict) -> str:
    pay, inv = data["payment"], data["invoice"]
    return (
        f"Payment of {pay['amount']} on {inv['invoice_number'] or inv['id']}"
        f" from {data['contact']['name'] or 'no contact'}"
    )


def _bank_summary(verb: str):
    def summary(data: dict) -> str:
        txn = data["bank_transaction"]
        who = data["contact"]["name"] or "no contact"
        return f"{verb} {txn['total']} ({who}) in {txn['bank_account']['name']}"

    return summary


def _trigger(key, name, description, kind: Kind, fields, wakes_on=()) -> Trigger:
    return Trigger(APP, key, name, description, fields, _poll(kind), wakes_on)


_CONTACT_FIELDS = wire.event_fields("contact", wire.CONTACT, with_contact=False)
_INVOICE_FIELDS = wire.event_fields("invoice", wire.INVOICE)
_BANK_FIELDS = wire.event_fields("bank_transaction", wire.BANK_TRANSACTION)

TRIGGERS = [
    _trigger(
        "new_contact",
        "New contact",
        "A contact is added (a customer, a supplier or neither yet).",
        Kind(CONTACTS, lambda r: "contact", _contact_summary("added")),
        _CONTACT_FIELDS,
        ("CONTACT",),
    ),
    _trigger(
        "updated_contact",
        "Updated contact",
        "A contact is added or changed: each saved version fires once.",
        Kind(
            CONTACTS,
            lambda r: "contact",
            _contact_summary("updated"),
            key=lambda rec: f"{rec['id']}:{rec['updated_at']}",
        ),
        _CONTACT_FIELDS,
        ("CONTACT",),
    ),
    _trigger(
        "new_supplier",
        "New supplier",
        "A contact becomes a supplier (Xero marks it with its first bill or purchase).",
        Kind(
            Source("Contacts", "contact", wire.contact, where="IsSupplier==true"),
            lambda r: "contact",
            _contact_summary("is a supplier"),
        ),
        _CONTACT_FIELDS,
        ("CONTACT", "INVOICE"),  # the first bill (an INVOICE event) makes a supplier
    ),
    _trigger(
        "new_invoice",
        "New invoice",
        "A sales invoice (ACCREC) is added, with its line items.",
        Kind(INVOICES, lambda r: "ACCREC", _money_summary("invoice", "invoice_number")),
        _INVOICE_FIELDS,
        ("INVOICE",),
    ),
    _trigger(
        "new_bill",
        "New bill",
        "A bill (ACCPAY invoice) is added, with its line items.",
        Kind(BILLS, lambda r: "ACCPAY", _money_summary("invoice", "invoice_number", "Bill")),
        _INVOICE_FIELDS,
        ("INVOICE",),
    ),
    _trigger(
        "new_quote",
        "New quote",
        "A quote is added, with its line items.",
        Kind(QUOTES, lambda r: "quote", _money_summary("quote", "quote_number")),
        wire.event_fields("quote", wire.QUOTE),
    ),
    _trigger(
        "new_purchase_order",
        "New purchase order",
        "A purchase order is added, with its line items.",
        Kind(
            ORDERS,
            lambda r: "purchase_order",
            _money_summary("purchase_order", "purchase_order_number"),
        ),
        wire.event_fields("purchase_order", wire.PURCHASE_ORDER),
    ),
    _trigger(
        "new_spend_money",
        "New spend money",
        "Money is spent from a bank account (a SPEND bank transaction), with its lines.",
        Kind(SPEND, lambda r: "bank_transaction", _bank_summary("Spent")),
        _BANK_FIELDS,
    ),
    _trigger(
        "new_receive_money",
        "New receive money",
        "Money is received into a bank account (a RECEIVE bank transaction), with its lines.",
        Kind(RECEIVE, lambda r: "bank_transaction", _bank_summary("Received")),
        _BANK_FIELDS,
    ),
    _trigger(
        "new_payment",
        "New payment",
        "A payment is applied to an invoice, a bill or a credit note.",
        Kind(PAYMENTS, lambda r: "payment", _payment_summary),
        wire.event_fields("payment", wire.PAYMENT, extra=(("invoice", wire.PAYMENT_INVOICE),)),
        # A payment changes what its invoice or credit note owes: Xero sends their update.
        ("INVOICE", "CREDITNOTE"),
    ),
    _trigger(
        "new_account",
        "New account",
        "An account is added to the chart of accounts.",
        Kind(
            ACCOUNTS,
            lambda r: "account",
            lambda d: f"Account {d['account']['code']} {d['account']['name']} added".strip(),
            with_contact=False,
        ),
        wire.event_fields("account", wire.ACCOUNT, with_contact=False),
    ),
    _trigger(
        "new_credit_note",
        "New credit note",
        "A credit note is added (sales or purchases), with its line items.",
        Kind(
            CREDIT_NOTES,
            lambda r: r.get("Type") or "ACCRECCREDIT",
            _money_summary("credit_note", "credit_note_number"),
        ),
        wire.event_fields("credit_note", wire.CREDIT_NOTE),
        ("CREDITNOTE",),
    ),
]
