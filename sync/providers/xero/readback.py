"""Read back every sales invoice of a Xero organisation as neutral `BooksInvoice` rows.

One Organisation read (the lock dates) and GET Invoices with pageSize 1000, which carries line
items, AmountPaid/AmountCredited and the allocated Payments/CreditNotes of every invoice. About
2 + n/1000 calls for n invoices.
"""

from datetime import date, datetime
from decimal import Decimal

from sync.providers.amounts import money
from sync.providers.base import PAYMENT_DELETED, BankDeposit, PaymentSeen
from sync.providers.documents import BooksInvoice, Doc, Line, cents, day_of, lock_fields
from sync.providers.xero import mapping as xm

STATUS = {
    "DRAFT": "draft",
    "SUBMITTED": "draft",
    "AUTHORISED": "open",
    "PAID": "paid",
    "VOIDED": "voided",
    "DELETED": "deleted",
}
# Xero's Payments also pay supplier bills (ACCPAYPAYMENT) and refund credit notes; only a customer
# paying a sales invoice is money Clio should know about.
RECEIPT = "ACCRECPAYMENT"


def books_read(client) -> tuple[list[BooksInvoice], date | None]:
    lock = lock_date(client)
    # https://developer.xero.com/documentation/api/accounting/invoices (paging returns line items)
    rows = client.paged("Invoices", where='Type=="ACCREC"')
    return [invoice_row(row, lock) for row in rows], lock


def lock_date(client) -> date | None:
    # https://developer.xero.com/documentation/api/accounting/organisation
    # PeriodLockDate stops everyone but advisers, EndOfYearLockDate everyone: the later one wins.
    org = client.organisation()
    locks = [_xero_day(org.get(k)) for k in ("PeriodLockDate", "EndOfYearLockDate")]
    return max((d for d in locks if d), default=None)


def invoice_row(data: dict, lock: date | None = None) -> BooksInvoice:
    """One Xero Invoice payload as our neutral row."""
    typed = xm.invoice_from(data)
    paid = money(data.get("AmountPaid")) + money(data.get("AmountCredited"))
    allocated = tuple(
        [p.get("PaymentID", "") for p in data.get("Payments") or []]
        + [c.get("CreditNoteID", "") for c in data.get("CreditNotes") or []]
    )
    day = _xero_day(data.get("Date")) or day_of(data.get("DateString"))
    doc = Doc(
        number=typed.number,
        status=STATUS.get(typed.status, "open"),
        date=day,
        due=_xero_day(data.get("DueDate")) or day_of(data.get("DueDateString")),
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
        remote_status=typed.status,
        **lock_fields(day, lock, paid > 0 or bool(allocated), "the period is locked"),
    )


def invoice_statuses(client, ids: list[str]) -> dict[str, str]:
    """Each invoice's status now (DRAFT, AUTHORISED, PAID, VOIDED, …), 100 ids a read."""
    # https://developer.xero.com/documentation/api/accounting/invoices (IDs: a comma-joined list;
    # summaryOnly leaves the line items out)
    out: dict[str, str] = {}
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        rows = client.paged("Invoices", IDs=",".join(chunk), summaryOnly="true")
        out.update({str(r.get("InvoiceID", "")): str(r.get("Status", "")) for r in rows})
    return out


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


def _xero_day(value) -> date | None:
    if isinstance(value, str) and value.startswith("/Date("):
        stamp = xm.ms_date(value)
        return stamp.date() if stamp else None
    return day_of(value)


def invoice_read(client, remote_id: str) -> BooksInvoice:
    """One invoice, read now (drift's approval, before and after a repair)."""
    return invoice_row(client.get("Invoices", remote_id).raw)


# https://developer.xero.com/documentation/api/accounting/reports#trial-balance
def trust_liability(client, account: str, as_of: date) -> Decimal:
    """The mapping keeps a Xero account's code (or its id when it has none); the report names
    accounts by id."""
    chart = client.accounts()
    account_id = next(
        (a["AccountID"] for a in chart if account in (a.get("Code"), a["AccountID"])), account
    )
    body = client.http.request(
        "GET", "Reports/TrialBalance", params={"date": as_of.isoformat()}
    ).json()
    return credit_balance(body["Reports"][0], account_id)


# https://developer.xero.com/documentation/api/accounting/banktransactions#get-banktransactions
def bank_deposits(client, account: str, start: date, end: date) -> list[BankDeposit]:
    """RECEIVE bank transactions into the account (mapped by code, or id when it has none)
    dated start..end, deleted and voided ones left out."""
    where = (
        f'Type=="RECEIVE" AND Date>=DateTime({start.year},{start.month},{start.day}) '
        f"AND Date<=DateTime({end.year},{end.month},{end.day})"
    )
    out = []
    for row in client.paged("BankTransactions", where=where):
        bank = row.get("BankAccount") or {}
        day = day_of(row.get("DateString"))
        if account not in (bank.get("Code"), bank.get("AccountID")) or day is None:
            continue
        if row.get("Status") in ("DELETED", "VOIDED"):
            continue
        out.append(
            BankDeposit("BankTransaction", row["BankTransactionID"], day, money(row.get("Total")))
        )
    return out


# -- payments recorded in the books --------------------------------------------------------------


def payments_changed(client, since: datetime, now: datetime):
    """Customer payments changed or deleted since `since` (Xero pages all of them: no hold)."""
    # https://developer.xero.com/documentation/api/accounting/payments#get-payments
    # (If-Modified-Since; a deleted payment comes back with Status DELETED)
    payments = client.read_all("Payments", modified_since=since)
    seen = [
        PaymentSeen(
            remote_id=p.id,
            gone=PAYMENT_DELETED if p.status == "DELETED" else "",
            amount=p.amount,
            txn_date=p.txn_date,
            customer_name=p.contact_name,
            invoice_numbers=p.invoice_number,
            reference=p.reference,
            seen_at=p.updated_at,
        )
        for p in payments
        if p.payment_type in ("", RECEIPT)
    ]
    return seen, None


def _report_amount(value: str | None) -> Decimal:
    return Decimal(value.replace(",", "")) if value else Decimal("0.00")


def _report_rows(rows: list | None):
    for row in rows or []:
        yield row
        yield from _report_rows(row.get("Rows"))


def credit_balance(report: dict, account_id: str) -> Decimal:
    """An account's credit balance as at the report date: YTD Credit minus YTD Debit (for a
    balance sheet account Xero's YTD columns are its balance)."""
    for row in _report_rows(report.get("Rows")):
        cells = row.get("Cells") or []
        if row.get("RowType") != "Row" or not cells:
            continue
        ids = {a.get("Value") for a in cells[0].get("Attributes") or [] if a.get("Id") == "account"}
        if account_id in ids:
            return _report_amount(cells[4].get("Value")) - _report_amount(cells[3].get("Value"))
    return Decimal("0.00")
