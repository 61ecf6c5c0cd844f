"""Read back every invoice of the connected books, in pages, as neutral `BooksInvoice` rows.

QuickBooks: one Preferences read (the closing date) and `SELECT * FROM Invoice` 1,000 a page;
Balance and LinkedTxn on each invoice say what is paid and allocated, so no payment is read.
Xero: one Organisation read (the lock dates) and GET Invoices with pageSize 1000, which carries
line items, AmountPaid/AmountCredited and the allocated Payments/CreditNotes of every invoice.
About 2 + n/1000 calls for n invoices.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers.amounts import money
from sync.providers.documents import QBO_STATUS, XERO_STATUS, BooksInvoice, Doc, Line, cents
from sync.providers.quickbooks import mapping as qb
from sync.providers.xero import mapping as xm


@dataclass
class Readback:
    invoices: list[BooksInvoice]
    read_calls: int
    lock_date: date | None  # nothing dated on or before it may change


def books_read(connection: Connection, client=None) -> Readback:
    client = client or client_for(connection)
    before = client.http.calls
    if connection.provider == "quickbooks":
        invoices, lock = _quickbooks(client)
    else:
        invoices, lock = _xero(client)
    return Readback(invoices=invoices, read_calls=client.http.calls - before, lock_date=lock)


# -- QuickBooks Online ---------------------------------------------------------------------------


def _quickbooks(client) -> tuple[list[BooksInvoice], date | None]:
    closed = quickbooks_lock(client)
    rows = client.query_all("Invoice")
    return [qbo_invoice(row, closed) for row in rows], closed


def quickbooks_lock(client) -> date | None:
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
    # AccountingInfoPrefs.BookCloseDate: changes dated on or before it are refused (6210).
    prefs = client.preferences()
    return _day((prefs.get("AccountingInfoPrefs") or {}).get("BookCloseDate"))


def qbo_invoice(data: dict, closed: date | None = None) -> BooksInvoice:
    """One QuickBooks Invoice payload as our neutral row."""
    typed = qb.invoice_from(data)
    lines = tuple(_qbo_line(x) for x in data.get("Line", []) if x.get("DetailType") in QBO_LINES)
    linked = tuple(
        str(t.get("TxnId"))
        for t in data.get("LinkedTxn") or []
        if t.get("TxnType") in ("Payment", "CreditMemo")
    )
    day = _day(data.get("TxnDate"))
    tax = money((data.get("TxnTaxDetail") or {}).get("TotalTax"))
    subtotal = sum((ln.amount for ln in lines), Decimal("0.00"))
    status = QBO_STATUS.get(typed.status, "open")
    doc = Doc(
        number=typed.number or "",
        status=status,
        date=day,
        due=_day(data.get("DueDate")),
        customer=typed.customer_id,
        customer_name=(data.get("CustomerRef") or {}).get("name", ""),
        lines=lines,
        subtotal=subtotal,
        tax=tax,
        total=typed.total,
        paid=typed.total - typed.balance if status != "voided" else Decimal("0.00"),
        balance=typed.balance,
    )
    return BooksInvoice(
        remote_id=typed.id,
        doc=doc,
        version=typed.version,
        payment_ids=linked,
        **_lock(day, closed, bool(linked) or typed.balance < typed.total, "the books are closed"),
    )


QBO_LINES = ("SalesItemLineDetail", "DescriptionOnly")


def _qbo_line(x: dict) -> Line:
    detail = x.get("SalesItemLineDetail") or {}
    amount = money(x.get("Amount"))
    qty = Decimal(str(detail["Qty"])) if detail.get("Qty") is not None else Decimal(1)
    rate = cents(detail["UnitPrice"]) if detail.get("UnitPrice") is not None else amount
    return Line(
        description=x.get("Description", "") or "",
        quantity=qty,
        rate=rate,
        amount=amount,
        tax=str((detail.get("TaxCodeRef") or {}).get("value", "")),
    )


# -- Xero ----------------------------------------------------------------------------------------


def _xero(client) -> tuple[list[BooksInvoice], date | None]:
    lock = xero_lock(client)
    # https://developer.xero.com/documentation/api/accounting/invoices (paging returns line items)
    rows = client.paged("Invoices", where='Type=="ACCREC"')
    return [xero_invoice(row, lock) for row in rows], lock


def xero_lock(client) -> date | None:
    # https://developer.xero.com/documentation/api/accounting/organisation
    # PeriodLockDate stops everyone but advisers, EndOfYearLockDate everyone: the later one wins.
    org = client.organisation()
    locks = [_xero_day(org.get(k)) for k in ("PeriodLockDate", "EndOfYearLockDate")]
    return max((d for d in locks if d), default=None)


def xero_invoice(data: dict, lock: date | None = None) -> BooksInvoice:
    """One Xero Invoice payload as our neutral row."""
    typed = xm.invoice_from(data)
    paid = money(data.get("AmountPaid")) + money(data.get("AmountCredited"))
    allocated = tuple(
        [p.get("PaymentID", "") for p in data.get("Payments") or []]
        + [c.get("CreditNoteID", "") for c in data.get("CreditNotes") or []]
    )
    day = _xero_day(data.get("Date")) or _day(data.get("DateString"))
    doc = Doc(
        number=typed.number,
        status=XERO_STATUS.get(typed.status, "open"),
        date=day,
        due=_xero_day(data.get("DueDate")) or _day(data.get("DueDateString")),
        customer=typed.contact_id,
        customer_name=(data.get("Contact") or {}).get("Name", ""),
        lines=tuple(_xero_line(x) for x in data.get("LineItems") or []),
        subtotal=money(data.get("SubTotal")),
        tax=money(data.get("TotalTax")),
        total=typed.total,
        paid=paid,
        balance=typed.balance,
    )
    return BooksInvoice(
        remote_id=typed.id,
        doc=doc,
        version=typed.version,
        payment_ids=allocated,
        **_lock(day, lock, paid > 0 or bool(allocated), "the period is locked"),
    )


def _xero_line(x: dict) -> Line:
    amount = money(x.get("LineAmount"))
    qty = Decimal(str(x["Quantity"])) if x.get("Quantity") is not None else Decimal(1)
    rate = cents(x["UnitAmount"]) if x.get("UnitAmount") is not None else amount
    return Line(
        description=x.get("Description", "") or "",
        quantity=qty,
        rate=rate,
        amount=amount,
        tax=x.get("TaxType", "") or "",
    )


# -- shared --------------------------------------------------------------------------------------


def _lock(day: date | None, closed: date | None, allocated: bool, closed_words: str) -> dict:
    period = bool(day and closed and day <= closed)
    reasons = []
    if allocated:
        reasons.append("payments or credits are allocated to it")
    if period:
        reasons.append(f"{closed_words} up to {closed.isoformat()}")
    return {"locked": " and ".join(reasons), "period_locked": period}


def _day(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _xero_day(value) -> date | None:
    if isinstance(value, str) and value.startswith("/Date("):
        stamp = xm.ms_date(value)
        return stamp.date() if stamp else None
    return _day(value)
