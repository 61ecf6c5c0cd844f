"""A firm connected to a fresh sandbox Clio account and to QuickBooks Online or Xero, settings saved."""

from dataclasses import dataclass
from datetime import date

import pytest

from sync import books, services
from sync.engine.registry import client_for
from sync.models import Connection, SyncSettings
from sync.providers import oauth
from sync.setup_services import preflight_fix
from tests.support.sandboxes import control


@dataclass
class SyncedFirm:
    clio: object  # tests.sync.conftest.ClioAccount
    books: Connection

    @property
    def firm(self):
        return self.clio.admin.firm

    @property
    def base(self) -> str:
        return self.clio.base

    def act(self, action: str, **kw) -> dict:
        return self.clio.act(action, **kw)

    def books_client(self):
        return client_for(self.books)

    def approved_bill(self, *, name="Ada Lovelace", email="ada@example.com", hours=1.5, rate=300):
        """A Clio contact, matter, time and expense entries, and an approved bill of them."""
        first, last = name.split(" ", 1)
        contact = self.act("create_contact", first_name=first, last_name=last, email=email)
        matter = self.act("create_matter", client_id=contact["id"], description="Estate planning")
        self.act(
            "create_time_entry",
            matter_id=matter["id"],
            hours=hours,
            price=rate,
            note="Drafting will",
            date="2026-03-10",
        )
        self.act(
            "create_expense_entry",
            matter_id=matter["id"],
            amount=45.5,
            note="Filing fee",
            date="2026-03-11",
        )
        bill = self.act("generate_bill", matter_id=matter["id"], issued_at="2026-03-15")
        self.act("bill_transition", bill_id=bill["id"], to="approve")
        return {"contact": contact, "matter": matter, "bill": bill}


def connect_books(base: str, settings, admin, provider: str) -> Connection:
    client_id = settings.PROVIDERS[provider]["client_id"]
    if provider == "quickbooks":
        company = control(
            base, "quickbooks", "seed", {"preset": "reference", "account": "Test LLP"}
        )
        control(base, "quickbooks", "limits", {"lifted": True})
        raw = control(
            base, "quickbooks", "tokens", {"client_id": client_id, "account": company["realmId"]}
        )
        external_id, name = company["realmId"], company.get("companyName", "Test LLP")
    else:
        control(base, "xero", "seed", {"preset": "reference", "account": "Test LLP"})
        control(base, "xero", "limits", {"enabled": False})
        raw = control(base, "xero", "tokens", {"client_id": client_id, "account": "Test LLP"})
        external_id, name = raw["tenantId"], "Test LLP"
    conn = services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider=provider,
        external_id=external_id,
        external_name=name,
        tokens=oauth.tokens_from(raw),
    )
    if provider == "quickbooks":
        # What the preflight asks for: custom transaction numbers and the duplicate warning on.
        for key in ("qbo_custom_numbers", "qbo_duplicate_warning"):
            preflight_fix(firm=admin.firm, actor=admin.user, key=key)
    facts = books.books_facts(conn)
    mapped = {}
    for role in books.ACCOUNT_ROLES:
        found = books.accounts_for_role(facts, role)
        if found:
            mapped[role] = {"id": found[0].id, "name": found[0].name}
    SyncSettings.objects.update_or_create(
        firm=admin.firm, defaults={"start_date": date(2026, 1, 1), "accounts": mapped}
    )
    return conn


@pytest.fixture(params=["quickbooks", "xero"])
def synced(request, clio_account, settings) -> SyncedFirm:
    conn = connect_books(clio_account.base, settings, clio_account.admin, request.param)
    return SyncedFirm(clio=clio_account, books=conn)
