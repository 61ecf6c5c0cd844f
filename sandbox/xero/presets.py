"""Presets: `demo` (Lakeside Legal's two organisations) and `reference` (an empty org with the
chart, ready for a benchmark). Built through the same builders the API uses."""

import datetime as dt

from django.db import transaction

from sandbox.core import counters_reset, faults_set, rate_windows_reset
from sandbox.demo_people import LAKESIDE_CONTACTS, books_variant
from sandbox.xero import store
from sandbox.xero.models import App, Knobs, Organisation, SandboxUser

DEMO_PASSWORD = "firmsync-demo"
CHART = [
    # Each row: code, name, type, and extra fields.
    ("090", "Operating Account", "BANK", {"BankAccountNumber": "021000021-4471"}),
    ("091", "Client Trust Account (IOLTA)", "BANK", {"BankAccountNumber": "021000021-9902"}),
    ("200", "Legal Fees", "REVENUE", {"Description": "Fees earned for legal services"}),
    ("220", "Reimbursed Expenses", "REVENUE", {"Description": "Costs re-billed to clients"}),
    ("260", "Other Revenue", "OTHERINCOME", {}),
    ("310", "Court and Filing Costs", "DIRECTCOSTS", {}),
    ("429", "General Expenses", "OVERHEADS", {}),
    ("610", "Accounts Receivable", "CURRENT", {"SystemAccount": "DEBTORS"}),
    ("800", "Accounts Payable", "CURRLIAB", {"SystemAccount": "CREDITORS"}),
    ("820", "Sales Tax", "CURRLIAB", {}),
    ("850", "Client funds held in trust", "CURRLIAB", {"Description": "Trust liability"}),
    ("960", "Retained Earnings", "EQUITY", {"SystemAccount": "RETAINEDEARNINGS"}),
]
TAX_RATES = [
    ("NONE", "Tax Exempt", "0", "NONE"),
    ("OUTPUT", "Tax on Sales", "8.25", "OUTPUT"),
    ("INPUT", "Tax on Purchases", "0", "INPUT"),
]
ITEMS = [
    ("FEES", "Legal services (hourly)", "350", "200"),
    ("FILING", "Court filing fee", "435", "220"),
    ("COPIES", "Copying and printing", "0.25", "220"),
]
MATTERS = [
    "2026-001 Estate plan",
    "2026-002 Property closing",
    "2026-003 Contract review",
    "2026-004 Litigation",
    "2026-005 General counsel",
]


def reset() -> None:
    with transaction.atomic():
        for model in (App, SandboxUser, Organisation, Knobs):
            model.objects.all().delete()
    counters_reset(store.PROVIDER)
    rate_windows_reset("xero:")
    faults_set(store.PROVIDER, {})


def _org(name: str, code: str) -> Organisation:
    return Organisation.objects.create(
        tenant_id=store.new_id(), name=name, short_code=code, created_at=store.now()
    )


def _save(org, plural: str, payload: dict) -> dict:
    from sandbox.xero.api_views import SPECS
    from sandbox.xero.collection import save_record

    return save_record(org, SPECS[plural][0], payload, None)


def _chart(org: Organisation) -> None:
    for tax_type, name, rate, report in TAX_RATES:
        _save(
            org,
            "TaxRates",
            {
                "TaxType": tax_type,
                "Name": name,
                "ReportTaxType": report,
                "TaxComponents": [
                    {
                        "Name": name,
                        "Rate": float(rate),
                        "IsCompound": False,
                        "IsNonRecoverable": False,
                    }
                ],
            },
        )
    for code, name, acct_type, extra in CHART:
        payments = acct_type == "BANK"
        _save(
            org,
            "Accounts",
            {
                "Code": code,
                "Name": name,
                "Type": acct_type,
                "EnablePaymentsToAccount": payments,
                **extra,
            },
        )
    for code, name, price, account in ITEMS:
        _save(
            org,
            "Items",
            {
                "Code": code,
                "Name": name,
                "Description": name,
                "IsSold": True,
                "SalesDetails": {
                    "UnitPrice": float(price),
                    "AccountCode": account,
                    "TaxType": "NONE",
                },
            },
        )
    cat = _save(org, "TrackingCategories", {"Name": "Matter"})
    from sandbox.xero.settings_api import tracking_option

    for matter in MATTERS:
        tracking_option(cat, matter)
    store.record_save(
        org, "TrackingCategory", "TrackingCategoryID", cat, number="Matter", status="ACTIVE"
    )


