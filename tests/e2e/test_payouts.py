"""Clio Payments payouts in a real browser: two payouts wait unmatched, each saying what would
match it; a staff member imports the operating account's statement, and the payout it carries is
matched with its fee while the other stays listed as unmatched."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from practice.models import ClioPaymentsPayment
from sync.models import ClioPayout
from sync.payouts.services import payouts_refresh
from tests.e2e.test_foundation import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

STATEMENT = (
    "Date,Amount,Description\n"
    "2026-03-04,1213.13,CLIO PAYMENTS PAYOUT\n"
    "2026-03-05,350.00,Unrelated deposit\n"
)


def test_staff_import_a_statement_and_see_one_payout_matched_and_one_not(
    page, live_server, screenshot, firm, tmp_path
):
    for clio_id, amount, day in ((1, "1000.00", 2), (2, "250.00", 2), (3, "400.00", 3)):
        ClioPaymentsPayment.objects.create(
            firm=firm,
            clio_id=clio_id,
            amount=Decimal(amount),
            state="completed",
            deposit_date=date(2026, 3, day),
        )
    payouts_refresh(firm=firm)
    march_2 = ClioPayout.objects.get(firm=firm, deposit_date=date(2026, 3, 2))
    march_3 = ClioPayout.objects.get(firm=firm, deposit_date=date(2026, 3, 3))
    staff = MembershipFactory(firm=firm, role=Role.STAFF)
    sign_in(page, live_server, staff.user.email)
    page.goto(f"{live_server.url}{reverse('payouts')}")
    expect(page.get_by_test_id("payout-counts")).to_have_text("0 matched · 2 unmatched")
    expect(page.get_by_test_id(f"payout-{march_2.pk}")).to_contain_text("1250.00")
    expect(page.get_by_test_id(f"payout-{march_2.pk}")).to_contain_text("Unmatched.")
    screenshot("1-unmatched")

    statement = tmp_path / "operating.csv"
    statement.write_text(STATEMENT)
    page.get_by_label("Statement file").set_input_files(str(statement))
    page.get_by_role("button", name="Import and match").click()
    expect(page.get_by_text("2 new bank lines imported; payouts matched again.")).to_be_visible()
    expect(page.get_by_test_id("payout-counts")).to_have_text("1 matched · 1 unmatched")
    matched = page.get_by_test_id(f"payout-{march_2.pk}")
    expect(matched).to_contain_text("1213.13")
    expect(matched).to_contain_text("36.87")
    expect(matched).to_contain_text("CLIO PAYMENTS PAYOUT")
    # A 350.00 deposit two days later is no payout of 400.00 net of fees (5 % at most).
    expect(page.get_by_test_id(f"payout-{march_3.pk}")).to_contain_text("Unmatched.")
    screenshot("2-matched")
