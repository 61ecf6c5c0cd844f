"""QuickBooks Online as the registry sees it: its client, what it knows about a company, and the
writer, trust writer, read-back and error words that the engine, drift and trust use."""

from datetime import date

from sync.providers.base import BookAccount, BooksFacts, Check, ConnectedAccount, Provider
from sync.providers.budget import Cap, DbBudget, Window, lifted
from sync.providers.quickbooks import client as client_module
from sync.providers.quickbooks import explain, readback, trust_writer, writer
from sync.providers.quickbooks.client import QuickBooksClient

# The kinds of account (AccountType) each mapped role may be.
ACCOUNT_TYPES = {
    "fee_income": {"Income"},
    "reimbursed_expenses": {"Income", "Other Income"},
    "operating_bank": {"Bank"},
    "trust_bank": {"Bank"},
    "trust_liability": {"Other Current Liability"},
    "undeposited_funds": {"Other Current Asset"},
    "bank_charges": {"Expense", "Other Expense"},
}


def budget_build(realm_id: str) -> DbBudget:
    """The realm's windows (client module: Intuit's limits and where they are published), read
    on every build: the benchmark lifts RATE_PER_MINUTE, and every window in proportion."""
    c = client_module
    lift = c.RATE_PER_MINUTE / c.MINUTE_LIMIT
    key = f"quickbooks:{realm_id}"
    windows = [
        Window("minute", f"{key}:minute", c.RATE_PER_MINUTE, 60.0),
        Window("second", f"{key}:second", lifted(c.PER_SECOND_OURS, lift), 1.0),
        Window("batch", f"{key}:batch", lifted(c.BATCH_PER_MINUTE, lift), 60.0, only="batch"),
    ]
    cap = Cap(f"{key}:concurrent", c.CONCURRENT)
    return DbBudget("quickbooks", windows, cap, learning=lift <= 1)


def client_build(connection, cfg: dict, **common) -> QuickBooksClient:
    return QuickBooksClient(
        api_base=cfg["api_base_url"],
        realm_id=connection.external_id,
        budget=budget_build(connection.external_id),
        **common,
    )


def identify(api_base: str, access_token: str, region: str, query) -> list[ConnectedAccount]:
    # The company comes back on the redirect as realmId (OAuth 2.0 page, "Exchange the code").
    realm = query.get("realmId", "")
    client = QuickBooksClient(api_base=api_base, realm_id=realm, token=lambda: access_token)
    return [ConnectedAccount(realm, client.company_info().get("CompanyName", realm))]


def _pref(section: dict, name: str):
    for pair in section.get("NameValue", []):
        if pair.get("Name") == name:
            return str(pair.get("Value")).lower() == "true"
    return None


def books_facts(client: QuickBooksClient) -> BooksFacts:
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


def preflight_checks(facts: BooksFacts, currency: Check, start: date | None) -> list[Check]:
    """QuickBooks' lines of the preflight checklist (sync.preflight)."""
    close_ok = facts.close_date is None or start is None or facts.close_date < start
    return [
        Check(
            "qbo_custom_numbers",
            "Custom transaction numbers are on",
            bool(facts.custom_numbers),
            "Without them QuickBooks numbers invoices itself and Clio's bill numbers are lost.",
            fix="QuickBooks: Settings → Account and settings → Sales → Custom transaction numbers.",
            fixable=True,
        ),
        Check(
            "qbo_duplicate_warning",
            "The duplicate-number warning is on",
            bool(facts.duplicate_warning),
            "With it, QuickBooks refuses a number used twice (error 6140) instead of accepting it.",
            fix="QuickBooks: Settings → Advanced → Other preferences → Warn if duplicate bill "
            "number is used.",
            fixable=True,
        ),
        Check(
            "qbo_close_date",
            "The books are open from the sync start date",
            close_ok,
            f"Books closed through {facts.close_date}."
            if facts.close_date
            else "No closing date set.",
            fix="Move the sync start date after the closing date, or change the closing date "
            "in QuickBooks.",
        ),
        currency,
    ]


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
def _custom_numbers_on(client: QuickBooksClient, facts: BooksFacts, key: str) -> str:
    client.preferences_update(
        sync_token=facts.sync_token,
        changes={"SalesFormsPrefs": {"CustomTxnNumbers": True}},
        key=key,
    )
    return "Custom transaction numbers are now on in QuickBooks."


def _duplicate_warning_on(client: QuickBooksClient, facts: BooksFacts, key: str) -> str:
    pair = {"Name": "WarnDuplicateBillNumber", "Value": "true"}
    client.preferences_update(
        sync_token=facts.sync_token, changes={"OtherPrefs": {"NameValue": [pair]}}, key=key
    )
    return "QuickBooks now warns about duplicate numbers."


# The trust accounts FirmSync creates when the company lacks them.
TRUST_ACCOUNTS = {
    "trust_bank": {
        "Name": "Trust Account - IOLTA",
        "AccountType": "Bank",
        "AccountSubType": "TrustAccounts",
    },
    "trust_liability": {
        "Name": "Client Trust Funds Held",
        "AccountType": "Other Current Liability",
        "AccountSubType": "TrustAccountsLiabilities",
    },
}


# QuickBooks Online: no daily cap, 500 requests a minute per company (client.py has the rest).
# https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles
PROVIDER = Provider(
    name="quickbooks",
    label="QuickBooks",
    account_noun="company",
    client_build=client_build,
    identify=identify,
    writer=writer.QuickBooksWriter,
    trust_writer=trust_writer.QuickBooksTrustWriter,
    books_read=readback.books_read,
    lock_date=readback.lock_date,
    invoice_read=readback.invoice_read,
    invoice_statuses=readback.invoice_statuses,
    books_facts=books_facts,
    trust_liability=readback.trust_liability,
    bank_deposits=readback.bank_deposits,
    explain=explain.explain,
    payments_changed=readback.payments_changed,
    invoice_numbers=readback.invoice_numbers,
    preflight_checks=preflight_checks,
    preflight_fixes={
        "qbo_custom_numbers": _custom_numbers_on,
        "qbo_duplicate_warning": _duplicate_warning_on,
    },
    trust_accounts=TRUST_ACCOUNTS,
    payment_type="Payment",
    account_types=ACCOUNT_TYPES,
    matter_modes=trust_writer.QuickBooksTrustWriter.matter_modes,
    matter_records=(trust_writer.BY.SUB_CUSTOMER,),
    matter_modes_hint="Choose sub-customers or classes.",
    has_drafts=False,
    invoice_url="https://app.qbo.intuit.com/app/invoice?txnId={id}",
    limits_note="QuickBooks has no daily cap; it allows 500 calls a minute.",
)
