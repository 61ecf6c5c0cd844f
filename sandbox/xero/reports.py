"""GET Reports/TrialBalance?date=YYYY-MM-DD: every account's movement for the month and its
year-to-date balance, posted from the documents the sandbox holds (XERO-SPEC
`/Reports/TrialBalance`, params `date` and `paymentsOnly`; its example for the row shape).

Postings follow Xero: an authorised sales invoice debits Accounts Receivable and credits its
lines (tax to the tax account); a bill the reverse through Accounts Payable; credit notes run the
other way; a payment debits (or credits) its bank against AR/AP; a RECEIVE/SPEND bank transaction
moves its bank against its lines; a bank transfer's two legs move their banks; a posted manual
journal posts its lines (positive = debit). Balance sheet accounts show their balance as at the
date in the YTD columns; revenue and expense accounts their year to date (a July-June year is
not modelled: the sandbox's financial year is the calendar year).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sandbox.xero import store
from sandbox.xero.lines import dec
from sandbox.xero.models import Organisation, Record

ZERO = Decimal("0.00")
LIVE = {
    "Invoice": {"AUTHORISED", "PAID"},
    "CreditNote": {"AUTHORISED", "PAID"},
    "Payment": {"AUTHORISED"},
    "BankTransaction": {"AUTHORISED"},
    "ManualJournal": {"POSTED"},
}
SECTIONS = (
    ("Revenue", {"REVENUE"}),
    ("Expenses", {"EXPENSE"}),
    ("Assets", {"ASSET"}),
    ("Liabilities", {"LIABILITY"}),
    ("Equity", {"EQUITY"}),
)


class _Chart:
    def __init__(self, org: Organisation):
        rows = Record.objects.filter(organisation=org, kind="Account")
        self.by_id = {r.data["AccountID"]: r.data for r in rows}
        self.by_code = {r.data.get("Code"): r.data for r in rows if r.data.get("Code")}

    def id_of(self, line: dict) -> str:
        acct = self.by_code.get(line.get("AccountCode")) or self.by_id.get(line.get("AccountID"))
        return acct["AccountID"] if acct else ""

    def system(self, name: str) -> str:
        return next((k for k, a in self.by_id.items() if a.get("SystemAccount") == name), "")


def _lines(chart: _Chart, doc: dict, sign: int):
    inclusive = doc.get("LineAmountTypes") == "Inclusive"
    for line in doc.get("LineItems", []):
        net = dec(line.get("LineAmount")) - (dec(line.get("TaxAmount")) if inclusive else ZERO)
        yield chart.id_of(line), sign * net
    tax = dec(doc.get("TotalTax"))
    if tax:
        yield chart.system("GST") or chart.system("SALESTAX"), sign * tax


def _postings(chart: _Chart, kind: str, doc: dict):
    """(AccountID, amount) pairs, debits positive."""
    total = dec(doc.get("Total"))
    if kind in ("Invoice", "CreditNote"):
        sales = doc["Type"] in ("ACCREC", "ACCRECCREDIT")
        sign = (1 if sales else -1) * (1 if kind == "Invoice" else -1)
        yield chart.system("DEBTORS" if sales else "CREDITORS"), sign * total
        yield from _lines(chart, doc, -sign)
    elif kind == "Payment":
        amount = dec(doc.get("Amount"))
        bank = (doc.get("Account") or {}).get("AccountID", "")
        into = doc["PaymentType"] in ("ACCRECPAYMENT", "APCREDITPAYMENT")
        sales = doc["PaymentType"] in ("ACCRECPAYMENT", "ARCREDITPAYMENT")
        control = "DEBTORS" if sales else "CREDITORS"
        sign = 1 if into else -1
        yield bank, sign * amount
        yield chart.system(control), -sign * amount
    elif kind == "BankTransaction":
        bank = (doc.get("BankAccount") or {}).get("AccountID", "")
        sign = 1 if doc["Type"].startswith("RECEIVE") else -1
        yield bank, sign * total
        yield from _lines(chart, doc, -sign)
    elif kind == "ManualJournal":
        for line in doc.get("JournalLines", []):
            yield chart.id_of(line), dec(line.get("LineAmount"))


def balances(org: Organisation, start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """AccountID → movement (debit positive) from `start` to `end`, both included."""
    chart = _Chart(org)
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for rec in Record.objects.filter(organisation=org, kind__in=list(LIVE)):
        if rec.status not in LIVE[rec.kind] and rec.data.get("Status") not in LIVE[rec.kind]:
            continue
        on = store.parse_date(rec.data.get("Date"))
        if on is None or on < start or on > end:
            continue
        for account, amount in _postings(chart, rec.kind, rec.data):
            if account and amount:
                out[account] += amount
    return out


def _cells(acct: dict, *values: Decimal | None) -> list[dict]:
    attrs = [{"Value": acct["AccountID"], "Id": "account"}]
    label = f"{acct['Name']} ({acct['Code']})" if acct.get("Code") else acct["Name"]
    cells = [{"Value": label, "Attributes": attrs}]
    cells += [{"Value": f"{v:.2f}" if v is not None else "", "Attributes": attrs} for v in values]
    return cells


def _split(amount: Decimal) -> tuple[Decimal | None, Decimal | None]:
    if not amount:
        return None, None
    return (amount, None) if amount > 0 else (None, -amount)


def trial_balance(org: Organisation, on: dt.date) -> dict:
    chart = _Chart(org)
    month = balances(org, on.replace(day=1), on)
    ever = balances(org, dt.date(1900, 1, 1), on)
    year = balances(org, dt.date(on.year, 1, 1), on)
    rows = [
        {
            "RowType": "Header",
            "Cells": [
                {"Value": v} for v in ("Account", "Debit", "Credit", "YTD Debit", "YTD Credit")
            ],
        }
    ]
    totals = [ZERO] * 4
    for title, classes in SECTIONS:
        section = []
        for account_id, acct in sorted(chart.by_id.items(), key=lambda kv: kv[1].get("Code", "")):
            if acct.get("Class") not in classes:
                continue
            ytd = (year if acct["Class"] in ("REVENUE", "EXPENSE") else ever).get(account_id, ZERO)
            moved = month.get(account_id, ZERO)
            if not ytd and not moved:
                continue
            values = [*_split(moved), *_split(ytd)]
            totals = [t + (v or ZERO) for t, v in zip(totals, values, strict=True)]
            section.append({"RowType": "Row", "Cells": _cells(acct, *values)})
        if section:
            rows.append({"RowType": "Section", "Title": title, "Rows": section})
    summary = [{"Value": "Total"}] + [{"Value": f"{t:.2f}"} for t in totals]
    rows.append({"RowType": "Section", "Rows": [{"RowType": "SummaryRow", "Cells": summary}]})
    when = f"{on.day} {on:%B %Y}"
    return {
        "ReportID": "TrialBalance",
        "ReportName": "Trial Balance",
        "ReportType": "TrialBalance",
        "ReportTitles": ["Trial Balance", org.name, f"As at {when}"],
        "ReportDate": when,
        "UpdatedDateUTC": store.msdate(store.now()),
        "Fields": [],
        "Rows": rows,
    }
