"""Invoice numbers that never collide: the plan holds a bill whose number belongs to the books."""

from datetime import date
from decimal import Decimal

import pytest

from practice.models import Allocation, Bill, BillLine, Contact
from sync.engine import numbering
from sync.engine.plan import plan_firm
from sync.models import (
    BooksOnlyInvoice,
    Connection,
    ExternalLink,
    FlaggedBill,
    Provider,
    Side,
    SyncOperation,
    SyncSettings,
)


@pytest.fixture
def books(firm):
    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    return Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="realm-1"
    )


def _bill(firm, *, number="1001", clio_id=10):
    client = Contact.objects.get_or_create(
        firm=firm, clio_id=1, defaults={"name": "Ada Lovelace", "etag": "c1"}
    )[0]
    bill = Bill.objects.create(
        firm=firm,
        clio_id=clio_id,
        etag="b1",
        number=number,
        state="awaiting_payment",
        client=client,
        issued_at=date(2026, 2, 1),
        total=Decimal("500.00"),
        balance=Decimal("500.00"),
    )
    BillLine.objects.create(
        firm=firm, bill=bill, clio_id=clio_id * 10, description="Advice", total=Decimal("500.00")
    )
    return bill


def _settings(firm, **values):
    SyncSettings.objects.filter(firm=firm).update(**values)


def _queued_bills() -> dict[str, str]:
    ops = SyncOperation.objects.filter(entity="bill")
    return {op.local_id: op.payload["number"] for op in ops}


def test_it_holds_a_bill_below_the_starting_number_and_says_what_to_change(firm, books):
    _settings(firm, starting_invoice_number=1100)
    _bill(firm, number="1042", clio_id=10)
    _bill(firm, number="1100", clio_id=11)
    plan = plan_firm(firm=firm)
    assert plan.queued["bill"] == 1
    assert _queued_bills() == {"11": "1100"}
    flag = FlaggedBill.objects.get()
    assert (flag.firm, flag.bill_clio_id, flag.status) == (firm, 10, FlaggedBill.Status.OPEN)
    assert flag.planned_repair["kind"] == numbering.HOLD
    assert "below the starting invoice number 1100" in flag.reason
    assert "Settings → Billing" in flag.reason and "C-1042" in flag.reason


def test_a_held_bills_payments_wait_with_it_and_go_once_it_is_released(firm, books):
    _settings(firm, starting_invoice_number=1100)
    held = _bill(firm, number="1042", clio_id=10)
    Allocation.objects.create(
        firm=firm, clio_id=5, bill=held, amount=Decimal("100.00"), parent_type="Payment"
    )
    plan = plan_firm(firm=firm)
    assert plan.queued["bill"] == 0 and plan.queued["payment"] == 0  # nowhere to go yet
    _settings(firm, invoice_number_prefix="C-")
    plan = plan_firm(firm=firm)
    assert plan.queued["bill"] == 1 and plan.queued["payment"] == 1


def test_it_holds_a_bill_whose_number_an_invoice_made_in_the_books_holds(firm, books):
    BooksOnlyInvoice.objects.create(firm=firm, connection=books, remote_id="77", number="1001")
    _bill(firm, number="1001")
    plan_firm(firm=firm)
    assert _queued_bills() == {}
    flag = FlaggedBill.objects.get()
    assert flag.number == "1001"
    assert flag.reason.startswith("Invoice 1001 (made in the books) already holds number 1001")


def test_a_held_bill_is_planned_again_once_the_firm_sets_a_prefix(firm, books):
    _settings(firm, starting_invoice_number=1100)
    _bill(firm, number="1042")
    plan_firm(firm=firm)
    assert _queued_bills() == {}
    _settings(firm, invoice_number_prefix="C-")
    plan_firm(firm=firm)
    assert _queued_bills() == {"10": "C-1042"}
    flag = FlaggedBill.objects.get()
    assert flag.status == FlaggedBill.Status.CLEARED and flag.closed_at is not None


def test_planning_a_held_bill_again_keeps_one_open_flag(firm, books):
    _settings(firm, starting_invoice_number=1100)
    _bill(firm, number="1042")
    for _ in range(3):
        plan_firm(firm=firm)
    assert FlaggedBill.objects.filter(status=FlaggedBill.Status.OPEN).count() == 1
    assert SyncOperation.objects.filter(entity="bill").count() == 0


def test_a_bill_already_in_the_books_is_never_held(firm, books):
    bill = _bill(firm, number="1042")
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id=str(bill.clio_id),
        remote_type="Invoice",
        remote_id="5",
        fingerprint="old",
    )
    _settings(firm, starting_invoice_number=1100)
    plan_firm(firm=firm)
    assert _queued_bills() == {"10": "1042"}
    assert not FlaggedBill.objects.exists()


