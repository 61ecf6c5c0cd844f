"""Xero as the registry sees it: its client, what it knows about an organisation, and the
writer, trust writer, read-back and error words that the engine, drift and trust use."""

import contextlib
from datetime import date

from sync.providers.base import BookAccount, BooksFacts, Check, ConnectedAccount, Provider
from sync.providers.budget import Cap, DbBudget, Window, lifted
from sync.providers.errors import ProviderError
from sync.providers.xero import client as client_module
from sync.providers.xero import explain, readback, trust_writer, writer
from sync.providers.xero.client import XeroClient

# The kinds of account (Type) each mapped role may be.
ACCOUNT_TYPES = {
    "fee_income": {"REVENUE", "SALES"},
    "reimbursed_expenses": {"REVENUE", "SALES", "OTHERINCOME"},
    "operating_bank": {"BANK"},
    "trust_bank": {"BANK"},
    "trust_liability": {"CURRLIAB", "LIABILITY"},
    "undeposited_funds": {"CURRENT", "BANK"},
    "bank_charges": {"EXPENSE", "OVERHEADS"},
}


def budget_build(tenant_id: str, app_id: str) -> DbBudget:
    """The tenant's windows and the app's (client module: Xero's limits and where they are
    published), read on every build: the benchmark lifts RATE_PER_MINUTE, and every window in
    proportion."""
    c = client_module
    lift = c.RATE_PER_MINUTE / c.MINUTE_LIMIT
    key = f"xero:{tenant_id}"
    windows = [
        Window("minute", f"{key}:minute", c.RATE_PER_MINUTE, 60.0),
        Window("day", f"{key}:day", lifted(c.PER_DAY, lift), 86400.0),
        Window("app", f"xero-app:{app_id}:minute", lifted(c.APP_PER_MINUTE, lift), 60.0),
    ]
    cap = Cap(f"{key}:concurrent", c.CONCURRENT)
    return DbBudget("xero", windows, cap, learning=lift <= 1)


def client_build(connection, cfg: dict, **common) -> XeroClient:
    return XeroClient(
        api_base=cfg["api_base_url"],
        tenant_id=connection.external_id,
        budget=budget_build(connection.external_id, cfg.get("client_id", "")),
        **common,
    )


# https://developer.xero.com/documentation/guides/oauth2/tenants
def identify(api_base: str, access_token: str, region: str, query) -> list[ConnectedAccount]:
    """Every organisation the person ticked on Xero's consent page."""
    client = XeroClient(api_base=api_base, token=lambda: access_token)
    return [
        ConnectedAccount(t["tenantId"], t["tenantName"], t)
        for t in client.connections()
        if t.get("tenantType") == "ORGANISATION"
    ]


def release(api_base: str, access_token: str, accounts: list[ConnectedAccount], keep: str) -> None:
    """Xero grants every ticked organisation; FirmSync keeps one and removes the rest."""
    client = XeroClient(api_base=api_base, token=lambda: access_token)
    for account in accounts:
        if account.external_id != keep:
            with contextlib.suppress(ProviderError):
                client.connection_delete(account.detail["id"])


def books_facts(client: XeroClient) -> BooksFacts:
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


def preflight_checks(facts: BooksFacts, currency: Check, start: date | None) -> list[Check]:
    """Xero's lines of the preflight checklist (sync.preflight)."""
    return [
        currency,
        Check(
            "xero_tax_basis",
            "Xero reports a tax basis",
            bool(facts.tax_basis),
            facts.tax_basis or "Xero did not report one.",
            fix="Xero: Settings → Financial settings → Tax basis.",
            blocking=False,
        ),
    ]


# The trust accounts FirmSync creates when the organisation lacks them.
TRUST_ACCOUNTS = {
    "trust_bank": {
        "Name": "IOLTA Trust Account",
        "Code": "1015",
        "Type": "BANK",
        "BankAccountNumber": "00-0000-0000000-00",
    },
    "trust_liability": {
        "Name": "Client Funds Held in Trust",
        "Code": "2150",
        "Type": "CURRLIAB",
    },
}


# Xero: 5,000 calls a day per organisation, 60 a minute.
# https://developer.xero.com/documentation/guides/oauth2/limits/
PROVIDER = Provider(
    name="xero",
    label="Xero",
    account_noun="organisation",
    client_build=client_build,
    identify=identify,
    release=release,
    writer=writer.XeroWriter,
    trust_writer=trust_writer.XeroTrustWriter,
    books_read=readback.books_read,
    lock_date=readback.lock_date,
    invoice_read=readback.invoice_read,
    invoice_statuses=readback.invoice_statuses,
    books_facts=books_facts,
    trust_liability=readback.trust_liability,
    bank_deposits=readback.bank_deposits,
    explain=explain.explain,
    payments_changed=readback.payments_changed,
    preflight_checks=preflight_checks,
    trust_accounts=TRUST_ACCOUNTS,
    payment_type="Payments",
    account_types=ACCOUNT_TYPES,
    matter_modes=trust_writer.XeroTrustWriter.matter_modes,
    matter_modes_hint="Xero has no sub-customers or classes; choose a tracking category.",
    has_drafts=True,
    invoice_url="https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={id}",
    daily_cap=5000,
    limits_note="Xero allows 5,000 calls a day (and 60 a minute) per organisation.",
)
