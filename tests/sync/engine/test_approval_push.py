"""Bills held for approval end to end, over real HTTP to sandbox Clio, QuickBooks and Xero: a
bill over the firm's amount is held and nothing is written for it; approved, it is written once;
a draft bill approved in FirmSync is approved in Clio (PATCH with If-Match), and a bill changed
in Clio since FirmSync read it is refused with a clear message, not a 500."""

from decimal import Decimal

from accounts.models import AuditEvent, Role
from practice.models import Bill
from sync.approval_services import bill_approvals_decide
from sync.drift.services import reconcile_run
from sync.engine.registry import client_for
from sync.models import BillApproval, ExternalLink, SyncRun, SyncSettings
from tests.conftest import client_for as web_client_for
from tests.factories import MembershipFactory
from tests.sync.engine.test_push_scenarios import invoice_in_books, sync_now, writes


def _draft_bill(synced) -> dict:
    contact = synced.act("create_contact", first_name="Grace", last_name="Hopper", email="g@x.io")
    matter = synced.act("create_matter", client_id=contact["id"], description="Patent filing")
    synced.act(
        "create_time_entry",
        matter_id=matter["id"],
        hours=2,
        price=400,
        note="Claims",
        date="2026-03-10",
    )
    return synced.act("generate_bill", matter_id=matter["id"], issued_at="2026-03-15")


def _clio_state(synced, bill_id: int) -> str:
    return next(b.state for b in client_for(synced.clio.connection).bills() if b.id == bill_id)


def test_a_bill_over_the_amount_is_held_and_written_once_when_approved(synced):
    made = synced.approved_bill()  # 1.5 h at 300 + 45.50 = 495.50
    bill_id = made["bill"]["id"]
    SyncSettings.objects.filter(firm=synced.firm).update(approval_amount_over=Decimal("400"))
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    held = BillApproval.objects.get(firm=synced.firm, bill_clio_id=bill_id)
    assert held.status == "held" and held.amount == Decimal("495.50")
    assert [r["rule"] for r in held.rules] == ["amount"]
    assert not ExternalLink.objects.filter(connection=synced.books, entity="bill").exists()
    # Held, not missing: the reconciler does not write it behind the hold's back.
    before = writes(synced)
    sync_now(synced.firm)
    reconcile_run(firm=synced.firm, trigger="command")
    assert writes(synced) == before
    assert not ExternalLink.objects.filter(connection=synced.books, entity="bill").exists()

    staff = MembershipFactory(firm=synced.firm, role=Role.STAFF)
    (done,) = bill_approvals_decide(approvals=[held], member=staff, decision="approve")
    assert done.error == "" and done.approval.status == "approved"
    assert not done.approval.approved_in_clio  # already approved in Clio
    sync_now(synced.firm)
    invoice = invoice_in_books(synced, bill_id)
    assert invoice.number == made["bill"]["data"]["number"]
    after = writes(synced)
    sync_now(synced.firm)
    assert writes(synced) == after  # written once
    event = AuditEvent.objects.get(firm=synced.firm, action="bill_approval.approved")
    assert event.actor == staff.user and event.after["number"] == held.number


def test_a_draft_bill_approved_in_firmsync_is_approved_in_clio_then_sent(synced):
    SyncSettings.objects.filter(firm=synced.firm).update(
        only_approved_bills=False, approval_amount_over=Decimal("100")
    )
    bill = _draft_bill(synced)
    sync_now(synced.firm)
    held = BillApproval.objects.get(firm=synced.firm, bill_clio_id=bill["id"])
    assert Bill.objects.get(firm=synced.firm, clio_id=bill["id"]).state == "draft"
    (done,) = bill_approvals_decide(approvals=[held], member=synced.clio.admin, decision="approve")
    assert done.error == ""
    assert done.approval.approved_in_clio
    assert _clio_state(synced, bill["id"]) == "awaiting_payment"
    assert Bill.objects.get(firm=synced.firm, clio_id=bill["id"]).state == "awaiting_payment"
    sync_now(synced.firm)
    assert invoice_in_books(synced, bill["id"]).number == bill["data"]["number"]


def test_a_draft_changed_in_clio_since_it_was_read_is_refused_with_a_clear_message(synced):
    SyncSettings.objects.filter(firm=synced.firm).update(
        only_approved_bills=False, approval_amount_over=Decimal("100")
    )
    bill = _draft_bill(synced)
    sync_now(synced.firm)
    held = BillApproval.objects.get(firm=synced.firm, bill_clio_id=bill["id"])
    # Someone edits the bill in Clio: the version FirmSync holds is stale, Clio answers 412.
    Bill.objects.filter(firm=synced.firm, clio_id=bill["id"]).update(etag="stale-etag")
    web = web_client_for(synced.clio.admin)
    response = web.post(
        f"/api/v1/bill-approvals/{held.pk}/approve",
        {},
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert "reload this page" in response.json()["error"]["message"]
    held.refresh_from_db()
    assert held.status == "held"
    assert _clio_state(synced, bill["id"]) == "draft"
    assert not ExternalLink.objects.filter(connection=synced.books, entity="bill").exists()
