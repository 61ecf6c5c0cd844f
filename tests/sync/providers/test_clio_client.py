"""The Clio client against the sandbox Clio over real HTTP."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sync.providers.clio.client import ClioClient
from sync.providers.errors import ProviderConflict
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clio(live_server, settings):
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    account = control(base, "clio", "accounts", {"name": "Client Test LLP", "region": "us"})["id"]
    control(base, "clio", "settings", {"rate_limit": 100000, "webhook_delivery": "manual"})
    raw = control(
        base,
        "clio",
        "tokens",
        {"client_id": settings.PROVIDERS["clio"]["client_id"], "account": account},
    )
    client = ClioClient(base_url=f"{base}/sandbox/clio/us", token=lambda: raw["access_token"])

    def act(action, **kw):
        return control(base, "clio", "actions", {"action": action, "account": account, **kw})[
            "result"
        ]

    return client, act


def _billed_matter(act, name="Ada"):
    person = act(
        "create_contact", first_name=name, last_name="Lovelace", email=f"{name.lower()}@example.com"
    )
    matter = act("create_matter", client_id=person["id"], description="Estate planning")
    act(
        "create_time_entry", matter_id=matter["id"], hours=2, price=250, description="Drafting will"
    )
    act("create_expense_entry", matter_id=matter["id"], amount=45.5, description="Filing fee")
    bill = act("generate_bill", matter_id=matter["id"], issued_at="2026-01-15")
    return person, matter, bill


def test_contacts_page_by_cursor_and_map_to_dataclasses(clio):
    client, act = clio
    for i in range(230):  # more than one page of 200
        act("create_contact", first_name=f"P{i}", last_name="Paging", email=f"p{i}@example.com")
    contacts = list(client.contacts())
    assert len(contacts) == 230 and len({c.id for c in contacts}) == 230
    assert contacts[0].email == "p0@example.com" and contacts[0].name == "P0 Paging"


def test_updated_since_returns_exactly_the_changed_records(clio):
    client, act = clio
    a = act("create_contact", first_name="A", last_name="One")
    act("create_contact", first_name="B", last_name="Two")
    mark = timezone.now() + timedelta(seconds=1)
    import time

    time.sleep(1.2)
    act("update_contact", contact_id=a["id"], title="Dr")
    changed = list(client.contacts(updated_since=mark))
    assert [c.id for c in changed] == [a["id"]]


def test_a_bill_with_lines_maps_money_to_decimal(clio):
    client, act = clio
    person, _, bill = _billed_matter(act)
    [mapped] = list(client.bills())
    assert mapped.id == bill["id"] and mapped.client_id == person["id"] and mapped.state == "draft"
    assert mapped.total == Decimal("545.50") and not mapped.is_approved
    lines = client.line_items(bill_id=bill["id"])
    assert sorted(line.total for line in lines) == [Decimal("45.50"), Decimal("500.00")]


def test_approving_a_bill_needs_its_current_etag(clio):
    client, act = clio
    _, _, bill = _billed_matter(act)
    current = next(iter(client.bills()))
    act("edit_bill", bill_id=bill["id"], memo="changed after we read it")
    with pytest.raises(ProviderConflict):
        client.bill_approve(bill_id=bill["id"], etag=current.etag)
    fresh = next(iter(client.bills()))
    approved = client.bill_approve(bill_id=bill["id"], etag=fresh.etag)
    assert approved.state == "awaiting_payment" and approved.is_approved


def test_trust_transactions_and_allocations_are_read(clio):
    client, act = clio
    _, matter, bill = _billed_matter(act)
    act("bill_transition", bill_id=bill["id"], to="approve")
    act("trust_deposit", matter_id=matter["id"], amount=1000, date="2026-01-05")
    act("record_payment", bill_id=bill["id"], amount=100, source="trust", date="2026-01-20")
    trust = next(a for a in client.bank_accounts() if a["type"] == "Trust")
    moves = list(client.bank_transactions(bank_account_id=trust["id"]))
    assert Decimal("1000.00") in {t.amount for t in moves}
    allocations = list(client.allocations())
    assert [(a.bill_id, a.amount) for a in allocations] == [(bill["id"], Decimal("100.00"))]


def test_a_trust_request_is_created_in_clio(clio):
    client, act = clio
    person = act("create_contact", first_name="Trusty", last_name="Client")
    created = client.trust_request_create(
        client_id=person["id"],
        amount=Decimal("2500.00"),
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 2, 15),
    )
    assert created["id"]


def test_webhooks_are_registered_and_extended(clio):
    client, _ = clio
    expires = timezone.now() + timedelta(days=30)
    hook = client.webhook_create(
        url="http://127.0.0.1:9/hooks/clio",
        model="bill",
        events=["created", "updated"],
        fields="id,etag",
        expires_at=expires,
    )
    assert hook["model"] == "bill" and hook["shared_secret"]
    later = client.webhook_extend(webhook_id=hook["id"], expires_at=expires + timedelta(hours=12))
    assert later["expires_at"] > hook["expires_at"]
    assert [w["id"] for w in client.webhooks()] == [hook["id"]]
