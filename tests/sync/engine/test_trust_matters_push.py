"""A matter's QuickBooks sub-customer is a record of its own in the outbox: planned with the
trust legs that name it, written in batches like any record, and the legs wait for it (not a
lane holding the others while it makes sub-customers one round of legs at a time)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sync.engine import outbox, push
from sync.engine.plan import plan_firm
from sync.engine.push import push_pending
from sync.models import ExternalLink, SyncOperation, SyncRun
from sync.providers.base import TRUST_MATTER_ENTITY
from sync.trust_books.plan import ENTITY
from tests.sync.engine.conftest import SyncedFirm, connect_books
from tests.sync.engine.test_push_scenarios import reads, sync_now, writes
from tests.sync.engine.test_trust_push import (
    Journal,
    _a_month_of_trust,
    _map_trust_accounts,
    _matters,
    trust_liability_in_books,
)


@pytest.fixture
def synced(clio_account, settings) -> SyncedFirm:
    conn = connect_books(clio_account.base, settings, clio_account.admin, "quickbooks")
    return SyncedFirm(clio=clio_account, books=conn)


def _sub_customers(synced) -> dict[str, str]:
    rows = synced.books_client().query_all("Customer")
    return {str(r["Id"]): r["DisplayName"] for r in rows if r.get("Job")}


def test_each_matter_is_one_sub_customer_made_before_the_legs_that_name_it(synced):
    matters = _matters(synced)
    cfg = _map_trust_accounts(synced, trust_matter_by="sub_customer")
    _a_month_of_trust(Journal(synced.firm, matters))

    run = sync_now(synced.firm)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    records = SyncOperation.objects.filter(firm=synced.firm, entity=TRUST_MATTER_ENTITY)
    assert sorted(records.values_list("local_id", flat=True)) == sorted(
        f"sub_customer:{m.clio_id}" for m in matters
    )
    assert set(records.values_list("status", flat=True)) == {"done"}
    links = ExternalLink.objects.filter(connection=synced.books, entity=TRUST_MATTER_ENTITY)
    made = _sub_customers(synced)
    assert sorted(links.values_list("remote_id", flat=True)) == sorted(made)
    # Each deposit names its matter's sub-customer.
    client = synced.books_client()
    named = {
        line["DepositLineDetail"]["Entity"]["value"]
        for row in client.query_all("Deposit")
        for line in row["Line"]
        if (line.get("DepositLineDetail") or {}).get("Entity")
    }
    assert named == set(made)
    assert trust_liability_in_books(synced, cfg) == journal_total(synced)

    before = writes(synced)
    assert sync_now(synced.firm).status == SyncRun.Status.SUCCEEDED
    assert writes(synced) == before and records.count() == len(matters)


def journal_total(synced):
    return Journal(synced.firm, []).ledger_total()


def test_a_leg_waits_for_its_matters_sub_customer_and_not_for_anything_else(synced):
    matters = _matters(synced)
    _map_trust_accounts(synced, trust_matter_by="sub_customer")
    _a_month_of_trust(Journal(synced.firm, matters))
    plan_firm(firm=synced.firm)
    # The clients' customers are in the books; the matters' sub-customers are still queued.
    SyncOperation.objects.filter(firm=synced.firm, entity="contact").update(status="done")

    waiting = push._unready(synced.books, ENTITY)

    assert waiting == {"matter_ids": {str(m.clio_id) for m in matters}}
    claimed = outbox.claim(connection=synced.books, entity=ENTITY, limit=50, unready=waiting)
    legs = SyncOperation.objects.filter(firm=synced.firm, entity=ENTITY)
    free = [op.pk for op in legs if not op.payload["matter_ids"]]
    assert free and sorted(op.pk for op in claimed) == sorted(free)


def test_a_sub_customer_the_books_saved_before_the_worker_died_is_found_not_made_twice(synced):
    matters = _matters(synced)
    _map_trust_accounts(synced, trust_matter_by="sub_customer")
    _a_month_of_trust(Journal(synced.firm, matters))
    sync_now(synced.firm)
    made = _sub_customers(synced)
    # The books answered, the worker died before recording it: no links, claims still held.
    ExternalLink.objects.filter(connection=synced.books, entity=TRUST_MATTER_ENTITY).delete()
    records = SyncOperation.objects.filter(firm=synced.firm, entity=TRUST_MATTER_ENTITY)
    records.update(status="in_flight", claimed_until=timezone.now() - timedelta(minutes=1))
    before, read_before = writes(synced), reads(synced)

    push_pending(connection=synced.books)

    assert writes(synced) == before
    assert reads(synced) - read_before <= 2  # one look-up by name for the round
    assert set(records.values_list("status", flat=True)) == {"done"}
    links = ExternalLink.objects.filter(connection=synced.books, entity=TRUST_MATTER_ENTITY)
    assert sorted(links.values_list("remote_id", flat=True)) == sorted(made)
