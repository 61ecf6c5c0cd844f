"""Bills held for approval in a real browser: the firm holds bills over 400.00; two are held by a
sync. A staff member opens the queue (the nav counts them), tries to reject one without a reason
and is told why, rejects it with one, approves the other, and re-opens the rejected one. The next
sync writes the approved bill to sandbox QuickBooks, and only that one."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import AuditEvent, Role
from sync.models import BillApproval, ExternalLink, SyncRun, SyncSettings
from tests.e2e.test_foundation import sign_in
from tests.factories import MembershipFactory
from tests.sync.conftest import clio_account  # noqa: F401 (fixture)
from tests.sync.engine.conftest import SyncedFirm, connect_books
from tests.sync.engine.test_push_scenarios import sync_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(clio_account, settings) -> SyncedFirm:  # noqa: F811
    conn = connect_books(clio_account.base, settings, clio_account.admin, "quickbooks")
    return SyncedFirm(clio=clio_account, books=conn)


def _held(synced) -> tuple[BillApproval, BillApproval]:
    SyncSettings.objects.filter(firm=synced.firm).update(approval_amount_over=Decimal("400"))
    ada = synced.approved_bill()["bill"]["id"]  # 495.50
    grace = synced.approved_bill(name="Grace Hopper", email="grace@example.com", hours=3)["bill"]
    run = sync_now(synced.firm)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    held = BillApproval.objects.filter(firm=synced.firm, status="held")
    return held.get(bill_clio_id=ada), held.get(bill_clio_id=grace["id"])


def test_staff_reject_one_held_bill_approve_the_other_and_reopen(
    page, live_server, screenshot, synced
):
    ada, grace = _held(synced)
    staff = MembershipFactory(firm=synced.firm, role=Role.STAFF)
    sign_in(page, live_server, staff.user.email)
    page.goto(f"{live_server.url}{reverse('bill_approvals')}")
    expect(page.get_by_test_id("approvals-badge")).to_contain_text("2")
    row_ada, row_grace = (
        page.get_by_test_id(f"approval-{ada.pk}"),
        page.get_by_test_id(f"approval-{grace.pk}"),
    )
    expect(row_ada).to_contain_text("Ada Lovelace")
    expect(row_ada).to_contain_text("495.50")
    expect(row_grace).to_contain_text("945.50")
    expect(row_ada).to_contain_text("Total 495.50 is over 400.00.")
    expect(row_ada).to_contain_text("Waiting for approval")
    screenshot("1-queue")

    row_ada.get_by_role("checkbox").check()
    page.get_by_test_id("bulk-reject").click()
    expect(page.get_by_text("Say why the bills are rejected.")).to_be_visible()
    page.get_by_test_id(f"approval-{ada.pk}").get_by_role("checkbox").check()
    page.get_by_label("Reason (required to reject)").fill("Wrong matter: re-bill it")
    page.get_by_test_id("bulk-reject").click()
    expect(page.get_by_text(f"Rejected 1 bill: {ada.number}.")).to_be_visible()
    expect(page.get_by_test_id(f"approval-{ada.pk}")).to_have_count(0)  # the queue shows held
    expect(page.get_by_test_id("approvals-badge")).to_contain_text("1")

    page.get_by_test_id(f"approval-{grace.pk}").get_by_role("checkbox").check()
    page.get_by_test_id("bulk-approve").click()
    expect(page.get_by_text(f"Approved 1 bill: {grace.number}.")).to_be_visible()
    expect(page.get_by_test_id("approvals-badge")).to_have_count(0)
    expect(page.get_by_test_id("approvals-empty")).to_be_visible()
    screenshot("2-decided")

    page.get_by_label("Show").select_option("rejected")
    page.get_by_role("button", name="Filter").click()
    rejected = page.get_by_test_id(f"approval-{ada.pk}")
    expect(rejected).to_contain_text("Wrong matter: re-bill it")
    expect(rejected).to_contain_text(staff.user.email)
    screenshot("3-rejected")

    # The next sync writes the approved bill, once, and leaves the rejected one out.
    assert sync_now(synced.firm).status == SyncRun.Status.SUCCEEDED
    linked = set(
        ExternalLink.objects.filter(connection=synced.books, entity="bill").values_list(
            "local_id", flat=True
        )
    )
    assert linked == {str(grace.bill_clio_id)}

    rejected.get_by_role("button", name="Re-open").click()
    expect(page.get_by_text(f"Bill {ada.number} waits for approval again.")).to_be_visible()
    expect(page.get_by_test_id("approvals-badge")).to_contain_text("1")
    actions = set(AuditEvent.objects.filter(firm=synced.firm).values_list("action", flat=True))
    assert {"bill_approval.rejected", "bill_approval.approved", "bill_approval.reopened"} <= actions