def _contact_payload(person: dict, i: int) -> dict:
    typed = books_variant(person, i)
    payload = {
        "Name": typed["name"],
        "EmailAddress": typed["email"],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": typed["phone"]}],
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": typed["street"],
                "City": typed["city"],
                "Region": typed["province"],
                "PostalCode": typed["postal_code"],
                "Country": typed["country"],
            }
        ],
    }
    if typed["type"] == "Person":
        payload.update(FirstName=typed["first_name"], LastName=typed["last_name"])
    return payload


# The demo invoices are dated up to 15 days before this day.
HISTORY_END = dt.date(2025, 12, 1)


def _demo_invoices(org: Organisation, contacts: list[dict]) -> None:
    """The organisation's invoices from before it started with FirmSync: dated in the autumn of
    2025, before the demo's Clio bills (January 2026 on) and the sync start date the README
    suggests."""
    plan = [
        ("AUTHORISED", 3, None),
        ("AUTHORISED", 2, "1050.00"),
        ("AUTHORISED", 1, "part"),
        ("DRAFT", 2, None),
        ("AUTHORISED", 4, None),
        ("SUBMITTED", 1, None),
    ]
    for n, (status, hours, pay) in enumerate(plan):
        day = HISTORY_END - dt.timedelta(days=40 - n * 5)
        inv = _save(
            org,
            "Invoices",
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contacts[n]["ContactID"]},
                "Date": day.isoformat(),
                "DueDate": (day + dt.timedelta(days=30)).isoformat(),
                "Status": status,
                "LineAmountTypes": "Exclusive",
                "Reference": MATTERS[n % 5][:8],
                "LineItems": [
                    {
                        "ItemCode": "FEES",
                        "Description": "Legal services",
                        "Quantity": hours,
                        "Tracking": [{"Name": "Matter", "Option": MATTERS[n % 5]}],
                    },
                    {"ItemCode": "FILING", "Quantity": 1},
                ],
            },
        )
        if pay:
            amount = inv["AmountDue"] if pay != "part" else 200.0
            _save(
                org,
                "Payments",
                {
                    "Invoice": {"InvoiceID": inv["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Amount": amount,
                    "Date": (day + dt.timedelta(days=10)).isoformat(),
                },
            )


def _demo_trust(org: Organisation, contacts: list[dict]) -> None:
    """Retainers received into the trust bank, held as a liability (API_NOTES §6, trust)."""
    today = store.now().date()
    for n, amount in enumerate((2500, 1200)):
        _save(org, "BankTransactions", {
            "Type": "RECEIVE", "Contact": {"ContactID": contacts[n + 6]["ContactID"]},
            "BankAccount": {"Code": "091"}, "Date": (today - dt.timedelta(days=20 - n)).isoformat(),
            "LineAmountTypes": "NoTax", "Reference": "Retainer",
            "LineItems": [{"Description": "Retainer deposit", "UnitAmount": amount,
                           "AccountCode": "850", "TaxType": "NONE"}],
        })  # fmt: skip


@transaction.atomic
def seed_demo(account: str | None = None) -> dict:
    main = _org(account or "Lakeside Legal", "!LkS01")
    old = _org(f"{main.name} (Old books)", "!LkS00")
    user = SandboxUser.objects.get_or_create(
        email="admin@lakeside.test", defaults={"password": DEMO_PASSWORD, "name": "Lee Lakeside"}
    )[0]
    user.organisations.add(main, old)
    for org in (main, old):
        _chart(org)
    contacts = [
        _save(main, "Contacts", _contact_payload(p, i)) for i, p in enumerate(LAKESIDE_CONTACTS)
    ]
    for i, person in enumerate(LAKESIDE_CONTACTS[:8]):
        _save(old, "Contacts", _contact_payload(person, i + 1))
    _demo_invoices(main, contacts)
    _demo_trust(main, contacts)
    Organisation.objects.filter(pk=old.pk).update(period_lock_date=dt.date(2025, 12, 31))
    return {
        "preset": "demo",
        "organisations": [_org_summary(main), _org_summary(old)],
        "user": {"email": user.email, "password": user.password},
    }


@transaction.atomic
def seed_reference(account: str | None = None) -> dict:
    org = _org(account or "FirmSync Reference", "!RefBk")
    user = SandboxUser.objects.get_or_create(
        email="bench@reference.test", defaults={"password": DEMO_PASSWORD, "name": "Bench Runner"}
    )[0]
    user.organisations.add(org)
    _chart(org)
    return {
        "preset": "reference",
        "organisations": [_org_summary(org)],
        "user": {"email": user.email, "password": user.password},
    }


def _org_summary(org: Organisation) -> dict:
    return {"tenantId": org.tenant_id, "tenantName": org.name, "shortCode": org.short_code}


PRESETS = {"demo": seed_demo, "reference": seed_reference}
