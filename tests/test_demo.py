from django.core.management import call_command

from accounts.models import Firm, Membership


def test_seed_demo_creates_the_demo_firms_and_is_idempotent(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(Firm.objects.values_list("slug", flat=True)) == {"harbor-vale", "lakeside"}
    roles = dict(
        Membership.objects.filter(firm__slug="harbor-vale").values_list("user__email", "role")
    )
    assert roles == {
        "admin@harborvale.test": "admin",
        "accountant@harborvale.test": "accountant",
        "staff@harborvale.test": "staff",
        "viewer@harborvale.test": "viewer",
    }


def test_demo_admin_signs_in_with_the_printed_password(client, db):
    call_command("seed_demo")
    response = client.post(
        "/accounts/login/",
        {"login": "admin@harborvale.test", "password": "firmsync-demo"},
        follow=True,
    )
    assert "Harbor &amp; Vale LLP" in response.content.decode()
