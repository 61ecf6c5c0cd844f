"""Settling and cancelling trust requests in real concurrent transactions (PostgreSQL): however
many settle at once, each deposit is applied once; a cancellation and a settlement never both
win."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Role
from sync.trust_books.services import trust_request_cancel, trust_requests_settle
from tests.factories import ClientLedgerFactory, MembershipFactory
from tests.support.concurrency import race
from tests.support.trust_requests import MADE, deposit, request_made
from trust.models import TrustRequest, TrustRequestPayment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing runs concurrently",
    ),
]


def test_many_settlements_at_once_apply_each_deposit_once(firm):
    ledger = ClientLedgerFactory(firm=firm)
    requests = [request_made(ledger, "100.00", made=MADE + timedelta(days=n)) for n in range(3)]
    deposit(ledger, "150.00", MADE + timedelta(days=3))
    deposit(ledger, "150.00", MADE + timedelta(days=4))

    results = race([lambda: trust_requests_settle(firm=firm) for _ in range(6)])

    assert sum(r for r in results if isinstance(r, int)) == 3, results
    assert all(isinstance(r, int) for r in results), results
    assert TrustRequestPayment.objects.count() == 4  # 100 | 50+50 | 100, one row each
    assert sum(p.amount for p in TrustRequestPayment.objects.all()) == D("300.00")
    assert (
        TrustRequest.objects.filter(pk__in=[r.pk for r in requests], paid_at__isnull=False).count()
        == 3
    )


def test_a_cancellation_racing_a_settlement_leaves_one_outcome(firm):
    admin = MembershipFactory(firm=firm, role=Role.ADMIN)
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "100.00")
    deposit(ledger, "100.00", MADE + timedelta(days=1))

    results = race(
        [
            lambda: trust_requests_settle(firm=firm),
            lambda: trust_request_cancel(member=admin, request_id=req.pk, reason="Withdrawn"),
        ]
    )

    req.refresh_from_db()
    if req.is_paid:  # the settlement went first: the cancellation is refused, with the reason
        assert isinstance(results[1], ValidationError) and results[0] == 1
    else:  # the cancellation went first: nothing was applied
        assert req.is_cancelled and results[0] == 0
        assert not TrustRequestPayment.objects.filter(request=req).exists()