def test_a_number_the_books_refused_holds_the_bill_until_it_is_renumbered(firm, books):
    bill = _bill(firm, number="1001")
    plan_firm(firm=firm)
    op = SyncOperation.objects.get(entity="bill")
    SyncOperation.objects.filter(pk=op.pk).update(
        status="failed", error_code="6140", error_message="Duplicate Document Number Error"
    )
    op.refresh_from_db()
    assert numbering.refusals_hold(books=books, ops=[op]) == 1
    flag = FlaggedBill.objects.get()
    assert flag.planned_repair["refused"] and "Invoice 1001 in QuickBooks" in flag.reason
    plan_firm(firm=firm)  # still taken: held, nothing new queued
    assert SyncOperation.objects.filter(entity="bill").count() == 1
    assert FlaggedBill.objects.get().status == FlaggedBill.Status.OPEN
    Bill.objects.filter(pk=bill.pk).update(number="2001")  # renumbered in Clio
    plan_firm(firm=firm)
    assert FlaggedBill.objects.get().status == FlaggedBill.Status.CLEARED
    assert sorted(_queued_bills().values()) == ["2001"]


def test_the_prefix_numbers_credit_notes_too_and_changes_nothing_without_it(firm, books):
    bill = _bill(firm, number="1042")
    Allocation.objects.create(
        firm=firm,
        clio_id=500,
        etag="a1",
        bill=bill,
        amount=Decimal("25.00"),
        date=date(2026, 2, 2),
        parent_type="CreditMemo",
    )
    plan_firm(firm=firm)
    credit = SyncOperation.objects.get(entity="credit")
    assert "number" not in credit.payload
    SyncOperation.objects.all().delete()
    _settings(firm, invoice_number_prefix="C-")
    plan_firm(firm=firm)
    assert SyncOperation.objects.get(entity="credit").payload["number"] == "C-CR-500"
    assert SyncOperation.objects.get(entity="bill").payload["number"] == "C-1042"


def test_hold_reason_without_a_starting_number_or_a_taken_number_is_empty(firm, books):
    cfg = SyncSettings.objects.get(firm=firm)
    reason = numbering.hold_reason(clio_number="7", cfg=cfg, taken={}, books_name="Xero")
    assert reason == ""
    taken = {"c-7": "Invoice C-7 (made in the books)"}
    cfg.invoice_number_prefix = "C-"
    assert "already holds number C-7" in numbering.hold_reason(
        clio_number="7", cfg=cfg, taken=taken, books_name="Xero"
    )


def test_only_the_duplicate_number_refusal_of_each_book_counts():
    assert numbering.number_refused(provider="quickbooks", code="6140", message="")
    assert not numbering.number_refused(provider="quickbooks", code="6240", message="unique")
    assert numbering.number_refused(
        provider="xero", code="400", message="Invoice # must be unique."
    )
    assert not numbering.number_refused(provider="xero", code="400", message="TaxType missing")


@pytest.mark.parametrize(
    ("provider", "code", "message"),
    [
        ("quickbooks", "6140", "Duplicate Document Number Error"),
        ("xero", "", "Invoice # must be unique."),
    ],
)
def test_a_duplicate_number_is_explained_by_what_actually_fixes_it(provider, code, message):
    from sync.engine.errors import explain

    found = explain(provider, code, message)
    assert "Settings → Billing" in found.text and "invoice number prefix" in found.text
    assert "does not renumber anything" in found.text
    assert "no Retry is needed" in found.text
    assert (found.fix, found.fix_label) == ("settings", "Invoice number prefix")


def test_a_held_bill_shows_what_to_change_and_offers_no_repair_to_approve(staff_client, firm):
    from django.urls import reverse

    from tests.factories import books_connection

    books = books_connection(firm)
    SyncSettings.objects.create(
        firm=firm, start_date=date(2026, 1, 1), starting_invoice_number=1100
    )
    _bill(firm, number="1042")
    plan_firm(firm=firm)
    flag = FlaggedBill.objects.get(connection=books)
    html = staff_client.get(reverse("flag_detail", args=[flag.pk])).content.decode()
    assert "below the starting invoice number 1100" in html
    assert 'data-testid="number-hold"' in html and 'id="approve"' not in html
    assert (
        f'data-testid="flag-{flag.pk}"'
        in staff_client.get(reverse("flagged_bills")).content.decode()
    )
