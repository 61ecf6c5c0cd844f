from accounts.models import Role
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
