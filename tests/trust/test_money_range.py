"""One money range for every amount a person gives (form, API, service), and balances that
always serialize, whatever the entries add up to."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.trust.reconcile_builders import entry, ledger, trust_account
from trust import services
from trust.errors import TrustError
from trust.models import EntryKind, TrustEntry

TOKEN = "3f2a3c3e-1111-4b7b-9c1e-7f1a2b3c4d5e"


@pytest.fixture
def smith(firm):
    return ledger(trust_account(firm), "2026-001", "Smith")


def _post(member, body):
    return client_for(member).post(
        reverse("api_trust_entries"), body, content_type="application/json"
    )


@pytest.mark.parametrize("amount", ["10000000000.00", "1000000000.00", "999999999999.99"])
def test_an_absurd_deposit_is_refused_by_the_api(smith, accountant, amount):
    body = {"kind": "deposit", "ledger_id": smith.pk, "amount": amount, "date": "2026-03-02"}
    response = _post(accountant, body)
    assert response.status_code == 400
    assert "at most $999,999,999.99 for one amount" in str(
        response.json()["error"]["details"]["amount"]
    )
    assert not TrustEntry.objects.exists()


def test_the_largest_accepted_deposit_posts(smith, accountant):
    body = {
        "kind": "deposit",
        "ledger_id": smith.pk,
        "amount": "999999999.99",
        "date": "2026-03-02",
    }
    assert _post(accountant, body).status_code == 201


def test_an_absurd_deposit_is_refused_by_the_form(smith, accountant):
    response = client_for(accountant).post(
        reverse("trust_entry_new", args=[smith.pk]),
        {
            "kind": "deposit",
            "deposit-amount": "10000000000.00",
            "deposit-date": "2026-03-02",
            "deposit-token": TOKEN,
        },
    )
    assert response.status_code == 200
    assert "at most $999,999,999.99 for one amount" in response.content.decode()
    assert not TrustEntry.objects.exists()


def test_an_absurd_deposit_is_refused_by_the_service(smith):
    with pytest.raises(TrustError, match="more than FirmSync accepts for one entry"):
        services.trust_deposit_record(ledger=smith, amount=D("10000000000"), date=date(2026, 3, 2))


def test_balances_past_a_column_still_serialize(smith, accountant):
    """Two entries at the column's limit (as Clio, the record, may send) sum to 13 digits."""
    for day in (2, 3):
        entry(smith.account, smith, EntryKind.DEPOSIT, "999999999999.99", date(2026, 3, day))
    client = client_for(accountant)
    total = "1999999999999.98"
    ledgers = client.get(reverse("api_trust_ledgers"))
    assert ledgers.status_code == 200 and ledgers.json()["results"][0]["balance"] == total
    detail = client.get(reverse("api_trust_ledger", args=[smith.pk]))
    assert detail.status_code == 200
    assert detail.json()["entries"][-1]["running_balance"] == total
    accounts = client.get(reverse("api_trust_accounts"))
    assert accounts.status_code == 200
    assert accounts.json()["results"][0]["totals"]["journal"] == total
    for url in (reverse("trust_overview"), reverse("trust_ledger", args=[smith.pk])):
        assert client.get(url).status_code == 200, url


def test_an_empty_optional_reference_is_accepted_as_empty(smith, accountant):
    body = {
        "kind": "deposit",
        "ledger_id": smith.pk,
        "amount": "10.00",
        "date": "2026-03-02",
        "reference": "",
        "payee": "",
        "description": "",
    }
    response = _post(accountant, body)
    assert response.status_code == 201, response.json()
    assert TrustEntry.objects.get().reference == ""
