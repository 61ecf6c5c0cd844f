import re

from django.core import mail

from accounts.models import Firm, Membership, Role


def test_password_reset_mails_a_link_that_sets_a_new_password(client, admin):
    client.post("/accounts/password/reset/", {"email": admin.user.email})
    link = re.search(
        r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body
    ).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url, {"password1": "brand-new-pass-phrase-7", "password2": "brand-new-pass-phrase-7"}
    )
    client.logout()
    assert client.login(email=admin.user.email, password="brand-new-pass-phrase-7")


def test_sign_up_creates_a_firm_with_the_person_as_admin_and_sends_verification(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "owner@newfirm.test",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "firm_name": "New Firm PLLC",
        },
    )
    assert response.status_code == 302
    firm = Firm.objects.get(name="New Firm PLLC")
    assert firm.slug == "new-firm-pllc" and firm.require_mfa
    assert Membership.objects.get(firm=firm).role == Role.ADMIN
    assert "confirm-email" in mail.outbox[-1].body


def test_unverified_email_cannot_sign_in(client, db):
    client.post(
        "/accounts/signup/",
        {
            "email": "owner@newfirm.test",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "firm_name": "New Firm PLLC",
        },
    )
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "owner@newfirm.test", "password": "a-long-pass-phrase-42"}
    )
    assert response["Location"].startswith("/accounts/confirm-email/")


def test_login_rate_limit_is_on():
    # allauth's defaults stay: failed logins are limited per IP and per account.
    from allauth.account import app_settings

    assert app_settings.RATE_LIMITS.get("login_failed")
