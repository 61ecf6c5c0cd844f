"""Presets: the demo firms are coherent and every record they hold is served as the spec says."""

import json

import pytest
from django.test import Client

from sandbox.clio import reference
from sandbox.clio.models import Account, App, Record
from sandbox.clio.oauth import issue_token
from sandbox.clio.spec import RESOURCES, schema_fields
from tests.sandbox.clio.conftest import Firm


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed the demo once for this module (committed), and empty the sandbox afterwards."""
    with django_db_blocker.unblock():
        response = Client().post(
            "/sandbox/clio/_control/seed", json.dumps({"preset": "demo"}), "application/json"
        )
        assert response.status_code == 200, response.content
        yield response.json()["accounts"]
        Client().post("/sandbox/clio/_control/reset")


@pytest.fixture
def demo(api, db, seeded):
    app = App.objects.create(client_id="demo", client_secret="s", redirect_uris=["https://x/cb"])
    harbor = Account.objects.get(pk=seeded[0]["id"])
    token = issue_token(app, harbor, seeded[0]["users"][0]["id"])
    return Firm(api, seeded[0], app, token, "us"), seeded


def _count(firm, path, **params):
    return firm.get(path, params).json()["meta"]["records"]


def test_demo_has_both_firms_with_their_people(demo):
    firm, accounts = demo
    assert [a["name"] for a in accounts] == ["Harbor & Vale LLP", "Lakeside Legal"]
    assert len(accounts[0]["users"]) == 5 and accounts[0]["counts"]["contacts"] == 60
    assert accounts[1]["counts"]["contacts"] == 20
    assert _count(firm, "matters.json") == 80


def test_demo_bills_cover_every_state(demo):
    firm, _ = demo
    for state in ("draft", "awaiting_approval", "awaiting_payment", "paid", "void", "deleted"):
        assert _count(firm, "bills.json", state=state) > 0, state
    assert 140 <= _count(firm, "bills.json") <= 170


def test_demo_has_edited_drafts_and_edited_approved_bills(demo):
    firm, _ = demo
    drafts = Record.objects.filter(
        account_id=firm.id, type="line_item", data__description__endswith="(revised)"
    )
    assert drafts.exists()
    edited = Record.objects.filter(account_id=firm.id, type="bill", data__purchase_order="PO-77")
    assert edited.exists() and all(b.data["state"] == "awaiting_payment" for b in edited)


def test_demo_money_movements(demo):
    firm, _ = demo
    assert _count(firm, "allocations.json", parent_type="Payment") > 40
    assert _count(firm, "credit_memos.json") > 5
    trust = firm.get("bank_accounts.json", {"type": "TrustAccount", "fields": "id,balance"}).json()[
        "data"
    ][0]
    assert trust["balance"] > 0
    matters = Record.objects.filter(
        account_id=firm.id, type="bank_transaction", data__type="liability"
    )
    assert len({r.data["matter"]["id"] for r in matters}) >= 40
    assert Record.objects.filter(account_id=firm.id, type="bank_transfer").exists()
    states = set(
        Record.objects.filter(type="trust_request").values_list("data___status", flat=True)
    )
    assert states == {"open", "paid"}


@pytest.mark.parametrize(
    "path",
    [p for p, r in RESOURCES.items() if "list" in r.methods and p not in ("webhooks",)],
)
def test_every_field_of_every_demo_record_matches_the_spec(demo, path):
    """Ask for every top-level field (nested ones with their defaults): the spec check runs."""
    firm, _ = demo
    fields = ",".join(schema_fields(RESOURCES[path].schema))
    response = firm.get(f"{path}.json", {"fields": fields, "limit": 50})
    assert response.status_code == 200, response.content


def test_reference_preset_shape_at_small_scale(api, db, monkeypatch):
    api.post("/sandbox/clio/_control/reset")
    monkeypatch.setattr(reference, "N_CONTACTS", 20)
    from sandbox.clio import presets

    [info] = presets.seed_reference_preset()
    assert info["counts"] == {
        "contacts": 20,
        "matters": 20,
        "bills": 80,
        "line_items": 800,
        "payments": 80,
        "trust_transactions": 120,
    }
    paid = Record.objects.filter(type="bill", data__state="paid")
    for bill in paid:
        assert bill.data["balance"] == 0 and bill.data["paid"] == bill.data["total"]
