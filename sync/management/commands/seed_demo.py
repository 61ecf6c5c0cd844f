"""Create the demo firms and people. Safe to run again: it changes nothing that exists."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Firm, Membership, Role, User
from accounts.services import firm_create

DEMO_PASSWORD = "firmsync-demo"

DEMO_FIRMS = [
    {
        "name": "Harbor & Vale LLP",
        "slug": "harbor-vale",
        "timezone": "America/New_York",
        "people": [
            ("admin@harborvale.test", Role.ADMIN, "Avery", "Harbor"),
            ("accountant@harborvale.test", Role.ACCOUNTANT, "Casey", "Ledger"),
            ("staff@harborvale.test", Role.STAFF, "Sam", "Paralegal"),
            ("viewer@harborvale.test", Role.VIEWER, "Vic", "Viewer"),
        ],
    },
    {
        "name": "Lakeside Legal",
        "slug": "lakeside",
        "timezone": "America/Chicago",
        "people": [("admin@lakeside.test", Role.ADMIN, "Lee", "Lakeside")],
    },
]


def _person(email: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Create the demo firms Harbor & Vale LLP and Lakeside Legal with their users."

    @transaction.atomic
    def handle(self, *args, **options):
        for spec in DEMO_FIRMS:
            people = spec["people"]
            owner = _person(people[0][0], people[0][2], people[0][3])
            firm = Firm.objects.filter(slug=spec["slug"]).first()
            if firm is None:
                firm = firm_create(name=spec["name"], owner=owner, slug=spec["slug"])
                # Demo people sign in with a password only; real firms keep MFA required.
                Firm.objects.filter(pk=firm.pk).update(require_mfa=False, timezone=spec["timezone"])
            for email, role, first, last in people:
                user = _person(email, first, last)
                Membership.objects.get_or_create(user=user, firm=firm, defaults={"role": role})
        self.stdout.write(self.style.SUCCESS("Demo firms ready."))
        self.stdout.write(demo_logins_text())


def demo_logins_text() -> str:
    lines = ["", "Demo sign-ins (password for all: firmsync-demo):"]
    for spec in DEMO_FIRMS:
        for email, role, *_ in spec["people"]:
            lines.append(f"  {spec['name']:<20} {role.label:<11} {email}")
    return "\n".join(lines) + "\n"
