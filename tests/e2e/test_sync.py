"""The first sync in a real browser: Lakeside connects Clio and Xero, starts it, watches it finish,
and opens a bill to see the invoice it became."""

import re
import threading

import pytest
from django.db import close_old_connections
from playwright.sync_api import expect

from accounts.models import Role
from practice.models import Bill
from sync.models import ExternalLink, SyncRun
from sync.providers.xero import client as xero_client
from tests.e2e.test_bill_syncing import connect_clio_and_xero
from tests.e2e.test_foundation import sign_in
from tests.factories import FirmFactory, MembershipFactory
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(monkeypatch):
    """Queued runs execute on a thread of their own, as the task worker would run them, so the page
    sees the run move instead of a request that returns when it is over."""
    from sync import tasks
    from sync.engine import run

    started = []

    def queue(func_path, *args, **kwargs):
        assert func_path == "sync.tasks.sync_run", func_path

        def work():
            try:
                tasks.sync_run(*args)
            finally:
                close_old_connections()

        thread = threading.Thread(target=work, daemon=True)
        started.append(thread)
        thread.start()

    monkeypatch.setattr(run, "async_task", queue)
    yield started
    for thread in started:
        thread.join(timeout=120)


def test_lakeside_runs_its_first_sync_and_finds_a_bill_in_xero(
    page, live_server, settings, worker, screenshot, monkeypatch
):
    use_sandboxes(settings, live_server.url)
    admin = MembershipFactory(
        role=Role.ADMIN, firm=FirmFactory(name="Lakeside Legal", slug="lakeside")
    )
    accounts = control(live_server.url, "clio", "seed", {"preset": "demo"})["accounts"]
    lakeside = next(a for a in accounts if a["name"] == "Lakeside Legal")
    xero = control(live_server.url, "xero", "seed", {"preset": "demo"})
    # The page is under test, not the pacing (tests/sandbox/xero/test_limits.py and
    # tests/sync/providers/test_budget.py): Xero's 60 calls a minute, at the provider and in
    # FirmSync's own budget, would hold the demo firm's first sync a minute for nothing.
    control(live_server.url, "xero", "limits", {"enabled": False})
    monkeypatch.setattr(xero_client, "RATE_PER_MINUTE", 1_000_000)
    sign_in(page, live_server, admin.user.email)
    connect_clio_and_xero(page, live_server.url, lakeside["users"][0], xero)

    # The settings, as pre-filled from the books, with a start date that takes in the year's bills.
    settings_form = page.locator("#setup form").filter(has=page.get_by_label("Sync start date"))
    settings_form.get_by_label("Sync start date").fill("2026-01-01")
    settings_form.get_by_role("button", name="Save sync settings").click()
    expect(page.get_by_text("Sync settings saved.")).to_be_visible(timeout=20000)
    expect(page.get_by_test_id("preflight-summary")).to_have_text(
        "Everything checks out. Syncing can start.", timeout=20000
    )
    screenshot("1-ready")

    menu = page.get_by_role("banner")
    menu.get_by_role("link", name="Sync", exact=True).click()
    expect(page.get_by_test_id("sync-empty")).to_contain_text("Press Sync now to start.")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("heading", name="Syncing now")).to_be_visible(timeout=20000)
    expect(page.get_by_label("Sync progress")).to_be_visible()
    screenshot("2-running")
    expect(page.get_by_role("heading", name="Last run")).to_be_visible(timeout=120000)
    expect(page.get_by_test_id("sync-run")).to_contain_text("Succeeded")
    expect(page.get_by_test_id("no-failures")).to_be_visible()
    screenshot("3-finished")

    run = SyncRun.objects.get(firm=admin.firm)
    assert run.status == SyncRun.Status.SUCCEEDED and run.done > 0 and run.failed == 0
    link = ExternalLink.objects.filter(firm=admin.firm, entity="bill").order_by("local_id").first()
    bill = Bill.objects.get(firm=admin.firm, clio_id=int(link.local_id))

    menu.get_by_role("link", name="Bills", exact=True).click()
    page.get_by_label("Search").fill(bill.number)
    page.get_by_label("Search").press("Enter")
    row = page.get_by_test_id(f"bill-{bill.clio_id}")
    expect(row).to_contain_text(f"Invoice {link.remote_number}")
    row.get_by_role("link", name=bill.number).click()
    invoice = page.get_by_test_id("bill-invoice")
    expect(invoice).to_contain_text(re.compile(rf"Xero invoice\s*{link.remote_number}\b"))
    expect(
        invoice.get_by_role("link", name=re.compile("Open the invoice in Xero"))
    ).to_have_attribute(
        "href", f"https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={link.remote_id}"
    )
    screenshot("4-bill")
