"""Presets: `demo` (Harbor & Vale and Lakeside, built through the same code as the actions, so
every record is coherent) and `reference` (a large firm, bulk-inserted for benchmarks).

Deterministic: every choice comes from `random.Random(<fixed seed>)` and fixed dates.
"""

import random
from datetime import date, timedelta

from sandbox.clio import billing, ledger, resources, store
from sandbox.clio.models import Account, Sequence
from sandbox.clio.oauth import password_hash
from sandbox.clio.reference import seed_reference
from sandbox.demo_people import HARBOR_VALE_CONTACTS, LAKESIDE_CONTACTS

DEMO_PASSWORD = "sandbox-demo"
BASE = date(2026, 1, 5)
PRACTICE = [
    "Estate planning",
    "Residential purchase",
    "Commercial lease review",
    "Contract dispute",
    "Employment claim",
    "Business formation",
    "Trademark registration",
    "Family mediation",
    "Probate administration",
    "Zoning appeal",
]


def create_account(name: str, region: str, users: list[dict] | None = None) -> dict:
    """An account with its users and an Operating and a Trust bank account (both default)."""
    account = Account.objects.create(name=name, region=region)
    users = users or [
        {"first_name": "Sam", "last_name": "Owner", "email": f"owner{account.pk}@sandbox.example"}
    ]
    made = []
    for i, u in enumerate(users):
        record = store.create(account, "user", _user_data(u, owner=i == 0))
        made.append(
            {
                "id": record.id,
                "email": record.data["email"],
                "password": u.get("password", DEMO_PASSWORD),
            }
        )
    for kind, label in (("Operating", "Operating Account"), ("Trust", "IOLTA Trust Account")):
        store.create(account, "bank_account", _bank_data(kind, label))
    return {"id": account.pk, "name": name, "region": region, "users": made}


def _user_data(u: dict, *, owner: bool) -> dict:
    first, last = u.get("first_name", "Sam"), u.get("last_name", "User")
    return {
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "initials": f"{first[:1]}{last[:1]}",
        "email": u["email"].lower(),
        "enabled": True,
        "account_owner": owner,
        "clio_connect": False,
        "court_rules_default_attendee": False,
        "roles": u.get("roles", ["Attorney"] if owner else []),
        "subscription_type": u.get("subscription_type", "Attorney"),
        "time_zone": "Eastern Time (US & Canada)",
        "rate": u.get("rate", 300.0),
        "phone_number": None,
        "_password": password_hash(u.get("password", DEMO_PASSWORD)),
    }


def _bank_data(kind: str, label: str) -> dict:
    return {
        "name": label,
        "type": kind,
        "currency": "USD",
        "currency_symbol": "$",
        "currency_id": 1,
        "balance": 0.0,
        "default_account": True,
        "controlled_account": False,
        "clio_payments_enabled": False,
        "institution": "Casco Bay Bank",
        "account_number": "****4821" if kind == "Trust" else "****1377",
        "holder": None,
    }


def _contact(account, person: dict):
    data = {
        "type": person["type"],
        "first_name": person["first_name"] or None,
        "last_name": person["last_name"] or None,
        "name": person["name"],
        "email_addresses": [{"name": "Work", "address": person["email"], "default_email": True}],
        "phone_numbers": [{"name": "Work", "number": person["phone"], "default_number": True}],
        "addresses": [
            {
                "name": "Work",
                "street": person["street"],
                "city": person["city"],
                "province": person["province"],
                "postal_code": person["postal_code"],
                "country": person["country"],
            }
        ],
    }
    return store.create(account, "contact", resources.contact_fill(data))


HARBOR_USERS = [
    {
        "first_name": "Eleanor",
        "last_name": "Harbor",
        "email": "eleanor@harborvale.example",
        "rate": 425.0,
    },
    {
        "first_name": "Marcus",
        "last_name": "Vale",
        "email": "marcus@harborvale.example",
        "rate": 395.0,
    },
    {
        "first_name": "Priya",
        "last_name": "Raman",
        "email": "priya@harborvale.example",
        "rate": 310.0,
    },
    {
        "first_name": "Tom",
        "last_name": "Becker",
        "email": "tom@harborvale.example",
        "rate": 150.0,
        "roles": [],
        "subscription_type": "NonAttorney",
    },
    {
        "first_name": "Ana",
        "last_name": "Souza",
        "email": "ana@harborvale.example",
        "rate": 140.0,
        "roles": [],
        "subscription_type": "NonAttorney",
    },
]
LAKESIDE_USERS = [
    {
        "first_name": "Grace",
        "last_name": "Lindgren",
        "email": "grace@lakesidelaw.example",
        "rate": 350.0,
    },
    {
        "first_name": "Owen",
        "last_name": "Park",
        "email": "owen@lakesidelaw.example",
        "rate": 120.0,
        "subscription_type": "NonAttorney",
    },
]


FIRST_BILL = 1041


def seed_demo(name: str | None = None) -> list[dict]:
    harbor = _firm(name or "Harbor & Vale LLP", HARBOR_USERS, HARBOR_VALE_CONTACTS, 80, 2, seed=7)
    lakeside = _firm("Lakeside Legal", LAKESIDE_USERS, LAKESIDE_CONTACTS, 20, 1, seed=11)
    return [harbor, lakeside]


