"""Events published from where they happen: a run's end, the push's answers, the reconciler,
trust imports. Each reaches a subscribed receiver over real HTTP."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from accounts.events import (
    BILL_FAILED,
    BILL_SYNCED,
    DRIFT_FLAGGED,
    SYNC_RUN_FINISHED,
    TRUST_EXCEPTION,
)
from hooks.models import Delivery
from sync.drift.services import drifts_upsert
from sync.engine.record import record
from sync.engine.run import sync_execute, sync_start, sync_step
from sync.models import ExternalLink, SyncOperation, SyncRun, SyncSettings
from sync.providers import documents as docs
from sync.providers.base import Outcome
from tests.factories import (
    ClientLedgerFactory,
    MatterFactory,
    ReconcileRunFactory,
    books_connection,
)
from tests.hooks.conftest import independent_signature_ok, subscribe
from tests.sync.conftest import clio_account  # noqa: F401 (fixture)
from tests.sync.engine.conftest import synced  # noqa: F401 (fixture)
from trust import services_clio
from trust.models import EntryKind


def _events(receiver, type_: str) -> list[dict]:
    return [r.json for r in receiver.received if r.headers["FirmSync-Event"] == type_]


def test_a_run_that_fails_publishes_sync_run_finished(
    admin, receiver, django_capture_on_commit_callbacks
):
    made = subscribe(admin, receiver.url, [SYNC_RUN_FINISHED])
    run = sync_start(firm=admin.firm, check=False, queue=False)
    with django_capture_on_commit_callbacks(execute=True):
        done = sync_step(run_id=run.pk)  # no connections: the run ends, failed, saying why
    assert done.status == SyncRun.Status.FAILED
    [event] = _events(receiver, SYNC_RUN_FINISHED)
    assert independent_signature_ok(made.secret, receiver.received[0])
    data = event["data"]
    assert (data["id"], data["kind"], data["status"]) == (run.pk, "initial", "failed")
    assert "needs both Clio and the books connected" in data["error"]
    assert data["counts"] == {"pulled": 0, "planned": 0, "done": 0, "failed": 0, "skipped": 0}
    assert data["finished_at"] is not None


def _op(books, n: int, status="in_flight") -> SyncOperation:
    return SyncOperation.objects.create(
        firm=books.firm,
        connection=books,
        entity="bill",
        action="create",
        local_id=str(9000 + n),
        source_version="e1",
        idempotency_key=f"key-{n}",
        payload={"clio_id": 9000 + n, "number": f"10{n}", "total": "120.50"},
        fingerprint="f",
        status=status,
    )


def _round(books, first: int, size: int):
    """`size` claimed bill creates: the first refused by the books, the rest written."""
    ops = [_op(books, first + i) for i in range(size)]
    outcomes = {op.pk: Outcome(ok=True, remote_type="Invoice", remote_id=f"R{op.pk}") for op in ops}
    outcomes[ops[0].pk] = Outcome(error_code="6140", error_message="Duplicate Document Number")
    return ops, outcomes


def _queries(books, ops, outcomes) -> int:
    with CaptureQueriesContext(db) as ctx:
        record(books, None, ops, outcomes, {"done": 0, "failed": 0, "skipped": 0})
    return len(ctx.captured_queries)


def test_a_round_of_bills_publishes_once_per_outcome_with_no_query_per_bill(admin, receiver):
    subscribe(admin, receiver.url, [BILL_SYNCED, BILL_FAILED])
    books = books_connection(admin.firm)
    SyncSettings.objects.create(firm=admin.firm, start_date=date(2026, 1, 1))
    small = _queries(books, *_round(books, 0, 2))
    large = _queries(books, *_round(books, 100, 20))
    assert small == large
    synced_ = Delivery.objects.filter(type=BILL_SYNCED)
    failed = Delivery.objects.filter(type=BILL_FAILED)
    assert (synced_.count(), failed.count()) == (1 + 19, 2)
    one = synced_.get(payload__clio_id="9101")
    assert one.payload["total"] == "120.50" and one.payload["number"] == "10101"
    assert one.payload["books_id"] == SyncOperation.objects.get(local_id="9101").remote_id
    bad = failed.get(payload__clio_id="9100")
    assert bad.payload["error"] == "Duplicate Document Number" and bad.payload["number"] == "10100"
    assert bad.payload["error_code"] == "6140"


def test_a_round_without_subscribers_costs_one_lookup_per_outcome_and_records_nothing(admin):
    books = books_connection(admin.firm)
    SyncSettings.objects.create(firm=admin.firm, start_date=date(2026, 1, 1))
    ops, outcomes = _round(books, 0, 5)
    with CaptureQueriesContext(db) as ctx:
        record(books, None, ops, outcomes, {"done": 0, "failed": 0, "skipped": 0})
    lookups = [q["sql"] for q in ctx.captured_queries if "hooks_subscription" in q["sql"]]
    assert len(lookups) == 2  # bill.synced and bill.failed: one each, for the whole round
    assert not Delivery.objects.exists()


def test_new_drifts_publish_drift_flagged_once(admin, receiver):
    subscribe(admin, receiver.url, [DRIFT_FLAGGED])
    run = ReconcileRunFactory(firm=admin.firm)
    finding = docs.Finding(
        kind="totals",
        key="bill:77",
        bill_clio_id=77,
        remote_id="130",
        number="1042",
        client_name="Ada Lovelace",
        summary="Invoice 1042 totals 450.00 in the books; Clio says 495.50.",
        amount=Decimal("45.50"),
    )
    drifts_upsert(run=run, findings=[finding])
    drifts_upsert(run=run, findings=[finding])  # seen again: refreshed, not raised again
    [d] = Delivery.objects.filter(type=DRIFT_FLAGGED)
    assert d.payload["amount"] == "45.50" and d.payload["number"] == "1042"
    assert d.payload["kind"] == "totals" and d.payload["bill_clio_id"] == 77


def test_an_overdraft_from_clio_publishes_trust_exception(
    admin, firm, receiver, django_capture_on_commit_callbacks
):
    subscribe(admin, receiver.url, [TRUST_EXCEPTION])
    ledger = ClientLedgerFactory(firm=firm, matter=MatterFactory(firm=firm))
    row = services_clio.ClioEntry(
        source_id="bank_transaction:9",
        kind=EntryKind.DISBURSEMENT,
        direction="out",
        amount=Decimal("250"),
        date=date(2026, 3, 2),
        matter_id=ledger.matter_id,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services_clio.trust_entries_import(account=ledger.account, rows=[row])
    [event] = _events(receiver, TRUST_EXCEPTION)
    assert event["data"]["kind"] == "overdraft" and event["data"]["balance_after"] == "-250.00"
    assert event["data"]["ledger_id"] == ledger.pk


@pytest.mark.parametrize("synced", ["quickbooks"], indirect=True)
def test_a_pushed_bill_reaches_the_receiver_as_bill_synced(synced, receiver):  # noqa: F811
    made = subscribe(synced.clio.admin, receiver.url, [BILL_SYNCED, SYNC_RUN_FINISHED])
    bill = synced.approved_bill()["bill"]
    run = sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    link = ExternalLink.objects.get(connection=synced.books, entity="bill")
    [event] = _events(receiver, BILL_SYNCED)
    assert event["data"] == {
        "clio_id": str(bill["id"]),
        "number": bill["data"]["number"],
        "books_id": link.remote_id,
        "total": "495.50",
        "action": "create",
        "books_provider": "quickbooks",
    }
    [finished] = _events(receiver, SYNC_RUN_FINISHED)
    assert finished["data"]["status"] == "succeeded" and finished["data"]["counts"]["done"] >= 2
    assert all(independent_signature_ok(made.secret, r) for r in receiver.received)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
