"""Scenario tests over real HTTP on both sandboxes: each ends with the books matching Clio or with
a FlaggedBill that says why not and plans a repair the books accept."""

from decimal import Decimal

from sync.drift.flags import flag_dismiss
from sync.drift.repair import flag_approve
from sync.drift.services import reconcile_run
from sync.models import Drift, ExternalLink, FlaggedBill, ReconcileRun, SyncSettings
from tests.sync.drift.conftest import money, pull_only, sync_now


def reconcile(s) -> ReconcileRun:
    run = reconcile_run(firm=s.firm, trigger=ReconcileRun.Trigger.COMMAND)
    assert run.status == ReconcileRun.Status.SUCCEEDED, run.error
    return run


def open_drifts(s) -> list[dict]:
    return list(
        Drift.objects.filter(connection=s.books, status__in=Drift.OPEN_STATUSES).values(
            "kind", "status", "differences"
        )
    )


def assert_clean(s) -> ReconcileRun:
    """A further run finds nothing open: the books match Clio."""
    run = reconcile(s)
    assert open_drifts(s) == []
    return run


def draft_bill(s) -> dict:
    contact = s.act("create_contact", first_name="Ada", last_name="Lovelace", email="a@x.com")
    matter = s.act("create_matter", client_id=contact["id"], description="Estate planning")
    s.act(
        "create_time_entry",
        matter_id=matter["id"],
        hours=2,
        price=250,
        note="Advice",
        date="2026-03-10",
    )
    return s.act("generate_bill", matter_id=matter["id"], issued_at="2026-03-15")


def test_a_draft_pushed_and_approved_in_clio_later_is_approved_in_the_books(synced, books):
    SyncSettings.objects.filter(firm=synced.firm).update(only_approved_bills=False)
    bill = draft_bill(synced)
    sync_now(synced.firm)
    synced.act("bill_transition", bill_id=bill["id"], to="approve")
    pull_only(synced)
    run = reconcile(synced)
    if books.qbo:
        # QuickBooks has no drafts: the invoice was live from the start and still matches.
        assert run.drifts_found == 0
    else:
        drift = Drift.objects.get(connection=synced.books, kind="status")
        assert drift.status == Drift.Status.REPAIRED
        assert drift.summary.startswith("Approved in Clio")
        assert "still Draft in Xero" in drift.summary
        assert drift.repair == {
            "kind": "authorise",
            "summary": "Approve the draft in Xero.",
            "safe": True,
        }
    assert books.invoice(books.invoice_id(bill["id"])).doc.status == "open"
    assert_clean(synced)


