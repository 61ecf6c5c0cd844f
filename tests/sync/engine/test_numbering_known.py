"""Numbers the books already use are known before a bill is sent (the last full read of the books,
the invoices FirmSync wrote), and a bill held or refused for its number goes by itself once the
number is free: no Retry."""

from datetime import date
from unittest import mock

import pytest
from django.utils import timezone

from practice.models import Bill
from sync.drift.services import _flags_clear
from sync.engine import numbering
from sync.engine.plan import plan_firm
from sync.models import (
    BooksNumber,
    Connection,
    ExternalLink,
    FlaggedBill,
    Provider,
    Side,
    SyncOperation,
    SyncSettings,
)
from tests.sync.engine.test_numbering import _bill, _queued_bills, _settings


@pytest.fixture
def books(firm):
    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    return Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="realm-1"
    )


def _refused(bill_id: int = 10) -> SyncOperation:
    op = SyncOperation.objects.get(entity="bill", local_id=str(bill_id))
    SyncOperation.objects.filter(pk=op.pk).update(
        status="failed", error_code="6140", error_message="Duplicate Document Number Error"
    )
    op.refresh_from_db()
    return op


def test_a_number_the_last_read_of_the_books_found_holds_the_bill_before_it_is_sent(firm, books):
    numbering.books_numbers_store(books=books, numbers=["1000", " 1001 ", "CR-7"])
    _bill(firm, number="1001")
    _bill(firm, number="1002", clio_id=11)
    plan_firm(firm=firm)
    assert _queued_bills() == {"11": "1002"}
    flag = FlaggedBill.objects.get(bill_clio_id=10)
    assert flag.status == FlaggedBill.Status.OPEN and flag.number == "1001"
    assert flag.reason.startswith(
        "Invoice 1001 (in QuickBooks already; FirmSync did not write it) already holds number 1001"
    )
    assert "Settings → Billing" in flag.reason and "C-1001" in flag.reason


def test_a_bill_numbered_like_an_invoice_firmsync_wrote_for_another_bill_is_held(firm, books):
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id="9",
        remote_type="Invoice",
        remote_id="55",
        remote_number="1001",
    )
    _bill(firm, number="1001")  # Clio's numbering restarted: bill 10 takes 1001 again
    plan_firm(firm=firm)
    assert _queued_bills() == {}
    reason = FlaggedBill.objects.get(bill_clio_id=10).reason
    assert "FirmSync wrote it for an earlier Clio bill" in reason
    assert "Clio's numbering was restarted" in reason


def test_a_read_of_the_books_keeps_what_it_found_and_forgets_the_rest(firm, books):
    assert numbering.books_numbers_store(books=books, numbers=["1", "2", "", "INV-2"]) == 3
    assert numbering.books_numbers_store(books=books, numbers=["2", "3", "inv-2"]) == 2
    keys = set(BooksNumber.objects.filter(connection=books).values_list("key", flat=True))
    assert keys == {"2", "3", "inv-2"}


def test_a_refused_create_goes_again_by_itself_once_a_read_no_longer_finds_its_number(firm, books):
    _bill(firm, number="1001")
    plan_firm(firm=firm)
    op = _refused()
    numbering.refusals_hold(books=books, ops=[op])
    plan_firm(firm=firm)  # refused since the last read: still taken
    op.refresh_from_db()
    assert op.status == "failed"
    assert FlaggedBill.objects.get().status == FlaggedBill.Status.OPEN
    # The old invoice was renumbered in the books; the next read no longer finds 1001.
    numbering.books_numbers_store(books=books, numbers=["1000", "1001-OLD"])
    plan_firm(firm=firm)
    op.refresh_from_db()
    assert (op.status, op.error_code, op.error_message) == ("pending", "", "")
    assert SyncOperation.objects.filter(entity="bill").count() == 1  # the same write, sent again
    assert FlaggedBill.objects.get().status == FlaggedBill.Status.CLEARED


def test_a_refused_create_planned_again_under_a_prefix_is_retired_not_retried(firm, books):
    _bill(firm, number="1001")
    plan_firm(firm=firm)
    op = _refused()
    numbering.refusals_hold(books=books, ops=[op])
    _settings(firm, invoice_number_prefix="C-")
    plan_firm(firm=firm)
    op.refresh_from_db()
    assert op.status == "skipped" and "another number" in op.error_message
    new = SyncOperation.objects.exclude(pk=op.pk).get(entity="bill")
    assert (new.status, new.payload["number"]) == ("pending", "C-1001")


