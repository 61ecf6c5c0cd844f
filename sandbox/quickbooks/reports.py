"""GET /v3/company/{realmId}/reports/TrialBalance: account balances as of a day, posted from the
transactions the sandbox holds (Intuit "Reports API": TrialBalance, params start_date, end_date,
accounting_method; Report.xsd for Header/Columns/Rows).

Postings follow what each form does in QuickBooks Online: an invoice debits A/R and credits each
item's income account; a payment debits its deposit-to account and credits A/R; a deposit debits
its bank and credits each line's account (or Undeposited Funds for a linked payment); an expense
(Purchase) credits its bank and debits each line; a transfer moves between two accounts; a journal
entry posts its lines. Balance sheet accounts are summed from the start; income and expense from
the first day of the fiscal year, earlier years rolled into Retained Earnings. The sandbox posts
on the accrual basis only (the basis the trust accounts read the same on either way).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sandbox.quickbooks import clock, faults
from sandbox.quickbooks.compute import dec
from sandbox.quickbooks.models import Company, Record

ZERO = Decimal("0.00")
TXNS = (
    "Invoice",
    "CreditMemo",
    "SalesReceipt",
    "RefundReceipt",
    "Payment",
    "Deposit",
    "Purchase",
    "Bill",
    "Transfer",
    "JournalEntry",
)
PROFIT_AND_LOSS = {"Revenue", "Expense"}


class _Books:
    def __init__(self, company: Company):
        rows = Record.objects.filter(company=company, type__in=("Account", "Item"), deleted=False)
        self.accounts = {str(r.remote_id): r.data for r in rows if r.type == "Account"}
        self.items = {str(r.remote_id): r.data for r in rows if r.type == "Item"}

    def by_type(self, account_type: str) -> str:
        return next(
            (k for k, a in self.accounts.items() if a.get("AccountType") == account_type), ""
        )

    def by_subtype(self, subtype: str) -> str:
        return next((k for k, a in self.accounts.items() if a.get("AccountSubType") == subtype), "")


def _ref(data: dict, key: str) -> str:
    return str((data.get(key) or {}).get("value") or "")


def _item_account(books: _Books, line: dict, detail_key: str, account_key: str) -> str:
    detail = line.get(detail_key) or {}
    item = books.items.get(_ref(detail, "ItemRef")) or {}
    return _ref(item, account_key)


def _sales(books: _Books, data: dict, sign: int, debit_account: str):
    """Invoice/SalesReceipt (sign 1) and CreditMemo/RefundReceipt (sign -1)."""
    yield debit_account, sign * dec(data.get("TotalAmt"))
    for line in data.get("Line", []):
        if line.get("DetailType") == "SalesItemLineDetail":
            account = _item_account(books, line, "SalesItemLineDetail", "IncomeAccountRef")
            yield account, -sign * dec(line.get("Amount"))
    tax = dec((data.get("TxnTaxDetail") or {}).get("TotalTax"))
    if tax:
        yield (
            books.by_subtype("GlobalTaxPayable") or books.by_subtype("SalesTaxPayable"),
            -sign * tax,
        )


def _postings(books: _Books, kind: str, data: dict):
    """(account id, amount) pairs, debits positive."""
    total = dec(data.get("TotalAmt"))
    ar = _ref(data, "ARAccountRef") or books.by_type("Accounts Receivable")
    undeposited = books.by_subtype("UndepositedFunds")
    if kind in ("Invoice", "CreditMemo"):
        yield from _sales(books, data, 1 if kind == "Invoice" else -1, ar)
    elif kind in ("SalesReceipt", "RefundReceipt"):
        account = _ref(data, "DepositToAccountRef") or undeposited
        yield from _sales(books, data, 1 if kind == "SalesReceipt" else -1, account)
    elif kind == "Payment" and total:
        yield _ref(data, "DepositToAccountRef") or undeposited, total
        yield ar, -total
    elif kind == "Deposit":
        yield _ref(data, "DepositToAccountRef"), total
        for line in data.get("Line", []):
            detail = line.get("DepositLineDetail")
            account = _ref(detail, "AccountRef") if detail else undeposited
            yield account, -dec(line.get("Amount"))
    elif kind in ("Purchase", "Bill"):
        credit = (
            _ref(data, "AccountRef") if kind == "Purchase" else books.by_type("Accounts Payable")
        )
        sign = -1 if data.get("Credit") else 1  # a credit card credit runs the other way
        yield credit, -sign * total
        for line in data.get("Line", []):
            if line.get("DetailType") == "AccountBasedExpenseLineDetail":
                account = _ref(line["AccountBasedExpenseLineDetail"], "AccountRef")
            else:
                account = _item_account(
                    books, line, "ItemBasedExpenseLineDetail", "ExpenseAccountRef"
                )
            yield account, sign * dec(line.get("Amount"))
    elif kind == "Transfer":
        amount = dec(data.get("Amount"))
        yield _ref(data, "ToAccountRef"), amount
        yield _ref(data, "FromAccountRef"), -amount
    elif kind == "JournalEntry":
        for line in data.get("Line", []):
            detail = line.get("JournalEntryLineDetail") or {}
            sign = 1 if detail.get("PostingType") == "Debit" else -1
            yield _ref(detail, "AccountRef"), sign * dec(line.get("Amount"))


def balances(company: Company, start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """Account id → balance (debit positive) as of `end`; P&L accounts from `start`, their
    earlier activity in Retained Earnings."""
    books = _Books(company)
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    retained = books.by_subtype("RetainedEarnings") or "RetainedEarnings"
    for rec in Record.objects.filter(company=company, type__in=TXNS, deleted=False):
        on = dt.date.fromisoformat(str(rec.data.get("TxnDate", ""))[:10] or "1900-01-01")
        if on > end:
            continue
        for account, amount in _postings(books, rec.type, rec.data):
            if not account or not amount:
                continue
            pnl = (books.accounts.get(account) or {}).get("Classification") in PROFIT_AND_LOSS
            out[retained if pnl and on < start else account] += amount
    return out


def _fiscal_start(company: Company, end: dt.date) -> dt.date:
    prefs = Record.objects.filter(company=company, type="Preferences").first()
    info = (prefs.data if prefs else {}).get("AccountingInfoPrefs") or {}
    first = _MONTHS.get(info.get("FirstMonthOfFiscalYear") or "January", 1)
    year = end.year if end.month >= first else end.year - 1
    return dt.date(year, first, 1)


_MONTHS = {
    name: i
    for i, name in enumerate(
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        start=1,
    )
}


def _param_date(request, name: str) -> dt.date | None:
    value = request.GET.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise faults.QBOFault(
            2040, "Invalid Date", f"Invalid date format for {name}: {value}", element=name
        ) from exc


def trial_balance(request, company: Company) -> dict:
    end = _param_date(request, "end_date") or clock.today()
    start = _param_date(request, "start_date") or _fiscal_start(company, end)
    books = _Books(company)
    rows, debit_total, credit_total = [], ZERO, ZERO
    for account, amount in sorted(balances(company, start, end).items(), key=lambda kv: kv[0]):
        if not amount:
            continue
        name = (books.accounts.get(account) or {}).get("Name", "Retained Earnings")
        debit, credit = (amount, None) if amount > 0 else (None, -amount)
        debit_total += debit or ZERO
        credit_total += credit or ZERO
        rows.append(
            {
                "ColData": [
                    {"value": name, "id": account if account in books.accounts else ""},
                    {"value": f"{debit:.2f}" if debit else ""},
                    {"value": f"{credit:.2f}" if credit else ""},
                ]
            }
        )
    rows.append(
        {
            "Summary": {
                "ColData": [
                    {"value": "TOTAL"},
                    {"value": f"{debit_total:.2f}"},
                    {"value": f"{credit_total:.2f}"},
                ]
            },
            "type": "Section",
            "group": "GrandTotal",
        }
    )
    return {
        "Header": {
            "Time": clock.now().isoformat(timespec="seconds"),
            "ReportName": "TrialBalance",
            "ReportBasis": "Accrual",
            "StartPeriod": start.isoformat(),
            "EndPeriod": end.isoformat(),
            "Currency": "USD",
            "Option": [{"Name": "NoReportData", "Value": "false" if len(rows) > 1 else "true"}],
        },
        "Columns": {
            "Column": [
                {"ColTitle": "", "ColType": "Account"},
                {"ColTitle": "Debit", "ColType": "Money"},
                {"ColTitle": "Credit", "ColType": "Money"},
            ]
        },
        "Rows": {"Row": rows},
    }


REPORTS = {"trialbalance": trial_balance}
