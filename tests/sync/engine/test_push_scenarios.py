"""Scenario tests over real HTTP: Clio changes, driven by the sandbox control API, reach the books."""

from decimal import Decimal

import requests

from sync.engine.run import sync_execute, sync_start
from sync.models import ExternalLink, SyncOperation, SyncRun


def sync_now(firm, kind="") -> SyncRun:
    run = sync_start(firm=firm, kind=kind, check=False, queue=False)
    return sync_execute(run_id=run.pk)


def invoice_in_books(synced, bill_id):
    link = ExternalLink.objects.get(connection=synced.books, entity="bill", local_id=str(bill_id))
    resource = "Invoice" if synced.books.provider == "quickbooks" else "Invoices"
    return synced.books_client().get(resource, link.remote_id)


def writes(synced) -> int:
    counters = requests.get(
        f"{synced.base}/sandbox/{synced.books.provider}/_control/counters", timeout=30
    ).json()
    return sum(
        count
        for endpoint, statuses in counters["endpoints"].items()
        if not endpoint.startswith("GET")
        for count in statuses.values()
    )


def test_an_approved_bill_becomes_an_invoice_with_every_line_and_its_customer(synced):
    made = synced.approved_bill()
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, (
        run.error,
        list(SyncOperation.objects.values("entity", "error_message")),
    )
    invoice = invoice_in_books(synced, made["bill"]["id"])
    assert invoice.number == made["bill"]["data"]["number"]
    assert invoice.total == Decimal("495.50")
    assert sorted(line.amount for line in invoice.lines) == [Decimal("45.50"), Decimal("450.00")]
    assert ExternalLink.objects.filter(connection=synced.books, entity="contact").count() == 1


def test_a_second_run_with_nothing_changed_writes_nothing(synced):
    synced.approved_bill()
    sync_now(synced.firm)
    before = writes(synced)
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert writes(synced) == before


def _line_ids(bill_id) -> list[int]:
    from practice.models import BillLine

    return list(
        BillLine.objects.filter(bill__clio_id=bill_id)
        .order_by("clio_id")
        .values_list("clio_id", flat=True)
    )


def test_an_edit_in_clio_after_approval_updates_the_invoice(synced):
    made = synced.approved_bill()
    sync_now(synced.firm)
    time_line = _line_ids(made["bill"]["id"])[0]
    synced.act(
        "edit_line", line_item_id=time_line, description="Drafting will (revised)", quantity=2
    )
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    invoice = invoice_in_books(synced, made["bill"]["id"])
    assert invoice.total == Decimal("645.50")
    assert "Drafting will (revised)" in {line.description for line in invoice.lines}
    assert SyncOperation.objects.filter(entity="bill", action="update", status="done").count() == 1


def test_a_payment_lands_on_its_invoice_and_a_voided_one_leaves_the_books(synced):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    synced.act("record_payment", bill_id=bill_id, amount=100, source="operating", date="2026-03-20")
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert invoice_in_books(synced, bill_id).balance == Decimal("395.50")
    link = ExternalLink.objects.get(connection=synced.books, entity="payment")
    synced.act("void_payment", allocation_id=int(link.local_id))
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert invoice_in_books(synced, bill_id).balance == Decimal("495.50")
    assert not ExternalLink.objects.filter(connection=synced.books, entity="payment").exists()


def test_a_credit_memo_becomes_a_credit_applied_to_the_invoice(synced):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    synced.act("issue_credit_memo", bill_id=bill_id, amount=25, description="Courtesy discount")
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, (
        run.error,
        list(SyncOperation.objects.filter(status="failed").values("entity", "error_message")),
    )
    assert invoice_in_books(synced, bill_id).balance == Decimal("470.50")
    assert ExternalLink.objects.filter(connection=synced.books, entity="credit").count() == 1


def test_a_bill_voided_in_clio_is_voided_in_the_books(synced):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    sync_now(synced.firm)
    synced.act("bill_transition", bill_id=bill_id, to="void")
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    invoice = invoice_in_books(synced, bill_id)
    assert invoice.status.upper() in {"VOIDED", "VOID"}
    assert invoice.balance == 0


def test_a_draft_pushed_early_is_approved_in_the_books_when_approved_in_clio(synced):
    from sync.models import SyncSettings

    SyncSettings.objects.filter(firm=synced.firm).update(only_approved_bills=False)
    contact = synced.act("create_contact", first_name="Grace", last_name="Hopper")
    matter = synced.act("create_matter", client_id=contact["id"], description="Patent")
    synced.act(
        "create_time_entry",
        matter_id=matter["id"],
        hours=2,
        price=250,
        note="Claims",
        date="2026-04-01",
    )
    bill = synced.act("generate_bill", matter_id=matter["id"], issued_at="2026-04-02")
    sync_now(synced.firm)
    first = invoice_in_books(synced, bill["id"])
    synced.act("bill_transition", bill_id=bill["id"], to="approve")
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    later = invoice_in_books(synced, bill["id"])
    assert later.id == first.id
    if synced.books.provider == "xero":
        assert (first.status, later.status) == ("DRAFT", "AUTHORISED")


