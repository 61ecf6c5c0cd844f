"""A matter's client ledger in a real browser: an accountant finds the matter on the Trust page,
records a deposit, is refused an overdrawing disbursement with the reason, reverses an entry,
and acknowledges the overdraft exception Clio raised on another matter."""

from datetime import date
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.test_foundation import sign_in
from tests.factories import (
    ClientLedgerFactory,
    ContactFactory,
    FirmFactory,
    MatterFactory,
    MembershipFactory,
)
from trust import services_clio
from trust.models import EntryKind, TrustEntry, TrustException

pytestmark = pytest.mark.django_db(transaction=True)


def _clio_overdraft(ledger):
    row = services_clio.ClioEntry(
        source_id="bank_transaction:77",
        kind=EntryKind.DISBURSEMENT,
        direction=TrustEntry.Direction.OUT,
        amount=D("40.00"),
        date=date(2026, 3, 4),
        matter_id=ledger.matter_id,
        description="Cheque 1042 from Clio",
    )
    services_clio.trust_entries_import(account=ledger.account, rows=[row])


def test_accountant_works_a_client_ledger(page, live_server, screenshot):
    firm = FirmFactory(name="Harbor & Vale LLP", require_mfa=False)
    accountant = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    ada = MatterFactory(
        firm=firm,
        display_number="00012-Lovelace",
        client=ContactFactory(firm=firm, name="Ada Lovelace"),
    )
    ledger = ClientLedgerFactory(firm=firm, matter=ada, account__is_primary=True)
    babbage = ClientLedgerFactory(
        firm=firm, account=ledger.account, matter=MatterFactory(firm=firm, display_number="00013")
    )
    _clio_overdraft(babbage)

    sign_in(page, live_server, accountant.user.email)
    page.goto(f"{live_server.url}/trust/")
    expect(page.get_by_test_id("trust-badge")).to_contain_text("1")
    expect(page.get_by_test_id("exceptions")).to_contain_text("-40.00")
    screenshot("1-overview")

    page.get_by_role("link", name="00012-Lovelace Estate planning").click()
    expect(page.get_by_role("heading", name="00012-Lovelace Estate planning")).to_be_visible()
    page.get_by_role("button", name="Record deposit").click()
    expect(page.get_by_label("Amount")).to_be_focused()
    page.get_by_label("Amount").fill("1500.00")
    page.get_by_label("Received from").fill("Ada Lovelace")
    page.get_by_role("button", name="Record deposit").click()
    expect(page.get_by_test_id("ledger-balance")).to_have_text("1,500.00")

    page.get_by_role("button", name="Record disbursement").click()
    page.get_by_label("Amount").fill("2000.00")
    page.get_by_label("Paid to").fill("Court clerk")
    page.get_by_role("button", name="Record disbursement").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("has $1,500.00 available in trust")
    screenshot("2-overdraft-refused")
    page.get_by_label("Amount").fill("250.00")
    page.get_by_role("button", name="Record disbursement").click()
    expect(page.get_by_test_id("ledger-balance")).to_have_text("1,250.00")

    page.get_by_role("link", name="Reverse").last.click()
    page.get_by_label("Description").fill("Cheque voided")
    page.get_by_role("button", name="Reverse the entry").click()
    expect(page.get_by_test_id("ledger-balance")).to_have_text("1,500.00")
    expect(page.get_by_test_id("ledger-entries")).to_contain_text("reversed by")
    screenshot("3-ledger")

    page.goto(f"{live_server.url}/trust/")
    page.get_by_placeholder("How was it put right?").fill("Client wired $40 on 5 March.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("no-exceptions")).to_be_visible()
    expect(page.get_by_test_id("trust-badge")).to_have_count(0)
    assert TrustException.objects.get().resolution == "Client wired $40 on 5 March."
