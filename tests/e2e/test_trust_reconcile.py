"""March's trust reconciliation in a real browser: an accountant imports the bank's CSV through the
column step, auto-matches and prepares; an admin approves; the PDF report carries the balances."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.test_foundation import sign_in
from tests.factories import FirmFactory, MembershipFactory
from tests.trust.reconcile_builders import CSV_MARCH_NO_FEE, march
from trust.models import Reconciliation

pytestmark = pytest.mark.django_db(transaction=True)


def test_accountant_prepares_and_admin_approves_march(page, live_server, browser, screenshot):
    firm = FirmFactory(name="Harbor & Vale LLP", require_mfa=False)
    accountant = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    admin = MembershipFactory(firm=firm, role=Role.ADMIN)
    account, _, _ = march(firm)
    month = f"{live_server.url}/trust/reconciliations/{account.pk}/2026/3/"

    sign_in(page, live_server, accountant.user.email)
    page.goto(month)
    expect(page.get_by_text("No bank statement for March 2026 yet")).to_be_visible()
    page.get_by_label("Bank statement file (CSV or OFX)").set_input_files(
        files=[{"name": "march.csv", "mimeType": "text/csv", "buffer": CSV_MARCH_NO_FEE}]
    )
    page.get_by_role("button", name="Upload statement").click()

    expect(page.get_by_role("heading", name="Choose the columns of march.csv")).to_be_visible()
    expect(page.get_by_role("cell", name="DEPOSIT SMITH")).to_be_visible()
    expect(page.get_by_label("Date column")).to_have_value("Date")
    page.get_by_label("Bank name").fill("First Harbor Bank")
    page.get_by_label("Closing balance on the statement").fill("6350.00")
    page.get_by_role("button", name="Import statement").click()
    # The guessed date format is the wrong one: every row is named, nothing is imported.
    expect(page.get_by_test_id("import-errors")).to_contain_text("Row 2: the date “03/03/2026”")
    screenshot("1-row-errors")
    page.get_by_label("Date format").select_option("%m/%d/%Y")
    page.get_by_label("Closing balance on the statement").fill("6350.00")
    page.get_by_role("button", name="Import statement").click()
    expect(page.get_by_text("Imported 3 lines from march.csv.")).to_be_visible()

    page.get_by_role("button", name="Auto-match").click()
    expect(page.get_by_text("Matched 3 statement lines.")).to_be_visible()
    page.get_by_role("button", name="Prepare").click()
    expect(page.get_by_text("March 2026 is prepared. The balances agree.")).to_be_visible()
    expect(page.get_by_test_id("verdict")).to_be_visible()
    expect(page.get_by_test_id("bank-balance")).to_contain_text("6,700.00")
    expect(page.get_by_role("button", name="Approve and lock")).to_have_count(0)
    screenshot("2-prepared")

    reviewer = browser.new_context().new_page()
    sign_in(reviewer, live_server, admin.user.email)
    reviewer.goto(month)
    reviewer.get_by_role("button", name="Approve and lock").click()
    expect(reviewer.get_by_text("March 2026 is approved and locked.")).to_be_visible()
    expect(reviewer.get_by_test_id("rec-status")).to_have_text("Approved")
    reviewer.screenshot(path="var/screenshots/reconcile-approved.png", full_page=True)

    with reviewer.expect_download() as download_info:
        reviewer.get_by_role("link", name=re.compile("Download the report")).click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    for balance in (b"6,350.00", b"6,700.00", b"Adjusted bank balance", b"Trust journal balance"):
        assert balance in pdf
    rec = Reconciliation.objects.get()
    assert (rec.status, rec.prepared_by, rec.approved_by) == (
        "approved",
        accountant.user,
        admin.user,
    )