def test_an_existing_customer_with_the_same_email_is_linked_not_duplicated(synced):
    client = synced.books_client()
    if synced.books.provider == "quickbooks":
        existing, _ = client.customer_find_or_create(
            name="Lovelace, Ada", email="ada@example.com", key="fs-test-1"
        )
    else:
        existing, _ = client.contact_find_or_create(
            name="Lovelace, Ada", email="ada@example.com", key="fs-test-1"
        )
    synced.approved_bill()
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    link = ExternalLink.objects.get(connection=synced.books, entity="contact")
    assert link.remote_id == existing.id


def test_a_number_already_in_the_books_fails_with_the_fix_and_retry_sends_it(synced):
    from sync.engine.errors import explain
    from sync.engine.run import operations_retry

    client = synced.books_client()
    made = synced.approved_bill()
    number = made["bill"]["data"]["number"]
    if synced.books.provider == "quickbooks":
        other, _ = client.customer_find_or_create(name="Someone Else", key="fs-test-2")
        item = client.query_all("Item")[0]
        clash = client.create(
            "Invoice",
            {
                "CustomerRef": {"value": other.id},
                "DocNumber": number,
                "Line": [
                    {
                        "Amount": 10,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                    }
                ],
            },
            key="fs-test-3",
        )
    else:
        other, _ = client.contact_find_or_create(name="Someone Else", key="fs-test-2")
        clash = client.create(
            "Invoices",
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": other.id},
                "InvoiceNumber": number,
                "Status": "DRAFT",
                "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}],
            },
            key="fs-test-3",
        )
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.PARTIAL
    failed = SyncOperation.objects.get(status="failed")
    assert failed.entity == "bill"
    assert explain(synced.books.provider, failed.error_code, failed.error_message).fix == "settings"
    # The bookkeeper renumbers the old document, then retries.
    if synced.books.provider == "quickbooks":
        client.update(
            "Invoice", clash.id, clash.version, {"DocNumber": f"OLD-{number}"}, key="fs-test-4"
        )
    else:
        client.update("Invoices", clash.id, {"InvoiceNumber": f"OLD-{number}"}, key="fs-test-4")
    assert operations_retry(firm=synced.firm, actor=None) == 1
    run = SyncRun.objects.filter(kind="retry").get()
    assert run.status == SyncRun.Status.SUCCEEDED, list(
        SyncOperation.objects.values("entity", "status", "attempts", "error_message")
    )
    assert invoice_in_books(synced, made["bill"]["id"]).number == number


def test_an_edit_announced_by_a_webhook_reaches_the_books_without_a_manual_run(synced):
    import hashlib
    import hmac
    import json

    from sync.models import WebhookEvent, WebhookSubscription
    from tests.support.sandboxes import control

    control(synced.base, "clio", "webhooks/flush")  # handshakes
    made = synced.approved_bill()
    control(synced.base, "clio", "webhooks/flush")
    sync_now(synced.firm)  # the initial sync
    line = _line_ids(made["bill"]["id"])[0]
    synced.act("edit_line", line_item_id=line, description="Advice (revised)", quantity=3)
    # The delivery is stored, acknowledged, and the inbox task pulls, plans and pushes.
    control(synced.base, "clio", "webhooks/flush")
    invoice = invoice_in_books(synced, made["bill"]["id"])
    assert invoice.total == Decimal("945.50")
    incremental = SyncRun.objects.filter(kind="webhook").first()
    assert incremental is not None and incremental.status == SyncRun.Status.SUCCEEDED
    # The same delivery four more times: stored once, written once.
    event = WebhookEvent.objects.filter(model="bill").order_by("-received_at").first() or (
        WebhookEvent.objects.order_by("-received_at").first()
    )
    sub = WebhookSubscription.objects.get(pk=event.subscription_id)
    body = json.dumps(event.payload).encode()
    signature = hmac.new(sub.shared_secret.encode(), body, hashlib.sha256).hexdigest()
    before = writes(synced)
    for _ in range(4):
        again = requests.post(
            f"{synced.base}/webhooks/clio/{sub.token}/",
            data=body,
            headers={"X-Hook-Signature": signature},
            timeout=30,
        )
        assert again.status_code == 200
    assert writes(synced) == before
    assert SyncOperation.objects.filter(entity="bill", action="update").count() == 1