def _firm(name, users, people, n_matters, bills_per_matter, *, seed) -> dict:
    rng = random.Random(seed)
    info = create_account(name, "us", users)
    account = Account.objects.get(pk=info["id"])
    # The firm numbers its Clio bills above the invoices its books held before (the demo books'
    # history ends at 1040), as it would after reading the bill-syncing advice.
    Sequence.objects.update_or_create(name=f"bill:{account.id}", defaults={"value": FIRST_BILL - 1})
    user_ids = [u["id"] for u in info["users"]]
    rates = {made["id"]: spec["rate"] for made, spec in zip(info["users"], users, strict=False)}
    contacts = [_contact(account, p) for p in people]
    matters = [
        _matter(account, contacts[i % len(contacts)], user_ids, i, rng) for i in range(n_matters)
    ]
    bills = []
    for round_ in range(bills_per_matter):
        for i, matter in enumerate(matters):
            day = BASE + timedelta(days=7 * round_ + i % 28)
            _activities(account, matter, rates, day, rng)
            bills.append(
                billing.generate_bill(account, matter, user_ids[0], issued=day + timedelta(days=3))
            )
    _trust(account, matters[: max(1, n_matters // 2)], rng)
    _bill_lives(account, bills, rng)
    _trust_requests(account, contacts[:6], rng)
    info["counts"] = {"contacts": len(contacts), "matters": len(matters), "bills": len(bills)}
    return info


def _matter(account, client, user_ids, i, rng):
    data = {
        "client": {"id": client.id},
        "description": f"{PRACTICE[i % len(PRACTICE)]} — {client.data['name']}",
        "status": "Closed" if i % 17 == 16 else "Open",
        "open_date": (BASE - timedelta(days=60 - i % 50)).isoformat(),
        "responsible_attorney": {"id": user_ids[i % min(3, len(user_ids))]},
    }
    return store.create(account, "matter", resources.matter_fill(account, data))


def _activities(account, matter, rates, day, rng):
    user_ids = list(rates)
    for k in range(rng.randint(2, 5)):
        user = rng.choice(user_ids)
        entry = {
            "type": "TimeEntry",
            "date": (day + timedelta(days=k)).isoformat(),
            "quantity": rng.choice([1800, 2700, 3600, 5400, 7200]),
            "price": rates[user],
            "note": rng.choice(
                ["Client call", "Drafting", "Research", "Review documents", "Meeting"]
            ),
            "matter": {"id": matter.id},
            "user": {"id": user},
        }
        store.create(account, "activity", resources.activity_fill(entry))
    if rng.random() < 0.5:
        expense = {
            "type": "ExpenseEntry",
            "date": day.isoformat(),
            "quantity": 1,
            "price": rng.choice([25.0, 45.5, 120.0, 310.75]),
            "note": rng.choice(["Filing fee", "Courier", "Title search", "Copies"]),
            "matter": {"id": matter.id},
            "user": {"id": user_ids[0]},
        }
        store.create(account, "activity", resources.activity_fill(expense))


def _trust(account, matters, rng):
    """Deposits on half the matters, some disbursements and matter-to-matter transfers."""
    for i, matter in enumerate(matters):
        day = (BASE + timedelta(days=i % 20)).isoformat()
        ledger.trust_deposit(account, matter, rng.choice([1500, 2500, 5000, 10000]), day=day)
        if i % 5 == 1:
            ledger.trust_disbursement(account, matter, 300, day=day, description="Filing fees")
        if i % 9 == 2 and i + 1 < len(matters):
            ledger.trust_transfer(account, matter, matters[i + 1], 250, day=day)


def _bill_lives(account, bills, rng):
    """Move bills through every state; edit some drafts and some approved bills."""
    for i, bill in enumerate(bills):
        fate = i % 10
        if fate in (0,):  # draft edited after creation
            line = billing.lines_of(bill).first()
            billing.line_patch(
                _ctx(account), line, {"description": f"{line.data['description']} (revised)"}
            )
        elif fate == 1:
            billing.transition(bill, "awaiting_approval")
        elif fate in (2, 3, 4, 5, 6, 7):
            bill = billing.transition(bill, "awaiting_payment")
            _after_approval(account, bill, fate, rng)
        elif fate == 8:
            billing.transition(billing.transition(bill, "awaiting_payment"), "void")
        elif fate == 9:
            billing.transition(bill, "deleted")


def _after_approval(account, bill, fate, rng):
    day = (date.fromisoformat(bill.data["issued_at"]) + timedelta(days=10)).isoformat()
    if fate == 2:  # approved, then edited
        billing.refresh(bill, {"memo": "Thank you for your business.", "purchase_order": "PO-77"})
    elif fate in (3, 4):  # paid in full from operating
        ledger.record_payment(account, bill, bill.data["balance"], day=day)
    elif fate == 5:  # partial payment
        ledger.record_payment(account, bill, store.money(bill.data["balance"]) / 2, day=day)
    elif fate == 6:  # credit memo, then the rest from trust when the matter has funds
        bill, _, _ = ledger.issue_credit_memo(
            account, bill, 50, day=day, user_id=bill.data["user"]["id"]
        )
        matter_id = bill.data["matters"][0]["id"]
        if ledger.matter_trust_balance(account, matter_id) >= store.money(bill.data["balance"]):
            ledger.record_payment(account, bill, bill.data["balance"], source="trust", day=day)


def _trust_requests(account, contacts, rng):
    for i, contact in enumerate(contacts):
        data = {
            "trust_type": "client",
            "client_id": contact.id,
            "issue_date": BASE.isoformat(),
            "due_date": (BASE + timedelta(days=14)).isoformat(),
            "approved": True,
            "trust_amount": 2500.0,
            "_status": "paid" if i % 2 else "open",
        }
        store.create(account, "trust_request", data)


class _ctx:
    def __init__(self, account):
        self.account = account


def seed_reference_preset(name: str | None = None) -> list[dict]:
    info = create_account(name or "Reference Firm LLP", "us", None)
    info.update(seed_reference(Account.objects.get(pk=info["id"]), info["users"][0]["id"]))
    return [info]


PRESETS = {"demo": seed_demo, "reference": seed_reference_preset}
