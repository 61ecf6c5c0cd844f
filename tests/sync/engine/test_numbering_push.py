"""Invoice numbers end to end, over real HTTP to sandbox QuickBooks and Xero: a number the books
already use holds the bill instead of failing on every sync; a prefix writes it, and its credits."""

from sync.drift.services import reconcile_run
from sync.models import Drift, ExternalLink, FlaggedBill, SyncOperation, SyncRun, SyncSettings
from tests.sync.engine.test_push_scenarios import invoice_in_books, sync_now, writes


def _invoice_numbered(synced, number: str, key: str):
    """An invoice someone typed into the books with `number` (FirmSync did not write it)."""
    client = synced.books_client()
    if synced.books.provider == "quickbooks":
        other, _ = client.customer_find_or_create(name="Someone Else", key=f"{key}-c")
        item = client.query_all("Item")[0]
        line = {
            "Amount": 10,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
        }
        body = {"CustomerRef": {"value": other.id}, "DocNumber": number, "Line": [line]}
        return client.create("Invoice", body, key=key)
    other, _ = client.contact_find_or_create(name="Someone Else", key=f"{key}-c")
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": other.id},
        "InvoiceNumber": number,
        "Status": "DRAFT",
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}],
    }
    return client.create("Invoices", body, key=key)


def test_a_taken_number_holds_the_bill_and_a_prefix_writes_it_and_its_credit(synced):
    made = synced.approved_bill()
    bill_id, number = made["bill"]["id"], made["bill"]["data"]["number"]
    _invoice_numbered(synced, number, "fs-num-1")
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.PARTIAL
    assert SyncOperation.objects.get(status="failed").entity == "bill"
    flag = FlaggedBill.objects.get(firm=synced.firm, bill_clio_id=bill_id)
    assert flag.status == FlaggedBill.Status.OPEN and flag.number == number
    label = "QuickBooks" if synced.books.provider == "quickbooks" else "Xero"
    assert f"Invoice {number} in {label} already holds number {number}" in flag.reason
    # Held, not refused again on every sync: the next one writes nothing.
    before = writes(synced)
    sync_now(synced.firm)
    assert writes(synced) == before
    # The firm chooses a prefix: the bill goes, as C-<number>, and its hold closes.
    SyncSettings.objects.filter(firm=synced.firm).update(invoice_number_prefix="C-")
    run = sync_now(synced.firm)
    invoice = invoice_in_books(synced, bill_id)
    assert invoice.number == f"C-{number}"
    flag.refresh_from_db()
    assert flag.status == FlaggedBill.Status.CLEARED
    synced.act("issue_credit_memo", bill_id=bill_id, amount=25, description="Courtesy discount")
    sync_now(synced.firm)
    link = ExternalLink.objects.get(connection=synced.books, entity="credit")
    kind = "CreditMemo" if synced.books.provider == "quickbooks" else "CreditNotes"
    assert synced.books_client().get(kind, link.remote_id).number.startswith("C-CR-")
    # The reconciler compares the number behind the prefix: no number drift for the bill.
    reconcile_run(firm=synced.firm, trigger="command")
    fields = Drift.objects.filter(firm=synced.firm, kind="fields", bill_clio_id=bill_id)
    assert not fields.exists(), list(fields.values("differences"))


def test_a_bill_below_the_starting_number_never_reaches_the_books(synced):
    made = synced.approved_bill()
    number = int(made["bill"]["data"]["number"])
    SyncSettings.objects.filter(firm=synced.firm).update(starting_invoice_number=number + 1)
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert not ExternalLink.objects.filter(connection=synced.books, entity="bill").exists()
    flag = FlaggedBill.objects.get(firm=synced.firm, status=FlaggedBill.Status.OPEN)
    assert f"below the starting invoice number {number + 1}" in flag.reason
    # The reconciler does not call it missing and create it behind the hold's back.
    reconcile_run(firm=synced.firm, trigger="command")
    assert not ExternalLink.objects.filter(connection=synced.books, entity="bill").exists()


def test_the_preflight_reads_clios_numbers_before_the_first_sync(synced):
    from practice.models import Bill
    from sync.preflight import preflight_run

    made = synced.approved_bill()
    number = int(made["bill"]["data"]["number"])
    assert not Bill.objects.filter(firm=synced.firm).exists()  # nothing synced yet
    checks, _ = preflight_run(firm=synced.firm)
    check = next(c for c in checks if c.key == "clio_numbers")
    assert f"Clio's highest bill number is {number}" in check.detail
    assert not check.blocking


def test_the_preflight_reads_one_page_of_clios_newest_bills_not_all_of_them(
    synced, monkeypatch, caplog
):
    """Reading every bill would spend the first sync's Clio allowance (a call per 200 bills at
    50 calls a minute) before the sync has read anything: one page of the newest is enough."""
    import logging

    from sync.preflight import preflight_run
    from sync.providers.clio import client as clio_client

    older, newer = synced.approved_bill(), synced.approved_bill()
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 1)  # two bills: two pages if read in full
    with caplog.at_level(logging.INFO, logger="firmsync.providers"):
        checks, _ = preflight_run(firm=synced.firm)
    check = next(c for c in checks if c.key == "clio_numbers")
    highest = max(int(b["bill"]["data"]["number"]) for b in (older, newer))
    assert f"Clio's highest bill number is {highest}" in check.detail
    bill_reads = [r for r in caplog.records if "bills.json" in r.getMessage()]
    assert len(bill_reads) == 2  # the permission check's one bill and the newest page
