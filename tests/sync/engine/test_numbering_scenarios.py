"""Each number collision end to end, over real HTTP to sandbox QuickBooks and Xero: a books invoice
made by hand is known before the bill is sent, Clio's numbering restarted is caught by the numbers
FirmSync wrote, and a bill refused for its number goes by itself, without a Retry, once the old
invoice is renumbered in the books."""

from sync.models import ExternalLink, FlaggedBill, SyncOperation, SyncRun, SyncSettings
from sync.preflight import preflight_run
from tests.sync.engine.test_numbering_push import _invoice_numbered
from tests.sync.engine.test_push_scenarios import invoice_in_books, sync_now, writes


def _renumber_in_books(synced, invoice, number: str, key: str) -> None:
    """Someone renumbers the old invoice in the books (QuickBooks sparse update / Xero POST)."""
    client = synced.books_client()
    if synced.books.provider == "quickbooks":
        client.update("Invoice", invoice.id, invoice.version, {"DocNumber": number}, key=key)
    else:
        client.update("Invoices", invoice.id, {"InvoiceNumber": number}, key=key)


def _label(synced) -> str:
    return "QuickBooks" if synced.books.provider == "quickbooks" else "Xero"


def test_an_invoice_made_by_hand_holds_the_bill_before_anything_is_sent(synced):
    made = synced.approved_bill()
    bill_id, number = made["bill"]["id"], made["bill"]["data"]["number"]
    old = _invoice_numbered(synced, number, "fs-hand-1")
    preflight_run(firm=synced.firm)  # what starting a sync reads first
    before = writes(synced)
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert not SyncOperation.objects.filter(entity="bill").exists()  # never sent, never refused
    flag = FlaggedBill.objects.get(firm=synced.firm, bill_clio_id=bill_id)
    assert flag.status == FlaggedBill.Status.OPEN
    assert flag.reason.startswith(
        f"Invoice {number} (in {_label(synced)} already; FirmSync did not write it) already holds "
        f"number {number}"
    )
    assert writes(synced) - before >= 1  # the contact went; the bill did not
    # The firm renumbers its old invoice in the books: the next sync sends the bill by itself.
    _renumber_in_books(synced, old, f"{number}-OLD", "fs-hand-2")
    preflight_run(firm=synced.firm)
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert invoice_in_books(synced, bill_id).number == number
    flag.refresh_from_db()
    assert flag.status == FlaggedBill.Status.CLEARED


def test_clio_numbering_restarted_holds_the_new_bill_until_it_is_renumbered(synced):
    first = synced.approved_bill()
    first_number = first["bill"]["data"]["number"]
    assert sync_now(synced.firm).status == SyncRun.Status.SUCCEEDED
    second = synced.approved_bill(name="Grace Hopper", email="grace@example.com")
    second_id = second["bill"]["id"]
    synced.act("edit_bill", bill_id=second_id, number=first_number)  # Clio starts again
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert not ExternalLink.objects.filter(entity="bill", local_id=str(second_id)).exists()
    assert not SyncOperation.objects.filter(entity="bill", local_id=str(second_id)).exists()
    flag = FlaggedBill.objects.get(firm=synced.firm, bill_clio_id=second_id)
    assert "FirmSync wrote it for an earlier Clio bill" in flag.reason
    assert "Settings → Billing" in flag.reason
    synced.act("edit_bill", bill_id=second_id, number=f"{first_number}9")
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert invoice_in_books(synced, second_id).number == f"{first_number}9"
    flag.refresh_from_db()
    assert flag.status == FlaggedBill.Status.CLEARED


def test_a_bill_the_books_refused_goes_by_itself_once_the_old_invoice_is_renumbered(synced):
    made = synced.approved_bill()
    bill_id, number = made["bill"]["id"], made["bill"]["data"]["number"]
    old = _invoice_numbered(synced, number, "fs-ref-1")
    run = sync_now(synced.firm)  # the books had not been read since: they refuse the number
    assert run.status == SyncRun.Status.PARTIAL
    refused = SyncOperation.objects.get(entity="bill", status="failed")
    assert FlaggedBill.objects.get(bill_clio_id=bill_id).status == FlaggedBill.Status.OPEN
    _renumber_in_books(synced, old, f"{number}-OLD", "fs-ref-2")
    run = sync_now(synced.firm)  # no preflight: the run asks the books about the held number
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    refused.refresh_from_db()
    assert refused.status == "done"  # the same write, sent again without a Retry
    assert invoice_in_books(synced, bill_id).number == number
    assert FlaggedBill.objects.get(bill_clio_id=bill_id).status == FlaggedBill.Status.CLEARED


def test_with_a_prefix_on_an_invoice_holding_the_prefixed_number_holds_the_bill(synced):
    SyncSettings.objects.filter(firm=synced.firm).update(invoice_number_prefix="C-")
    made = synced.approved_bill()
    bill_id, number = made["bill"]["id"], made["bill"]["data"]["number"]
    _invoice_numbered(synced, number, "fs-pre-0")  # the bare number is no clash behind a prefix
    _invoice_numbered(synced, f"C-{number}", "fs-pre-1")
    preflight_run(firm=synced.firm)
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    flag = FlaggedBill.objects.get(firm=synced.firm, bill_clio_id=bill_id)
    assert flag.number == f"C-{number}"
    assert f"already holds number C-{number}" in flag.reason
    assert not SyncOperation.objects.filter(entity="bill").exists()
    synced.act("edit_bill", bill_id=bill_id, number=f"{number}7")  # renumbered in Clio
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert invoice_in_books(synced, bill_id).number == f"C-{number}7"
    flag.refresh_from_db()
    assert flag.status == FlaggedBill.Status.CLEARED
