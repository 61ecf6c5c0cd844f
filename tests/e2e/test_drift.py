"""A flagged bill in a real browser: an invoice paid in QuickBooks is locked, so when its bill
changes in Clio the reconciler flags it instead of rewriting it. A staff member opens the flag,
reads the difference side by side, approves the repair, sees the flag close, and the next read of
the books matches Clio."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from practice.models import BillLine
from sync.drift.services import reconcile_run
from sync.models import Drift, FlaggedBill, ReconcileRun
from tests.e2e.test_foundation import sign_in
from tests.factories import MembershipFactory
from tests.sync.conftest import clio_account  # noqa: F401 (fixture)
from tests.sync.drift.conftest import Bookkeeper, pull_only, sync_now
from tests.sync.engine.conftest import SyncedFirm, connect_books

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(clio_account, settings) -> SyncedFirm:  # noqa: F811
    conn = connect_books(clio_account.base, settings, clio_account.admin, "quickbooks")
    return SyncedFirm(clio=clio_account, books=conn)


def _locked_invoice_edited_in_clio(s: SyncedFirm, books: Bookkeeper) -> tuple[int, str]:
    """Bill pushed, paid 100.00 in both systems, then 1.5 h → 2 h in Clio: 495.50 → 645.50."""
    bill_id = s.approved_bill()["bill"]["id"]
    sync_now(s.firm)
    invoice_id = books.invoice_id(bill_id)
    line = BillLine.objects.filter(bill__clio_id=bill_id).order_by("clio_id").first()
    s.act("edit_line", line_item_id=line.clio_id, quantity=2)
    pull_only(s)
    books.pay(invoice_id, 100)
    s.act("record_payment", bill_id=bill_id, amount=100, source="operating", date="2026-03-20")
    pull_only(s)
    run = reconcile_run(firm=s.firm, trigger=ReconcileRun.Trigger.COMMAND)
    assert run.status == ReconcileRun.Status.SUCCEEDED, run.error
    return bill_id, invoice_id


def test_staff_approves_the_repair_of_a_locked_invoice(page, live_server, screenshot, synced):
    books = Bookkeeper(synced)
    bill_id, old_invoice = _locked_invoice_edited_in_clio(synced, books)
    flag = FlaggedBill.objects.get(connection=synced.books, status="open")
    staff = MembershipFactory(firm=synced.firm, role=Role.STAFF)

    sign_in(page, live_server, staff.user.email)
    page.goto(f"{live_server.url}/flagged-bills/")
    expect(page.get_by_test_id("flags-badge")).to_contain_text("1")
    expect(page.get_by_test_id(f"flag-{flag.pk}")).to_contain_text("Ada Lovelace")
    screenshot("1-queue")

    page.get_by_test_id(f"flag-{flag.pk}").get_by_role("link").click()
    expect(page.get_by_test_id("flag-status")).to_contain_text("Open")
    total = page.get_by_test_id("total-total")
    expect(total).to_contain_text("645.50")
    expect(total).to_contain_text("495.50")
    expect(total).to_contain_text("differs")
    expect(page.get_by_test_id("line-1").locator(".cell-differs").first).to_be_visible()
    expect(page.get_by_test_id("repair-steps")).to_contain_text("credit note")
    screenshot("2-side-by-side")

    page.get_by_role("button", name="Approve repair").click()
    expect(page.get_by_text("Repaired: the books now match Clio")).to_be_visible()
    expect(page.get_by_test_id("flag-status")).to_contain_text("Repaired")
    expect(page.get_by_test_id("flag-actions")).to_have_count(0)
    expect(page.get_by_test_id("flags-badge")).to_have_count(0)
    screenshot("3-repaired")

    # Reading the books back: the replacement invoice is Clio's bill, and nothing differs.
    new = books.invoice(books.invoice_id(bill_id))
    assert new.remote_id != old_invoice
    assert (new.doc.total, new.doc.paid, new.doc.balance) == (
        Decimal("645.50"),
        Decimal("100.00"),
        Decimal("545.50"),
    )
    run = reconcile_run(firm=synced.firm, trigger=ReconcileRun.Trigger.COMMAND)
    assert run.status == ReconcileRun.Status.SUCCEEDED, run.error
    assert not Drift.objects.filter(firm=synced.firm, status__in=Drift.OPEN_STATUSES).exists()
    assert run.ar_clio == run.ar_books == Decimal("545.50")

    page.goto(f"{live_server.url}/receivables/")
    expect(page.get_by_test_id("ar-total-difference")).to_have_text("0.00")
    expect(page.get_by_test_id("ar-all-match")).to_be_visible()
    screenshot("4-receivables")
