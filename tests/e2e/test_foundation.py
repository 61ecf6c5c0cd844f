"""Browser tests in Debian's chromium: sign-up with MFA, invitations, roles, firm switching."""

import re

import pyotp
import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Firm, Membership, Role
from tests.factories import PASSWORD, FirmFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_sign_up_sets_up_mfa_then_reaches_the_dashboard(page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("#id_email").fill("founder@newfirm.test")
    page.locator("#id_password1").fill("a-long-pass-phrase-42")
    page.locator("#id_password2").fill("a-long-pass-phrase-42")
    page.get_by_label("Firm name").fill("Founders & Co")
    screenshot("1-signup")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # The firm requires MFA for admins: the authenticator setup comes before anything else,
    # after confirming the password (the email link alone does not unlock security settings).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("#id_password").fill("a-long-pass-phrase-42")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(pyotp.TOTP(secret).now())
    screenshot("2-mfa")
    # Wait for the activation to land before leaving: a navigation started at once can cancel
    # the form's POST, and the firm's MFA rule then sends the dashboard back to this page.
    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Founders & Co")).to_be_visible()
    screenshot("3-dashboard")
    firm = Firm.objects.get(name="Founders & Co")
    assert firm.require_mfa
    assert Membership.objects.get(firm=firm).role == Role.ADMIN


def test_admin_invites_a_staff_member_who_accepts(page, live_server, browser, screenshot):
    admin = MembershipFactory(role=Role.ADMIN, firm=FirmFactory(name="Harbor & Vale LLP"))
    sign_in(page, live_server, admin.user.email)
    page.goto(f"{live_server.url}/settings/members/")
    page.locator("#id_email").fill("new.paralegal@example.test")
    page.locator("#id_role").select_option("staff")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new.paralegal@example.test")).to_be_visible()
    screenshot("1-invited")

    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    invitee = browser.new_context().new_page()
    invitee.goto(link)
    invitee.locator("#id_password1").fill("a-long-pass-phrase-42")
    invitee.locator("#id_password2").fill("a-long-pass-phrase-42")
    invitee.get_by_role("button", name="Join Harbor & Vale LLP").click()
    expect(invitee.get_by_text("Welcome to Harbor & Vale LLP.")).to_be_visible()
    invitee.screenshot(path="var/screenshots/invitee-joined.png")
    assert Membership.objects.get(user__email="new.paralegal@example.test").role == Role.STAFF


def test_staff_cannot_open_bill_syncing(page, live_server, screenshot):
    staff = MembershipFactory(role=Role.STAFF)
    sign_in(page, live_server, staff.user.email)
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("link", name="Bill Syncing")).to_have_count(0)
    response = page.goto(f"{live_server.url}/settings/bill-syncing/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    screenshot("403")


def test_an_outside_accountant_switches_firm_from_the_header(page, live_server, screenshot):
    first = MembershipFactory(role=Role.ACCOUNTANT, firm=FirmFactory(name="Alpha Law"))
    MembershipFactory(user=first.user, role=Role.VIEWER, firm=FirmFactory(name="Beta Legal"))
    sign_in(page, live_server, first.user.email)
    expect(page.get_by_role("heading", name="Alpha Law")).to_be_visible()
    page.get_by_label("Current firm").select_option(label="Beta Legal (Viewer)")
    expect(page.get_by_role("heading", name="Beta Legal")).to_be_visible()
    expect(page.get_by_text("Switched to Beta Legal.")).to_be_visible()
    screenshot("switched")
