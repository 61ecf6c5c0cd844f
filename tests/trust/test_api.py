"""The trust ledger API end to end: accounts and ledgers with balances, posting entries through
the same services as the pages, overdrafts refused, idempotent retries, reversals, exceptions."""

import uuid
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import ClientLedgerFactory, MatterFactory
from trust import selectors, services, services_clio
from trust import selectors_ledger as sel
from trust.models import EntryKind, TrustEntry

DAY = date(2026, 3, 2)
ENTRIES = reverse("api_trust_entries")


@pytest.fixture
def ledger(firm):
    return ClientLedgerFactory(
        firm=firm, matter=MatterFactory(firm=firm, display_number="00012-Lovelace")
    )


@pytest.fixture
def other(firm, ledger):
    return ClientLedgerFactory(firm=firm, account=ledger.account)


def _post(client, body: dict, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(ENTRIES, body, content_type="application/json", **headers)


def _deposit(ledger, amount):
    return services.trust_deposit_record(ledger=ledger, amount=D(amount), date=DAY)


def _balance(ledger):
    return selectors.ledger_balance(ledger=ledger)


def test_an_accountant_posts_a_deposit_and_reads_it_back_on_the_ledger(ledger, accountant):
    client = client_for(accountant)
    body = {"kind": "deposit", "ledger_id": ledger.pk, "amount": "1500.00", "date": "2026-03-02"}
    response = _post(client, {**body, "payee": "Ada", "reference": "W-1"})
    assert response.status_code == 201, response.json()
    (made,) = response.json()["entries"]
    assert (made["kind"], made["direction"], made["amount"], made["source"]) == (
        "deposit",
        "in",
        "1500.00",
        "api",
    )
    detail = client.get(reverse("api_trust_ledger", args=[ledger.pk])).json()
    assert detail["ledger"]["balance"] == "1500.00"
    assert [(e["id"], e["running_balance"]) for e in detail["entries"]] == [(made["id"], "1500.00")]


def test_an_overdraft_is_refused_with_the_services_message_and_moves_nothing(ledger, admin):
    _deposit(ledger, "100.00")
    body = {"kind": "disbursement", "ledger_id": ledger.pk, "amount": "150.00", "payee": "X"}
    response = _post(client_for(admin), body)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "trust_overdraft"
    assert "has $100.00 available in trust" in error["message"]
    assert _balance(ledger) == D("100.00")


def test_a_retry_under_the_same_idempotency_key_returns_the_same_entry(ledger, accountant):
    _deposit(ledger, "100.00")
    client, key = client_for(accountant), str(uuid.uuid4())
    body = {"kind": "disbursement", "ledger_id": ledger.pk, "amount": "60.00", "payee": "X"}
    first = _post(client, body, key)
    again = _post(client, body, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["entries"][0]["source_id"] == key
    assert _balance(ledger) == D("40.00")


def test_a_transfer_returns_both_legs_and_retries_without_moving_twice(ledger, other, admin):
    _deposit(ledger, "500.00")
    client, key = client_for(admin), "transfer-42"
    body = {"kind": "transfer", "ledger_id": ledger.pk, "to_ledger_id": other.pk, "amount": "200"}
    first = _post(client, body, key)
    assert first.status_code == 201
    assert [e["kind"] for e in first.json()["entries"]] == ["transfer_out", "transfer_in"]
    assert _post(client, body, key).json() == first.json()
    assert (_balance(ledger), _balance(other)) == (D("300.00"), D("200.00"))


def test_a_bank_fee_is_posted_at_account_level(ledger, accountant):
    body = {"kind": "bank_fee", "account_id": ledger.account_id, "amount": "12.00"}
    response = _post(client_for(accountant), body)
    assert response.status_code == 201
    kinds = [e["kind"] for e in response.json()["entries"]]
    assert kinds == [EntryKind.BANK_FEE, EntryKind.FIRM_FUNDS]


def test_a_kind_without_its_ledger_is_invalid(ledger, accountant):
    response = _post(
        client_for(accountant), {"kind": "transfer", "ledger_id": ledger.pk, "amount": "1"}
    )
    assert response.status_code == 400
    assert "to_ledger_id" in response.json()["error"]["details"]


def test_fractions_of_a_cent_are_refused_in_the_error_shape(ledger, accountant):
    body = {"kind": "deposit", "ledger_id": ledger.pk, "amount": "1.005"}
    response = _post(client_for(accountant), body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_an_outsider_cannot_post_to_or_read_another_firms_ledger(ledger, outsider):
    client = client_for(outsider)
    body = {"kind": "deposit", "ledger_id": ledger.pk, "amount": "10.00"}
    response = _post(client, body)
    assert response.status_code == 404 and "error" in response.json()
    assert client.get(reverse("api_trust_ledger", args=[ledger.pk])).status_code == 404
    entry = _deposit(ledger, "5.00")
    reverse_url = reverse("api_trust_entry_reverse", args=[entry.pk])
    assert client.post(reverse_url, {}, content_type="application/json").status_code == 404
    assert TrustEntry.objects.filter(ledger=ledger).count() == 1


def test_a_viewer_reads_but_cannot_post(ledger, viewer):
    client = client_for(viewer)
    body = {"kind": "deposit", "ledger_id": ledger.pk, "amount": "10.00"}
    response = _post(client, body)
    assert response.status_code == 403 and response.json()["error"]["status"] == 403
    assert client.get(reverse("api_trust_ledgers")).status_code == 200
    assert not TrustEntry.objects.exists()


def test_reversing_an_entry_is_idempotent_under_a_key(ledger, accountant):
    entry = _deposit(ledger, "80.00")
    client = client_for(accountant)
    url = reverse("api_trust_entry_reverse", args=[entry.pk])
    body = {"date": "2026-03-05", "description": "Bounced"}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reverses"] == entry.pk and first.json() == again.json()
    other_key = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-2")
    assert other_key.status_code == 409
    assert other_key.json()["error"]["code"] == "already_reversed"
    assert _balance(ledger) == D("0.00")
    detail = client.get(reverse("api_trust_ledger", args=[ledger.pk])).json()
    assert detail["entries"][0]["reversed_by"] == first.json()["id"]


def test_reversing_a_spent_deposit_is_refused(ledger, accountant):
    entry = _deposit(ledger, "80.00")
    services.trust_disbursement_record(ledger=ledger, amount=D("50.00"), date=DAY)
    url = reverse("api_trust_entry_reverse", args=[entry.pk])
    response = client_for(accountant).post(url, {}, content_type="application/json")
    assert response.status_code == 409
    assert "would overdraw it" in response.json()["error"]["message"]


def test_accounts_list_their_totals(ledger, other, viewer):
    _deposit(ledger, "100.00")
    _deposit(other, "20.50")
    services.trust_bank_fee_record(account=ledger.account, amount=D("5.00"), date=DAY)
    (account,) = client_for(viewer).get(reverse("api_trust_accounts")).json()["results"]
    assert account["totals"] == {
        "journal": "120.50",
        "client_ledgers": "120.50",
        "firm_funds": "0.00",
        "balanced": True,
    }


def test_ledgers_list_their_balances_and_filter(ledger, other, viewer):
    _deposit(ledger, "100.00")
    client = client_for(viewer)
    rows = client.get(reverse("api_trust_ledgers")).json()["results"]
    assert {(r["id"], r["balance"]) for r in rows} == {(ledger.pk, "100.00"), (other.pk, "0.00")}
    nonzero = client.get(reverse("api_trust_ledgers") + "?hide_zero=1").json()["results"]
    assert [r["id"] for r in nonzero] == [ledger.pk]


def test_the_ledger_pages_its_entries_with_the_running_balance(ledger, viewer):
    for _ in range(7):
        _deposit(ledger, "10.00")
    url = reverse("api_trust_ledger", args=[ledger.pk]) + "?per_page=5&page=2"
    body = client_for(viewer).get(url).json()
    assert (body["count"], body["page"], body["pages"]) == (7, 2, 2)
    assert [e["running_balance"] for e in body["entries"]] == ["60.00", "70.00"]


def test_open_exceptions_are_listed(ledger, viewer):
    row = services_clio.ClioEntry(
        source_id="bank_transaction:9",
        kind=EntryKind.DISBURSEMENT,
        direction=TrustEntry.Direction.OUT,
        amount=D("75.00"),
        date=DAY,
        matter_id=ledger.matter_id,
    )
    services_clio.trust_entries_import(account=ledger.account, rows=[row])
    (found,) = client_for(viewer).get(reverse("api_trust_exceptions")).json()["results"]
    assert (found["ledger"], found["matter"], found["balance_after"]) == (
        ledger.pk,
        "00012-Lovelace",
        "-75.00",
    )
    assert found["entry"]["source_id"] == "bank_transaction:9"


def test_the_ledger_endpoint_costs_the_same_queries_for_5_or_50_entries(ledger, viewer):
    client = client_for(viewer)
    url = reverse("api_trust_ledger", args=[ledger.pk])

    def count(n):
        while TrustEntry.objects.filter(ledger=ledger).count() < n:
            _deposit(ledger, "1.00")
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get(url).json()["entries"]) == n
        return len(ctx.captured_queries)

    assert count(5) == count(50)


def test_the_trust_endpoints_are_in_the_schema(client):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/trust/accounts",
        "/api/v1/trust/ledgers",
        "/api/v1/trust/ledgers/{ledger_id}",
        "/api/v1/trust/entries",
        "/api/v1/trust/entries/{entry_id}/reverse",
        "/api/v1/trust/exceptions",
    ):
        assert path in paths, path
    params = paths["/api/v1/trust/entries"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)


def _as_if_the_first_call_had_not_committed(monkeypatch):
    """The interleaving of two parallel calls under one key: the second one's look-up ran before
    the first one committed, so only the service meets the first call's entry."""
    monkeypatch.setattr(sel, "trust_entries_by_key", lambda **kwargs: [])
    monkeypatch.setattr(sel, "trust_reversal_by_key", lambda **kwargs: None)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "deposit", "amount": "70.00"},
        {"kind": "disbursement", "amount": "60.00", "payee": "X"},
        {"kind": "bank_fee", "amount": "12.00"},
    ],
)
def test_a_retry_that_raced_its_first_call_answers_200_with_the_same_body(
    ledger, accountant, monkeypatch, body
):
    _deposit(ledger, "100.00")
    body = {**body, "ledger_id": ledger.pk, "account_id": ledger.account_id}
    client, key = client_for(accountant), str(uuid.uuid4())
    first = _post(client, body, key)
    _as_if_the_first_call_had_not_committed(monkeypatch)
    again = _post(client, body, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert TrustEntry.objects.filter(source_id__startswith=key).count() == len(
        first.json()["entries"]
    )


def test_a_transfer_retry_that_raced_its_first_call_answers_200(ledger, other, admin, monkeypatch):
    _deposit(ledger, "500.00")
    client, key = client_for(admin), "transfer-race"
    body = {"kind": "transfer", "ledger_id": ledger.pk, "to_ledger_id": other.pk, "amount": "200"}
    first = _post(client, body, key)
    _as_if_the_first_call_had_not_committed(monkeypatch)
    again = _post(client, body, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert (_balance(ledger), _balance(other)) == (D("300.00"), D("200.00"))


def test_a_reversal_retry_that_raced_its_first_call_answers_200(ledger, accountant, monkeypatch):
    entry = _deposit(ledger, "80.00")
    client = client_for(accountant)
    url = reverse("api_trust_entry_reverse", args=[entry.pk])
    body = {"date": "2026-03-05", "description": "Bounced"}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-9")
    lookups = iter([None, TrustEntry.objects.get(reverses=entry)])
    monkeypatch.setattr(sel, "trust_reversal_by_key", lambda **kwargs: next(lookups))
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r-9")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
