"""Invoices outside Clio, over real HTTP on both sandboxes: the books' history (dated before the
sync start date) and invoices the firm made in the books on purpose are set apart with their own
receivables line and never flagged; and the invoice status beside each bill is what the books say
now."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from sync.drift.flags import books_only_invoice_mark, books_only_invoice_unmark
from sync.drift.services import reconcile_run
from sync.models import BooksOnlyInvoice, Drift, ExternalLink, FlaggedBill, ReconcileRun
from tests.sync.drift.conftest import sync_now


def reconcile(s) -> ReconcileRun:
    run = reconcile_run(firm=s.firm, trigger=ReconcileRun.Trigger.COMMAND)
    assert run.status == ReconcileRun.Status.SUCCEEDED, run.error
    return run


def _customer(s) -> str:
    return ExternalLink.objects.filter(connection=s.books, entity="contact").first().remote_id


def test_an_invoice_dated_before_the_start_date_is_history_outside_clio(synced, books):
    synced.approved_bill()
    sync_now(synced.firm)
    books.create_invoice(
        customer_id=_customer(synced), number="OLD-7", amount=120, day="2025-11-03"
    )
    run = reconcile(synced)
    assert (run.drifts_found, run.flagged) == (0, 0)
    assert not FlaggedBill.objects.filter(connection=synced.books).exists()
    assert run.outside_count == 1 and run.ar_outside == Decimal("120.00")
    [row] = run.outside_clio
    assert (row["number"], row["date"], row["balance"], row["why"]) == (
        "OLD-7",
        "2025-11-03",
        "120.00",
        "history",
    )
    # The comparison is Clio's AR against the books' AR on the same invoices.
    assert run.ar_books == run.ar_clio
    assert all(r["clio"] == r["books"] for r in run.ar_by_client)


def test_an_invoice_made_on_purpose_is_labelled_then_marked_and_set_apart(synced, books):
    synced.approved_bill()
    sync_now(synced.firm)
    books.create_invoice(customer_id=_customer(synced), number="HAND-2", amount=80)
    run = reconcile(synced)
    assert run.flagged == 1 and run.ar_books == run.ar_clio + Decimal("80.00")
    flag = FlaggedBill.objects.get(connection=synced.books, status="open")
    assert flag.label == "Invoice HAND-2 in the books, no Clio bill"
    staff = synced.clio.admin.user
    mark = books_only_invoice_mark(flag=flag, actor=staff, note="Retainer billed in the books")
    flag.refresh_from_db()
    assert flag.status == FlaggedBill.Status.OUTSIDE_CLIO and flag.acted_by == staff
    assert set(flag.drifts.values_list("status", flat=True)) == {Drift.Status.OUTSIDE_CLIO}
    assert mark.remote_id == flag.remote_id and mark.firm_id == synced.firm.pk
    assert AuditEvent.objects.filter(
        firm=synced.firm, action="books_only_invoice.marked", object_id=str(mark.pk)
    ).exists()

    again = reconcile(synced)
    assert (again.drifts_found, again.flagged) == (0, 0)
    assert again.ar_books == again.ar_clio and again.ar_outside == Decimal("80.00")
    assert [o["why"] for o in again.outside_clio] == ["marked"]

    books_only_invoice_unmark(mark=mark, actor=staff)
    assert not BooksOnlyInvoice.objects.exists()
    assert reconcile(synced).flagged == 1  # compared with Clio again: no bill explains it


def test_only_a_flag_without_a_clio_bill_can_be_marked_as_made_in_the_books(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    books.pay(books.invoice_id(made["bill"]["id"]), 50)
    reconcile(synced)
    flag = FlaggedBill.objects.get(connection=synced.books, status="open")
    assert flag.label.startswith("Bill ")
    with pytest.raises(ValidationError):
        books_only_invoice_mark(flag=flag, actor=synced.clio.admin.user, note="")
    assert not BooksOnlyInvoice.objects.exists()


def _status(s, bill_id) -> str:
    return ExternalLink.objects.get(
        connection=s.books, entity="bill", local_id=str(bill_id)
    ).remote_status


def test_the_invoice_status_follows_the_books_after_a_payment_write_and_a_read_back(synced, books):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    sync_now(synced.firm)
    opened = _status(synced, bill_id)
    assert opened in ("open", "AUTHORISED")
    # Paid in full in Clio: the payment written to the books refreshes the invoice's status.
    synced.act(
        "record_payment", bill_id=bill_id, amount=495.50, source="operating", date="2026-03-20"
    )
    sync_now(synced.firm)
    assert _status(synced, bill_id) in ("paid", "PAID")
    # Changed in the books alone: the next read-back says so.
    ExternalLink.objects.filter(connection=synced.books, entity="bill").update(remote_status=opened)
    reconcile(synced)
    assert _status(synced, bill_id) in ("paid", "PAID")
