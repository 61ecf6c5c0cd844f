"""Real concurrent transactions against PostgreSQL: the ledger lock holds under load, opposite
transfers do not deadlock, and a Clio transaction imported by many workers at once is one entry.

SQLite takes one writer at a time for the whole database, so it cannot show any of this."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection

from tests.factories import ClientLedgerFactory, MatterFactory
from tests.support.concurrency import race
from trust import selectors, services, services_clio
from trust.errors import TrustOverdraft
from trust.models import ClientLedger, EntryKind, TrustEntry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing runs concurrently",
    ),
]

DAY = date(2026, 3, 2)


@pytest.fixture
def ledger(firm):
    made = ClientLedgerFactory(firm=firm)
    services.trust_deposit_record(ledger=made, amount=D("1000.00"), date=DAY)
    return made


def _disburse(ledger, amount):
    return lambda: services.trust_disbursement_record(ledger=ledger, amount=amount, date=DAY)


def test_exactly_the_affordable_withdrawals_succeed(ledger):
    results = race([_disburse(ledger, D("100.00")) for _ in range(25)])
    paid = [r for r in results if isinstance(r, TrustEntry)]
    refused = [r for r in results if isinstance(r, TrustOverdraft)]
    assert (len(paid), len(refused)) == (10, 15)
    assert selectors.ledger_balance(ledger=ledger) == D("0.00")


def test_uneven_withdrawals_never_overdraw_and_the_sum_matches(ledger):
    amounts = [D(f"{37 + 23 * n}.{n:02d}") for n in range(24)]
    results = race([_disburse(ledger, a) for a in amounts])
    paid = [a for a, r in zip(amounts, results, strict=True) if isinstance(r, TrustEntry)]
    refused = [a for a, r in zip(amounts, results, strict=True) if isinstance(r, TrustOverdraft)]
    assert len(paid) + len(refused) == len(amounts)  # nothing else went wrong
    balance = selectors.ledger_balance(ledger=ledger)
    assert balance == D("1000.00") - sum(paid) and balance >= 0
    # The balance only fell, so each refused amount was more than what was left at the end.
    assert all(a > balance for a in refused)


def test_opposite_transfers_do_not_deadlock(ledger, firm):
    other = ClientLedgerFactory(firm=firm, account=ledger.account)
    services.trust_deposit_record(ledger=other, amount=D("1000.00"), date=DAY)

    def move(a, b):
        return lambda: services.trust_transfer_record(
            from_ledger=a, to_ledger=b, amount=D("10.00"), date=DAY
        )

    results = race([move(ledger, other), move(other, ledger)] * 10)
    assert all(isinstance(r, tuple) for r in results), results
    assert selectors.ledger_balance(ledger=ledger) == D("1000.00")
    assert selectors.ledger_balance(ledger=other) == D("1000.00")


def test_the_same_clio_transaction_imported_at_once_is_one_entry(ledger, firm):
    matter = MatterFactory(firm=firm)  # no ledger yet: the workers also race to open it
    row = services_clio.ClioEntry(
        source_id="bank_transaction:77",
        kind=EntryKind.DEPOSIT,
        direction="in",
        amount=D("250.00"),
        date=DAY,
        matter_id=matter.pk,
    )
    results = race([lambda: services_clio.trust_entry_import(account=ledger.account, row=row)] * 12)
    assert all(isinstance(r, TrustEntry) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert TrustEntry.objects.filter(source_id="bank_transaction:77").count() == 1
    assert ClientLedger.objects.filter(matter=matter).count() == 1


@pytest.mark.parametrize("kind", ["deposit", "disbursement"])
def test_parallel_retries_under_one_idempotency_key_post_once_and_answer_200(ledger, kind):
    from django.urls import reverse

    from accounts.models import Role
    from tests.conftest import client_for
    from tests.factories import MembershipFactory

    accountant = MembershipFactory(firm=ledger.firm, role=Role.ACCOUNTANT)
    clients = [client_for(accountant) for _ in range(8)]
    body = {"kind": kind, "ledger_id": ledger.pk, "amount": "40.00", "payee": "X"}

    def post(client):
        return lambda: client.post(
            reverse("api_trust_entries"),
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"parallel-{kind}",
        )

    answers = race([post(c) for c in clients])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 7 + [201], statuses
    assert len({a.content for a in answers}) == 1
    assert TrustEntry.objects.filter(source_id=f"parallel-{kind}").count() == 1
