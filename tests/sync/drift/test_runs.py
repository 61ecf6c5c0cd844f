"""Whole runs: the read budget, a second run that changes nothing, and the command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sync.drift.services import reconcile_run, reconcile_start
from sync.drift.tasks import reconcile_all
from sync.models import Drift, FlaggedBill, ReconcileRun, SyncRun
from tests.sync.drift.conftest import sync_now
from tests.sync.engine.test_push_scenarios import writes


def test_a_run_reads_the_books_in_pages_not_per_invoice(synced):
    for n in range(3):
        synced.approved_bill(name=f"Client {n}", email=f"c{n}@example.com")
    sync_now(synced.firm)
    run = reconcile_run(firm=synced.firm, trigger=ReconcileRun.Trigger.SCHEDULE)
    assert run.status == ReconcileRun.Status.SUCCEEDED, run.error
    assert run.bills_checked == 3
    assert run.invoices_read >= 3
    # One settings read (closing / lock date) and one page of up to 1,000 invoices.
    assert run.read_calls == 2
    assert run.ar_clio == run.ar_books
    assert sorted(r["name"] for r in run.ar_by_client) == ["Client 0", "Client 1", "Client 2"]
    assert all(r["clio"] == r["books"] == "495.50" for r in run.ar_by_client)


def test_two_runs_in_a_row_repeat_no_drift_no_flag_and_no_write(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    invoice_id = books.invoice_id(made["bill"]["id"])
    books.pay(invoice_id, 50)  # a flag: paid in the books only
    customer = books.invoice(invoice_id).doc.customer
    books.create_invoice(customer_id=customer, number="HAND-9", amount=10)
    first = reconcile_run(firm=synced.firm, trigger=ReconcileRun.Trigger.SCHEDULE)
    drifts = set(Drift.objects.values_list("pk", "kind", "status"))
    flags = set(FlaggedBill.objects.values_list("pk", "status"))
    assert first.flagged == 2 and len(flags) == 2
    before = writes(synced)
    second = reconcile_run(firm=synced.firm, trigger=ReconcileRun.Trigger.SCHEDULE)
    assert second.pk != first.pk and second.flagged == 2
    assert set(Drift.objects.values_list("pk", "kind", "status")) == drifts
    assert set(FlaggedBill.objects.values_list("pk", "status")) == flags
    assert writes(synced) == before


def test_a_firm_has_one_run_at_a_time_and_a_stale_one_gives_way(synced):
    going = ReconcileRun.objects.create(firm=synced.firm, connection=synced.books)
    again = reconcile_start(firm=synced.firm, actor=synced.clio.admin.user, trigger="page")
    assert again.pk == going.pk
    ReconcileRun.objects.filter(pk=going.pk).update(started_at=timezone.now() - timedelta(hours=1))
    fresh = reconcile_start(firm=synced.firm, actor=None, trigger="api")
    going.refresh_from_db()
    assert fresh.pk != going.pk and going.status == ReconcileRun.Status.FAILED


def test_the_command_runs_and_prints_a_summary(synced):
    synced.approved_bill()
    sync_now(synced.firm)
    out = StringIO()
    call_command("reconcile", "--firm", synced.firm.slug, "--wait", stdout=out)
    text = out.getvalue()
    assert "Succeeded" in text and "1 bills checked" in text and "0 drifts" in text
    assert "receivables: Clio 495.50, books 495.50, difference 0.00" in text


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_firm():
    with pytest.raises(CommandError, match="No firm with slug 'nope'"):
        call_command("reconcile", "--firm", "nope", "--wait")


def test_a_firm_that_never_finished_a_sync_is_not_compared(synced):
    synced.approved_bill()
    before = writes(synced)
    run = reconcile_run(firm=synced.firm, trigger=ReconcileRun.Trigger.PAGE)
    assert run.status == ReconcileRun.Status.FAILED
    assert "first sync has not finished" in run.error
    assert not Drift.objects.exists() and writes(synced) == before


def test_a_sync_still_writing_is_waited_for_then_left_alone(synced, monkeypatch):
    synced.approved_bill()
    sync_now(synced.firm)
    SyncRun.objects.create(firm=synced.firm, status=SyncRun.Status.RUNNING)
    monkeypatch.setattr("sync.drift.services.SYNC_WAIT_SECONDS", 0)
    run = reconcile_run(firm=synced.firm, trigger=ReconcileRun.Trigger.SCHEDULE)
    assert run.status == ReconcileRun.Status.FAILED
    assert "still writing" in run.error


def test_the_hourly_schedule_reconciles_each_firm_that_has_synced(synced):
    assert reconcile_all() == 0  # connected, never synced: nothing to compare yet
    synced.approved_bill()
    sync_now(synced.firm)
    assert reconcile_all() == 1
    run = ReconcileRun.objects.get(firm=synced.firm)
    assert run.trigger == ReconcileRun.Trigger.SCHEDULE
    assert run.status == ReconcileRun.Status.SUCCEEDED and run.bills_checked == 1
