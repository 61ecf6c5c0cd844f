"""What FirmSync needs to know about a firm's books, read live through the provider's API.

Pure helpers (numbers, account roles) are separate from the reads so they can be tested alone.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from sync.engine.registry import client_for
from sync.models import Connection

# The accounts a firm maps, and the kinds of account each may be.
ACCOUNT_ROLES = {
    "fee_income": ("Fee income", {"quickbooks": {"Income"}, "xero": {"REVENUE", "SALES"}}),
    "reimbursed_expenses": (
        "Reimbursed expenses",
        {"quickbooks": {"Income", "Other Income"}, "xero": {"REVENUE", "SALES", "OTHERINCOME"}},
    ),
    "operating_bank": ("Operating bank", {"quickbooks": {"Bank"}, "xero": {"BANK"}}),
    "trust_bank": ("Trust bank (IOLTA)", {"quickbooks": {"Bank"}, "xero": {"BANK"}}),
    "trust_liability": (
        "Trust liability (client funds held)",
        {"quickbooks": {"Other Current Liability"}, "xero": {"CURRLIAB", "LIABILITY"}},
    ),
    "undeposited_funds": (
        "Undeposited funds",
        {"quickbooks": {"Other Current Asset"}, "xero": {"CURRENT", "BANK"}},
    ),
    "bank_charges": (
        "Bank charges (fees on the trust account)",
        {"quickbooks": {"Expense", "Other Expense"}, "xero": {"EXPENSE", "OVERHEADS"}},
    ),
}


@dataclass(frozen=True)
class BookAccount:
    id: str
    name: str
    kind: str
    subtype: str = ""


@dataclass
class BooksFacts:
    provider: str
    name: str
    home_currency: str
    custom_numbers: bool | None = None
    duplicate_warning: bool | None = None
    close_date: date | None = None
    tax_basis: str = ""
    accounts: list[BookAccount] = field(default_factory=list)
    tax_codes: list[tuple[str, str]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    sync_token: str = ""


def number_value(doc_number: str) -> int | None:
    """The numeric value of an invoice number: '1040' → 1040, 'INV-0042' → 42, 'ABC' → None."""
    match = re.search(r"(\d+)\D*$", doc_number or "")
    return int(match.group(1)) if match else None


def next_number(numbers: list[str]) -> int:
    values = [v for v in (number_value(n) for n in numbers) if v is not None]
    return max(values, default=0) + 1


def number_collides(candidate: int, numbers: list[str]) -> bool:
    return any(number_value(n) is not None and number_value(n) >= candidate for n in numbers)


def accounts_for_role(facts: BooksFacts, role: str) -> list[BookAccount]:
    kinds = ACCOUNT_ROLES[role][1][facts.provider]
    return [a for a in facts.accounts if a.kind in kinds]


def _pref(section: dict, name: str):
    for pair in section.get("NameValue", []):
        if pair.get("Name") == name:
            return str(pair.get("Value")).lower() == "true"
    return None


def read_quickbooks(conn: Connection) -> BooksFacts:
    client = client_for(conn)
    prefs = client.preferences()
    info = client.company_info()
    close = prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate")
    invoices = client.query_all("Invoice")
    credits = client.query_all("CreditMemo")
    return BooksFacts(
        provider="quickbooks",
        name=info.get("CompanyName", ""),
        home_currency=prefs.get("CurrencyPrefs", {}).get("HomeCurrency", {}).get("value", ""),
        custom_numbers=bool(prefs.get("SalesFormsPrefs", {}).get("CustomTxnNumbers")),
        duplicate_warning=_pref(prefs.get("OtherPrefs", {}), "WarnDuplicateBillNumber"),
        close_date=date.fromisoformat(close) if close else None,
        accounts=[
            BookAccount(a["Id"], a["Name"], a.get("AccountType", ""), a.get("AccountSubType", ""))
            for a in client.query_all("Account", "WHERE Active = true")
        ],
        tax_codes=[(t["Id"], t["Name"]) for t in client.query_all("TaxCode")],
        numbers=[r["DocNumber"] for r in invoices + credits if r.get("DocNumber")],
        sync_token=str(prefs.get("SyncToken", "")),
    )


def read_xero(conn: Connection) -> BooksFacts:
    client = client_for(conn)
    org = client.organisation()
    invoices = client.paged("Invoices", where='Type=="ACCREC"')
    credits = client.paged("CreditNotes", where='Type=="ACCRECCREDIT"')
    return BooksFacts(
        provider="xero",
        name=org.get("Name", ""),
        home_currency=org.get("BaseCurrency", ""),
        tax_basis=org.get("SalesTaxBasis", ""),
        accounts=[
            BookAccount(
                a.get("Code") or a["AccountID"],
                a["Name"],
                a.get("Type", ""),
                a.get("BankAccountType", ""),
            )
            for a in client.accounts()
            if a.get("Status", "ACTIVE") == "ACTIVE"
        ],
        tax_codes=[
            (t["TaxType"], t["Name"])
            for t in client.tax_rates()
            if t.get("Status", "ACTIVE") == "ACTIVE"
        ],
        numbers=[r.get("InvoiceNumber", "") for r in invoices]
        + [r.get("CreditNoteNumber", "") for r in credits],
    )


def books_facts(conn: Connection) -> BooksFacts:
    return read_quickbooks(conn) if conn.provider == "quickbooks" else read_xero(conn)
