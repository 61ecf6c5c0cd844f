from accounts.models import Role
from tests.conftest import client_for
from tests.factories import MembershipFactory


def test_a_person_in_two_firms_switches_between_them(admin, other_firm):
    MembershipFactory(user=admin.user, firm=other_firm, role=Role.ACCOUNTANT)
    client = client_for(admin)
    client.post("/firm/switch/", {"firm": other_firm.pk})
    assert client.session["current_firm_id"] == other_firm.pk
    assert client.get("/api/v1/firm").json()["slug"] == other_firm.slug


def test_switching_to_a_firm_you_are_not_in_changes_nothing(admin, other_firm):
    client = client_for(admin)
    response = client.post("/firm/switch/", {"firm": other_firm.pk}, follow=True)
    assert "not a member of that firm" in response.content.decode()
    assert client.session["current_firm_id"] == admin.firm_id


def test_a_user_with_no_firm_is_told_so(client, db):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    response = client.get("/", follow=True)
    assert "You are not in a firm" in response.content.decode()
