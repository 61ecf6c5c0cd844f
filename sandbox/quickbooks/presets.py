"""Presets: `demo` (Harbor & Vale's books) and `reference` (an empty company with the chart).

Every company gets Preferences and CompanyInfo (Id 1, preferences.xml shape), a law-firm chart of
accounts (trust bank Bank/TrustAccounts, trust liability Other Current Liability/
TrustAccountsLiabilities, API_NOTES 2.8), the TAX/NON tax codes and service items.
"""

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from sandbox.demo_people import HARBOR_VALE_CONTACTS, books_variant
from sandbox.quickbooks import clock
from sandbox.quickbooks.entities import BY_NAME
from sandbox.quickbooks.models import Company, Record, SandboxUser
from sandbox.quickbooks.services import WriteOptions, entity_create
from sandbox.quickbooks.store import key_for, next_ids, party_for, stamp

DEFAULT_USER = ("sandbox@intuit.example", "sandbox")
CHART = [
    ("Operating Checking", "Bank", "Checking", "1000"),
    ("IOLTA Trust Account", "Bank", "TrustAccounts", "1010"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "1200"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "1100"),
    ("Client Trust Liability", "Other Current Liability", "TrustAccountsLiabilities", "2100"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "2000"),
    ("Legal Fee Income", "Income", "ServiceFeeIncome", "4000"),
    ("Reimbursed Expenses", "Income", "OtherPrimaryIncome", "4100"),
    ("Court Fees and Costs", "Expense", "OtherMiscellaneousServiceCost", "6100"),
    ("Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", "6200"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", "3000"),
]
ITEMS = [
    ("Legal Services", "Hourly legal services", "Legal Fee Income", 350),
    ("Flat Fee Services", "Flat-fee legal services", "Legal Fee Income", 0),
    ("Expense Reimbursement", "Reimbursed client costs", "Reimbursed Expenses", 0),
]
CLASSIFICATION = {"Bank": "Asset", "Other Current Asset": "Asset", "Accounts Receivable": "Asset"}


def company_create(name: str, *, owner: SandboxUser | None = None) -> Company:
    owner = owner or _default_user()
    realm = str(9341450000000000 + secrets.randbelow(10**9))
    company = Company.objects.create(realm_id=realm, name=name, owner=owner)
    _singletons(company)
    accounts = _chart(company)
    _bulk(company, "TaxCode", [_taxcode(n) for n in ("TAX", "NON")])
    rate = {"Name": "No Tax", "Description": "No sales tax", "Active": True, "RateValue": 0}
    _bulk(company, "TaxRate", [rate | {"SpecialTaxType": "NONE", "DisplayType": "ReadOnly"}])
    opts = WriteOptions(bookkeeper=True)
    for item_name, desc, account, price in ITEMS:
        body = {"Name": item_name, "Description": desc, "Type": "Service", "UnitPrice": price}
        body["IncomeAccountRef"] = {"value": accounts[account]}
        entity_create(company, BY_NAME["Item"], body, opts)
    return company


def _default_user() -> SandboxUser:
    user, _ = SandboxUser.objects.get_or_create(
        email=DEFAULT_USER[0], defaults={"password": DEFAULT_USER[1], "name": "Sandbox Bookkeeper"}
    )
    return user


def _taxcode(name: str) -> dict:
    return {"Name": name, "Description": name, "Active": True, "Taxable": name == "TAX"}


def _chart(company: Company) -> dict:
    out = {}
    opts = WriteOptions(bookkeeper=True)
    for name, kind, sub, number in CHART:
        body = {"Name": name, "AccountType": kind, "AccountSubType": sub, "AcctNum": number}
        out[name] = entity_create(company, BY_NAME["Account"], body, opts)["Id"]
    return out


def _singletons(company: Company) -> None:
    at = clock.now()
    for entity, data in (("Preferences", _prefs()), ("CompanyInfo", _info(company))):
        body = stamp({"domain": "QBO", "sparse": False, **data}, 1, 0, at, at)
        Record.objects.create(
            company=company, type=entity, remote_id=1, data=body, created_at=at, updated_at=at
        )


def _prefs() -> dict:
    names = [
        ("WarnDuplicateCheckNumber", "true"),
        ("WarnDuplicateBillNumber", "false"),
        ("WarnDuplicateJournalNumber", "false"),
    ]
    return {
        "AccountingInfoPrefs": {
            "UseAccountNumbers": True,
            "TrackDepartments": False,
            "ClassTrackingPerTxn": False,
            "ClassTrackingPerTxnLine": False,
            "FirstMonthOfFiscalYear": "January",
            "CustomerTerminology": "Clients",
        },
        "SalesFormsPrefs": {
            "CustomTxnNumbers": False,
            "AllowDeposit": False,
            "AllowDiscount": False,
            "AllowEstimates": True,
            "AllowServiceDate": True,
            "AllowShipping": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "DefaultTerms": {"value": "3"},
        },
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": False, "BillableExpenseTracking": True},
        "TaxPrefs": {"UsingSalesTax": False},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {"NameValue": [{"Name": n, "Value": v} for n, v in names]},
    }


def _info(company: Company) -> dict:
    addr = {"Line1": "1 Harbor Street", "City": "Portland", "CountrySubDivisionCode": "ME"}
    addr["PostalCode"] = "04101"
    return {
        "CompanyName": company.name,
        "LegalName": company.name,
        "CompanyAddr": addr,
        "LegalAddr": dict(addr),
        "Country": "US",
        "CompanyStartDate": clock.today().replace(month=1, day=1).isoformat(),
        "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en",
        "DefaultTimeZone": "America/Los_Angeles",
        "NameValue": [{"Name": "NeoEnabled", "Value": "true"}],
    }


def _bulk(company: Company, entity: str, bodies: list[dict], created=None) -> list[Record]:
    """Insert many ready records at once (presets only: no rules, no change events)."""
    if not bodies:
        return []
    first = next_ids(company, len(bodies))
    at = created or clock.now()
    rows = []
    for offset, data in enumerate(bodies):
        body = stamp({"domain": "QBO", "sparse": False, **data}, first + offset, 0, at, at)
        rows.append(
            Record(
                company=company,
                type=entity,
                remote_id=first + offset,
                key=key_for(entity, body),
                party=party_for(body),
                data=body,
                created_at=at,
                updated_at=at,
            )
        )
    return Record.objects.bulk_create(rows, batch_size=500)


def seed(preset: str, account: str | None = None) -> dict:
    with transaction.atomic():
        if preset == "demo":
            company = _demo(account or "Harbor & Vale LLP")
        elif preset == "reference":
            company = company_create(account or "Reference Law Firm LLP")
        else:
            raise ValueError(f"Unknown preset {preset!r}; known: demo, reference.")
    return {"preset": preset, "realmId": company.realm_id, "companyName": company.name}


# The first of the demo books' own invoices (see _demo_invoices).
HISTORY_START = date(2025, 8, 1)


def _demo(name: str) -> Company:
    company = company_create(name)
    customers = _bulk(company, "Customer", [_customer(c, i) for i, c in _demo_contacts()])
    _demo_invoices(company, customers)
    return company


def _demo_contacts():
    """About 40 of Harbor & Vale's 60 clients, as the books typed them (books_variant)."""
    for i, contact in enumerate(HARBOR_VALE_CONTACTS):
        if i % 10 < 7:
            yield i, books_variant(contact, i)


def _customer(contact: dict, i: int) -> dict:
    # The books keep inner spacing and case as typed; QuickBooks trims the ends.
    name = contact["name"].strip()
    data = {
        "DisplayName": name,
        "FullyQualifiedName": name,
        "PrintOnCheckName": name,
        "Active": True,
        "Job": False,
        "BillWithParent": False,
        "Balance": 0,
        "BalanceWithJobs": 0,
        "Taxable": False,
        "PreferredDeliveryMethod": "Email",
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "PrimaryPhone": {"FreeFormNumber": contact["phone"]},
        "BillAddr": {
            "Line1": contact["street"],
            "City": contact["city"],
            "CountrySubDivisionCode": contact["province"],
            "PostalCode": contact["postal_code"],
            "Country": "USA",
        },
    }
    if contact["type"] == "Company":
        data["CompanyName"] = name
    else:
        data["GivenName"], data["FamilyName"] = contact["first_name"], contact["last_name"]
    if contact["email"]:
        data["PrimaryEmailAddr"] = {"Address": contact["email"]}
    return data


def _demo_invoices(company: Company, customers: list[Record]) -> None:
    """Invoices 1001..1040, some part-paid, created through the normal rules: the firm's books
    before it started with FirmSync, dated in the autumn of 2025, before the demo's Clio bills
    (January 2026 on) and the demo's sync start date."""
    item = Record.objects.get(company=company, type="Item", key="legal services")
    start = HISTORY_START
    opts = WriteOptions(bookkeeper=True)
    for n in range(40):
        customer = customers[n % len(customers)]
        hours = Decimal("1.5") + Decimal(n % 7) / 2
        line = {"Description": f"Legal services, matter {2024_000 + n}"}
        line["SalesItemLineDetail"] = {
            "ItemRef": {"value": str(item.remote_id)},
            "Qty": float(hours),
            "UnitPrice": 350,
        }
        body = {"CustomerRef": {"value": str(customer.remote_id)}, "Line": [line]}
        body["TxnDate"] = (start + timedelta(days=3 * n)).isoformat()
        body["BillEmail"] = customer.data.get("PrimaryEmailAddr") or {"Address": ""}
        if not body["BillEmail"]["Address"]:
            body.pop("BillEmail")
        inv = entity_create(company, BY_NAME["Invoice"], body, opts)
        if n % 4 == 0:
            _demo_payment(company, inv, customer, opts)


def _demo_payment(company, inv: dict, customer: Record, opts) -> None:
    amount = Decimal(str(inv["TotalAmt"])) / 2
    line = {"Amount": float(amount), "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}
    body = {"CustomerRef": {"value": str(customer.remote_id)}, "TotalAmt": float(amount)}
    body.update(Line=[line], TxnDate=inv["TxnDate"])
    entity_create(company, BY_NAME["Payment"], body, opts)
