"""Bill Syncing in a real browser against the sandbox providers."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from sync.models import Connection
from tests.e2e.test_foundation import sign_in
from tests.factories import FirmFactory, MembershipFactory
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandboxes(live_server, settings):
    use_sandboxes(settings, live_server.url)
    return live_server


def connect_clio_and_xero(page, base: str, clio_user: dict, xero: dict, screenshot=None) -> str:
    """On the Bill Syncing page: Connect Clio, Connect Xero, consent to every organisation, then
    choose the first. Returns the chosen organisation's name."""
    shot = screenshot or (lambda step: None)
    page.goto(f"{base}/settings/bill-syncing/")
    shot("1-empty")
    page.get_by_label("Where your Clio account lives").select_option("us")
    page.get_by_role("button", name="Connect Clio").click()
    page.locator("#email").fill(clio_user["email"])
    page.locator("#password").fill(clio_user["password"])
    shot("2-clio-consent")
    page.get_by_role("button", name="Allow access").click()
    expect(page.get_by_text("Clio is connected as")).to_be_visible()

    page.get_by_role("button", name="Connect Xero").click()
    page.locator("input[name=email]").last.fill(xero["user"]["email"])
    page.locator("input[name=password]").last.fill(xero["user"]["password"])
    page.get_by_role("button", name="Log in").click()
    for org in xero["organisations"]:
        page.get_by_label(org["tenantName"], exact=True).check()
    shot("3-xero-consent")
    page.get_by_role("button", name="Allow access").click()

    expect(
        page.get_by_role("heading", name="Choose the Xero organisation for Lakeside Legal")
    ).to_be_visible()
    chosen = xero["organisations"][0]["tenantName"]
    page.get_by_label(chosen, exact=True).check()
    page.get_by_role("button", name="Use this organisation").click()
    expect(page.get_by_text(f"Xero is connected as {chosen}.")).to_be_visible()
    expect(page.get_by_test_id("connected-as-clio")).to_contain_text("Clio")
    expect(page.get_by_test_id("connected-as-xero")).to_contain_text(chosen)
    return chosen


def test_lakeside_connects_clio_then_xero_choosing_an_organisation(page, sandboxes, screenshot):
    admin = MembershipFactory(
        role=Role.ADMIN, firm=FirmFactory(name="Lakeside Legal", slug="lakeside")
    )
    clio_user = control(
        sandboxes.url, "clio", "accounts", {"name": "Lakeside Legal", "region": "us"}
    )["users"][0]
    xero = control(sandboxes.url, "xero", "seed", {"preset": "demo"})
    sign_in(page, sandboxes, admin.user.email)
    chosen = connect_clio_and_xero(page, sandboxes.url, clio_user, xero, screenshot)
    expect(page.get_by_test_id("preflight-summary")).to_be_visible(timeout=20000)
    screenshot("4-both-connected")
    made = dict(Connection.objects.filter(firm=admin.firm).values_list("provider", "external_name"))
    assert set(made) == {"clio", "xero"} and made["xero"] == chosen


def test_preflight_flags_custom_numbers_and_fix_it_for_me_fixes_it(
    page, sandboxes, screenshot, settings
):
    from sync import services
    from sync.providers import oauth

    admin = MembershipFactory(
        role=Role.ADMIN, firm=FirmFactory(name="Harbor & Vale LLP", slug="harbor-vale")
    )
    realm = control(sandboxes.url, "quickbooks", "seed", {"preset": "demo"})["realmId"]
    raw = control(
        sandboxes.url,
        "quickbooks",
        "tokens",
        {"client_id": settings.PROVIDERS["quickbooks"]["client_id"], "account": realm},
    )
    services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider="quickbooks",
        external_id=realm,
        external_name="Harbor & Vale LLP",
        tokens=oauth.tokens_from(raw),
    )
    sign_in(page, sandboxes, admin.user.email)
    page.goto(f"{sandboxes.url}/settings/bill-syncing/")
    check = page.get_by_test_id("check-qbo_custom_numbers")
    expect(check).to_contain_text("Custom transaction numbers are on", timeout=20000)
    expect(check.get_by_label("fails")).to_be_visible()
    screenshot("1-flagged")
    check.get_by_role("button", name="Fix it for me").click()
    expect(page.get_by_text("Custom transaction numbers are now on in QuickBooks.")).to_be_visible()
    expect(page.get_by_test_id("check-qbo_custom_numbers").get_by_label("passes")).to_be_visible(
        timeout=20000
    )
    screenshot("2-fixed")
