"""The database itself keeps the journal honest: posted entries cannot be edited or deleted
(PostgreSQL trigger), and the CHECK constraints refuse impossible entries on both databases."""

from datetime import date
from decimal import Decimal as D

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import ClientLedgerFactory
from trust import services
from trust.models import EntryKind, EntrySource, TrustEntry

DAY = date(2026, 3, 2)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only (SQLite relies on the services)",
)


@pytest.fixture
def entry(firm):
    ledger = ClientLedgerFactory(firm=firm)
    return services.trust_deposit_record(ledger=ledger, amount=D("100.00"), date=DAY)


def _raw(sql: str, *params) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgres_only
@pytest.mark.django_db
def test_an_update_of_a_posted_entry_is_refused_by_the_database(entry):
    with pytest.raises(IntegrityError, match="append-only: UPDATE refused") as caught:
        _raw("UPDATE trust_trustentry SET amount = 1 WHERE id = %s", entry.pk)
    assert isinstance(caught.value.__cause__, psycopg.errors.RestrictViolation)
    entry.refresh_from_db()
    assert entry.amount == D("100.00")


@postgres_only
@pytest.mark.django_db
def test_a_delete_of_a_posted_entry_is_refused_by_the_database(entry):
    with pytest.raises(IntegrityError, match="append-only: DELETE refused") as caught:
        _raw("DELETE FROM trust_trustentry WHERE id = %s", entry.pk)
    assert isinstance(caught.value.__cause__, psycopg.errors.RestrictViolation)
    assert TrustEntry.objects.filter(pk=entry.pk).exists()


def _bare(entry: TrustEntry, **changes) -> TrustEntry:
    """A row like `entry`, inserted straight through the ORM, past the services' checks."""
    fields = {
        "firm_id": entry.firm_id,
        "account_id": entry.account_id,
        "ledger_id": entry.ledger_id,
        "kind": EntryKind.DEPOSIT,
        "direction": "in",
        "amount": D("5.00"),
        "date": DAY,
        "source": EntrySource.FIRMSYNC,
        "source_id": "bare",
    }
    with transaction.atomic():
        return TrustEntry.objects.create(**{**fields, **changes})


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [D("0.00"), D("-1.00")])
def test_an_amount_that_is_not_positive_is_refused_by_the_database(entry, amount):
    with pytest.raises(IntegrityError, match="trust_entry_amount_positive"):
        _bare(entry, amount=amount)


@pytest.mark.django_db
def test_client_money_without_a_ledger_is_refused_by_the_database(entry):
    with pytest.raises(IntegrityError, match="trust_entry_client_money_on_a_ledger"):
        _bare(entry, ledger_id=None)


@pytest.mark.django_db
def test_a_bank_fee_may_stand_outside_every_ledger(entry):
    fee = _bare(entry, ledger_id=None, kind=EntryKind.BANK_FEE, direction="out")
    assert fee.ledger_id is None


@pytest.mark.django_db
def test_a_reversal_must_name_its_entry(entry):
    with pytest.raises(IntegrityError, match="trust_entry_reversal_names_its_entry"):
        _bare(entry, kind=EntryKind.REVERSAL, direction="out")


@pytest.mark.django_db
def test_the_same_source_transaction_is_refused_twice(entry):
    with pytest.raises(IntegrityError):
        _bare(entry, source_id=entry.source_id)