def test_a_refused_create_of_a_renumbered_bill_is_retired_too(firm, books):
    bill = _bill(firm, number="1001")
    plan_firm(firm=firm)
    op = _refused()
    numbering.refusals_hold(books=books, ops=[op])
    Bill.objects.filter(pk=bill.pk).update(number="2001")
    plan_firm(firm=firm)
    op.refresh_from_db()
    assert op.status == "skipped"
    assert SyncOperation.objects.filter(entity="bill").count() == 2  # the old row stays, skipped
    assert SyncOperation.objects.get(entity="bill", status="pending").payload["number"] == "2001"


def test_a_create_failed_for_another_reason_is_left_for_a_person(firm, books):
    _bill(firm, number="1001")
    plan_firm(firm=firm)
    op = SyncOperation.objects.get(entity="bill")
    SyncOperation.objects.filter(pk=op.pk).update(
        status="failed", error_code="6000", error_message="A business validation error"
    )
    plan_firm(firm=firm)
    op.refresh_from_db()
    assert op.status == "failed"


def test_a_create_on_its_way_is_not_held_for_the_number_it_may_have_taken_already(firm, books):
    _bill(firm, number="1001")
    plan_firm(firm=firm)
    SyncOperation.objects.filter(entity="bill").update(status="in_flight")
    numbering.books_numbers_store(books=books, numbers=["1001"])  # its own invoice, perhaps
    plan_firm(firm=firm)
    assert not FlaggedBill.objects.exists()


def test_the_reconciler_leaves_a_number_hold_open_and_clears_a_flag_with_no_drift(firm, books):
    _settings(firm, starting_invoice_number=1100)
    _bill(firm, number="1042")
    plan_firm(firm=firm)
    hold = FlaggedBill.objects.get()
    other = FlaggedBill.objects.create(
        firm=firm, connection=books, number="7", reason="A difference no longer seen."
    )
    _flags_clear(books, timezone.now())
    hold.refresh_from_db()
    other.refresh_from_db()
    assert (hold.status, other.status) == (FlaggedBill.Status.OPEN, FlaggedBill.Status.CLEARED)


def _held_in_books(firm, books, count: int) -> list[FlaggedBill]:
    numbers = [str(1001 + n) for n in range(count)]
    numbering.books_numbers_store(books=books, numbers=numbers)
    for n, number in enumerate(numbers):
        _bill(firm, number=number, clio_id=10 + n)
    plan_firm(firm=firm)
    return list(FlaggedBill.objects.order_by("pk"))


def test_a_run_asks_the_books_about_a_few_held_numbers_and_frees_the_gone_ones(
    firm, books, monkeypatch
):
    from sync.providers.quickbooks.client import QuickBooksClient

    _held_in_books(firm, books, 7)
    oldest = list(FlaggedBill.objects.order_by("flagged_at", "pk"))
    gone = oldest[1]  # renumbered in the books since
    client = mock.create_autospec(QuickBooksClient, instance=True)
    client.invoice_find.side_effect = lambda number: None if number == gone.number else object()
    monkeypatch.setattr(numbering, "client_for", lambda connection: client)
    assert numbering.holds_recheck(books=books) == 1
    asked = [c.args[0] for c in client.invoice_find.call_args_list]
    assert asked == [f.number for f in oldest[:5]]  # the oldest five
    assert not BooksNumber.objects.filter(key=gone.number).exists()
    plan_firm(firm=firm)
    assert _queued_bills() == {str(gone.bill_clio_id): gone.number}
    assert FlaggedBill.objects.get(pk=gone.pk).status == FlaggedBill.Status.CLEARED
    client.invoice_find.reset_mock()
    numbering.holds_recheck(books=books)  # the next run: the two not asked yet, no more
    asked = [c.args[0] for c in client.invoice_find.call_args_list]
    assert asked == [f.number for f in oldest[5:]]


def test_a_books_look_up_that_fails_leaves_the_holds_as_they_are(firm, books, monkeypatch):
    from sync.providers.errors import ProviderUnavailable
    from sync.providers.quickbooks.client import QuickBooksClient

    _held_in_books(firm, books, 1)
    client = mock.create_autospec(QuickBooksClient, instance=True)
    client.invoice_find.side_effect = ProviderUnavailable("quickbooks", "down")
    monkeypatch.setattr(numbering, "client_for", lambda connection: client)
    assert numbering.holds_recheck(books=books) == 0
    assert BooksNumber.objects.filter(key="1001").exists()
    assert FlaggedBill.objects.get().status == FlaggedBill.Status.OPEN


def test_a_hold_of_the_starting_number_alone_is_not_asked_about(firm, books, monkeypatch):
    _settings(firm, starting_invoice_number=1100)
    _bill(firm, number="1042")
    plan_firm(firm=firm)
    monkeypatch.setattr(numbering, "client_for", mock.Mock(side_effect=AssertionError))
    assert numbering.holds_recheck(books=books) == 0
