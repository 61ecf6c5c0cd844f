"""Read back every invoice of a QuickBooks Online company as neutral `BooksInvoice` rows.

One Preferences read (the closing date) and `SELECT * FROM Invoice` 1,000 a page; Balance and
LinkedTxn on each invoice say what is paid and allocated, so no payment is read. About 2 + n/1000
calls for n invoices.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from sync.providers.amounts import money
from sync.providers.base import PAYMENT_DELETED, PAYMENT_VOIDED, BankDeposit, PaymentSeen
from sync.providers.documents import BooksInvoice, Doc, Line, cents, day_of, lock_fields
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.client import quote_list

STATUS = {"open": "open", "partial": "open", "paid": "paid", "voided": "voided"}
# CDC refuses a changedSince more than 30 days back (2010); the margin absorbs the seconds the
# request takes to arrive.
CDC_REACH = timedelta(days=30) - timedelta(minutes=5)
CDC_MAX = 1000  # objects in one CDC answer; a full answer may have left some out


def books_read(client) -> tuple[list[BooksInvoice], date | None]:
    closed = lock_date(client)
    rows = client.query_all("Invoice")
    return [invoice_row(row, closed) for row in rows], closed


def lock_date(client) -> date | None:
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
    # AccountingInfoPrefs.BookCloseDate: changes dated on or before it are refused (6210).
    prefs = client.preferences()
    return day_of((prefs.get("AccountingInfoPrefs") or {}).get("BookCloseDate"))


def invoice_row(data: dict, closed: date | None = None) -> BooksInvoice:
    """One QuickBooks Invoice payload as our neutral row."""
    typed = qb.invoice_from(data)
    lines = tuple(_qbo_line(x) for x in data.get("Line", []) if x.get("DetailType") in QBO_LINES)
    linked = tuple(
        str(t.get("TxnId"))
        for t in data.get("LinkedTxn") or []
        if t.get("TxnType") in ("Payment", "CreditMemo")
    )
    day = day_of(data.get("TxnDate"))
    tax = money((data.get("TxnTaxDetail") or {}).get("TotalTax"))
    subtotal = sum((ln.amount for ln in lines), Decimal("0.00"))
    status = STATUS.get(typed.status, "open")
    doc = Doc(
        number=typed.number or "",
        status=status,
        date=day,
        due=day_of(data.get("DueDate")),
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
        remote_status=typed.status,
        **lock_fields(
            day, closed, bool(linked) or typed.balance < typed.total, "the books are closed"
        ),
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


def invoice_read(client, remote_id: str) -> BooksInvoice:
    """One invoice, read now (drift's approval, before and after a repair)."""
    return invoice_row(client.get("Invoice", remote_id).raw)


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/report-entities/trialbalance
def trust_liability(client, account_id: str, as_of: date) -> Decimal:
    """The mapped trust liability's credit balance at the end of `as_of`."""
    report = client.report("TrialBalance", end_date=as_of.isoformat(), accounting_method="Accrual")
    return credit_balance(report, account_id)


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/deposit#query-a-deposit
def bank_deposits(client, account_id: str, start: date, end: date) -> list[BankDeposit]:
    """Deposits into the bank account dated start..end. The query language cannot filter on
    DepositToAccountRef, so the account is picked out here."""
    where = f"WHERE TxnDate >= '{start.isoformat()}' AND TxnDate <= '{end.isoformat()}'"
    return [
        BankDeposit("Deposit", str(row["Id"]), day, money(row.get("TotalAmt")))
        for row in client.query_all("Deposit", where)
        if str((row.get("DepositToAccountRef") or {}).get("value")) == str(account_id)
        and (day := day_of(row.get("TxnDate"))) is not None
    ]


# -- payments recorded in the books --------------------------------------------------------------


def _payment_seen(change: qb.Change) -> PaymentSeen:
    if change.deleted:
        return PaymentSeen(remote_id=change.id, gone=PAYMENT_DELETED)
    p = cast(qb.RemotePayment, change.record)
    if p.voided:
        return PaymentSeen(remote_id=p.id, gone=PAYMENT_VOIDED)
    return PaymentSeen(
        remote_id=p.id,
        amount=p.total,
        txn_date=p.txn_date,
        customer_name=p.customer_name,
        invoice_ids=p.invoice_ids,
        reference=p.reference,
        seen_at=p.created_at,
    )


def payments_changed(client, since: datetime, now: datetime):
    """Payments created, changed or deleted since `since`; and, when the answer was full, the
    time to read on from. QuickBooks keeps supplier payments and refunds in other entities
    (BillPayment, RefundReceipt), so every Payment is a customer's."""
    since = max(since, now - CDC_REACH)
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
    # (deleted payments come back as stubs with status "Deleted")
    changes = [c for c in client.cdc(["Payment"], since) if c.entity == "Payment"]
    hold = None
    if len(changes) >= CDC_MAX:
        # A full answer may be cut short: carry on from the newest change it holds.
        hold = max(datetime.fromisoformat(c.updated) for c in changes if c.updated)
    return [_payment_seen(c) for c in changes], hold


def invoice_numbers(client, ids: list[str]) -> dict[str, str]:
    """A QuickBooks payment names its invoices by Id only; people know them by DocNumber."""
    return {inv.id: inv.number or inv.id for inv in _invoices(client, ids)}


def invoice_statuses(client, ids: list[str]) -> dict[str, str]:
    """Each invoice's status now (open, partial, paid, voided)."""
    return {inv.id: inv.status for inv in _invoices(client, ids)}


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#query-an-invoice
def _invoices(client, ids: list[str]) -> list:
    """The invoices with these Ids, one query per 500."""
    found: list = []
    for start in range(0, len(ids), 500):
        found += client.find_where("Invoice", f"Id IN {quote_list(ids[start : start + 500])}")
    return found


def _report_amount(value: str | None) -> Decimal:
    return Decimal(value.replace(",", "")) if value else Decimal("0.00")


def _report_rows(rows: dict | None):
    for row in (rows or {}).get("Row", []):
        yield row
        yield from _report_rows(row.get("Rows"))


def credit_balance(report: dict, account_id: str) -> Decimal:
    """An account's credit balance (credit minus debit) in a QuickBooks TrialBalance report."""
    for row in _report_rows(report.get("Rows")):
        cells = row.get("ColData") or []
        if cells and str(cells[0].get("id", "")) == str(account_id):
            return _report_amount(cells[2].get("value")) - _report_amount(cells[1].get("value"))
    return Decimal("0.00")
