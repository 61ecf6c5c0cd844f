"""Pages under the strict Content-Security-Policy in a real browser: Chart.js charts draw, the
behaviour moved out of inline handlers still works, and the API docs render. The e2e conftest
fails any test whose pages break the policy."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from tests.e2e.test_foundation import sign_in
from tests.factories import (
    BillFactory,
    ClientLedgerFactory,
    FirmFactory,
    MatterFactory,
    MembershipFactory,
)
from trust import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin():
    firm = FirmFactory(name="Harbor & Vale LLP", require_mfa=False)
    ledger = ClientLedgerFactory(firm=firm, matter=MatterFactory(firm=firm))
    services.trust_deposit_record(ledger=ledger, amount=D("1200.00"), date=date(2026, 3, 2))
    return MembershipFactory(firm=firm, role=Role.ADMIN)


def _chart_drawn(page, canvas_id: str) -> bool:
    return page.evaluate(
        "id => !!(window.Chart && window.Chart.getChart(document.getElementById(id)))", canvas_id
    )


def test_the_charts_draw_under_the_policy(page, live_server, admin):
    sign_in(page, live_server, admin.user.email)
    for path, canvas in (("/trust/", "trust-chart"), ("/sync/", "sync-chart")):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert _chart_drawn(page, canvas), path


def test_a_removal_asks_first_and_cancelling_keeps_the_member(page, live_server, admin):
    staff = MembershipFactory(firm=admin.firm, role=Role.STAFF)
    sign_in(page, live_server, admin.user.email)
    page.goto(f"{live_server.url}/settings/members/")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator(f"form[action$='/{staff.pk}/remove/'] button").click()
    page.wait_for_timeout(300)
    assert asked and staff.user.email in asked[0]
    assert Membership.objects.filter(pk=staff.pk).exists()


def test_choosing_a_bill_state_filters_at_once(page, live_server, admin):
    BillFactory(firm=admin.firm)
    sign_in(page, live_server, admin.user.email)
    page.goto(f"{live_server.url}/bills/")
    page.locator("#bill-state").select_option("awaiting_payment")
    expect(page).to_have_url(re.compile(r"[?&]state=awaiting_payment"))


def test_the_api_docs_render(page, live_server, db):
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("FirmSync API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