def test_lines_edited_in_the_books_after_approval_are_written_back(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    invoice_id = books.invoice_id(made["bill"]["id"])
    books.edit_first_line(invoice_id, qty=3)
    run = reconcile(synced)
    assert (run.drifts_found, run.repaired, run.flagged) == (1, 1, 0)
    drift = Drift.objects.get(connection=synced.books, kind="lines")
    assert drift.status == Drift.Status.REPAIRED
    assert {"field": "amount", "line": 1, "clio": "450.00", "books": "900.00"} in drift.differences
    assert books.invoice(invoice_id).doc.total == Decimal("495.50")
    assert_clean(synced)


def test_wording_changed_in_the_books_is_written_back(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    invoice_id = books.invoice_id(made["bill"]["id"])
    books.edit_first_line(invoice_id, description="Drafting   will, urgent")
    reconcile(synced)
    drift = Drift.objects.get(connection=synced.books, kind="lines")
    assert drift.differences == [
        {
            "field": "description",
            "line": 1,
            "clio": "Drafting will",
            "books": "Drafting will, urgent",
        }
    ]
    assert "wording" in drift.summary
    assert books.invoice(invoice_id).doc.lines[0].description == "Drafting will"
    assert_clean(synced)


def test_a_payment_made_in_clio_only_is_recorded_in_the_books(synced, books):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    SyncSettings.objects.filter(firm=synced.firm).update(sync_payments=False)
    synced.act("record_payment", bill_id=bill_id, amount=100, source="operating", date="2026-03-20")
    sync_now(synced.firm)
    SyncSettings.objects.filter(firm=synced.firm).update(sync_payments=True)
    run = reconcile(synced)
    assert run.repaired == 1
    drift = Drift.objects.get(connection=synced.books, kind="payment")
    assert drift.differences[0] == {
        "field": "paid",
        "line": None,
        "clio": "100.00",
        "books": "0.00",
    }
    inv = books.invoice(books.invoice_id(bill_id))
    assert (inv.doc.paid, inv.doc.balance) == (Decimal("100.00"), Decimal("395.50"))
    assert ExternalLink.objects.filter(connection=synced.books, entity="payment").count() == 1
    assert_clean(synced)


def test_a_payment_made_in_the_books_only_is_flagged(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    invoice_id = books.invoice_id(made["bill"]["id"])
    books.pay(invoice_id, 200)
    run = reconcile(synced)
    assert run.flagged == 1
    flag = FlaggedBill.objects.get(connection=synced.books)
    assert flag.books_side["paid"] == "200.00" and flag.clio_side["paid"] == "0.00"
    assert flag.planned_repair["kind"] == "by_hand"
    assert "Clio still chases 200.00" in flag.reason
    # Approving a by-hand plan changes nothing and says so.
    after = flag_approve(flag=flag, actor=synced.clio.admin.user)
    assert after.status == FlaggedBill.Status.OPEN and "by hand" in after.action_note


def test_a_bill_voided_in_clio_is_voided_in_the_books(synced, books):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    sync_now(synced.firm)
    synced.act("bill_transition", bill_id=bill_id, to="void")
    pull_only(synced)
    run = reconcile(synced)
    assert run.repaired == 1
    assert "voided in Clio" in Drift.objects.get(connection=synced.books, kind="status").summary
    assert books.invoice(books.invoice_id(bill_id)).doc.status == "voided"
    assert_clean(synced)


def test_an_edit_after_a_payment_in_the_books_is_flagged_then_credited_and_replaced(synced, books):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    sync_now(synced.firm)
    old_id = books.invoice_id(bill_id)
    from practice.models import BillLine

    line = BillLine.objects.filter(bill__clio_id=bill_id).order_by("clio_id").first()
    synced.act("edit_line", line_item_id=line.clio_id, quantity=2)  # 1.5 h → 2 h: 645.50
    pull_only(synced)
    books.pay(old_id, 100)
    synced.act("record_payment", bill_id=bill_id, amount=100, source="operating", date="2026-03-20")
    pull_only(synced)
    run = reconcile(synced)
    assert run.repaired == 0 and run.flagged >= 1
    flag = FlaggedBill.objects.get(connection=synced.books, status="open")
    assert flag.planned_repair["kind"] == "credit_and_replace"
    assert "payments or credits are allocated" in flag.reason
    assert flag.clio_side["total"] == "645.50" and flag.books_side["total"] == "495.50"
    assert len(flag.planned_repair["steps"]) >= 4

    done = flag_approve(flag=flag, actor=synced.clio.admin.user)
    assert done.status == FlaggedBill.Status.REPAIRED, done.action_note
    new = books.invoice(books.invoice_id(bill_id))
    assert new.remote_id != old_id
    assert (new.doc.total, new.doc.paid, new.doc.balance) == (
        Decimal("645.50"),
        Decimal("100.00"),
        Decimal("545.50"),
    )
    assert books.invoice(old_id).doc.balance == 0
    # Approving twice writes nothing more.
    assert flag_approve(flag=done, actor=synced.clio.admin.user).status == "repaired"
    run = assert_clean(synced)
    assert run.ar_clio == run.ar_books == Decimal("545.50")


def test_an_edit_in_a_closed_period_is_flagged_not_forced(synced, books):
    made = synced.approved_bill()
    bill_id = made["bill"]["id"]
    sync_now(synced.firm)
    books.lock("2026-03-31")
    from practice.models import BillLine

    line = BillLine.objects.filter(bill__clio_id=bill_id).order_by("clio_id").first()
    synced.act("edit_line", line_item_id=line.clio_id, description="Drafting will (revised)")
    pull_only(synced)
    run = reconcile(synced)
    assert run.repaired == 0
    flag = FlaggedBill.objects.get(connection=synced.books, status="open")
    assert "up to 2026-03-31" in flag.reason
    steps = " ".join(flag.planned_repair["steps"])
    assert "dated 2026-04-01" in steps
    done = flag_approve(flag=flag, actor=synced.clio.admin.user)
    assert done.status == FlaggedBill.Status.REPAIRED, done.action_note
    new = books.invoice(books.invoice_id(bill_id))
    assert new.doc.lines[0].description == "Drafting will (revised)"
    assert_clean(synced)


def test_an_invoice_made_by_hand_and_a_number_used_twice_are_flagged(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    customer = ExternalLink.objects.get(connection=synced.books, entity="contact").remote_id
    books.create_invoice(customer_id=customer, number="HAND-1", amount=80)
    number = made["bill"]["data"]["number"] if "data" in made["bill"] else made["bill"]["number"]
    if books.qbo:
        books.create_invoice(customer_id=customer, number=number, amount=60)
    run = reconcile(synced)
    kinds = sorted(Drift.objects.filter(connection=synced.books).values_list("kind", flat=True))
    if books.qbo:
        assert kinds == ["duplicate_number", "unexplained", "unexplained"]
    else:
        # Xero refuses a second invoice with the same number ("Invoice # must be unique").
        assert kinds == ["unexplained"]
    flags = FlaggedBill.objects.filter(connection=synced.books, status="open")
    assert flags.count() == run.flagged - (1 if books.qbo else 0)
    hand = flags.get(number="HAND-1")
    assert hand.planned_repair["kind"] == "void_invoice"
    assert flag_approve(flag=hand, actor=synced.clio.admin.user).status == "repaired"
    for flag in flags.exclude(pk=hand.pk):
        flag_approve(flag=flag, actor=synced.clio.admin.user)
    assert_clean(synced)


def test_a_dismissed_difference_stays_dismissed_until_it_changes(synced, books):
    made = synced.approved_bill()
    sync_now(synced.firm)
    invoice_id = books.invoice_id(made["bill"]["id"])
    books.pay(invoice_id, 200)
    reconcile(synced)
    flag = FlaggedBill.objects.get(connection=synced.books)
    flag_dismiss(flag=flag, actor=synced.clio.admin.user, reason="Paid by the client's insurer")
    again = reconcile(synced)
    assert again.flagged == 0 and open_drifts(synced) == []
    assert FlaggedBill.objects.filter(status__in=FlaggedBill.OPEN_STATUSES).count() == 0
    books.pay(invoice_id, 50)  # the difference grows: it is news again
    raised = reconcile(synced)
    assert raised.flagged == 1
    assert FlaggedBill.objects.get(status=FlaggedBill.Status.OPEN).books_side["paid"] == "250.00"


def test_an_approved_bill_missing_from_the_books_is_written_there(synced, books):
    synced.approved_bill()
    sync_now(synced.firm)
    late = synced.approved_bill(name="Grace Hopper", email="grace@example.com")
    pull_only(synced)  # in the mirror, never pushed: the books lack it
    run = reconcile(synced)
    drift = Drift.objects.get(connection=synced.books, kind="missing")
    assert drift.status == Drift.Status.REPAIRED and run.repaired == 1, drift.repair
    assert "Grace Hopper" in drift.client_name
    invoice = books.invoice(books.invoice_id(late["bill"]["id"]))
    assert invoice.doc.total == money("495.50")
    assert_clean(synced)
