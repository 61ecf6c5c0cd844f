"""`bulk_upsert`, on the database the tests run on (PostgreSQL in CI: one array per column)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts import bulk
from practice.models import Bill, Contact
from sync.models import Connection, SyncOperation


def _contact(n: int, etag: str, **extra) -> dict:
    return {"clio_id": n, "etag": etag, "name": f"Client {n}", "email": "", **extra}


def test_it_inserts_updates_changed_rows_and_leaves_unchanged_ones(firm):
    made = bulk.bulk_upsert(
        Contact,
        [{"firm_id": firm.pk, **_contact(n, "a")} for n in (1, 2, 3)],
        unique=("firm_id", "clio_id"),
        unless_same="etag",
    )
    assert made == 3
    again = [
        {"firm_id": firm.pk, **_contact(1, "a", name="Same etag")},
        {"firm_id": firm.pk, **_contact(2, "b", name="Changed")},
        {"firm_id": firm.pk, **_contact(4, "a", email="new@example.com")},
        {"firm_id": firm.pk, **_contact(4, "a", email="later@example.com")},  # later wins
    ]
    rows = bulk.bulk_upsert(
        Contact, again, unique=("firm_id", "clio_id"), unless_same="etag", returning=("clio_id",)
    )
    assert sorted(r[0] for r in rows) == [2, 4]
    names = dict(Contact.objects.filter(firm=firm).values_list("clio_id", "name"))
    assert names == {1: "Client 1", 2: "Changed", 3: "Client 3", 4: "Client 4"}
    fresh = Contact.objects.get(firm=firm, clio_id=4)
    assert fresh.email == "later@example.com" and fresh.pulled_at is not None  # a default


def test_it_binds_money_dates_json_and_nulls_as_they_are(firm):
    at = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    bulk.bulk_upsert(
        Bill,
        [
            {
                "firm_id": firm.pk,
                "clio_id": 7,
                "number": "1042",
                "total": Decimal("1234.56"),
                "issued_at": at.date(),
                "clio_updated_at": at,
                "client_id": None,
            },
            {
                "firm_id": firm.pk,
                "clio_id": 8,
                "number": "1043",
                "total": 10,
                "issued_at": None,
                "clio_updated_at": None,
                "client_id": None,
            },
        ],
        unique=("firm_id", "clio_id"),
    )
    bill = Bill.objects.get(firm=firm, clio_id=7)
    assert bill.total == Decimal("1234.56") and bill.issued_at == at.date()
    assert bill.clio_updated_at == at
    assert Bill.objects.get(firm=firm, clio_id=8).total == Decimal("10.00")
    books = Connection.objects.create(firm=firm, provider="quickbooks", side="books")
    made = bulk.bulk_upsert(
        SyncOperation,
        [_op(books, f"k{n}", {"total": "1234.56", "lines": [{"n": n}]}) for n in range(3)],
        unique=("idempotency_key",),
        update=(),
    )
    assert made == 3
    assert SyncOperation.objects.get(idempotency_key="k2").payload["lines"] == [{"n": 2}]
    assert (
        bulk.bulk_upsert(
            SyncOperation, [_op(books, "k0", {})], unique=("idempotency_key",), update=()
        )
        == 0
    )  # already there: left alone


def test_values_every_row_shares_are_given_once_and_a_plain_insert_raises_on_a_clash(firm):
    books = Connection.objects.create(firm=firm, provider="quickbooks", side="books")
    same = {
        "firm_id": firm.pk,
        "connection_id": books.pk,
        "entity": "bill",
        "action": "create",
        "payload": {"total": "10.00"},
    }
    rows = [{"local_id": str(n), "idempotency_key": f"s{n}"} for n in range(3)]
    assert bulk.bulk_upsert(SyncOperation, rows, unique=(), same=same) == 3
    made = SyncOperation.objects.filter(firm=firm).order_by("local_id")
    assert [(o.local_id, o.connection_id, o.payload, o.status) for o in made] == [
        (str(n), books.pk, {"total": "10.00"}, "pending")  # status: the model's default
        for n in range(3)
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.bulk_upsert(SyncOperation, rows[:1], unique=(), same=same)
    assert SyncOperation.objects.filter(firm=firm).count() == 3


def _op(books, key: str, payload: dict) -> dict:
    """An outbox row for bill 7, as the planner writes one."""
    return {
        "firm_id": books.firm_id,
        "connection_id": books.pk,
        "entity": "bill",
        "local_id": "7",
        "action": "create",
        "idempotency_key": key,
        "payload": payload,
    }
