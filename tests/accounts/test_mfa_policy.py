from django.test import Client

from accounts.models import Role
from accounts.services import api_token_create
from tests.conftest import client_for
from tests.factories import MembershipFactory


def test_admins_of_a_firm_requiring_mfa_are_sent_to_mfa_setup(firm):
    firm.require_mfa = True
    firm.save()
    admin = MembershipFactory(firm=firm, role=Role.ADMIN)
    response = client_for(admin).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_the_api_says_mfa_is_required_in_json(firm):
    firm.require_mfa = True
    firm.save()
    accountant = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    response = client_for(accountant).get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"


def test_staff_are_not_forced_into_mfa(firm):
    firm.require_mfa = True
    firm.save()
    staff = MembershipFactory(firm=firm, role=Role.STAFF)
    assert client_for(staff).get("/").status_code == 200


def test_admins_are_not_forced_when_the_firm_turns_the_policy_off(admin):
    assert client_for(admin).get("/").status_code == 200


def _admin_without_mfa(firm):
    firm.require_mfa = True
    firm.save()
    return MembershipFactory(firm=firm, role=Role.ADMIN)


def test_an_authorization_header_does_not_skip_mfa_on_pages(firm):
    admin = _admin_without_mfa(firm)
    _, raw = api_token_create(member=admin, name="ci", scope="read")
    for header in ("Bearer junk", "Basic YTpi", "anything", f"Bearer {raw}"):
        response = client_for(admin).get("/", headers={"Authorization": header})
        assert response.status_code == 302, header
        assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_an_invalid_authorization_header_does_not_skip_mfa_on_the_api(firm):
    admin = _admin_without_mfa(firm)
    for header in ("Basic YTpi", "anything", "Bearer"):
        response = client_for(admin).get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 403, header
        assert response.json()["error"]["code"] == "mfa_required"


def test_an_invalid_authorization_header_cannot_write_to_trust(firm):
    admin = _admin_without_mfa(firm)
    response = client_for(admin).post(
        "/api/v1/trust/entries",
        {"kind": "deposit", "amount": "10.00"},
        content_type="application/json",
        headers={"Authorization": "Basic YTpi"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"


def test_a_live_api_token_is_served_without_a_session(firm):
    admin = _admin_without_mfa(firm)
    _, raw = api_token_create(member=admin, name="ci", scope="read")
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    revoked = Client().get("/api/v1/me", headers={"Authorization": "Bearer fs_unknown"})
    assert revoked.status_code == 401