def test_a_payment_whose_amount_changes_is_changed_in_the_books_not_added_again(synced):
    """Clio's API has no payment edits for the sandbox to act out, so the edit is made to the
    mirror as a pull would; plan and push then run against the real sandbox books."""
    from practice.models import Allocation
    from sync.engine.plan import plan_firm
    from sync.engine.push import push_pending

    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    synced.act("record_payment", bill_id=bill_id, amount=100, source="operating", date="2026-03-20")
    sync_now(synced.firm)
    Allocation.objects.filter(firm=synced.firm).update(amount=Decimal("60.00"), etag="edited")
    plan_firm(firm=synced.firm)
    assert push_pending(connection=synced.books)["done"] == 1
    assert invoice_in_books(synced, bill_id).balance == Decimal("435.50")
    client = synced.books_client()
    if synced.books.provider == "quickbooks":
        live = [p for p in client.query_all("Payment") if float(p.get("TotalAmt", 0)) > 0]
    else:
        live = [p for p in client.read_all("Payments") if p.status != "DELETED"]
    assert len(live) == 1


def _clioreads(synced) -> int:
    counters = requests.get(f"{synced.base}/sandbox/clio/_control/counters", timeout=30).json()
    return sum(
        n
        for endpoint, statuses in counters["endpoints"].items()
        if endpoint.startswith("GET")
        for n in statuses.values()
    )


def test_the_five_minute_poll_syncs_an_unannounced_edit_reading_clio_once(synced):
    from sync.tasks import clio_poll

    made = synced.approved_bill()
    sync_now(synced.firm)
    synced.act("edit_line", line_item_id=_line_ids(made["bill"]["id"])[0], quantity=3)
    # Nothing is flushed: no webhook announces the edit, the poll alone finds it.
    before = _clioreads(synced)
    assert clio_poll() == 1
    poll_reads = _clioreads(synced) - before
    assert invoice_in_books(synced, made["bill"]["id"]).total == Decimal("945.50")
    # The poll's incremental run read Clio; the poll did not read it a second time first.
    before = _clioreads(synced)
    sync_now(synced.firm)
    assert poll_reads <= _clioreads(synced) - before + 1


def reads(synced) -> int:
    counters = requests.get(
        f"{synced.base}/sandbox/{synced.books.provider}/_control/counters", timeout=30
    ).json()
    return sum(
        count
        for endpoint, statuses in counters["endpoints"].items()
        if endpoint.startswith("GET")
        for count in statuses.values()
    )


def test_a_round_killed_after_the_books_saved_it_is_found_again_in_a_few_reads(synced):
    """A worker killed after the books saved its round but before it recorded the answers: the
    next claim finds every record by its natural key, a read per kind and 25 records, not one
    per record (at Xero's 60 calls a minute that would cost minutes per kill)."""
    from datetime import timedelta

    from django.utils import timezone

    from sync.engine.push import push_pending

    bills = [
        synced.approved_bill(name=f"Client{i} Example", email=f"c{i}@example.com")
        for i in range(30)
    ]
    for made in bills:
        synced.act(
            "record_payment",
            bill_id=made["bill"]["id"],
            amount=100,
            source="operating",
            date="2026-03-20",
        )
    assert sync_now(synced.firm).status == SyncRun.Status.SUCCEEDED
    entities = ("contact", "bill", "payment")
    ExternalLink.objects.filter(connection=synced.books, entity__in=entities).delete()
    ops = SyncOperation.objects.filter(firm=synced.firm, entity__in=entities)
    assert ops.count() == 90
    ops.update(status="in_flight", claimed_until=timezone.now() - timedelta(minutes=1))
    before_writes, before_reads = writes(synced), reads(synced)

    push_pending(connection=synced.books)

    assert writes(synced) == before_writes  # every record was found, none written again
    assert set(ops.values_list("status", flat=True)) == {"done"}
    for entity in entities:
        assert ExternalLink.objects.filter(connection=synced.books, entity=entity).count() == 30
    # Two look-ups per kind (25 keys each), and QuickBooks' payments by their 30 customers.
    assert reads(synced) - before_reads <= 8


def test_a_round_of_contacts_killed_before_the_books_saved_it_reads_the_customer_list_once(synced):
    """A worker killed before its round of new contacts reached the books: the next claim looks
    for them (a few keyed reads), then, finding none, reads the whole list once to match them by
    name and email, not two searches per contact (at the benchmark's kill, 45 s of one-by-one
    reads before anything was written)."""
    from datetime import timedelta

    from django.utils import timezone

    from sync.engine.plan import plan_firm
    from sync.engine.pull import pull_clio
    from sync.engine.push import push_pending

    for i in range(22):
        synced.approved_bill(name=f"Client{i} Example", email=f"c{i}@example.com")
    pull_clio(connection_id=synced.clio.connection.pk, full=True)
    plan_firm(firm=synced.firm, entities={"contact"})
    ops = SyncOperation.objects.filter(firm=synced.firm, entity="contact")
    assert ops.count() == 22
    ops.update(status="in_flight", attempts=1, claimed_until=timezone.now() - timedelta(minutes=1))
    before_writes, before_reads = writes(synced), reads(synced)

    push_pending(connection=synced.books)

    assert set(ops.values_list("status", flat=True)) == {"done"}
    assert ExternalLink.objects.filter(connection=synced.books, entity="contact").count() == 22
    assert writes(synced) > before_writes  # made now, each once
    assert reads(synced) - before_reads <= 6
